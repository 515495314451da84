// The F16 SIMD kernel (F32 arithmetic on packed halves) against the scalar reference: the
// dequantized row dotted in double precision with the activations rounded to F16 values, as
// round_activations does for F16 weights.
#include <gtest/gtest.h>

#include "kernel_reference.hpp"

#include <bit>
#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "kernels/activations.hpp"
#include "kernels/kernels.hpp"
#include "matmul.hpp"
#include "quant/dequantize.hpp"
#include "quant/half.hpp"

using namespace docent::engine;
using namespace docent::engine::kernels;

namespace {

struct HalfMatrix {
  std::vector<std::uint16_t> halves;
  TensorView view;
};

// Finite halves of every kind: mostly ordinary weights, with signed zeros, subnormals and
// values up to the largest half mixed in.
std::uint16_t random_half(std::mt19937& random) {
  std::uniform_int_distribution<int> kind(0, 15), mantissa(0, 0x3ff), sign(0, 1), exponent(1, 30);
  std::normal_distribution<float> normal(0.0f, 0.05f);
  const auto sign_bit = static_cast<std::uint16_t>(sign(random) << 15);
  switch (kind(random)) {
    case 0: return sign_bit;                                                            // +-0
    case 1: return static_cast<std::uint16_t>(sign_bit | mantissa(random));             // subnormal (or 0)
    case 2: return static_cast<std::uint16_t>(sign_bit | (exponent(random) << 10) | mantissa(random));  // any normal
    case 3: return static_cast<std::uint16_t>(sign_bit | 0x7bff);                       // +-65504
    default: return float_to_half(normal(random));
  }
}

HalfMatrix random_matrix(std::int64_t rows, std::int64_t columns, std::mt19937& random) {
  HalfMatrix m;
  m.halves.resize(static_cast<std::size_t>(rows * columns));
  for (auto& h : m.halves) h = random_half(random);
  m.view = make_view(m.halves.data(), TensorType::f16, {columns, rows, 1, 1}, 2, "random-f16");
  return m;
}

// Activations that exercise the rounding: ordinary values, values that are not F16-exact,
// ones that round to half subnormals, zeros and large values (well below the F16 overflow).
std::vector<float> random_activations(std::int64_t tokens, std::int64_t columns, std::mt19937& random) {
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::uniform_int_distribution<int> kind(0, 19);
  std::vector<float> x(static_cast<std::size_t>(tokens * columns));
  for (auto& v : x) {
    switch (kind(random)) {
      case 0: v = 0.0f; break;
      case 1: v = -0.0f; break;
      case 2: v = normal(random) * 3e-6f; break;  // F16 subnormal range
      case 3: v = normal(random) * 2000.0f; break;
      default: v = normal(random);
    }
  }
  return x;
}

double check(const HalfMatrix& m, const std::vector<float>& input, std::int64_t tokens, const KernelSet& set) {
  return kernel_tests::worst_kernel_error(m.view, input, tokens, set);
}

using kernel_tests::available_sets;

bool same_value(float a, float b) {
  return std::isnan(a) ? std::isnan(b) : std::bit_cast<std::uint32_t>(a) == std::bit_cast<std::uint32_t>(b);
}

}  // namespace

TEST(F16Kernel, RowRoundingMatchesRoundToHalf) {
  // Every tie between neighbouring halves (and one float step either side) is where a rounding
  // mistake would show; a stride through all float bit patterns covers the rest.
  std::vector<float> values;
  for (std::uint32_t h = 0; h < 0x7c00u; ++h) {
    const float low = half_to_float(static_cast<std::uint16_t>(h));
    const float high = h + 1 == 0x7c00u ? 65536.0f : half_to_float(static_cast<std::uint16_t>(h + 1));
    const float tie = static_cast<float>((static_cast<double>(low) + high) / 2);
    for (float v : {low, tie, std::nextafter(tie, 0.0f), std::nextafter(tie, 1e30f)}) {
      values.push_back(v);
      values.push_back(-v);
    }
  }
  for (std::uint64_t bits = 0; bits <= 0xffffffffu; bits += 997) values.push_back(std::bit_cast<float>(static_cast<std::uint32_t>(bits)));
  for (float v : {65504.0f, 65519.99f, 65520.0f, 1e30f, INFINITY, -INFINITY, NAN}) values.push_back(v);
  std::vector<std::pair<std::string, HalfRounder>> rounders = {{"portable", round_row_to_half}};
  for (const KernelSet* set : available_sets()) rounders.emplace_back(set->name, set->round_to_half);
  for (const auto& [name, rounder] : rounders) {
    std::vector<float> rounded(values.size());
    rounder(values.data(), rounded.data(), static_cast<std::int64_t>(values.size()));
    std::size_t mismatches = 0;
    for (std::size_t i = 0; i < values.size(); ++i)
      if (!same_value(rounded[i], round_to_half(values[i])) && ++mismatches <= 5)
        ADD_FAILURE() << name << ": value " << values[i] << " (bits " << std::hex << std::bit_cast<std::uint32_t>(values[i])
                      << "): got " << rounded[i] << ", round_to_half gives " << round_to_half(values[i]);
    EXPECT_EQ(mismatches, 0u) << name;
    // Every length of a vector tail, and nothing written past the end.
    for (std::int64_t count = 0; count <= 33; ++count) {
      std::vector<float> out(static_cast<std::size_t>(count) + 1, 12345.0f);
      rounder(values.data() + 70001, out.data(), count);
      for (std::int64_t i = 0; i < count; ++i)
        ASSERT_TRUE(same_value(out[static_cast<std::size_t>(i)], round_to_half(values[static_cast<std::size_t>(70001 + i)]))) << name << " " << count;
      ASSERT_EQ(out.back(), 12345.0f) << name << " " << count;
    }
  }
}

