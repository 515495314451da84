// Decoder behaviour that does not need a reference: chunked prefill equals one-shot, the context
// budget is enforced, bad tokens are rejected.
#include <gtest/gtest.h>

#include <cstdio>

#include "golden_support.hpp"
#include "transformer.hpp"

using namespace docent::engine;

namespace {

std::shared_ptr<const GgufFile> fixture(const char* name) {
  return GgufFile::open(docent::test::shared_dir() / "fixtures/models" / (std::string(name) + ".gguf"));
}

double max_difference(const std::vector<float>& a, const std::vector<float>& b) {
  EXPECT_EQ(a.size(), b.size());
  double worst = 0;
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) worst = std::max(worst, static_cast<double>(std::fabs(a[i] - b[i])));
  return worst;
}

}  // namespace

TEST(DecoderBehaviour, ChunkedPrefillEqualsOneShot) {
  DOCENT_REQUIRE_SHARED("fixtures/golden/tiny-qwen2-q8_0.json");
  for (const char* name : {"stories260K", "tiny-qwen2-q8_0", "small-qwen2-q4_k_m"}) {
    auto tokens = docent::test::decoder_cases(name).back().tokens;
    ASSERT_GT(tokens.size(), 7u);
    if (tokens.size() > 80) tokens.resize(80);  // window 64 still splits; keeps window 1 quick
    // Exact arithmetic: windows change only the summation order inside products.
    DecoderOptions exact;
    exact.rounding = ActivationRounding::none;
    exact.round_attention_like_reference = false;
    // Reference-like roundings: a last-bit difference can flip a rounding, so the bound is looser
    // (see the golden test's tolerance note).
    for (bool reference_like : {false, true}) {
      Transformer model(fixture(name), reference_like ? DecoderOptions{} : exact);
      CachePrecision precision = reference_like ? CachePrecision::f16 : CachePrecision::f32;
      KvCache one_shot_cache(model.parameters(), 512, precision);
      std::vector<float> one_shot;
      model.forward(tokens, one_shot_cache, one_shot, true);
      for (int window : {1, 7, 64}) {
        KvCache cache(model.parameters(), 512, precision);
        std::vector<float> chunked;
        model.prefill(tokens, cache, chunked, true, window);
        EXPECT_EQ(cache.length(), static_cast<int>(tokens.size()));
        double difference = max_difference(one_shot, chunked);
        std::printf("%-20s %-9s window %2d: max|chunked - one-shot| = %.3g\n", name,
                    reference_like ? "rounded" : "exact", window, difference);
        EXPECT_LT(difference, reference_like ? 3e-2 : 1e-4) << name << " window " << window;
        // Last-position-only logits equal the last row of the full ones.
        KvCache last_cache(model.parameters(), 512, precision);
        std::vector<float> last;
        model.prefill(tokens, last_cache, last, false, window);
        std::vector<float> last_row(chunked.end() - static_cast<std::ptrdiff_t>(model.parameters().vocabulary), chunked.end());
        EXPECT_LT(max_difference(last, last_row), 1e-5) << name << " window " << window;
      }
    }
  }
}

TEST(DecoderBehaviour, IncrementalStepsEqualPrefill) {
  DOCENT_REQUIRE_SHARED("fixtures/models/stories260K.gguf");
  Transformer model(fixture("stories260K"));
  std::vector<std::int32_t> tokens = {1, 403, 407, 261, 378, 432, 383};
  KvCache full(model.parameters(), 64);
  std::vector<float> all;
  model.forward(tokens, full, all, true);
  KvCache incremental(model.parameters(), 64);
  std::vector<float> logits;
  const auto vocabulary = static_cast<std::size_t>(model.parameters().vocabulary);
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    model.forward(std::span<const std::int32_t>(&tokens[i], 1), incremental, logits, false);
    std::vector<float> row(all.begin() + static_cast<std::ptrdiff_t>(i * vocabulary),
                           all.begin() + static_cast<std::ptrdiff_t>((i + 1) * vocabulary));
    EXPECT_LT(max_difference(logits, row), 5e-3) << i;
    EXPECT_EQ(docent::test::argmax(logits.data(), logits.size()), docent::test::argmax(row.data(), row.size()));
  }
}

TEST(DecoderBehaviour, ContextBudgetIsEnforced) {
  DOCENT_REQUIRE_SHARED("fixtures/models/stories260K.gguf");
  Transformer model(fixture("stories260K"));
  KvCache cache(model.parameters(), 8);
  std::vector<float> logits;
  std::vector<std::int32_t> tokens(6, 300);
  model.forward(tokens, cache, logits, false);
  EXPECT_EQ(cache.length(), 6);
  try {
    model.forward(tokens, cache, logits, false);
    FAIL() << "exceeding the context did not throw";
  } catch (const ModelError& error) {
    EXPECT_NE(std::string(error.what()).find("context length 8 exceeded"), std::string::npos) << error.what();
  }
  EXPECT_EQ(cache.length(), 6);  // the failed call left the cache untouched
  std::vector<std::int32_t> two(2, 300);
  model.forward(two, cache, logits, false);
  EXPECT_EQ(cache.length(), 8);
  cache.truncate(3);
  EXPECT_EQ(cache.length(), 3);
}

TEST(DecoderBehaviour, RejectsOutOfRangeTokensAndWrongArchitecture) {
  DOCENT_REQUIRE_SHARED("fixtures/models/stories260K.gguf");
  Transformer model(fixture("stories260K"));
  KvCache cache(model.parameters(), 8);
  std::vector<float> logits;
  std::vector<std::int32_t> bad = {1, 512};
  EXPECT_THROW(model.forward(bad, cache, logits, false), ModelError);
  std::vector<std::int32_t> negative = {-1};
  EXPECT_THROW(model.forward(negative, cache, logits, false), ModelError);
  EXPECT_EQ(cache.length(), 0);
  try {
    Transformer encoder_as_decoder(fixture("tiny-bert-f16"));
    FAIL();
  } catch (const ModelError& error) {
    EXPECT_NE(std::string(error.what()).find("'bert' is not a supported decoder"), std::string::npos) << error.what();
  }
}

TEST(DecoderBehaviour, HyperParametersFromMetadata) {
  DOCENT_REQUIRE_SHARED("fixtures/models/small-qwen2-q4_k_m.gguf");
  Transformer qwen(fixture("small-qwen2-q4_k_m"));
  const HyperParameters& p = qwen.parameters();
  EXPECT_EQ(p.architecture, "qwen2");
  EXPECT_EQ(p.layers, 2);
  EXPECT_EQ(p.hidden, 256);
  EXPECT_EQ(p.heads, 4);
  EXPECT_EQ(p.kv_heads, 2);
  EXPECT_EQ(p.head_dim, 64);
  EXPECT_EQ(p.ffn, 512);
  EXPECT_EQ(p.vocabulary, 8199);
  EXPECT_NEAR(p.norm_epsilon, 1e-6, 1e-12);
  EXPECT_TRUE(qwen.weights().has(TensorRole::output));  // untied
  Transformer tied(fixture("tiny-qwen2-f16"));
  EXPECT_FALSE(tied.weights().has(TensorRole::output));
  Transformer stories(fixture("stories260K"));
  EXPECT_EQ(stories.parameters().rope_dimensions, 8);
  EXPECT_EQ(stories.parameters().kv_heads, 4);
}
