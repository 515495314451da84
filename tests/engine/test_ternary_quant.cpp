// Ternary formats (TQ1_0, TQ2_0, I2_S): hand-built blocks decode to the values the formats
// define, ternary values survive quantize -> dequantize exactly, and an I2_S tensor's single
// scale reaches every row once converted to I2_S_ROWS.
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <vector>

#include "quant/blocks.hpp"
#include "quant/dequantize.hpp"
#include "quant/half.hpp"
#include "quant/quantize.hpp"
#include "quant/ternary.hpp"
#include "quant/type_traits.hpp"

using namespace docent::engine;

namespace {

// `count` values in {-s, 0, s}, each code equally likely.
std::vector<float> ternary_values(std::int64_t count, float scale, unsigned seed) {
  std::mt19937 random(seed);
  std::vector<float> values(static_cast<std::size_t>(count));
  for (auto& value : values) value = scale * static_cast<float>(static_cast<int>(random() % 3) - 1);
  return values;
}

}  // namespace

TEST(TernaryQuant, BlockSizesMatchTheTypeTable) {
  EXPECT_EQ(type_traits(TensorType::tq1_0)->block_bytes, static_cast<std::int64_t>(sizeof(BlockTQ1_0)));
  EXPECT_EQ(type_traits(TensorType::tq2_0)->block_bytes, static_cast<std::int64_t>(sizeof(BlockTQ2_0)));
  EXPECT_EQ(type_traits(TensorType::i2_s)->block_bytes, static_cast<std::int64_t>(sizeof(BlockI2S)));
  EXPECT_EQ(type_traits(TensorType::i2_s)->tensor_trailer_bytes, kI2sTrailerBytes);
  EXPECT_EQ(*row_bytes(TensorType::tq1_0, 512), 2 * 54);
  EXPECT_EQ(*row_bytes(TensorType::i2_s_rows, 256), 4 + 64);
  EXPECT_FALSE(type_traits(TensorType::i2_s)->dequantizable);  // a row alone lacks the scale
}

TEST(TernaryQuant, DigitsDecodeFromTheCeilingEncoding) {
  // n = 2*81 + 0*27 + 1*9 + 2*3 + 1 = 178 -> byte ceil(178 * 256 / 243) = 188
  const std::uint8_t byte = static_cast<std::uint8_t>((178 * 256 + 242) / 243);
  EXPECT_EQ(byte, 188);
  const int expected[5] = {2, 0, 1, 2, 1};
  for (int k = 0; k < 5; ++k) EXPECT_EQ(ternary_digit(byte, k), expected[k]) << k;
  for (int n = 0; n < 243; ++n) {  // every five-digit number decodes back
    const auto b = static_cast<std::uint8_t>((n * 256 + 242) / 243);
    int decoded = 0;
    for (int k = 0; k < 5; ++k) decoded = decoded * 3 + ternary_digit(b, k);
    EXPECT_EQ(decoded, n);
  }
}

TEST(TernaryQuant, HandBuiltTq2Block) {
  BlockTQ2_0 block{};
  std::memset(block.qs, 0x55, sizeof(block.qs));  // every code 1: value 0
  block.d = float_to_half(0.5f);
  block.qs[5] = 0b00'10'01'00;    // values 5 (code 0), 37 (1), 69 (2), 101 (0)
  block.qs[32 + 7] = 0b10'01'01'01;  // value 128 + 96 + 7 = 231 has code 2
  std::vector<float> out(256);
  dequantize_row(TensorType::tq2_0, &block, out.data(), 256);
  EXPECT_EQ(out[5], -0.5f);
  EXPECT_EQ(out[37], 0.0f);
  EXPECT_EQ(out[69], 0.5f);
  EXPECT_EQ(out[101], -0.5f);
  EXPECT_EQ(out[231], 0.5f);
  EXPECT_EQ(out[4], 0.0f);
  EXPECT_EQ(ternary_code(TensorType::tq2_0, &block, 69), 2);
}

