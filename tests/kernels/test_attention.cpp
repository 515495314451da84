// The attention kernels (scalar, AVX2, AVX-512 and the dispatched one) against a plain
// reference written from the definition, on random data and edge shapes; and the KV cache's
// layout round trip. Each kernel test runs once per implementation; the ones this CPU lacks
// are skipped.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ostream>
#include <random>
#include <string>
#include <vector>

#include "attention/attention.hpp"
#include "attention/cached_attention.hpp"
#include "kv_cache.hpp"
#include "model_weights.hpp"
#include "quant/half.hpp"
#include "test_support.hpp"
#include "transformer.hpp"

using namespace docent::engine;
using namespace docent::engine::attention;

namespace {

// One head's keys and values, row-major floats (already at the storage precision), plus the
// same data in the kernel's layout.
struct Head {
  int positions = 0, dim = 0;
  std::int64_t value_stride = 0;
  Storage storage = Storage::f32;
  std::vector<float> keys, values;  // [position][dim]
  std::vector<float> key_blocks32, values32;
  std::vector<std::uint16_t> key_blocks16, values16;

  HeadView view() const {
    HeadView v;
    v.storage = storage;
    v.head_dim = dim;
    v.value_stride = value_stride;
    v.keys = storage == Storage::f16 ? static_cast<const void*>(key_blocks16.data()) : key_blocks32.data();
    v.values = storage == Storage::f16 ? static_cast<const void*>(values16.data()) : values32.data();
    return v;
  }
};

Head random_head(int positions, int dim, Storage storage, std::int64_t value_stride, std::mt19937& random) {
  std::normal_distribution<float> normal(0.0f, 1.0f);
  Head head;
  head.positions = positions;
  head.dim = dim;
  head.storage = storage;
  head.value_stride = value_stride;
  auto stored = [&](float x) { return storage == Storage::f16 ? round_to_half(x) : x; };
  head.keys.resize(static_cast<std::size_t>(positions) * dim);
  head.values.resize(head.keys.size());
  for (auto& x : head.keys) x = stored(normal(random));
  for (auto& x : head.values) x = stored(normal(random));
  const std::size_t blocked = static_cast<std::size_t>(padded_positions(positions)) * dim;
  // Unused lanes of the last key block hold garbage the kernel must ignore.
  head.key_blocks32.assign(blocked, 1e30f);
  head.key_blocks16.assign(blocked, float_to_half(60000.0f));
  // Gaps between rows are never read; the buffer ends right after the last row, so a kernel
  // reading past a row's end trips the sanitizer build.
  head.values32.assign(static_cast<std::size_t>(positions - 1) * value_stride + static_cast<std::size_t>(dim), NAN);
  head.values16.assign(head.values32.size(), 0x7e00);                            // F16 NaN
  for (int j = 0; j < positions; ++j)
    for (int d = 0; d < dim; ++d) {
      const float key = head.keys[static_cast<std::size_t>(j) * dim + d], value = head.values[static_cast<std::size_t>(j) * dim + d];
      head.key_blocks32[key_offset(j, d, dim)] = key;
      head.key_blocks16[key_offset(j, d, dim)] = float_to_half(key);
      head.values32[static_cast<std::size_t>(j) * value_stride + d] = value;
      head.values16[static_cast<std::size_t>(j) * value_stride + d] = float_to_half(value);
    }
  return head;
}

// Softmax attention straight from the definition, in double except where the reference
// engine rounds to F16.
std::vector<double> reference(const Head& head, const float* query, int visible, float scale, bool round) {
  std::vector<double> scores(static_cast<std::size_t>(visible));
  double maximum = -INFINITY;
  for (int j = 0; j < visible; ++j) {
    double dot = 0;
    for (int d = 0; d < head.dim; ++d)
      dot += static_cast<double>(round ? round_to_half(query[d]) : query[d]) * head.keys[static_cast<std::size_t>(j) * head.dim + d];
    scores[static_cast<std::size_t>(j)] = dot * scale;
    maximum = std::max(maximum, scores[static_cast<std::size_t>(j)]);
  }
  double sum = 0;
  for (auto& s : scores) sum += (s = std::exp(s - maximum));
  std::vector<double> out(static_cast<std::size_t>(head.dim), 0.0);
  for (int j = 0; j < visible; ++j) {
    double weight = scores[static_cast<std::size_t>(j)] / sum;
    if (round) weight = round_to_half(static_cast<float>(weight));
    for (int d = 0; d < head.dim; ++d) out[static_cast<std::size_t>(d)] += weight * head.values[static_cast<std::size_t>(j) * head.dim + d];
  }
  return out;
}

using Kernel = void (*)(const HeadView&, const QueryRows&, const Settings&, float*);

// Runs `kernel` on `rows` query rows (row r sees visible[r] keys) and returns the worst
// |kernel - reference|.
double worst_error(Kernel kernel, const Head& head, const std::vector<int>& visible, bool round, std::mt19937& random) {
  std::normal_distribution<float> normal(0.0f, 2.0f);
  const int count = static_cast<int>(visible.size());
  std::vector<float> queries(static_cast<std::size_t>(count) * head.dim), outputs(queries.size(), -7.0f);
  for (auto& x : queries) x = normal(random);
  QueryRows rows;
  rows.rows = count;
  for (int r = 0; r < count; ++r) {
    rows.queries[r] = &queries[static_cast<std::size_t>(r) * head.dim];
    rows.outputs[r] = &outputs[static_cast<std::size_t>(r) * head.dim];
    rows.visible[r] = visible[static_cast<std::size_t>(r)];
  }
  Settings settings;
  settings.scale = 1.0f / std::sqrt(static_cast<float>(head.dim));
  settings.round_like_reference = round;
  std::vector<float> scratch(scratch_floats(rows, head.dim));
  kernel(head.view(), rows, settings, scratch.data());
  double worst = 0;
  for (int r = 0; r < count; ++r) {
    auto expected = reference(head, rows.queries[r], rows.visible[r], settings.scale, round);
    for (int d = 0; d < head.dim; ++d)
      worst = std::max(worst, std::fabs(expected[static_cast<std::size_t>(d)] - rows.outputs[r][d]));
  }
  return worst;
}

struct Implementation {
  const char* name;
  Kernel kernel;
  bool (*available)();
};

// gtest prints the parameter in failure messages.
void PrintTo(const Implementation& implementation, std::ostream* out) { *out << implementation.name; }

bool always() { return true; }

const Implementation kImplementations[] = {
    {"scalar", attend_scalar, always},
    {"avx2", attend_avx2, avx2_available},
    {"avx512", attend_avx512, avx512_available},
    {"dispatched", attend, always},
};

class AttentionKernel : public ::testing::TestWithParam<Implementation> {
 protected:
  void SetUp() override {
    if (!GetParam().available()) GTEST_SKIP() << GetParam().name << " is not supported by this CPU";
  }
  Kernel kernel() const { return GetParam().kernel; }
};

}  // namespace

