// BitNet b1.58: BitLinear's int8 activations, the squared-ReLU gate, and whole models in every
// ternary format computing the same function as the same ternary values in F32.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <vector>

#include "bitnet/bit_linear.hpp"
#include "docent/engine.hpp"
#include "architectures/architecture.hpp"
#include "gguf/gguf_reader.hpp"
#include "import/safetensors.hpp"
#include "quant/quantize.hpp"
#include "quant/ternary.hpp"
#include "quantize/ternary_model.hpp"
#include "test_support.hpp"
#include "testing/random_model.hpp"
#include "transformer.hpp"

namespace docent::engine {
namespace {

using test::TempDir;

TEST(BitLinear, ActivationsAreRoundedToInt8PerTokenByTheirLargestMagnitude) {
  const std::vector<float> rows = {1.0f, -0.5f, 0.25f, 0.0f,    // largest 1: steps of 1/127
                                   -4.0f, 2.0f, 0.01f, 3.0f};   // largest 4: steps of 4/127
  std::vector<std::int8_t> q(8);
  float scales[2];
  quantize_rows_int8(rows.data(), 2, 4, q.data(), scales);
  EXPECT_EQ(scales[0], 1.0f / 127.0f);
  EXPECT_EQ(scales[1], 4.0f / 127.0f);
  EXPECT_EQ(q, (std::vector<std::int8_t>{127, -64, 32, 0, -127, 64, 0, 95}));  // -63.5 -> -64 (half to even), 31.75 -> 32
  std::vector<float> zero(4, 0.0f);
  quantize_rows_int8(zero.data(), 1, 4, q.data(), scales);
  EXPECT_EQ(scales[0], 0.0f);  // no division by zero
}

TEST(BitLinear, ProductEqualsTheReferenceFormula) {
  // y[o] = weight scale * activation scale * sum_i t[o][i] * q[i]
  const std::int64_t in = 256, out = 5;
  std::vector<float> weights(static_cast<std::size_t>(in * out)), input(static_cast<std::size_t>(in));
  for (std::int64_t i = 0; i < in * out; ++i) weights[static_cast<std::size_t>(i)] = 0.125f * static_cast<float>((i * 7 % 3) - 1);
  for (std::int64_t i = 0; i < in; ++i) input[static_cast<std::size_t>(i)] = std::sin(0.37f * static_cast<float>(i));
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(*row_bytes(TensorType::tq2_0, in) * out));
  for (std::int64_t o = 0; o < out; ++o)
    quantize_row(TensorType::tq2_0, weights.data() + o * in, bytes.data() + o * *row_bytes(TensorType::tq2_0, in), in);
  const TensorView view = make_view(bytes.data(), TensorType::tq2_0, {in, out, 1, 1}, 2);
  std::vector<float> y(static_cast<std::size_t>(out));
  bit_linear(view, nullptr, input.data(), 1, y.data());
  std::vector<std::int8_t> q(static_cast<std::size_t>(in));
  float scale;
  quantize_rows_int8(input.data(), 1, in, q.data(), &scale);
  for (std::int64_t o = 0; o < out; ++o) {
    double sum = 0;
    for (std::int64_t i = 0; i < in; ++i)
      sum += static_cast<double>(weights[static_cast<std::size_t>(o * in + i)] / 0.125f) * q[static_cast<std::size_t>(i)];
    EXPECT_NEAR(y[static_cast<std::size_t>(o)], 0.125 * scale * sum, 1e-5) << o;
  }
}

TEST(BitLinear, SquaredReluGate) {
  std::vector<float> gate = {-1.0f, 0.0f, 0.5f, 2.0f}, up = {3.0f, 3.0f, 4.0f, -1.0f};
  squared_relu_multiply(gate.data(), up.data(), 4);
  EXPECT_EQ(gate, (std::vector<float>{0.0f, 0.0f, 1.0f, -4.0f}));
}

RandomModelSpec bitnet_model(const std::string& name, TensorType type) {
  RandomModelSpec spec;
  spec.architecture = name;
  spec.layers = 2;
  spec.hidden = 256;  // ternary scales 1/16 and 1/32 (= 1/sqrt(width)) are exact in every format
  spec.heads = 4;
  spec.kv_heads = 2;
  spec.ffn = 1024;
  spec.vocabulary = 300;
  spec.context_length = 64;
  spec.weight_type = type;
  spec.seed = 21;
  // Full precision for the embedding and head, so the ternary linears are the only difference.
  spec.tensor_types = {{"token_embd.weight", TensorType::f32}, {"output.weight", TensorType::f32}};
  return spec;
}

std::vector<float> logits(const std::filesystem::path& path) {
  Transformer model(GgufFile::open(path));
  KvCache cache(model.parameters(), 16);
  std::vector<float> out;
  const std::vector<std::int32_t> tokens = {1, 50, 299, 7, 7, 120};
  model.forward(tokens, cache, out, true);
  return out;
}

TEST(BitnetModel, EveryTernaryFormatComputesTheSameFunctionAsF32) {
  TempDir dir;
  write_random_model(dir.path() / "f32.gguf", bitnet_model("bitnet-b1.58", TensorType::f32));
  const auto reference = logits(dir.path() / "f32.gguf");
  std::vector<float> first_ternary;
  for (TensorType type : {TensorType::tq1_0, TensorType::tq2_0, TensorType::i2_s}) {
    const auto path = dir.path() / (std::string(type_name(static_cast<std::uint32_t>(type))) + ".gguf");
    write_random_model(path, bitnet_model("bitnet-b1.58", type));
    const auto file = GgufFile::open(path);
    EXPECT_EQ(file->find_tensor("blk.0.ffn_down.weight")->type, static_cast<std::uint32_t>(type));
    const auto ours = logits(path);
    // The formats hold the same values and run the same (kernel or scalar) path: equal bits.
    if (first_ternary.empty()) first_ternary = ours;
    EXPECT_EQ(ours, first_ternary) << type_name(static_cast<std::uint32_t>(type));
    // F32 weights take the float path: the same sums in another order, so only rounding apart.
    ASSERT_EQ(ours.size(), reference.size());
    double worst = 0;
    for (std::size_t i = 0; i < ours.size(); ++i) worst = std::max(worst, std::fabs(static_cast<double>(ours[i]) - reference[i]));
    EXPECT_LT(worst, 1e-3) << type_name(static_cast<std::uint32_t>(type));
    std::printf("%s vs F32: max |logit difference| %.3g\n", type_name(static_cast<std::uint32_t>(type)).data(), worst);
  }
}

TEST(BitnetModel, NonTernaryMatricesOfATernaryModelAreF16) {
  TempDir dir;
  RandomModelSpec spec = bitnet_model("bitnet", TensorType::tq1_0);
  spec.tensor_types.clear();
  write_random_model(dir.path() / "m.gguf", spec);
  const auto file = GgufFile::open(dir.path() / "m.gguf");
  EXPECT_EQ(file->find_tensor("token_embd.weight")->type, static_cast<std::uint32_t>(TensorType::f16));
  EXPECT_EQ(file->find_tensor("blk.1.attn_k.weight")->type, static_cast<std::uint32_t>(TensorType::tq1_0));
}

TEST(BitnetModel, TheNameChoosesTheGate) {
  TempDir dir;
  write_random_model(dir.path() / "relu2.gguf", bitnet_model("bitnet-b1.58", TensorType::tq2_0));
  write_random_model(dir.path() / "relu2-25.gguf", bitnet_model("bitnet-25", TensorType::tq2_0));
  write_random_model(dir.path() / "silu.gguf", bitnet_model("bitnet", TensorType::tq2_0));
  EXPECT_EQ(Transformer(GgufFile::open(dir.path() / "silu.gguf")).parameters().ffn_activation, FfnActivation::silu_gated);
  EXPECT_EQ(Transformer(GgufFile::open(dir.path() / "relu2.gguf")).parameters().ffn_activation,
            FfnActivation::squared_relu_gated);
  EXPECT_EQ(logits(dir.path() / "relu2.gguf"), logits(dir.path() / "relu2-25.gguf"));
  EXPECT_NE(logits(dir.path() / "relu2.gguf"), logits(dir.path() / "silu.gguf"));
}

TEST(BitnetModel, MissingSubNormIsNamed) {
  TempDir dir;
  const auto path = dir.path() / "model.gguf";
  write_random_model(path, bitnet_model("bitnet", TensorType::tq2_0));
  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  const auto at = bytes.find("blk.1.ffn_sub_norm.weight");
  ASSERT_NE(at, std::string::npos);
  bytes[at] = 'X';
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
  try {
    Transformer model(GgufFile::open(path));
    FAIL();
  } catch (const ModelError& error) {
    EXPECT_NE(std::string(error.what()).find("missing tensor 'blk.1.ffn_sub_norm.weight'"), std::string::npos) << error.what();
  }
}

TEST(BitnetQuantize, TernaryTrainedF16WeightsQuantizeExactlyToEveryTernaryType) {
  TempDir dir;
  RandomModelSpec spec = bitnet_model("bitnet-b1.58", TensorType::f16);
  write_random_model(dir.path() / "f16.gguf", spec);
  const auto reference = logits(dir.path() / "f16.gguf");
  std::vector<float> first;
  for (const char* type : {"tq1_0", "tq2_0", "i2_s"}) {
    const auto path = dir.path() / (std::string(type) + ".gguf");
    quantize_model(dir.path() / "f16.gguf", path, type);
    const auto file = GgufFile::open(path);
    EXPECT_EQ(type_name(file->find_tensor("blk.1.ffn_up.weight")->type), std::string(type == std::string("i2_s") ? "I2_S" : type == std::string("tq1_0") ? "TQ1_0" : "TQ2_0"));
    EXPECT_EQ(file->find_tensor("token_embd.weight")->type, static_cast<std::uint32_t>(TensorType::f32));  // kept as it was
    const auto ours = logits(path);
    if (first.empty()) first = ours;
    EXPECT_EQ(ours, first) << type;
    double worst = 0;
    for (std::size_t i = 0; i < ours.size(); ++i) worst = std::max(worst, std::fabs(static_cast<double>(ours[i]) - reference[i]));
    EXPECT_LT(worst, 1e-3) << type;
  }
}

TEST(BitnetQuantize, LatentWeightsAreTernarizedByTheirMeanMagnitude) {
  std::vector<float> latent = {0.9f, -0.1f, 0.4f, -2.0f};  // mean |w| = 0.85
  EXPECT_TRUE(ternarize(latent));
  EXPECT_EQ(latent, (std::vector<float>{0.85f, -0.0f, 0.0f, -0.85f}));
  std::vector<float> ternary = {0.5f, 0.0f, -0.5f, 0.5f};
  EXPECT_FALSE(ternarize(ternary));
  EXPECT_EQ(ternary, (std::vector<float>{0.5f, 0.0f, -0.5f, 0.5f}));
}

TEST(BitnetQuantize, ANonTernaryArchitectureIsRefusedByName) {
  TempDir dir;
  RandomModelSpec spec;
  spec.architecture = "qwen2";
  spec.hidden = 256;
  spec.weight_type = TensorType::f32;
  write_random_model(dir.path() / "qwen.gguf", spec);
  try {
    quantize_model(dir.path() / "qwen.gguf", dir.path() / "out.gguf", "tq2_0");
    FAIL();
  } catch (const ModelError& error) {
    EXPECT_NE(std::string(error.what()).find("architecture 'qwen2' has no ternary weights"), std::string::npos) << error.what();
  }
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "out.gguf"));
}

}  // namespace
}  // namespace docent::engine

