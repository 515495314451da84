// QuaRot: the Walsh-Hadamard transforms, the exactness of a rotated (unquantized) model, and the
// int4-channel / npu recipes on stories260K.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <random>
#include <sstream>

#include "docent/engine.hpp"
#include "gguf/gguf_reader.hpp"
#include "gguf/gguf_writer.hpp"
#include "import/hf_layout.hpp"
#include "quant/int4_channel.hpp"
#include "quant/type_traits.hpp"
#include "rotation/hadamard.hpp"
#include "test_support.hpp"
#include "transformer.hpp"

namespace docent::engine {
namespace {

// Column c of the transform's matrix: the transform applied to unit vector c.
std::vector<std::vector<float>> matrix_of(std::int64_t width, const std::function<void(float*)>& transform) {
  std::vector<std::vector<float>> columns;
  for (std::int64_t c = 0; c < width; ++c) {
    std::vector<float> unit(static_cast<std::size_t>(width), 0.0f);
    unit[static_cast<std::size_t>(c)] = 1.0f;
    transform(unit.data());
    columns.push_back(unit);
  }
  return columns;
}

TEST(Hadamard, LargestPowerOfTwoDivisor) {
  EXPECT_EQ(largest_power_of_two_divisor(64), 64);
  EXPECT_EQ(largest_power_of_two_divisor(172), 4);
  EXPECT_EQ(largest_power_of_two_divisor(1536), 512);
  EXPECT_EQ(largest_power_of_two_divisor(8960), 256);
  EXPECT_EQ(largest_power_of_two_divisor(7), 1);
}

TEST(Hadamard, BlockTransformIsSymmetricOrthogonalAndItsOwnInverse) {
  for (auto [width, block] : {std::pair<std::int64_t, std::int64_t>{8, 8}, {64, 64}, {172, 4}, {96, 32}}) {
    const auto columns = matrix_of(width, [&](float* v) { walsh_hadamard_blocks(v, width, block); });
    for (std::int64_t i = 0; i < width; ++i)
      for (std::int64_t j = 0; j < width; ++j) {
        const float entry = columns[j][i];
        EXPECT_FLOAT_EQ(entry, columns[i][j]);  // symmetric
        const bool same_block = i / block == j / block;
        // Entries are +-1/sqrt(block) inside a diagonal block and 0 outside.
        EXPECT_NEAR(std::fabs(entry), same_block ? 1.0 / std::sqrt(static_cast<double>(block)) : 0.0, 1e-6);
        double dot = 0;
        for (std::int64_t k = 0; k < width; ++k) dot += static_cast<double>(columns[i][k]) * columns[j][k];
        EXPECT_NEAR(dot, i == j ? 1.0 : 0.0, 1e-5) << width << " " << i << " " << j;
      }
    std::mt19937 random(5);
    std::normal_distribution<float> normal;
    std::vector<float> x(static_cast<std::size_t>(width));
    for (auto& v : x) v = normal(random);
    auto y = x;
    walsh_hadamard_blocks(y.data(), width, block);
    walsh_hadamard_blocks(y.data(), width, block);
    for (std::size_t i = 0; i < x.size(); ++i) EXPECT_NEAR(y[i], x[i], 1e-5);
  }
}

TEST(Hadamard, RandomRotationIsOrthogonalDeterministicAndSeeded) {
  const RandomHadamard rotation(64, 42), same(64, 42), other(64, 43);
  const auto columns = matrix_of(64, [&](float* v) { rotation.rotate(v); });
  for (int i = 0; i < 64; ++i)
    for (int j = 0; j < 64; ++j) {
      double dot = 0;
      for (int k = 0; k < 64; ++k) dot += static_cast<double>(columns[i][k]) * columns[j][k];
      EXPECT_NEAR(dot, i == j ? 1.0 : 0.0, 1e-5);
    }
  std::vector<float> x(64), y(64), z(64);
  for (int i = 0; i < 64; ++i) x[i] = static_cast<float>(i % 7) - 3.0f;
  y = x;
  rotation.rotate(y.data());
  z = y;
  rotation.rotate_transposed(z.data());
  for (int i = 0; i < 64; ++i) EXPECT_NEAR(z[i], x[i], 1e-5);
  auto y_same = x, y_other = x;
  same.rotate(y_same.data());
  other.rotate(y_other.data());
  EXPECT_EQ(y, y_same);
  EXPECT_NE(y, y_other);
}

// The premise of QuaRot: a few outlier input channels make per-row int4 coarse for every other
// weight of the row; after an orthogonal rotation the outliers are spread over the whole row.
TEST(Hadamard, RotationSpreadsOutlierColumnsBeforeInt4) {
  constexpr int kRows = 64, kColumns = 256;
  std::mt19937 random(9);
  std::normal_distribution<float> normal;
  std::vector<float> weights(kRows * kColumns);
  for (auto& w : weights) w = normal(random);
  for (int r = 0; r < kRows; ++r) weights[r * kColumns + 17] *= 25, weights[r * kColumns + 200] *= -25;
  const RandomHadamard rotation(kColumns, 1);
  std::vector<std::uint8_t> packed(static_cast<std::size_t>(int4_channel_row_bytes(kColumns)));
  std::vector<float> row(kColumns), decoded(kColumns);
  double plain_error = 0, rotated_error = 0;
  for (int r = 0; r < kRows; ++r) {
    const float* w = &weights[static_cast<std::size_t>(r) * kColumns];
    quantize_row_int4_channel(w, packed.data(), kColumns);
    dequantize_row_int4_channel(packed.data(), decoded.data(), kColumns);
    for (int i = 0; i < kColumns; ++i) plain_error += std::pow(static_cast<double>(w[i]) - decoded[i], 2);
    row.assign(w, w + kColumns);
    rotation.rotate(row.data());
    quantize_row_int4_channel(row.data(), packed.data(), kColumns);
    dequantize_row_int4_channel(packed.data(), decoded.data(), kColumns);
    rotation.rotate_transposed(decoded.data());  // back to the original basis
    for (int i = 0; i < kColumns; ++i) rotated_error += std::pow(static_cast<double>(w[i]) - decoded[i], 2);
  }
  std::printf("int4 squared error with two outlier columns: plain %.1f, rotated %.1f\n", plain_error, rotated_error);
  EXPECT_LT(rotated_error, 0.3 * plain_error);
}

std::filesystem::path fixture(const char* name) { return test::shared_dir() / "fixtures/models" / (std::string(name) + ".gguf"); }

// All-position logits with exact arithmetic (no activation rounding, F32 cache).
std::vector<float> exact_logits(const std::shared_ptr<const GgufFile>& file, const std::vector<std::int32_t>& tokens) {
  DecoderOptions exact;
  exact.rounding = ActivationRounding::none;
  exact.round_attention_like_reference = false;
  Transformer model(file, exact);
  KvCache cache(model.parameters(), 256, CachePrecision::f32);
  std::vector<float> logits;
  model.forward(tokens, cache, logits, true);
  return logits;
}

double max_difference(const std::vector<float>& a, const std::vector<float>& b) {
  EXPECT_EQ(a.size(), b.size());
  double worst = 0;
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) worst = std::max(worst, std::fabs(static_cast<double>(a[i]) - b[i]));
  return worst;
}

double max_magnitude(const std::vector<float>& a) {
  double largest = 0;
  for (float v : a) largest = std::max(largest, std::fabs(static_cast<double>(v)));
  return largest;
}

const char* kStory =
    "Once upon a time, there was a little girl named Lily. She loved to play outside in the park. "
    "One day, she saw a big red ball. She wanted to play with it, but it was too high.";

TEST(Quarot, RotatedUnquantizedModelGivesTheSameLogits) {
  DOCENT_REQUIRE_SHARED("fixtures/models/tiny-qwen2-f16.gguf");
  test::TempDir temp;
  for (const char* name : {"stories260K", "tiny-qwen2-f16"}) {
    const auto rotated_path = temp.path() / (std::string(name) + "-npu-float.gguf");
    quantize_model(fixture(name), rotated_path, "npu-float");
    const auto original = GgufFile::open(fixture(name));
    const auto rotated = GgufFile::open(rotated_path);
    // The rotation really happened: norms are 1, weights changed, the online transform is recorded.
    EXPECT_EQ(rotated->get_string("docent.rotation").value_or(""), "quarot");
    EXPECT_GT(rotated->get_int(std::string(kFfnDownHadamardKey)).value_or(0), 1);
    EXPECT_TRUE(rotated->get_string(std::string(kRequiresDocentKey)).has_value());
    ASSERT_NE(rotated->find_tensor("output.weight"), nullptr);  // untied when the original is tied
    const auto* norm = rotated->find_tensor("blk.0.attn_norm.weight");
    EXPECT_EQ(reinterpret_cast<const float*>(norm->data)[3], 1.0f);

    const auto model = Model::load(fixture(name));
    std::vector<std::int32_t> tokens;
    for (auto id : model->tokenizer().encode(kStory, true, false)) tokens.push_back(id);
    const auto expected = exact_logits(original, tokens);
    const auto actual = exact_logits(rotated, tokens);
    const double difference = max_difference(expected, actual), scale = max_magnitude(expected);
    std::printf("%-16s rotated vs original: max |logit difference| %.3g (max |logit| %.3g) over %zu positions\n", name,
                difference, scale, tokens.size());
    EXPECT_LT(difference, 1e-4 * std::max(1.0, scale)) << name;

    // Without the online transform the rotated weights compute something else: the engine's
    // transform is what makes the model exact.
    GgufWriter writer(rotated->alignment());
    for (const auto& [key, value] : rotated->metadata())
      if (key != kFfnDownHadamardKey && key != "general.alignment") writer.set(key, value);
    for (const auto& tensor : rotated->tensors())
      writer.add_tensor(tensor.name, tensor.type, tensor.shape, {tensor.data, tensor.data + tensor.bytes});
    writer.write(temp.path() / "no-online.gguf");
    EXPECT_GT(max_difference(expected, exact_logits(GgufFile::open(temp.path() / "no-online.gguf"), tokens)), 1e-2) << name;
  }
}

TEST(Quarot, BadOnlineTransformMetadataIsAClearError) {
  DOCENT_REQUIRE_SHARED("fixtures/models/stories260K.gguf");
  test::TempDir temp;
  const auto original = GgufFile::open(fixture("stories260K"));
  GgufWriter writer(original->alignment());
  for (const auto& [key, value] : original->metadata())
    if (key != "general.alignment") writer.set(key, value);
  writer.set_uint32(std::string(kFfnDownHadamardKey), 8);  // ffn 172 is not a multiple of 8
  for (const auto& tensor : original->tensors())
    writer.add_tensor(tensor.name, tensor.type, tensor.shape, {tensor.data, tensor.data + tensor.bytes});
  writer.write(temp.path() / "bad.gguf");
  try {
    Transformer model(GgufFile::open(temp.path() / "bad.gguf"));
    FAIL() << "expected a ModelError";
  } catch (const ModelError& error) {
    EXPECT_NE(std::string(error.what()).find(kFfnDownHadamardKey), std::string::npos) << error.what();
  }
}

TEST(Quarot, Int4ChannelAndNpuRecipesOnStories260K) {
  DOCENT_REQUIRE_SHARED("fixtures/models/stories260K.gguf");
  test::TempDir temp;
  std::ifstream in(test::source_dir() / "tests/data/tinystories_sample.txt");
  ASSERT_TRUE(in.good());
  std::stringstream text;
  text << in.rdbuf();
  const auto original = Model::load(fixture("stories260K"));
  std::printf("%-13s %9s %9s %8s %9s %9s %10s\n", "type", "positions", "mean KL", "top-1", "ppl(A)", "ppl(B)", "file bytes");
  std::map<std::string, ModelComparison> results;
  for (const char* type : {"q8_0", "q4_0", "int4-channel", "npu", "npu-float"}) {
    const auto path = temp.path() / (std::string(type) + ".gguf");
    quantize_model(fixture("stories260K"), path, type);
    // The first 256 tokens keep the test quick; `docent models compare` scores the whole file.
    const auto result = compare_models(original, Model::load(path), text.str(), 256);
    std::printf("%-13s %9lld %9.5f %7.1f%% %9.3f %9.3f %10lld\n", type, static_cast<long long>(result.positions),
                result.mean_kl, 100 * result.top1_agreement, result.perplexity_reference, result.perplexity_candidate,
                static_cast<long long>(std::filesystem::file_size(path)));
    results[type] = result;
  }
  const auto int4 = GgufFile::open(temp.path() / "int4-channel.gguf");
  EXPECT_EQ(int4->find_tensor("blk.0.attn_q.weight")->type, static_cast<std::uint32_t>(TensorType::int4_channel));
  EXPECT_EQ(int4->find_tensor("token_embd.weight")->type, static_cast<std::uint32_t>(TensorType::q4_0));
  EXPECT_EQ(int4->find_tensor("output.weight")->type, static_cast<std::uint32_t>(TensorType::q4_0));
  EXPECT_EQ(int4->find_tensor("blk.0.ffn_norm.weight")->type, static_cast<std::uint32_t>(TensorType::f32));
  EXPECT_EQ(int4->get_string(std::string(kRequiresDocentKey)).value_or(""), "INT4_CHANNEL tensors");
  // Rotation alone changes nothing but float rounding (which can flip a near-tie argmax).
  EXPECT_LT(results["npu-float"].mean_kl, 1e-5);
  EXPECT_GT(results["npu-float"].top1_agreement, 0.99);
  EXPECT_GT(results["int4-channel"].mean_kl, results["q8_0"].mean_kl);
  EXPECT_GT(results["int4-channel"].top1_agreement, 0.6);
  EXPECT_GT(results["npu"].top1_agreement, 0.6);
}

// Rewrites every tensor of a GGUF file as F32 after `change` (name, shape, values).
void rewrite_as_f32(const std::filesystem::path& input, const std::filesystem::path& output,
                    const std::function<void(const std::string&, const std::vector<std::int64_t>&, std::vector<float>&)>& change) {
  const auto file = GgufFile::open(input);
  GgufWriter writer(file->alignment());
  for (const auto& [key, value] : file->metadata())
    if (key != "general.alignment" && key != "general.file_type") writer.set(key, value);
  for (const auto& tensor : file->tensors()) {
    auto values = conversion::gguf_tensor_floats(tensor, input.string());
    change(tensor.name, tensor.shape, values);
    std::vector<std::uint8_t> bytes(values.size() * sizeof(float));
    std::memcpy(bytes.data(), values.data(), bytes.size());
    writer.add_tensor(tensor.name, static_cast<std::uint32_t>(TensorType::f32), tensor.shape, std::move(bytes));
  }
  writer.write(output);
}

// Trained checkpoints split scale between a norm and the next weights arbitrarily; an input
// channel whose weights are large (and norm scale small) is an outlier column. The function is
// unchanged, but per-channel int4 suffers unless QuaRot folds the norm and rotates.
TEST(Quarot, NpuIsImmuneToAnOutlierChannelThatHurtsInt4Channel) {
  DOCENT_REQUIRE_SHARED("fixtures/models/stories260K.gguf");
  test::TempDir temp;
  constexpr int kChannel = 5;
  constexpr float kFactor = 30.0f;
  const auto outlier_path = temp.path() / "outlier.gguf";
  rewrite_as_f32(fixture("stories260K"), outlier_path,
                 [&](const std::string& name, const std::vector<std::int64_t>& shape, std::vector<float>& values) {
                   const bool norm = name.ends_with("attn_norm.weight") || name.ends_with("ffn_norm.weight");
                   const bool reader = name.ends_with("attn_q.weight") || name.ends_with("attn_k.weight") ||
                                       name.ends_with("attn_v.weight") || name.ends_with("ffn_gate.weight") ||
                                       name.ends_with("ffn_up.weight");
                   if (norm) values[kChannel] /= kFactor;
                   if (reader)
                     for (std::size_t r = 0; r * static_cast<std::size_t>(shape[0]) < values.size(); ++r)
                       values[r * static_cast<std::size_t>(shape[0]) + kChannel] *= kFactor;
                 });
  const auto original = Model::load(fixture("stories260K"));
  const std::string text = kStory;
  EXPECT_LT(compare_models(original, Model::load(outlier_path), text).mean_kl, 1e-6);  // same function
  std::map<std::string, double> kl;
  for (const char* type : {"int4-channel", "npu"}) {
    quantize_model(outlier_path, temp.path() / (std::string(type) + ".gguf"), type);
    kl[type] = compare_models(original, Model::load(temp.path() / (std::string(type) + ".gguf")), text).mean_kl;
  }
  std::printf("outlier channel: mean KL int4-channel %.4f, npu %.4f\n", kl["int4-channel"], kl["npu"]);
  EXPECT_GT(kl["int4-channel"], 2 * kl["npu"]);
}

}  // namespace
}  // namespace docent::engine