INSTANTIATE_TEST_SUITE_P(Implementations, AttentionKernel, ::testing::ValuesIn(kImplementations),
                         [](const ::testing::TestParamInfo<Implementation>& info) { return std::string(info.param.name); });

TEST_P(AttentionKernel, MatchesReferenceOverShapes) {
  std::mt19937 random(5);
  for (Storage storage : {Storage::f32, Storage::f16})
    // 20: not a multiple of 8 or 16, so the vector kernels' column tails are exercised.
    for (int dim : {64, 80, 128, 24, 20})
      for (int positions : {1, 7, 15, 16, 17, 100, 515}) {
        Head head = random_head(positions, dim, storage, dim, random);
        for (int rows = 1; rows <= kMaxRows; ++rows)
          for (bool round : {false, true}) {
            if (round && storage == Storage::f32) continue;
            // Causal-like: the rows see the last `rows` prefixes, as consecutive tokens do.
            std::vector<int> visible;
            for (int r = 0; r < rows; ++r) visible.push_back(std::max(1, positions - (rows - 1 - r) / 2));
            // Probabilities rounded to F16 may land one F16 step apart (exp differs in the last
            // bit); that moves an output by ~5e-4 of a value.
            const double tolerance = round ? 3e-3 : 2e-5 * std::sqrt(static_cast<double>(positions)) + 1e-5;
            EXPECT_LT(worst_error(kernel(), head, visible, round, random), tolerance)
                << "storage " << static_cast<int>(storage) << " dim " << dim << " positions " << positions << " rows " << rows
                << " round " << round;
          }
      }
}

