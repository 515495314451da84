// Quant block references: hand-built blocks decode to the values the format defines, and
// quantize -> dequantize stays within the format's resolution.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

#include "quant/blocks.hpp"
#include "quant/dequantize.hpp"
#include "quant/half.hpp"
#include "quant/quantize.hpp"
#include "quant/type_traits.hpp"

using namespace docent::engine;

TEST(Half, ConversionsRoundToNearestEven) {
  EXPECT_EQ(float_to_half(1.0f), 0x3c00);
  EXPECT_EQ(float_to_half(-2.0f), 0xc000);
  EXPECT_EQ(float_to_half(65504.0f), 0x7bff);
  EXPECT_EQ(float_to_half(65520.0f), 0x7c00);          // ties to even -> infinity
  EXPECT_EQ(float_to_half(1.0f + 1.0f / 2048), 0x3c00);  // exact tie, even mantissa stays
  EXPECT_EQ(float_to_half(1.0f + 3.0f / 2048), 0x3c02);  // exact tie, odd mantissa rounds up
  EXPECT_EQ(float_to_half(5.9604644775390625e-8f), 0x0001);  // smallest subnormal
  EXPECT_EQ(float_to_half(std::ldexp(1.0f, -14)), 0x0400);   // smallest normal
  EXPECT_EQ(float_to_half(std::ldexp(1.0f, -26)), 0x0000);   // below half the smallest subnormal
  EXPECT_EQ(half_to_float(0x3555), 0.333251953125f);
  EXPECT_EQ(half_to_float(0x0001), 5.9604644775390625e-8f);
  EXPECT_TRUE(std::isinf(half_to_float(0xfc00)));
  EXPECT_TRUE(std::isnan(half_to_float(float_to_half(NAN))));
  for (std::uint32_t h = 0; h < 0x7c00; ++h)
    ASSERT_EQ(float_to_half(half_to_float(static_cast<std::uint16_t>(h))), h) << h;
  EXPECT_EQ(bfloat16_to_float(float_to_bfloat16(1.5f)), 1.5f);
  EXPECT_EQ(float_to_bfloat16(1.00390625f), 0x3f80);  // tie to even
}

TEST(Quant, BlockSizesMatchTypeTable) {
  EXPECT_EQ(type_traits(TensorType::q4_0)->block_bytes, static_cast<std::int64_t>(sizeof(BlockQ4_0)));
  EXPECT_EQ(type_traits(TensorType::q4_1)->block_bytes, static_cast<std::int64_t>(sizeof(BlockQ4_1)));
  EXPECT_EQ(type_traits(TensorType::q5_0)->block_bytes, static_cast<std::int64_t>(sizeof(BlockQ5_0)));
  EXPECT_EQ(type_traits(TensorType::q5_1)->block_bytes, static_cast<std::int64_t>(sizeof(BlockQ5_1)));
  EXPECT_EQ(type_traits(TensorType::q8_0)->block_bytes, static_cast<std::int64_t>(sizeof(BlockQ8_0)));
  EXPECT_EQ(type_traits(TensorType::q4_k)->block_bytes, static_cast<std::int64_t>(sizeof(BlockQ4_K)));
  EXPECT_EQ(type_traits(TensorType::q5_k)->block_bytes, static_cast<std::int64_t>(sizeof(BlockQ5_K)));
  EXPECT_EQ(type_traits(TensorType::q6_k)->block_bytes, static_cast<std::int64_t>(sizeof(BlockQ6_K)));
  EXPECT_EQ(type_traits(TensorType::q8_k)->block_bytes, static_cast<std::int64_t>(sizeof(BlockQ8_K)));
  EXPECT_EQ(row_bytes(TensorType::q4_k, 512), 288);
  EXPECT_FALSE(row_bytes(TensorType::q4_k, 100).has_value());
  EXPECT_FALSE(type_traits(5).has_value());  // removed Q4_2
}

