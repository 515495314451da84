// Random-weight model files (used by the benchmarks): they load, run, and the quantized
// versions of the same weights stay close to the F32 model.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <map>

#include "encoder.hpp"
#include "matmul.hpp"
#include "quant/dequantize.hpp"
#include "quant/quantize.hpp"
#include "test_support.hpp"
#include "testing/random_model.hpp"
#include "transformer.hpp"

using namespace docent::engine;

namespace {

std::vector<float> last_logits(const std::filesystem::path& path) {
  Transformer model(GgufFile::open(path));
  KvCache cache(model.parameters(), 32);
  std::vector<float> logits;
  std::vector<std::int32_t> tokens = {5, 17, 300, 42, 7, 999};
  model.forward(tokens, cache, logits, false);
  return logits;
}

double relative_error(const std::vector<float>& reference, const std::vector<float>& other) {
  double error = 0, energy = 0;
  for (std::size_t i = 0; i < reference.size(); ++i) {
    error += (other[i] - reference[i]) * (other[i] - reference[i]);
    energy += reference[i] * reference[i];
  }
  return std::sqrt(error / energy);
}

}  // namespace

TEST(RandomModel, QuantizedModelsTrackTheF32Model) {
  docent::test::TempDir temp;
  for (const char* architecture : {"qwen2", "llama"}) {
    RandomModelSpec spec;
    spec.architecture = architecture;
    spec.hidden = 256;
    spec.ffn = 512;
    spec.vocabulary = 1000;
    spec.seed = 7;
    std::map<std::string, std::vector<float>> logits;
    for (auto [name, type] : {std::pair{"F32", TensorType::f32}, {"F16", TensorType::f16}, {"Q8_0", TensorType::q8_0},
                              {"Q6_K", TensorType::q6_k}, {"Q4_K", TensorType::q4_k}, {"Q4_0", TensorType::q4_0}}) {
      spec.weight_type = type;
      auto path = temp.path() / (std::string(architecture) + "-" + name + ".gguf");
      write_random_model(path, spec);
      logits[name] = last_logits(path);
      for (float value : logits[name]) ASSERT_TRUE(std::isfinite(value));
    }
    double f16 = relative_error(logits["F32"], logits["F16"]), q8 = relative_error(logits["F32"], logits["Q8_0"]),
           q6 = relative_error(logits["F32"], logits["Q6_K"]), q4k = relative_error(logits["F32"], logits["Q4_K"]),
           q4 = relative_error(logits["F32"], logits["Q4_0"]);
    std::printf("%s: relative logit error vs F32: F16 %.2g, Q8_0 %.2g, Q6_K %.2g, Q4_K %.2g, Q4_0 %.2g\n", architecture,
                f16, q8, q6, q4k, q4);
    // Untrained networks amplify weight noise; measured ~0.001 / 0.025 / 0.066 / 0.31 / 0.34.
    EXPECT_LT(f16, 0.01);
    EXPECT_LT(q8, 0.05);
    EXPECT_LT(q6, 0.12);
    EXPECT_LT(q4k, 0.5);
    EXPECT_LT(q4, 0.5);
    EXPECT_LT(f16, q8);  // more bits, closer
    EXPECT_LT(q8, q6);
    EXPECT_LT(q6, q4k);
  }
}

TEST(RandomModel, RejectsRowsThatDoNotFitTheBlocks) {
  docent::test::TempDir temp;
  RandomModelSpec spec;
  spec.hidden = 96;  // not a multiple of 256
  spec.heads = 4;
  spec.weight_type = TensorType::q4_k;
  EXPECT_THROW(write_random_model(temp.path() / "bad.gguf", spec), ModelError);
}

TEST(RandomModel, BertModelsEmbedAndQ8TracksF32) {
  docent::test::TempDir temp;
  RandomModelSpec spec;
  spec.architecture = "bert";
  spec.layers = 2;
  spec.hidden = 64;
  spec.heads = 4;
  spec.ffn = 128;
  spec.vocabulary = 500;
  spec.context_length = 40;
  spec.tokenizer_metadata = true;
  std::vector<std::vector<float>> by_type;
  for (TensorType type : {TensorType::f32, TensorType::q8_0}) {
    spec.weight_type = type;
    const auto path = temp.path() / ("bert-" + std::to_string(static_cast<int>(type)) + ".gguf");
    write_random_model(path, spec);
    auto file = GgufFile::open(path);
    Encoder encoder(file);
    EXPECT_EQ(encoder.parameters().max_positions, 40);
    EXPECT_EQ(encoder.default_pooling(), Pooling::cls);
    EXPECT_EQ(file->find_tensor("token_embd.weight")->type, static_cast<std::uint32_t>(type));
    EXPECT_EQ(file->find_tensor("position_embd.weight")->type, 0u);  // small tables stay F32
    const auto* tokens = file->get_string_array("tokenizer.ggml.tokens");
    ASSERT_NE(tokens, nullptr);
    ASSERT_EQ(tokens->size(), 500u);
    EXPECT_EQ((*tokens)[101], "[CLS]");
    EXPECT_EQ((*tokens)[104], "\xE2\x96\x81" + random_model_word(104));
    auto vectors = encoder.embed({{101, 200, 300, 102}, {101, 150, 102}}, Pooling::cls);
    ASSERT_EQ(vectors.size(), 2u);
    ASSERT_EQ(vectors[0].size(), 64u);
    double norm = 0;
    for (float value : vectors[0]) norm += value * value;
    EXPECT_NEAR(norm, 1.0, 1e-4);
    by_type.push_back(vectors[0]);
  }
  double dot = 0;
  for (std::size_t i = 0; i < by_type[0].size(); ++i) dot += by_type[0][i] * by_type[1][i];
  EXPECT_GT(dot, 0.99);  // cosine of unit vectors: Q8_0 weights barely move the embedding
}

