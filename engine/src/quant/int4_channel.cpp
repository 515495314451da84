#include "quant/int4_channel.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace docent::engine {
namespace {

int code_for(float value, float inverse_scale) {
  return std::clamp(static_cast<int>(std::lround(value * inverse_scale)), -8, 7);
}

// Squared error of the row on the grid of `scale`, and the least-squares scale for the codes
// that grid picks (never worse on those codes, often better).
double grid_error(const float* x, std::int64_t count, float scale, float& refined_scale) {
  const float inverse = 1.0f / scale;
  double error = 0, cross = 0, codes_squared = 0;
  for (std::int64_t i = 0; i < count; ++i) {
    const int q = code_for(x[i], inverse);
    const double difference = x[i] - static_cast<double>(scale) * q;
    error += difference * difference;
    cross += static_cast<double>(x[i]) * q;
    codes_squared += static_cast<double>(q) * q;
  }
  refined_scale = codes_squared > 0 ? static_cast<float>(cross / codes_squared) : scale;
  return error;
}

const std::uint8_t* nibbles(const void* row) { return static_cast<const std::uint8_t*>(row) + kInt4ChannelHeaderBytes; }

}  // namespace

float int4_channel_scale(const void* row) {
  float scale;
  std::memcpy(&scale, row, sizeof(scale));
  return scale;
}

void quantize_row_int4_channel(const float* in, void* row, std::int64_t count) {
  float largest = 0;
  for (std::int64_t i = 0; i < count; ++i) largest = std::max(largest, std::fabs(in[i]));
  float best_scale = 0;
  if (largest > 0 && std::isfinite(largest)) {
    double best_error = INFINITY;
    // Clip ratios from no clipping down to half the largest magnitude, on both the 7-level
    // (symmetric) and 8-level (using the extra negative code) grids.
    constexpr int kRatios = 21;
    for (int step = 0; step < kRatios; ++step) {
      const float ratio = 1.0f - 0.025f * static_cast<float>(step);
      for (float levels : {7.0f, 8.0f}) {
        float scale = ratio * largest / levels;
        if (!(scale > 0)) continue;
        float refined;
        const double error = grid_error(in, count, scale, refined);
        if (error < best_error) best_error = error, best_scale = scale;
        if (refined > 0 && refined != scale) {
          float unused;
          const double refined_error = grid_error(in, count, refined, unused);
          if (refined_error < best_error) best_error = refined_error, best_scale = refined;
        }
      }
    }
  }
  auto* bytes = static_cast<std::uint8_t*>(row);
  std::memcpy(bytes, &best_scale, sizeof(best_scale));
  std::uint8_t* packed = bytes + kInt4ChannelHeaderBytes;
  const float inverse = best_scale > 0 ? 1.0f / best_scale : 0.0f;
  for (std::int64_t group = 0; group < count / kInt4ChannelGroup; ++group) {
    const float* x = in + group * kInt4ChannelGroup;
    std::uint8_t* out = packed + group * (kInt4ChannelGroup / 2);
    for (int j = 0; j < kInt4ChannelGroup / 2; ++j) {
      const int low = code_for(x[j], inverse) + 8, high = code_for(x[j + 16], inverse) + 8;
      out[j] = static_cast<std::uint8_t>(low | (high << 4));
    }
  }
}

void dequantize_row_int4_channel(const void* row, float* out, std::int64_t count) {
  const float scale = int4_channel_scale(row);
  const std::uint8_t* packed = nibbles(row);
  for (std::int64_t group = 0; group < count / kInt4ChannelGroup; ++group, out += kInt4ChannelGroup) {
    const std::uint8_t* q = packed + group * (kInt4ChannelGroup / 2);
    for (int j = 0; j < kInt4ChannelGroup / 2; ++j) {
      out[j] = scale * static_cast<float>((q[j] & 0x0f) - 8);
      out[j + 16] = scale * static_cast<float>((q[j] >> 4) - 8);
    }
  }
}

double dot_int4_channel_reference(const void* row, const float* x, std::int64_t count) {
  const std::uint8_t* packed = nibbles(row);
  double sum = 0;
  for (std::int64_t group = 0; group < count / kInt4ChannelGroup; ++group) {
    const std::uint8_t* q = packed + group * (kInt4ChannelGroup / 2);
    const float* a = x + group * kInt4ChannelGroup;
    for (int j = 0; j < kInt4ChannelGroup / 2; ++j) {
      sum += static_cast<double>((q[j] & 0x0f) - 8) * a[j];
      sum += static_cast<double>((q[j] >> 4) - 8) * a[j + 16];
    }
  }
  return static_cast<double>(int4_channel_scale(row)) * sum;
}

}  // namespace docent::engine