TEST(Quant, HandBuiltLegacyBlocks) {
  float out[32];
  BlockQ4_0 q4_0{};
  q4_0.d = float_to_half(0.5f);
  q4_0.qs[0] = 0x1f;  // element 0: 15, element 16: 1
  q4_0.qs[3] = 0x88;  // elements 3 and 19: zero
  dequantize_row(TensorType::q4_0, &q4_0, out, 32);
  EXPECT_EQ(out[0], 3.5f);
  EXPECT_EQ(out[16], -3.5f);
  EXPECT_EQ(out[3], 0.0f);
  EXPECT_EQ(out[19], 0.0f);
  EXPECT_EQ(out[1], -4.0f);

  BlockQ4_1 q4_1{};
  q4_1.d = float_to_half(1.0f);
  q4_1.m = float_to_half(-2.0f);
  q4_1.qs[5] = 0x21;
  dequantize_row(TensorType::q4_1, &q4_1, out, 32);
  EXPECT_EQ(out[5], -1.0f);
  EXPECT_EQ(out[21], 0.0f);
  EXPECT_EQ(out[0], -2.0f);

  BlockQ5_0 q5_0{};
  q5_0.d = float_to_half(0.25f);
  std::uint32_t high = (1u << 0) | (1u << 17);
  std::memcpy(q5_0.qh, &high, 4);
  q5_0.qs[0] = 0x3f;  // element 0: 15 | 16 = 31; element 16: 3 (no high bit)
  q5_0.qs[1] = 0x20;  // element 1: 0; element 17: 2 | 16 = 18
  dequantize_row(TensorType::q5_0, &q5_0, out, 32);
  EXPECT_EQ(out[0], 0.25f * 15);
  EXPECT_EQ(out[16], 0.25f * (3 - 16));
  EXPECT_EQ(out[1], 0.25f * -16);
  EXPECT_EQ(out[17], 0.25f * 2);

  BlockQ5_1 q5_1{};
  q5_1.d = float_to_half(2.0f);
  q5_1.m = float_to_half(1.0f);
  std::memcpy(q5_1.qh, &high, 4);
  q5_1.qs[0] = 0x3f;
  dequantize_row(TensorType::q5_1, &q5_1, out, 32);
  EXPECT_EQ(out[0], 2.0f * 31 + 1);
  EXPECT_EQ(out[16], 2.0f * 3 + 1);

  BlockQ8_0 q8_0{};
  q8_0.d = float_to_half(2.0f);
  q8_0.qs[7] = -3;
  q8_0.qs[31] = 127;
  dequantize_row(TensorType::q8_0, &q8_0, out, 32);
  EXPECT_EQ(out[7], -6.0f);
  EXPECT_EQ(out[31], 254.0f);
  EXPECT_EQ(out[0], 0.0f);
}

TEST(Quant, HandBuiltKBlocks) {
  std::vector<float> out(256);
  BlockQ4_K q4_k{};
  q4_k.d = float_to_half(1.0f);
  q4_k.dmin = float_to_half(0.5f);
  // Sub-block 0: scale 2, min 1. Sub-block 4: scale 21 (0b010101), min 35 (0b100011): low
  // nibbles in byte 8, top two bits in bytes 0 and 4.
  q4_k.scales[0] = 2 | (1 << 6);
  q4_k.scales[4] = 1 | (2 << 6);
  q4_k.scales[8] = 5 | (3 << 4);
  q4_k.scales[1] = 4;  // sub-block 1: scale 4, min 0
  q4_k.qs[0] = 0x63;   // element 0 (sub 0): 3; element 32 (sub 1): 6
  q4_k.qs[64] = 0x07;  // element 128 (sub 4): 7
  dequantize_row(TensorType::q4_k, &q4_k, out.data(), 256);
  EXPECT_EQ(out[0], 2.0f * 3 - 0.5f * 1);
  EXPECT_EQ(out[32], 4.0f * 6);
  EXPECT_EQ(out[128], 21.0f * 7 - 0.5f * 35);
  EXPECT_EQ(out[129], -0.5f * 35);
  std::uint8_t scale, min;
  unpack_k_scale_min(q4_k.scales, 4, scale, min);
  EXPECT_EQ(scale, 21);
  EXPECT_EQ(min, 35);

  BlockQ5_K q5_k{};
  q5_k.d = float_to_half(1.0f);
  q5_k.dmin = float_to_half(0.0f);
  q5_k.scales[0] = 1;
  q5_k.scales[1] = 1;
  q5_k.scales[2] = 1;
  q5_k.qh[0] = 0b0000'0101;  // fifth bit for element 0 (sub 0) and element 64 (sub 2)
  q5_k.qs[0] = 0x22;
  q5_k.qs[32] = 0x01;  // element 64 (sub 2): 1
  dequantize_row(TensorType::q5_k, &q5_k, out.data(), 256);
  EXPECT_EQ(out[0], 2.0f + 16);
  EXPECT_EQ(out[32], 2.0f);
  EXPECT_EQ(out[64], 1.0f + 16);

  BlockQ6_K q6_k{};
  q6_k.d = float_to_half(0.5f);
  q6_k.scales[0] = 3;
  q6_k.scales[2] = -2;
  q6_k.scales[4] = 1;
  q6_k.ql[0] = 0x95;    // element 0 low: 5, element 64 high: 9
  q6_k.qh[0] = 0b0001'0001;  // element 0 high bits 1, element 64 high bits 1
  q6_k.ql[32] = 0x0f;   // element 32: 15 (high bits 0)
  dequantize_row(TensorType::q6_k, &q6_k, out.data(), 256);
  EXPECT_EQ(out[0], 0.5f * 3 * ((5 | 16) - 32));
  EXPECT_EQ(out[32], 0.5f * -2 * (15 - 32));
  EXPECT_EQ(out[64], 0.5f * 1 * ((9 | 16) - 32));
}

