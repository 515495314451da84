// INT4_CHANNEL (4-bit per output channel, docent-private type): layout, quantizer error bounds,
// edge cases, and the scalar reference dot product a SIMD kernel is tested against.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "quant/dequantize.hpp"
#include "quant/int4_channel.hpp"
#include "quant/type_traits.hpp"
#include "tensor.hpp"

namespace docent::engine {
namespace {

std::vector<std::uint8_t> encode(const std::vector<float>& values) {
  std::vector<std::uint8_t> row(static_cast<std::size_t>(int4_channel_row_bytes(static_cast<std::int64_t>(values.size()))));
  quantize_row_int4_channel(values.data(), row.data(), static_cast<std::int64_t>(values.size()));
  return row;
}

std::vector<float> decode(const std::vector<std::uint8_t>& row, std::size_t count) {
  std::vector<float> out(count);
  dequantize_row(TensorType::int4_channel, row.data(), out.data(), static_cast<std::int64_t>(count));
  return out;
}

double squared_error(const std::vector<float>& a, const std::vector<float>& b) {
  double sum = 0;
  for (std::size_t i = 0; i < a.size(); ++i) sum += (static_cast<double>(a[i]) - b[i]) * (static_cast<double>(a[i]) - b[i]);
  return sum;
}

// The error of the plain max-abs grid (scale = max|x| / 7), the baseline the clip search must beat.
double max_abs_grid_error(const std::vector<float>& x) {
  float largest = 0;
  for (float v : x) largest = std::max(largest, std::fabs(v));
  const double scale = largest / 7.0;
  double sum = 0;
  for (float v : x) {
    const double q = std::clamp(std::round(v / scale), -8.0, 7.0);
    sum += (v - scale * q) * (v - scale * q);
  }
  return sum;
}

std::vector<float> gaussian_row(std::mt19937& random, std::size_t count) {
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> row(count);
  for (auto& v : row) v = normal(random);
  return row;
}

TEST(Int4Channel, TypeGeometryIsARowHeaderPlusPackedNibbles) {
  const auto traits = type_traits(TensorType::int4_channel);
  ASSERT_TRUE(traits.has_value());
  EXPECT_TRUE(traits->dequantizable);
  EXPECT_GE(static_cast<std::uint32_t>(TensorType::int4_channel), 0x44430000u);  // private range, not ggml's
  EXPECT_EQ(row_bytes(TensorType::int4_channel, 64), 4 + 32);
  EXPECT_FALSE(row_bytes(TensorType::int4_channel, 48).has_value());
  EXPECT_EQ(tensor_bytes(*traits, 64, 3), 3 * 36);
  const TensorView view = make_view(nullptr, TensorType::int4_channel, {64, 3, 1, 1}, 2);
  EXPECT_EQ(view.strides[1], 36u);
}

TEST(Int4Channel, DecodesTheDocumentedLayout) {
  // Scale 0.5; byte j of the group: element j low nibble, element j + 16 high nibble.
  std::vector<std::uint8_t> row(4 + 16);
  const float scale = 0.5f;
  std::memcpy(row.data(), &scale, 4);
  for (int j = 0; j < 16; ++j) row[4 + j] = static_cast<std::uint8_t>(j | ((15 - j) << 4));
  const auto values = decode(row, 32);
  for (int j = 0; j < 16; ++j) {
    EXPECT_EQ(values[j], 0.5f * static_cast<float>(j - 8)) << j;
    EXPECT_EQ(values[j + 16], 0.5f * static_cast<float>(7 - j)) << j;
  }
  EXPECT_EQ(int4_channel_scale(row.data()), 0.5f);
}

TEST(Int4Channel, RoundTripErrorIsBoundedAndBeatsMaxAbsScaling) {
  std::mt19937 random(7);
  double total_error = 0, total_baseline = 0, total_energy = 0;
  for (int trial = 0; trial < 50; ++trial) {
    const auto x = gaussian_row(random, 256);
    const auto row = encode(x);
    const auto y = decode(row, x.size());
    const float scale = int4_channel_scale(row.data());
    ASSERT_GT(scale, 0.0f);
    for (std::size_t i = 0; i < x.size(); ++i) {
      // Inside the grid's range an element is off by at most half a step; clipped ones sit on an end.
      if (x[i] >= -8 * scale && x[i] <= 7 * scale) EXPECT_LE(std::fabs(x[i] - y[i]), 0.5f * scale * 1.0001f);
      else EXPECT_TRUE(y[i] == -8 * scale || y[i] == 7 * scale);
    }
    const double error = squared_error(x, y), baseline = max_abs_grid_error(x);
    EXPECT_LE(error, baseline * (1 + 1e-6)) << trial;  // max-abs is one of the candidates
    total_error += error;
    total_baseline += baseline;
    for (float v : x) total_energy += static_cast<double>(v) * v;
  }
  std::printf("int4-channel relative RMS error %.4f (max-abs scaling %.4f)\n", std::sqrt(total_error / total_energy),
              std::sqrt(total_baseline / total_energy));
  EXPECT_LT(total_error, 0.9 * total_baseline);  // clipping pays on Gaussian rows
  EXPECT_LT(std::sqrt(total_error / total_energy), 0.15);
}

TEST(Int4Channel, AllZeroRowDecodesToZero) {
  const std::vector<float> zeros(64, 0.0f);
  const auto row = encode(zeros);
  EXPECT_EQ(int4_channel_scale(row.data()), 0.0f);
  for (float v : decode(row, 64)) EXPECT_EQ(v, 0.0f);
  std::vector<float> x(64, 1.0f);
  EXPECT_EQ(dot_int4_channel_reference(row.data(), x.data(), 64), 0.0);
}

TEST(Int4Channel, HugeOutlierKeepsEverythingFinite) {
  std::mt19937 random(11);
  auto x = gaussian_row(random, 128);
  x[37] = 1.0e4f;
  x[90] = -3.0e4f;
  const auto row = encode(x);
  const auto y = decode(row, x.size());
  for (float v : y) EXPECT_TRUE(std::isfinite(v));
  // The outliers dominate the squared error, so the grid keeps them within one step.
  const float scale = int4_channel_scale(row.data());
  EXPECT_NEAR(y[90], x[90], scale);
  EXPECT_NEAR(y[37], x[37], scale);
  EXPECT_LE(squared_error(x, y), max_abs_grid_error(x) * (1 + 1e-6));
}

TEST(Int4Channel, ReferenceDotMatchesDequantizedProduct) {
  std::mt19937 random(3);
  const auto w = gaussian_row(random, 96);
  const auto x = gaussian_row(random, 96);
  const auto row = encode(w);
  const auto decoded = decode(row, w.size());
  double expected = 0;
  for (std::size_t i = 0; i < w.size(); ++i) expected += static_cast<double>(decoded[i]) * x[i];
  // The decoded values carry one float rounding (scale * code) the reference does in double.
  EXPECT_NEAR(dot_int4_channel_reference(row.data(), x.data(), 96), expected, 1e-6 * (1 + std::fabs(expected)));
  double exact = 0;
  for (std::size_t i = 0; i < w.size(); ++i) exact += static_cast<double>(w[i]) * x[i];
  EXPECT_NEAR(dot_int4_channel_reference(row.data(), x.data(), 96), exact, 0.15 * std::sqrt(96.0));
}

}  // namespace
}  // namespace docent::engine
