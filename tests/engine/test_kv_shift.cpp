// The sliding window: when the cache fills, the oldest generated positions are dropped and the
// later keys re-rotated to their new positions (both RoPE styles, F16 and F32 caches).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <random>

#include "docent/engine.hpp"
#include "golden_support.hpp"
#include "attention/attention.hpp"
#include "testing/random_model.hpp"
#include "transformer.hpp"

using namespace docent::engine;

namespace {

std::filesystem::path fixture(const std::string& name) {
  return docent::test::shared_dir() / "fixtures/models" / (name + ".gguf");
}

std::vector<std::int32_t> concat(std::vector<std::int32_t> a, const std::vector<std::int32_t>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

std::vector<std::int32_t> ids(int count, int first, int vocabulary) {
  std::vector<std::int32_t> out;
  for (int i = 0; i < count; ++i) out.push_back((first + 37 * i) % vocabulary);
  return out;
}

double max_difference(const std::vector<float>& a, const std::vector<float>& b) {
  double worst = 0;
  for (std::size_t i = 0; i < a.size(); ++i) worst = std::max(worst, static_cast<double>(std::fabs(a[i] - b[i])));
  return worst;
}

// A one-layer decoder: every cached key and value depends only on its own token and position,
// so dropping positions and re-rotating must give what a fresh prefill of the kept tokens gives.
std::filesystem::path one_layer_model(const std::string& architecture) {
  auto path = std::filesystem::path(::testing::TempDir()) / ("one-layer-" + architecture + ".gguf");
  RandomModelSpec spec;
  spec.architecture = architecture;  // qwen2 rotates halves, llama interleaved pairs
  spec.layers = 1;
  spec.hidden = 128;
  spec.heads = 4;
  spec.kv_heads = 2;
  spec.ffn = 256;
  spec.vocabulary = 300;
  spec.weight_type = TensorType::f32;  // no activation rounding: what remains is the cache's
  spec.seed = 11;
  write_random_model(path, spec);
  return path;
}

}  // namespace

// The primitive: a key stored at p, moved down by d and re-rotated, equals the same key
// rotated at p - d; values move unchanged.
TEST(KvShift, MovedKeysEqualKeysRotatedAtTheirNewPositions) {
  for (RopeStyle style : {RopeStyle::interleaved, RopeStyle::halves}) {
    for (CachePrecision precision : {CachePrecision::f32, CachePrecision::f16}) {
      HyperParameters p;
      p.layers = 2;
      p.kv_heads = 2;
      p.head_dim = 32;
      p.rope_dimensions = 32;
      p.rope_theta = 10000;
      KvCache cache(p, 100, precision);
      std::mt19937 random(3);
      std::normal_distribution<float> normal;
      const int width = p.kv_heads * p.head_dim;
      std::vector<std::vector<float>> raw_keys(90), values(90);
      for (int position = 0; position < 90; ++position) {
        raw_keys[position].resize(static_cast<std::size_t>(width));
        values[position].resize(static_cast<std::size_t>(width));
        for (auto& x : raw_keys[position]) x = normal(random);
        for (auto& x : values[position]) x = normal(random);
        std::vector<float> key = raw_keys[position];
        apply_rope(key.data(), p.kv_heads, p.head_dim, p.rope_dimensions, style, position, p.rope_theta);
        for (int layer = 0; layer < p.layers; ++layer) cache.store(layer, position, key.data(), values[position].data());
      }
      cache.set_length(90);
      const int first = 20, count = 33;
      std::vector<float> cosines(16), sines(16);
      // The engine's own re-rotation, through a decoder-less path: rotate by -count.
      rope_angles(p.rope_dimensions, -count, p.rope_theta, cosines.data(), sines.data());
      cache.discard(first, count, [&](float* key) {
        apply_rope(key, 1, p.head_dim, p.rope_dimensions, style, cosines.data(), sines.data());
      });
      ASSERT_EQ(cache.length(), 90 - count);
      const double tolerance = precision == CachePrecision::f32 ? 2e-5 : 4e-3;
      std::vector<float> got(static_cast<std::size_t>(width)), value(static_cast<std::size_t>(width));
      for (int layer = 0; layer < p.layers; ++layer)
        for (int position = 0; position < cache.length(); ++position) {
          const int source = position < first ? position : position + count;
          std::vector<float> expected = raw_keys[static_cast<std::size_t>(source)];
          apply_rope(expected.data(), p.kv_heads, p.head_dim, p.rope_dimensions, style, position, p.rope_theta);
          cache.load_key(layer, position, got.data());
          cache.load_value(layer, position, value.data());
          EXPECT_LE(max_difference(got, expected), tolerance) << "position " << position;
          EXPECT_LE(max_difference(value, values[static_cast<std::size_t>(source)]), precision == CachePrecision::f32 ? 0 : 2e-3);
        }
    }
  }
}

// Logits after a shift equal those of recomputing the kept tokens at their new positions, within
// the goldens' F16 tolerance, with every attention kernel the CPU has; without the re-rotation
// they do not.
TEST(KvShift, ShiftedCacheGivesTheLogitsOfRecomputingTheKeptTokens) {
  for (const std::string kernel : {"avx512", "avx2", "scalar"}) {
    if (!attention::force_implementation(kernel)) continue;
    for (const std::string architecture : {"qwen2", "llama"}) {
      Transformer model(GgufFile::open(one_layer_model(architecture)));
      const int vocabulary = static_cast<int>(model.parameters().vocabulary);
      const auto prefix = ids(12, 5, vocabulary), dropped = ids(40, 101, vocabulary), newest = ids(9, 17, vocabulary);
      const std::int32_t next = 42;
      for (CachePrecision precision : {CachePrecision::f16, CachePrecision::f32}) {
        KvCache shifted(model.parameters(), 128, precision);
        std::vector<float> logits, expected, unrotated_logits;
        model.forward(concat(concat(prefix, dropped), newest), shifted, logits, false);
        model.discard(shifted, static_cast<int>(prefix.size()), static_cast<int>(dropped.size()));
        ASSERT_EQ(shifted.length(), static_cast<int>(prefix.size() + newest.size()));
        model.forward(std::span<const std::int32_t>(&next, 1), shifted, logits, false);

        KvCache fresh(model.parameters(), 128, precision);
        model.forward(concat(concat(prefix, newest), {next}), fresh, expected, false);
        const double difference = max_difference(logits, expected);
        std::printf("%-6s %-6s %s cache: shifted vs recomputed max |logit difference| %.3g\n", kernel.c_str(),
                    architecture.c_str(), precision == CachePrecision::f16 ? "F16" : "F32", difference);
        EXPECT_LE(difference, precision == CachePrecision::f16 ? 2e-3 : 1e-4) << architecture;

        KvCache unrotated(model.parameters(), 128, precision);
        model.forward(concat(concat(prefix, dropped), newest), unrotated, unrotated_logits, false);
        unrotated.discard(static_cast<int>(prefix.size()), static_cast<int>(dropped.size()), [](float*) {});
        model.forward(std::span<const std::int32_t>(&next, 1), unrotated, unrotated_logits, false);
        EXPECT_GT(max_difference(unrotated_logits, expected), 20 * std::max(difference, 1e-4)) << architecture;
      }
    }
  }
  attention::force_implementation("");
}

// In deeper layers a kept token's key still carries what it saw of the dropped ones (as in every
// engine that shifts its cache); the first layer's keys and values, and every layer's prefix,
// are what a fresh prefill gives.
TEST(KvShift, FixtureModelsKeepTheFirstLayerAndThePrefixExact) {
  DOCENT_REQUIRE_SHARED("fixtures/models/stories260K.gguf");
  for (const std::string name : {"stories260K", "tiny-qwen2-f16"}) {
    Transformer model(GgufFile::open(fixture(name)));
    const auto& p = model.parameters();
    const int vocabulary = static_cast<int>(p.vocabulary);
    const auto prefix = ids(10, 3, vocabulary), dropped = ids(30, 71, vocabulary), newest = ids(20, 9, vocabulary);
    KvCache shifted(p, 96), fresh(p, 96);
    std::vector<float> logits;
    model.forward(concat(concat(prefix, dropped), newest), shifted, logits, false);
    model.discard(shifted, static_cast<int>(prefix.size()), static_cast<int>(dropped.size()));
    model.forward(concat(prefix, newest), fresh, logits, false);
    const int width = p.kv_heads * p.head_dim;
    std::vector<float> a(static_cast<std::size_t>(width)), b(a.size());
    double scale = 0, worst = 0;
    for (int position = 0; position < fresh.length(); ++position) {
      fresh.load_key(0, position, b.data());
      shifted.load_key(0, position, a.data());
      for (float x : b) scale = std::max(scale, static_cast<double>(std::fabs(x)));
      worst = std::max(worst, max_difference(a, b));
      fresh.load_value(0, position, b.data());
      shifted.load_value(0, position, a.data());
      worst = std::max(worst, max_difference(a, b));
    }
    EXPECT_LE(worst, 2e-3 * std::max(1.0, scale)) << name;
    for (int layer = 0; layer < p.layers; ++layer)
      for (int position = 0; position < static_cast<int>(prefix.size()); ++position) {
        fresh.load_key(layer, position, b.data());
        shifted.load_key(layer, position, a.data());
        EXPECT_EQ(a, b) << name << " layer " << layer << " position " << position;
      }
  }
}

// stories260K (real weights) with a 64-token context generates far past 64 tokens; until the
// first shift its tokens are the reference's greedy continuation.
TEST(KvShift, GenerationRunsPastTheContext) {
  DOCENT_REQUIRE_SHARED("fixtures/golden/stories260K.json");
  auto model = Model::load(fixture("stories260K"));
  const auto golden = docent::test::decoder_cases("stories260K").at(0);
  Generator generator(model, {.context_length = 64});
  GenerationOptions options;
  options.max_tokens = 200;
  options.stop_at_end_of_generation = false;
  auto result = generator.generate_tokens(golden.tokens, options);
  EXPECT_EQ(result.stop_reason, "max-tokens");
  EXPECT_EQ(result.tokens.size(), 200u);
  EXPECT_GE(result.context_shifts, 2);
  EXPECT_LE(generator.context_used(), 64);
  // The prompt is kept at the front.
  EXPECT_TRUE(std::equal(golden.tokens.begin(), golden.tokens.end(), generator.context().begin()));
  const std::size_t before_shift = std::min(golden.greedy.size(), 64 - golden.tokens.size());
  EXPECT_TRUE(std::equal(golden.greedy.begin(), golden.greedy.begin() + static_cast<std::ptrdiff_t>(before_shift),
                         result.tokens.begin()));

  // A prompt that fills the whole cache leaves nothing to drop: it stops as before.
  Generator small(model, {.context_length = static_cast<int>(golden.tokens.size())});
  auto full = small.generate_tokens(golden.tokens, options);
  EXPECT_EQ(full.stop_reason, "context-full");
  EXPECT_EQ(full.tokens.size(), 1u);
}
