// ONNX export with quantized weights (com.microsoft MatMulNBits, DequantizeLinear on int4/int8)
// and its import back: GGUF Q4_0 blocks travel through every encoding unchanged, float weights
// come back within one quantization step, and malformed quantized graphs fail naming the node.
#include <gtest/gtest.h>
// The flavour the engine's onnx_proto is built with (its definitions are private to the engine).
#ifndef ONNX_ML
#define ONNX_ML 1
#endif
#ifndef ONNX_NAMESPACE
#define ONNX_NAMESPACE onnx
#endif
#include <onnx/onnx_pb.h>

#include <cmath>
#include <cstring>
#include <optional>
#include <fstream>
#include <nlohmann/json.hpp>

#include "docent/engine.hpp"
#include "gguf/gguf_reader.hpp"
#include "import/hf_layout.hpp"
#include "quant/type_traits.hpp"
#include "test_support.hpp"

namespace docent::engine {
namespace {

using test::TempDir;

std::filesystem::path fixture(const std::string& name) { return test::shared_dir() / "fixtures/models" / name; }

std::string error_of(const std::function<void()>& work) {
  try {
    work();
  } catch (const ModelError& error) {
    return error.what();
  }
  return "";
}

OnnxExportOptions format(const std::string& weights, int block_size = 32, bool zero_points = false) {
  OnnxExportOptions options;
  options.weights = weights;
  options.block_size = block_size;
  options.zero_points = zero_points;
  return options;
}

std::string describe(const OnnxExportOptions& o) {
  return o.weights + " block " + std::to_string(o.block_size) + (o.zero_points ? " with zero points" : "");
}

// The matrices the exporter quantizes: every linear layer and an untied output head.
bool is_layer_matrix(const GgufTensorInfo& tensor) {
  return tensor.shape.size() == 2 && (tensor.name.rfind("blk.", 0) == 0 || tensor.name == "output.weight");
}

std::vector<float> floats(const GgufTensorInfo& tensor) { return conversion::gguf_tensor_floats(tensor, tensor.name); }

// The largest logit difference over a prompt fed one token at a time.
float max_logit_difference(const std::filesystem::path& a, const std::filesystem::path& b, const std::vector<TokenId>& tokens) {
  Generator first(Model::load(a)), second(Model::load(b));
  float worst = 0;
  for (TokenId token : tokens) {
    const auto& x = first.prefill({token});
    const auto& y = second.prefill({token});
    EXPECT_EQ(x.size(), y.size());
    for (std::size_t i = 0; i < x.size() && i < y.size(); ++i) worst = std::max(worst, std::fabs(x[i] - y[i]));
  }
  return worst;
}

// The fixture quantized to Q4_0 (matrices whose rows are not whole blocks stay as they are).
std::filesystem::path q4_0_source(const std::string& name, const TempDir& temp) {
  if (name == "tiny-qwen2-f16.gguf") return fixture("tiny-qwen2-q4_0.gguf");
  const auto path = temp.path() / "source-q4_0.gguf";
  quantize_model(fixture(name), path, "q4_0");
  return path;
}

class QuantizedOnnx : public ::testing::TestWithParam<std::string> {};

// Every Q4_0 block of the source comes back byte for byte, whichever encoding carried it
// (int4 codes with or without zero points, or int8 codes that happen to use only 16 values);
// everything else comes back with identical values. The model's outputs are then the source's.
TEST_P(QuantizedOnnx, Q4_0BlocksSurviveEveryEncoding) {
  DOCENT_REQUIRE_SHARED("fixtures/models/" + GetParam());
  TempDir temp;
  const auto source_path = q4_0_source(GetParam(), temp);
  const auto source = GgufFile::open(source_path);
  int quantized_matrices = 0;
  for (const auto& options : {format("int4"), format("int4", 32, true), format("qdq-int4"), format("qdq-int4", 32, true),
                              format("qdq-int8"), format("qdq-int8", 32, true)}) {
    SCOPED_TRACE(describe(options));
    const auto folder = temp.path() / ("onnx-" + options.weights + (options.zero_points ? "-zp" : ""));
    export_onnx_model(source_path, folder, options);
    import_onnx_model(folder / "model.onnx", temp.path() / "back.gguf");
    const auto back = GgufFile::open(temp.path() / "back.gguf");
    quantized_matrices = 0;
    for (const auto& tensor : source->tensors()) {
      SCOPED_TRACE(tensor.name);
      const GgufTensorInfo* imported = back->find_tensor(tensor.name);
      ASSERT_NE(imported, nullptr);
      ASSERT_EQ(imported->shape, tensor.shape);
      if (is_layer_matrix(tensor) && tensor.type == static_cast<std::uint32_t>(TensorType::q4_0)) {
        ++quantized_matrices;
        ASSERT_EQ(imported->type, tensor.type);
        ASSERT_EQ(0, std::memcmp(imported->data, tensor.data, tensor.bytes));
      } else {
        ASSERT_EQ(floats(*imported), floats(tensor));
      }
    }
    EXPECT_GT(quantized_matrices, 0);
  }
  if (GetParam() == "tiny-bert-f16.gguf") {
    const std::vector<std::string> texts{"a small test", "Another sentence, with punctuation!"};
    EXPECT_EQ(Embedder(Model::load(source_path)).embed(texts), Embedder(Model::load(temp.path() / "back.gguf")).embed(texts));
    return;
  }
  const auto model = Model::load(source_path);
  const auto tokens = model->tokenizer().encode("Once upon a time, a little girl named Lily", true);
  const float difference = max_logit_difference(source_path, temp.path() / "back.gguf", tokens);
  std::cout << "[ max error ] " << GetParam() << " Q4_0 source vs its ONNX round trip: max |logit difference| " << difference << "\n";
  if (source->find_tensor("output.weight") != nullptr) {
    EXPECT_EQ(difference, 0.0f);
  } else {
    // Tied output: the source multiplies by its Q4_0 embedding (activations rounded to 8 bits
    // first), the import by the same values in F32 (no rounding). Rounding 64 activations of
    // magnitude ~1 to 1/127 of their block maximum moves a logit by ~1e-2 at most.
    EXPECT_LT(difference, 2e-2f);
  }
}

// How far one code step is for a block, by the exporter's rules: symmetric blocks scale their
// largest magnitude to 2^(bits-1) steps (8-bit: 127), asymmetric ones spread min..max over
// 2^bits - 1 steps. Rounding to the nearest code costs half a step; clamping the one value beyond
// the symmetric 4-bit range, or rounding the zero point to an integer, costs up to another half.
double step_of(const float* values, std::int64_t count, int bits, bool zero_points) {
  float low = values[0], high = values[0], magnitude = 0;
  for (std::int64_t i = 0; i < count; ++i)
    low = std::min(low, values[i]), high = std::max(high, values[i]), magnitude = std::max(magnitude, std::fabs(values[i]));
  if (zero_points) return (high - low) / ((1 << bits) - 1);
  return magnitude / (bits == 4 ? 8.0 : 127.0);
}

struct StepCase {
  OnnxExportOptions options;
  int bits;
  std::optional<TensorType> imported_type;  // what the exact import of 32-column-aligned blocks produces
};

TEST_P(QuantizedOnnx, FloatWeightsComeBackWithinOneStep) {
  DOCENT_REQUIRE_SHARED("fixtures/models/" + GetParam());
  TempDir temp;
  const auto source = GgufFile::open(fixture(GetParam()));
  const std::vector<StepCase> cases{
      {format("int4"), 4, TensorType::q4_0},                  // Q4_0's own rule
      {format("int4", 32, true), 4, TensorType::q8_0},        // codes - zero point span -15..15
      {format("int4", 16), 4, TensorType::f32},               // 16-column blocks: no GGUF equivalent
      {format("qdq-int8", 0), 8, TensorType::q8_0},           // one scale per output channel
      {format("qdq-int4", 0), 4, TensorType::q4_0},
      {format("qdq-int8", 64, true), 8, std::nullopt},        // Q8_0 only if every code - zero point fits int8
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(describe(c.options));
    const auto folder = temp.path() / "onnx";
    std::filesystem::remove_all(folder);
    export_onnx_model(fixture(GetParam()), folder, c.options);
    import_onnx_model(folder / "model.onnx", temp.path() / "back.gguf");
    const auto back = GgufFile::open(temp.path() / "back.gguf");
    double worst_ratio = 0, largest_error = 0;
    for (const auto& tensor : source->tensors()) {
      SCOPED_TRACE(tensor.name);
      const GgufTensorInfo* imported = back->find_tensor(tensor.name);
      ASSERT_NE(imported, nullptr);
      const auto original = floats(tensor), values = floats(*imported);
      ASSERT_EQ(values.size(), original.size());
      const std::int64_t columns = tensor.shape[0];
      const int block = c.options.block_size == 0 ? static_cast<int>(columns) : c.options.block_size;
      if (!is_layer_matrix(tensor) || columns % block != 0) {
        EXPECT_EQ(values, original);  // embeddings, norms, biases and unaligned matrices stay as they were
        continue;
      }
      if (c.imported_type) {
        EXPECT_EQ(imported->type, static_cast<std::uint32_t>(columns % 32 == 0 ? *c.imported_type : TensorType::f32));
      }
      for (std::int64_t start = 0; start < static_cast<std::int64_t>(original.size()); start += block) {
        const double step = step_of(&original[static_cast<std::size_t>(start)], block, c.bits, c.options.zero_points);
        for (std::int64_t i = start; i < start + block; ++i) {
          const double error = std::fabs(values[static_cast<std::size_t>(i)] - original[static_cast<std::size_t>(i)]);
          largest_error = std::max(largest_error, error);
          // Scales are stored in half precision, which may stretch a step by 2^-11.
          if (step > 0) {
            worst_ratio = std::max(worst_ratio, error / (step * (1 + 1e-3)));
          } else {
            ASSERT_EQ(error, 0.0);
          }
        }
      }
    }
    EXPECT_LE(worst_ratio, 1.0);
    EXPECT_GT(largest_error, 0.0);  // the weights really were quantized
    std::cout << "[ max error ] " << GetParam() << " " << describe(c.options) << ": " << largest_error << " (" << worst_ratio
              << " of a step)\n";
  }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, QuantizedOnnx, ::testing::Values("stories260K.gguf", "tiny-qwen2-f16.gguf", "tiny-bert-f16.gguf"),
                         [](const auto& info) {
                           std::string name = info.param.substr(0, info.param.find('.'));
                           for (char& ch : name)
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           return name;
                         });

// Bad input: each malformed quantized graph fails with the file, the node and the reason.
onnx::ModelProto read_model(const std::filesystem::path& path) {
  onnx::ModelProto model;
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(model.ParseFromIstream(&in));
  return model;
}
void write_model(const onnx::ModelProto& model, const std::filesystem::path& path) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  ASSERT_TRUE(model.SerializeToOstream(&out));
}
onnx::TensorProto* initializer(onnx::ModelProto& model, const std::string& name) {
  for (auto& tensor : *model.mutable_graph()->mutable_initializer())
    if (tensor.name() == name) return &tensor;
  return nullptr;
}

TEST(QuantizedOnnxBadInput, MalformedGraphsNameTheNode) {
  DOCENT_REQUIRE_SHARED("fixtures/models/tiny-qwen2-f16.gguf");
  TempDir temp;
  const auto folder = temp.path() / "onnx";
  const auto model_path = folder / "model.onnx";
  auto import = [&] { return error_of([&] { import_onnx_model(model_path, temp.path() / "x.gguf"); }); };

  export_onnx_model(fixture("tiny-qwen2-f16.gguf"), folder, format("int4"));
  const auto nbits = read_model(model_path);
  {  // scales one block short
    auto model = nbits;
    auto* scales = initializer(model, "model.layers.0.self_attn.k_proj.weight.scales");
    ASSERT_NE(scales, nullptr);
    scales->set_dims(0, scales->dims(0) - 1);
    scales->mutable_raw_data()->resize(scales->raw_data().size() - 4);
    write_model(model, model_path);
    const auto message = import();
    EXPECT_NE(message.find("model.onnx: node"), std::string::npos) << message;
    EXPECT_NE(message.find("(MatMulNBits) could not be mapped: MatMulNBits scales"), std::string::npos) << message;
  }
  {  // a weight product ONNX Runtime could run but the importer does not map
    auto model = nbits;
    for (auto& node : *model.mutable_graph()->mutable_node())
      if (node.op_type() == "MatMulNBits") {
        node.set_op_type("MatMulFpQ4");
        break;
      }
    write_model(model, model_path);
    const auto message = import();
    EXPECT_NE(message.find("(MatMulFpQ4) could not be mapped: unsupported operator"), std::string::npos) << message;
  }
  {  // truncated packed weights
    auto model = nbits;
    auto* weights = initializer(model, "model.layers.1.mlp.up_proj.weight");
    ASSERT_NE(weights, nullptr);
    weights->mutable_raw_data()->resize(weights->raw_data().size() / 2);
    write_model(model, model_path);
    const auto message = import();
    EXPECT_NE(message.find("'model.layers.1.mlp.up_proj.weight' holds"), std::string::npos) << message;
  }

  std::filesystem::remove_all(folder);
  export_onnx_model(fixture("tiny-qwen2-f16.gguf"), folder, format("qdq-int8"));
  {  // block-wise scales whose shape does not follow the weight's
    auto model = read_model(model_path);
    for (auto& node : *model.mutable_graph()->mutable_node())
      if (node.op_type() == "DequantizeLinear")
        for (auto& attribute : *node.mutable_attribute())
          if (attribute.name() == "block_size") attribute.set_i(16);
    write_model(model, model_path);
    const auto message = import();
    EXPECT_NE(message.find("(DequantizeLinear) could not be mapped: block-wise scale"), std::string::npos) << message;
  }

  std::filesystem::remove_all(folder);
  OnnxExportOptions external = format("qdq-int4");
  external.external_data = true;
  export_onnx_model(fixture("tiny-qwen2-f16.gguf"), folder, external);
  {  // shapes that disagree with config.json
    auto config = nlohmann::json::parse(std::ifstream(folder / "config.json"));
    config["intermediate_size"] = 96;
    std::ofstream(folder / "config.json") << config.dump();
    const auto message = import();
    EXPECT_NE(message.find("'model.layers.0.mlp.gate_proj.weight' has shape [128, 64] but config.json implies [96, 64]"),
              std::string::npos)
        << message;
    config["intermediate_size"] = 128;
    std::ofstream(folder / "config.json") << config.dump();
  }
  std::filesystem::remove(folder / "model.onnx.data");
  const auto message = import();
  EXPECT_NE(message.find("model.onnx.data: external data file of"), std::string::npos) << message;
  EXPECT_NE(message.find("is missing"), std::string::npos) << message;

  EXPECT_NE(error_of([&] { export_onnx_model(fixture("tiny-qwen2-f16.gguf"), folder, format("int4", 24)); }).find("power of two"),
            std::string::npos);
  EXPECT_NE(error_of([&] { export_onnx_model(fixture("tiny-qwen2-f16.gguf"), folder, format("int3")); }).find("unknown weight format"),
            std::string::npos);
}

}  // namespace
}  // namespace docent::engine