TEST(F16Kernel, ActivationsAreStoredRoundedToHalf) {
  std::mt19937 random(11);
  const std::int64_t columns = 96;
  auto x = random_activations(3, columns, random);
  QuantizedActivations activations;
  activations.quantize(activation_format(TensorType::f16), x.data(), 3, columns);
  ASSERT_EQ(activations.format(), ActivationFormat::half_rounded_floats);
  ASSERT_EQ(activations.row_bytes(), sizeof(float) * columns);
  for (int t = 0; t < 3; ++t) {
    const auto* row = reinterpret_cast<const float*>(activations.row(t));
    for (std::int64_t k = 0; k < columns; ++k)
      ASSERT_TRUE(same_value(row[k], round_to_half(x[static_cast<std::size_t>(t * columns + k)]))) << t << " " << k;
  }
}

TEST(F16Kernel, PackedOnlyInWholeBlocksOf32Columns) {
  EXPECT_TRUE(packable(TensorType::f16, 32));
  EXPECT_TRUE(packable(TensorType::f16, 1536));
  EXPECT_FALSE(packable(TensorType::f16, 40));
  EXPECT_FALSE(packable(TensorType::f16, 0));
  EXPECT_FALSE(packable(TensorType::f32, 64));
  EXPECT_FALSE(packable(TensorType::bf16, 64));
}

TEST(F16Kernel, MatchesScalarReferenceOnEveryTileAndShape) {
  auto sets = available_sets();
  if (sets.empty()) GTEST_SKIP() << "this CPU has neither AVX2 nor AVX-512 VNNI: only the portable path runs";
  std::mt19937 random(42);
  for (const KernelSet* set : sets)
    for (std::int64_t rows : {1, 15, 16, 17, 40})
      for (std::int64_t columns : {32, 96})
        for (std::int64_t tokens = 1; tokens <= 11; ++tokens) {
          HalfMatrix m = random_matrix(rows, columns, random);
          auto x = random_activations(tokens, columns, random);
          EXPECT_LT(check(m, x, tokens, *set), 1e-5) << set->name << " rows " << rows << " columns " << columns
                                                      << " tokens " << tokens;
        }
}

TEST(F16Kernel, MatchesScalarReferenceOnARealisticShape) {
  auto sets = available_sets();
  if (sets.empty()) GTEST_SKIP() << "no SIMD kernels on this CPU";
  std::mt19937 random(3);
  for (const KernelSet* set : sets) {
    HalfMatrix m = random_matrix(96, 1536, random);
    for (std::int64_t tokens : {1, 7, 21}) {
      auto x = random_activations(tokens, 1536, random);
      x[17] = 250.0f;  // an outlier activation, as real residual streams have
      // Up to 1536 F32 additions in another order than the double reference: typically a few
      // 1e-7 of the magnitude, at most about 1536 * 2^-24 = 9e-5.
      EXPECT_LT(check(m, x, tokens, *set), 1e-5) << set->name << " tokens " << tokens;
    }
  }
}

TEST(F16Kernel, MatchesScalarReferenceAcrossTokenSweeps) {
  // Wide rows (32 KiB of activations per token) make the driver split 130 tokens into several
  // sweeps over the weights, the last one a partial tile.
  auto sets = available_sets();
  if (sets.empty()) GTEST_SKIP() << "no SIMD kernels on this CPU";
  std::mt19937 random(17);
  HalfMatrix m = random_matrix(17, 8192, random);
  auto x = random_activations(130, 8192, random);
  for (const KernelSet* set : sets) EXPECT_LT(check(m, x, 130, *set), 1e-5) << set->name;
}

TEST(F16Kernel, LinearUsesThePackedMatrixAndAgreesWithThePortablePath) {
  const KernelSet* set = active_kernel_set();
  if (set == nullptr) GTEST_SKIP() << "no SIMD kernels in use";
  std::mt19937 random(9);
  HalfMatrix m = random_matrix(40, 128, random);
  PackedMatrix packed(m.view);
  TensorView with_packed = m.view;
  with_packed.packed = &packed;
  auto x = random_activations(5, 128, random);
  std::vector<float> simd(5 * 40), portable(5 * 40);
  linear(with_packed, nullptr, x.data(), 5, simd.data());
  linear(m.view, nullptr, x.data(), 5, portable.data());
  for (std::size_t i = 0; i < simd.size(); ++i)
    EXPECT_NEAR(simd[i], portable[i], 1e-4 * (1 + std::fabs(portable[i]))) << i;
  // The packed matrix is really what `linear` reads: scrambled packed weights must show.
  std::memset(const_cast<std::uint8_t*>(packed.group(0)), 0, packed.group_bytes());
  linear(with_packed, nullptr, x.data(), 5, simd.data());
  for (int t = 0; t < 5; ++t) EXPECT_EQ(simd[static_cast<std::size_t>(t * 40)], 0.0f);
}

TEST(F16Kernel, ZeroActivationsGiveZero) {
  auto sets = available_sets();
  if (sets.empty()) GTEST_SKIP() << "no SIMD kernels on this CPU";
  std::mt19937 random(5);
  for (const KernelSet* set : sets) {
    HalfMatrix m = random_matrix(20, 64, random);
    std::vector<float> x(64 * 3, 0.0f);
    PackedMatrix packed(m.view);
    std::vector<float> out(3 * 20, NAN);
    packed_linear(packed, x.data(), 3, out.data(), *set);
    for (float v : out) EXPECT_EQ(v, 0.0f) << set->name;
  }
}