namespace {
std::vector<float> random_values(std::size_t count, unsigned seed) {
  std::mt19937 generator(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> values(count);
  for (auto& value : values) value = normal(generator);
  values[5] = 4.5f;  // an outlier, as real weights have
  return values;
}

template <typename Block, typename Quantize>
double relative_rms_error(TensorType type, Quantize quantize, const std::vector<float>& values, double* max_error) {
  auto count = static_cast<std::int64_t>(values.size());
  std::vector<Block> blocks(values.size() / (type_traits(type)->block_elements));
  quantize(values.data(), blocks.data(), count);
  std::vector<float> decoded(values.size());
  dequantize_row(type, blocks.data(), decoded.data(), count);
  double error = 0, energy = 0;
  *max_error = 0;
  for (std::size_t i = 0; i < values.size(); ++i) {
    error += (decoded[i] - values[i]) * (decoded[i] - values[i]);
    energy += values[i] * values[i];
    *max_error = std::max(*max_error, static_cast<double>(std::fabs(decoded[i] - values[i])));
  }
  return std::sqrt(error / energy);
}
}  // namespace

TEST(Quant, RoundTripErrorsWithinFormatResolution) {
  auto values = random_values(1024, 7);
  double max_error = 0;
  // Q8_0: step is max|x|/127 per block, so error <= step/2 (+ the half-precision scale).
  double q8 = relative_rms_error<BlockQ8_0>(TensorType::q8_0, quantize_row_q8_0, values, &max_error);
  EXPECT_LT(max_error, 4.5 / 127 * 0.51);
  EXPECT_LT(q8, 0.01);
  // Q4_0: 16 levels over [-max, max]: step max/8.
  double q4 = relative_rms_error<BlockQ4_0>(TensorType::q4_0, quantize_row_q4_0, values, &max_error);
  EXPECT_LT(max_error, 4.5 / 8 + 1e-3);
  EXPECT_LT(q4, 0.15);
  double q4k = relative_rms_error<BlockQ4_K>(TensorType::q4_k, quantize_row_q4_k, values, &max_error);
  EXPECT_LT(q4k, 0.15);
  double q6k = relative_rms_error<BlockQ6_K>(TensorType::q6_k, quantize_row_q6_k, values, &max_error);
  EXPECT_LT(q6k, 0.04);
  EXPECT_GT(q4, q8);  // sanity: fewer bits, more error
  EXPECT_GT(q4k, q6k);

  auto activations = values;
  round_trip_q8_k(activations.data(), 1024);
  for (std::size_t i = 0; i < values.size(); ++i) EXPECT_NEAR(activations[i], values[i], 4.5 / 127 * 0.51);
  activations = values;
  round_trip_q8_0(activations.data(), 1024);
  for (std::size_t i = 0; i < values.size(); ++i) EXPECT_NEAR(activations[i], values[i], 4.5 / 127 * 0.51);
}

TEST(Quant, ZeroBlocksStayZero) {
  std::vector<float> zeros(256, 0.0f), out(256, 1.0f);
  BlockQ4_K q4_k;
  quantize_row_q4_k(zeros.data(), &q4_k, 256);
  dequantize_row(TensorType::q4_k, &q4_k, out.data(), 256);
  for (float value : out) EXPECT_EQ(value, 0.0f);
  BlockQ6_K q6_k;
  quantize_row_q6_k(zeros.data(), &q6_k, 256);
  dequantize_row(TensorType::q6_k, &q6_k, out.data(), 256);
  for (float value : out) EXPECT_EQ(value, 0.0f);
}