TEST(TernaryQuant, HandBuiltTq1Block) {
  BlockTQ1_0 block{};
  auto pack = [](std::vector<int> digits) {
    int n = 0;
    for (int k = 0; k < 5; ++k) n = n * 3 + (k < static_cast<int>(digits.size()) ? digits[static_cast<std::size_t>(k)] : 0);
    return static_cast<std::uint8_t>((n * 256 + 242) / 243);
  };
  for (auto& byte : block.qs) byte = pack({1, 1, 1, 1, 1});
  for (auto& byte : block.qh) byte = pack({1, 1, 1, 1});
  block.d = float_to_half(2.0f);
  block.qs[3] = pack({0, 1, 2, 1, 1});   // values 3 (-), 35 (0), 67 (+)
  block.qs[32 + 2] = pack({1, 1, 1, 1, 2});  // value 160 + 64 + 2 = 226 (+)
  block.qh[1] = pack({1, 1, 1, 0});      // value 240 + 12 + 1 = 253 (-)
  std::vector<float> out(256);
  dequantize_row(TensorType::tq1_0, &block, out.data(), 256);
  EXPECT_EQ(out[3], -2.0f);
  EXPECT_EQ(out[35], 0.0f);
  EXPECT_EQ(out[67], 2.0f);
  EXPECT_EQ(out[226], 2.0f);
  EXPECT_EQ(out[253], -2.0f);
  int nonzero = 0;
  for (float v : out) nonzero += v != 0.0f;
  EXPECT_EQ(nonzero, 4);
}

TEST(TernaryQuant, TernaryValuesRoundTripExactly) {
  for (TensorType type : {TensorType::tq1_0, TensorType::tq2_0, TensorType::i2_s_rows}) {
    const std::int64_t count = 1024;
    const auto values = ternary_values(count, 0.0625f, 3);
    std::vector<std::uint8_t> row(static_cast<std::size_t>(*row_bytes(type, count)));
    ASSERT_TRUE(quantize_row(type, values.data(), row.data(), count)) << type_name(static_cast<std::uint32_t>(type));
    std::vector<float> back(static_cast<std::size_t>(count));
    dequantize_row(type, row.data(), back.data(), count);
    EXPECT_EQ(back, values) << type_name(static_cast<std::uint32_t>(type));
    for (std::int64_t i = 0; i < count; i += 37) {
      EXPECT_EQ(ternary_code(type, row.data(), i), static_cast<int>(values[static_cast<std::size_t>(i)] / 0.0625f) + 1);
      EXPECT_EQ(ternary_scale(type, row.data(), i), 0.0625f);
    }
  }
}

TEST(TernaryQuant, RealValuesRoundToTheNearestLevelOfTheBlockMaximum) {
  std::vector<float> values(256, 0.0f);
  values[0] = 1.0f;     // the maximum: +1
  values[1] = 0.49f;    // below half: 0
  values[2] = -0.51f;   // past half: -1
  values[3] = 0.5f;     // a tie rounds away from zero: +1
  BlockTQ2_0 block;
  quantize_row_tq2_0(values.data(), &block, 256);
  std::vector<float> out(256);
  dequantize_row_tq2_0(&block, out.data(), 256);
  EXPECT_EQ(out[0], 1.0f);
  EXPECT_EQ(out[1], 0.0f);
  EXPECT_EQ(out[2], -1.0f);
  EXPECT_EQ(out[3], 1.0f);
  std::vector<float> zeros(256, 0.0f);
  quantize_row_tq2_0(zeros.data(), &block, 256);  // an all-zero block keeps d = 0, no NaN
  dequantize_row_tq2_0(&block, out.data(), 256);
  EXPECT_EQ(out, zeros);
}

TEST(TernaryQuant, I2sTensorScaleReachesEveryRow) {
  const std::int64_t row = 256, rows = 3;
  auto values = ternary_values(row * rows, 0.25f, 9);
  const auto tensor = quantize_i2s_tensor(values.data(), row * rows);
  ASSERT_EQ(static_cast<std::int64_t>(tensor.size()), row * rows / 4 + 32);
  EXPECT_EQ(i2s_scale(tensor.data(), row * rows), 0.25f);
  // Hand check of the layout: value 32k + m of a block sits at bits 6-2k of byte m.
  const int code_of_33 = (tensor[1] >> 4) & 3;
  EXPECT_EQ(code_of_33, static_cast<int>(values[33] / 0.25f) + 1);
  const auto converted = i2s_to_rows(tensor.data(), row, rows);
  ASSERT_EQ(static_cast<std::int64_t>(converted.size()), rows * *row_bytes(TensorType::i2_s_rows, row));
  std::vector<float> back(static_cast<std::size_t>(row));
  for (std::int64_t r = 0; r < rows; ++r) {
    dequantize_row(TensorType::i2_s_rows, converted.data() + r * (row / 4 + 4), back.data(), row);
    EXPECT_TRUE(std::equal(back.begin(), back.end(), values.begin() + r * row)) << r;
  }
}