namespace docent::engine {
namespace {

// The Hugging Face release form of a ternary linear: codes t + 1 packed four to a byte along
// the output dimension (row j + i * out / 4 in bits 2i of byte [j, c]).
std::vector<std::uint8_t> pack_release_form(const std::vector<float>& values, std::int64_t out, std::int64_t in, float scale) {
  std::vector<std::uint8_t> packed(static_cast<std::size_t>(out / 4 * in), 0);
  for (std::int64_t r = 0; r < out; ++r)
    for (std::int64_t c = 0; c < in; ++c) {
      const int code = static_cast<int>(std::lround(values[static_cast<std::size_t>(r * in + c)] / scale)) + 1;
      packed[static_cast<std::size_t>((r % (out / 4)) * in + c)] |= static_cast<std::uint8_t>(code << (2 * (r / (out / 4))));
    }
  return packed;
}

void import_release_form(const std::string& linear_class, bool divide) {
  TempDir dir;
  RandomModelSpec spec = bitnet_model("bitnet-b1.58", TensorType::tq2_0);
  spec.tokenizer_metadata = true;
  write_random_model(dir.path() / "original.gguf", spec);
  export_hf_model(dir.path() / "original.gguf", dir.path() / "hf");
  // Rewrite the exported floats into the packed form with its weight_scale tensors.
  std::vector<conversion::SafetensorsOutput> outputs;
  {
    const auto set = conversion::SafetensorsSet::open_folder(dir.path() / "hf");
    const auto file = GgufFile::open(dir.path() / "original.gguf");
    const ArchitectureSpec& bitnet = bitnet_architecture();
    for (const std::string& name : set.names()) {
      const conversion::SafetensorsTensor* tensor = set.find(name);
      const TensorSlot* slot = nullptr;
      int layer = -1;
      for (const TensorSlot& candidate : bitnet.tensors)
        for (int l = candidate.per_layer() ? 0 : -1; l < (candidate.per_layer() ? spec.layers : 0); ++l)
          if (tensor_name(candidate.hf, l) == name) slot = &candidate, layer = l;
      const auto values = tensor->to_floats();
      if (slot == nullptr || !slot->ternary) {
        outputs.push_back({name, "F32", tensor->shape, conversion::encode_floats(values, "F32")});
        continue;
      }
      const float scale = 1.0f / std::sqrt(static_cast<float>(tensor->shape[1]));
      outputs.push_back({name, "U8", {tensor->shape[0] / 4, tensor->shape[1]},
                         pack_release_form(values, tensor->shape[0], tensor->shape[1], scale)});
      const float stored = divide ? 1.0f / scale : scale;
      outputs.push_back({tensor_name(bitnet.slot(*output_scale_role(slot->role))->hf, layer), "BF16", {1},
                         conversion::encode_floats({stored}, "BF16")});
    }
  }
  conversion::write_safetensors(dir.path() / "hf" / "model.safetensors", outputs, {{"format", "pt"}});
  auto config = nlohmann::json::parse(std::ifstream(dir.path() / "hf" / "config.json"));
  config["quantization_config"] = {{"quant_method", "bitnet"}, {"linear_class", linear_class}, {"quantization_mode", "offline"}};
  std::ofstream(dir.path() / "hf" / "config.json") << config.dump(2);

  import_hf_model(dir.path() / "hf", dir.path() / "imported.gguf");
  const auto original = GgufFile::open(dir.path() / "original.gguf"), imported = GgufFile::open(dir.path() / "imported.gguf");
  for (const char* name : {"blk.0.attn_q.weight", "blk.1.ffn_down.weight", "blk.1.attn_k.weight"}) {
    const GgufTensorInfo* a = original->find_tensor(name);
    const GgufTensorInfo* b = imported->find_tensor(name);
    ASSERT_NE(b, nullptr) << name;
    EXPECT_EQ(b->type, static_cast<std::uint32_t>(TensorType::tq2_0)) << name;
    ASSERT_EQ(a->bytes, b->bytes) << name;
    EXPECT_EQ(0, std::memcmp(a->data, b->data, a->bytes)) << name << ": the same codes and scales";
  }
  EXPECT_EQ(imported->find_tensor("blk.0.attn_q.scale"), nullptr);  // folded into the weight
  EXPECT_EQ(logits(dir.path() / "imported.gguf"), logits(dir.path() / "original.gguf"));
}

TEST(BitnetImport, PackedTernaryReleaseFormImportsExactly) {
  import_release_form("autobitlinear", false);  // weight = codes * weight_scale
  import_release_form("bitlinear", true);       // weight = codes / weight_scale
}

}  // namespace
}  // namespace docent::engine
