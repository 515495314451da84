// The AVX-512 activation quantizers must equal the portable ones bit for bit: the kernels'
// results (and so the engine goldens) depend on every scale, quant and sum.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "attention/attention.hpp"
#include "kernels/activations.hpp"
#include "kernels/activations_avx512.hpp"

using namespace docent::engine;
using namespace docent::engine::kernels;

namespace {

// Rows of awkward blocks: random, all zero, one spike, +m and -m ties in both orders, tiny
// (the F16 scale underflows to zero), huge (the F16 scale overflows), exact .5 products.
std::vector<float> awkward_values(std::int64_t block, int blocks, int round, std::mt19937& random) {
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> x(static_cast<std::size_t>(block * blocks));
  for (auto& value : x) value = normal(random);
  auto at = [&](int b, std::int64_t i) -> float& { return x[static_cast<std::size_t>(b * block + i)]; };
  for (int b = 0; b < blocks; ++b) {
    switch (b % 8) {
      case 0: break;
      case 1: for (std::int64_t i = 0; i < block; ++i) at(b, i) = 0.0f; break;
      case 2: at(b, block / 3) = 40.0f; break;
      case 3: at(b, 5) = 3.0f; at(b, block - 2) = -3.0f; break;
      case 4: at(b, 2) = -3.0f; at(b, block - 1) = 3.0f; break;
      case 5: for (std::int64_t i = 0; i < block; ++i) at(b, i) *= 1e-30f; break;  // F16 scale underflows to 0; 1/max stays finite
      case 6: for (std::int64_t i = 0; i < block; ++i) at(b, i) *= (round % 2 ? 8e5f : 1e7f); break;
      case 7: for (std::int64_t i = 0; i < block; ++i) at(b, i) = static_cast<float>(i % 255 - 127) * 0.5f; break;
    }
  }
  return x;
}

}  // namespace

TEST(ActivationQuantizer, Avx512Blocks32EqualPortableBitForBit) {
  if (!attention::avx512_available()) GTEST_SKIP() << "this CPU has no AVX-512: only the portable quantizer runs";
  std::mt19937 random(11);
  for (int round = 0; round < 20; ++round) {
    const int blocks = 48;
    auto x = awkward_values(32, blocks, round, random);
    std::vector<ActivationBlock32> wide(blocks), portable(blocks);
    quantize_blocks32_avx512(x.data(), wide.data(), blocks);
    quantize_blocks32_portable(x.data(), portable.data(), blocks);
    for (int b = 0; b < blocks; ++b) {
      ASSERT_EQ(std::memcmp(&wide[static_cast<std::size_t>(b)].d, &portable[static_cast<std::size_t>(b)].d, 4), 0) << "block " << b;
      ASSERT_EQ(wide[static_cast<std::size_t>(b)].sum, portable[static_cast<std::size_t>(b)].sum) << "block " << b;
      ASSERT_EQ(std::memcmp(wide[static_cast<std::size_t>(b)].q, portable[static_cast<std::size_t>(b)].q, 32), 0) << "block " << b;
    }
  }
}

TEST(ActivationQuantizer, Avx512Blocks256EqualPortableBitForBit) {
  if (!attention::avx512_available()) GTEST_SKIP() << "this CPU has no AVX-512: only the portable quantizer runs";
  std::mt19937 random(12);
  for (int round = 0; round < 20; ++round) {
    const int blocks = 16;
    auto x = awkward_values(256, blocks, round, random);
    std::vector<ActivationBlock256> wide(blocks), portable(blocks);
    quantize_blocks256_avx512(x.data(), wide.data(), blocks);
    quantize_blocks256_portable(x.data(), portable.data(), blocks);
    for (int b = 0; b < blocks; ++b) {
      const auto& w = wide[static_cast<std::size_t>(b)];
      const auto& p = portable[static_cast<std::size_t>(b)];
      ASSERT_EQ(std::memcmp(&w.d, &p.d, 4), 0) << "block " << b << ": " << w.d << " vs " << p.d;
      ASSERT_EQ(std::memcmp(w.sums16, p.sums16, sizeof w.sums16), 0) << "block " << b;
      ASSERT_EQ(std::memcmp(w.q, p.q, 256), 0) << "block " << b;
    }
  }
}