TEST_P(AttentionKernel, StridedValuesAndUnequalRows) {
  // Values interleaved with other heads' (the encoder's layout), rows seeing very different
  // lengths, long context.
  std::mt19937 random(11);
  for (Storage storage : {Storage::f32, Storage::f16}) {
    Head head = random_head(4096, 128, storage, 128 * 3, random);
    EXPECT_LT(worst_error(kernel(), head, {4096, 1, 4000, 33, 4096, 2048, 17}, false, random), 2e-3);
    EXPECT_LT(worst_error(kernel(), head, std::vector<int>(12, 4096), false, random), 2e-3);
    EXPECT_LT(worst_error(kernel(), head, {3, 4095, 1000}, storage == Storage::f16, random), 3e-3);
  }
  // An odd head dim with a stride (the column tail of the vector kernels).
  Head odd = random_head(300, 20, Storage::f16, 20 * 2 + 4, random);
  EXPECT_LT(worst_error(kernel(), odd, {300, 299, 5, 1}, true, random), 3e-3);
}

TEST_P(AttentionKernel, LargeScoresStayFinite) {
  // Scores in the hundreds: the softmax must subtract the maximum before exponentiating.
  std::mt19937 random(3);
  Head head = random_head(64, 64, Storage::f32, 64, random);
  for (auto& k : head.key_blocks32) k = k < 1e29f ? k * 40.0f : k;
  for (auto& k : head.keys) k *= 40.0f;
  double error = worst_error(kernel(), head, {64, 10, 1}, false, random);
  EXPECT_TRUE(std::isfinite(error));
  EXPECT_LT(error, 1e-3);
}

TEST_P(AttentionKernel, NearlyUniformAndNearlyOneHotRows) {
  // Tiny scores (every probability ~1/n, summed over many positions), and one key whose
  // scores are in the hundreds (so it dominates, or its exponential underflows to zero).
  std::mt19937 random(8);
  for (Storage storage : {Storage::f32, Storage::f16}) {
    Head flat = random_head(2000, 64, storage, 64, random);
    for (auto& k : flat.key_blocks32) k = k < 1e29f ? k * 1e-3f : k;
    for (auto& k : flat.key_blocks16) k = k == float_to_half(60000.0f) ? k : float_to_half(half_to_float(k) * 1e-3f);
    for (auto& k : flat.keys) k = storage == Storage::f16 ? round_to_half(k * 1e-3f) : k * 1e-3f;
    EXPECT_LT(worst_error(kernel(), flat, {2000, 1999, 1}, false, random), 2e-3) << static_cast<int>(storage);
  }
  Head spike = random_head(200, 32, Storage::f32, 32, random);
  for (int d = 0; d < 32; ++d) {
    spike.keys[static_cast<std::size_t>(150 * 32 + d)] = 30.0f;
    spike.key_blocks32[key_offset(150, d, 32)] = 30.0f;
  }
  EXPECT_LT(worst_error(kernel(), spike, {200, 151, 150}, false, random), 1e-4);
}

TEST(AttentionDispatch, FollowsTheEnvironment) {
  // attend() uses DOCENT_ATTENTION when set (and supported), else the widest implementation.
  const char* forced = std::getenv("DOCENT_ATTENTION");
  const std::string choice = forced != nullptr ? forced : "";
  std::string expected = avx512_available() ? "avx512" : avx2_available() ? "avx2" : "scalar";
  if (choice == "scalar") expected = "scalar";
  if (choice == "avx2") expected = avx2_available() ? "avx2" : "scalar";
  if (choice == "avx512") expected = avx512_available() ? "avx512" : "scalar";
  EXPECT_EQ(std::string(active_implementation()), expected) << "DOCENT_ATTENTION=" << choice;
}

TEST(AttentionDispatch, VectorKernelsAgreeWithEachOther) {
  // AVX2 and AVX-512 do the same arithmetic (same exp, same multiply-add order per score), so
  // they should agree far more closely than either does with the reference.
  if (!avx2_available() || !avx512_available()) GTEST_SKIP() << "needs both AVX2 and AVX-512";
  std::mt19937 random(17);
  for (Storage storage : {Storage::f32, Storage::f16}) {
    Head head = random_head(777, 128, storage, 128, random);
    std::normal_distribution<float> normal(0.0f, 2.0f);
    std::vector<float> queries(6 * 128), out2(queries.size()), out512(queries.size());
    for (auto& x : queries) x = normal(random);
    QueryRows rows;
    rows.rows = 6;
    for (int r = 0; r < 6; ++r) {
      rows.queries[r] = &queries[static_cast<std::size_t>(r) * 128];
      rows.visible[r] = 777 - 100 * r;
    }
    Settings settings;
    settings.scale = 0.088f;
    settings.round_like_reference = storage == Storage::f16;
    std::vector<float> scratch(scratch_floats(rows, 128));
    for (int r = 0; r < 6; ++r) rows.outputs[r] = &out2[static_cast<std::size_t>(r) * 128];
    attend_avx2(head.view(), rows, settings, scratch.data());
    for (int r = 0; r < 6; ++r) rows.outputs[r] = &out512[static_cast<std::size_t>(r) * 128];
    attend_avx512(head.view(), rows, settings, scratch.data());
    double worst = 0;
    for (std::size_t i = 0; i < out2.size(); ++i) worst = std::max(worst, static_cast<double>(std::fabs(out2[i] - out512[i])));
    EXPECT_LT(worst, 1e-5) << static_cast<int>(storage);
  }
}