TEST(RandomModel, WordsAreDistinctLowercaseWords) {
  EXPECT_EQ(random_model_word(103), "");
  EXPECT_EQ(random_model_word(104), "aaaa");
  EXPECT_EQ(random_model_word(105), "aaab");
  EXPECT_NE(random_model_word(30521), random_model_word(30520));
}

TEST(RandomModel, Q4KMMixFollowsTheLayerRule) {
  RandomModelSpec spec;
  spec.layers = 28;
  apply_q4_k_m_mix(spec);
  EXPECT_EQ(spec.weight_type, TensorType::q4_k);
  EXPECT_EQ(spec.tensor_types.at("output.weight"), TensorType::q6_k);
  int more_bits = 0;
  for (int layer = 0; layer < 28; ++layer)
    if (spec.tensor_types.count("blk." + std::to_string(layer) + ".attn_v.weight")) ++more_bits;
  EXPECT_EQ(more_bits, 14);  // layers 0-2, 24-27 and every third between: half of them
  EXPECT_TRUE(spec.tensor_types.count("blk.0.ffn_down.weight"));
  EXPECT_TRUE(spec.tensor_types.count("blk.5.ffn_down.weight"));
  EXPECT_FALSE(spec.tensor_types.count("blk.3.ffn_down.weight"));

  // Written and loaded: the mix lands in the file and the decoder runs it.
  docent::test::TempDir temp;
  RandomModelSpec small;
  small.layers = 8;
  small.tokenizer_metadata = true;
  small.fast_random = true;
  apply_q4_k_m_mix(small);
  write_random_model(temp.path() / "mix.gguf", small);
  auto file = GgufFile::open(temp.path() / "mix.gguf");
  EXPECT_EQ(file->find_tensor("output.weight")->type, static_cast<std::uint32_t>(TensorType::q6_k));
  EXPECT_EQ(file->find_tensor("token_embd.weight")->type, static_cast<std::uint32_t>(TensorType::q4_k));
  EXPECT_EQ(file->find_tensor("blk.0.attn_v.weight")->type, static_cast<std::uint32_t>(TensorType::q6_k));
  EXPECT_EQ(file->find_tensor("blk.1.attn_q.weight")->type, static_cast<std::uint32_t>(TensorType::q4_k));
  EXPECT_EQ(file->get_int("general.file_type"), 15);
  const auto* tokens = file->get_string_array("tokenizer.ggml.tokens");
  ASSERT_NE(tokens, nullptr);
  EXPECT_EQ(tokens->size(), 1024u);
  EXPECT_EQ((*tokens)[10], "\xC4\x8A");  // byte 0x0A's stand-in, U+010A
  EXPECT_EQ((*tokens)[65], "A");
  for (float value : last_logits(temp.path() / "mix.gguf")) ASSERT_TRUE(std::isfinite(value));
}

TEST(Tensor, OwnedStorageAndViews) {
  OwnedTensor weights(TensorType::q8_0, {64, 3, 1, 1}, 2, "w");
  EXPECT_EQ(weights.size_bytes(), 3u * 2u * 34u);
  std::vector<float> rows(64 * 3);
  for (std::size_t i = 0; i < rows.size(); ++i) rows[i] = static_cast<float>(i % 7) - 3.0f;
  quantize_row_q8_0(rows.data(), reinterpret_cast<BlockQ8_0*>(weights.data()), 64 * 3);
  TensorView view = weights.view();
  EXPECT_EQ(view.row_count(), 3);
  EXPECT_EQ(view.strides[1], 68u);
  std::vector<float> input(64, 1.0f), output(3), decoded(64);
  linear(view, nullptr, input.data(), 1, output.data(), ActivationRounding::none);
  for (int r = 0; r < 3; ++r) {
    dequantize_row(TensorType::q8_0, view.row(r), decoded.data(), 64);
    double expected = 0, original = 0;
    for (int i = 0; i < 64; ++i) {
      expected += decoded[static_cast<std::size_t>(i)];
      original += rows[static_cast<std::size_t>(r * 64 + i)];
    }
    EXPECT_NEAR(output[static_cast<std::size_t>(r)], expected, 1e-4);
    EXPECT_NEAR(output[static_cast<std::size_t>(r)], original, 64 * 3.0 / 127);  // Q8_0 resolution
  }
}