TEST(AttentionDispatch, DecoderLogitsAgreeAcrossImplementations) {
  // A golden fixture decoder (GQA) with attend() forced to each implementation: a 150-token
  // prompt (prefill tiles) then 20 decoded tokens (one row per query head), F16 cache with the
  // reference's roundings and F32 cache without. The logits must agree with the scalar
  // implementation's. (With the F16 roundings every product is exact in float and the F16
  // probabilities absorb exp's last-bit differences, so the kernels usually agree exactly.)
  DOCENT_REQUIRE_SHARED("fixtures/models/small-qwen2-q4_k_m.gguf");
  Transformer model(GgufFile::open(docent::test::shared_dir() / "fixtures/models/small-qwen2-q4_k_m.gguf"));
  const int vocabulary = static_cast<int>(model.parameters().vocabulary);
  std::vector<std::int32_t> prompt;
  for (int i = 0; i < 150; ++i) prompt.push_back(static_cast<std::int32_t>((i * 7919 + 13) % vocabulary));
  auto run = [&](const char* name, CachePrecision precision) {
    EXPECT_TRUE(force_implementation(name)) << name;
    KvCache cache(model.parameters(), 200, precision);
    std::vector<float> logits, all;
    model.forward(prompt, cache, logits, true);
    all = logits;
    for (int step = 0; step < 20; ++step) {
      const std::int32_t next = static_cast<std::int32_t>((step * 104729 + 5) % vocabulary);
      model.forward(std::span<const std::int32_t>(&next, 1), cache, logits, false);
      all.insert(all.end(), logits.begin(), logits.end());
    }
    return all;
  };
  const std::string initial = active_implementation();
  for (CachePrecision precision : {CachePrecision::f16, CachePrecision::f32}) {
    const char* cache_name = precision == CachePrecision::f16 ? "f16" : "f32";
    const std::vector<float> expected = run("scalar", precision);
    for (const Implementation& implementation : kImplementations) {
      if (!implementation.available() || std::strcmp(implementation.name, "scalar") == 0 ||
          std::strcmp(implementation.name, "dispatched") == 0)
        continue;
      const std::vector<float> got = run(implementation.name, precision);
      ASSERT_EQ(got.size(), expected.size());
      double worst = 0, largest = 0;
      for (std::size_t i = 0; i < got.size(); ++i) {
        worst = std::max(worst, static_cast<double>(std::fabs(got[i] - expected[i])));
        largest = std::max(largest, static_cast<double>(std::fabs(expected[i])));
      }
      std::printf("%-7s vs scalar, %s cache: max |logit difference| %.3g (largest |logit| %.3g)\n", implementation.name,
                  cache_name, worst, largest);
      // The fixture's own agreement with llama.cpp is ~1e-2 (test_engine's goldens).
      EXPECT_LT(worst, 1e-3) << implementation.name << " " << cache_name;
    }
  }
  EXPECT_TRUE(force_implementation(""));
  EXPECT_EQ(std::string(active_implementation()), initial);
}

TEST(KvCacheLayout, StoreLoadAndHeadViewAgree) {
  HyperParameters p;
  p.layers = 3;
  p.kv_heads = 2;
  p.head_dim = 80;
  std::mt19937 random(2);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (CachePrecision precision : {CachePrecision::f32, CachePrecision::f16}) {
    KvCache cache(p, 37, precision);
    EXPECT_EQ(cache.bytes(), 37 * KvCache::bytes_per_token(p, precision));
    const int width = cache.row_width();
    std::vector<float> keys(static_cast<std::size_t>(3 * 37 * width)), values(keys.size());
    for (auto& x : keys) x = normal(random);
    for (auto& x : values) x = normal(random);
    auto at = [&](int layer, int position) { return static_cast<std::size_t>((layer * 37 + position) * width); };
    for (int layer = 0; layer < 3; ++layer)
      for (int position = 0; position < 37; ++position) cache.store(layer, position, &keys[at(layer, position)], &values[at(layer, position)]);
    auto stored = [&](float x) { return precision == CachePrecision::f16 ? round_to_half(x) : x; };
    std::vector<float> row(static_cast<std::size_t>(width));
    for (int layer = 0; layer < 3; ++layer)
      for (int position = 0; position < 37; ++position) {
        cache.load_key(layer, position, row.data());
        for (int i = 0; i < width; ++i) ASSERT_EQ(row[static_cast<std::size_t>(i)], stored(keys[at(layer, position) + i]));
        cache.load_value(layer, position, row.data());
        for (int i = 0; i < width; ++i) ASSERT_EQ(row[static_cast<std::size_t>(i)], stored(values[at(layer, position) + i]));
        for (int h = 0; h < 2; ++h) {
          HeadView view = cache.head(layer, h);
          for (int d = 0; d < 80; ++d) {
            const std::size_t k = key_offset(position, d, 80), v = static_cast<std::size_t>(position) * view.value_stride + d;
            const float key = precision == CachePrecision::f16 ? half_to_float(static_cast<const std::uint16_t*>(view.keys)[k])
                                                               : static_cast<const float*>(view.keys)[k];
            const float value = precision == CachePrecision::f16 ? half_to_float(static_cast<const std::uint16_t*>(view.values)[v])
                                                                 : static_cast<const float*>(view.values)[v];
            ASSERT_EQ(key, stored(keys[at(layer, position) + h * 80 + d]));
            ASSERT_EQ(value, stored(values[at(layer, position) + h * 80 + d]));
          }
        }
      }
  }
}

TEST(CachedAttention, GroupedHeadsCausalOverTheCache) {
  // Whole-layer attention (tiles of query rows spread over the pool) against the reference,
  // for GQA groups of 1, 2 and 6, decode (1 new token) and prefill (many), both precisions.
  struct Shape { int heads, kv_heads, head_dim; };
  std::mt19937 random(21);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (Shape shape : {Shape{4, 4, 64}, Shape{4, 2, 80}, Shape{12, 2, 128}})
    for (CachePrecision precision : {CachePrecision::f32, CachePrecision::f16})
      for (auto [first, count] : {std::pair{0, 1}, std::pair{40, 1}, std::pair{0, 45}, std::pair{9, 30}}) {
        HyperParameters p;
        p.layers = 2;
        p.heads = shape.heads;
        p.kv_heads = shape.kv_heads;
        p.head_dim = shape.head_dim;
        KvCache cache(p, first + count, precision);
        const int width = cache.row_width(), query_width = p.heads * p.head_dim;
        std::vector<float> row(static_cast<std::size_t>(width) * 2);
        for (int position = 0; position < first + count; ++position) {
          for (auto& x : row) x = normal(random);
          cache.store(1, position, row.data(), row.data() + width);
        }
        std::vector<float> queries(static_cast<std::size_t>(count) * query_width), output(queries.size(), -7.0f);
        for (auto& x : queries) x = 2.0f * normal(random);
        const bool round = precision == CachePrecision::f16;
        cached_attention(cache, 1, p.heads, first, count, queries.data(), output.data(), true);
        // The reference reads the cache back row by row.
        const int group = p.heads / p.kv_heads;
        double worst = 0;
        for (int h = 0; h < p.heads; ++h) {
          Head head;
          head.dim = p.head_dim;
          head.positions = first + count;
          std::vector<float> key(static_cast<std::size_t>(width)), value(key.size());
          for (int position = 0; position < head.positions; ++position) {
            cache.load_key(1, position, key.data());
            cache.load_value(1, position, value.data());
            const int offset = (h / group) * p.head_dim;
            head.keys.insert(head.keys.end(), key.begin() + offset, key.begin() + offset + p.head_dim);
            head.values.insert(head.values.end(), value.begin() + offset, value.begin() + offset + p.head_dim);
          }
          for (int t = 0; t < count; ++t) {
            const float* query = &queries[static_cast<std::size_t>(t * query_width + h * p.head_dim)];
            auto expected = reference(head, query, first + t + 1, 1.0f / std::sqrt(static_cast<float>(p.head_dim)), round);
            for (int d = 0; d < p.head_dim; ++d)
              worst = std::max(worst, std::fabs(expected[static_cast<std::size_t>(d)] -
                                                output[static_cast<std::size_t>(t * query_width + h * p.head_dim + d)]));
          }
        }
        EXPECT_LT(worst, round ? 3e-3 : 1e-4) << shape.heads << "/" << shape.kv_heads << " dim " << shape.head_dim
                                              << " first " << first << " count " << count;
      }
}
