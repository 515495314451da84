#include "ops/row_ops.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "attention/attention.hpp"
#include "parallel/thread_pool.hpp"
#include "quant/half.hpp"

namespace docent::engine::ops {

namespace {

// Below this many elements a parallel region costs more than it saves.
constexpr std::int64_t kParallelElements = 1 << 16;

template <typename Body>
void over_rows(std::int64_t count, std::int64_t width, Body&& body) {
  if (count * width < kParallelElements || count < 2) {
    body(0, count);
    return;
  }
  const std::int64_t grain = std::max<std::int64_t>(1, kParallelElements / 4 / width);
  ThreadPool::shared().parallel_for(count, grain, body);
}

template <typename Body>
void over_elements(std::int64_t count, Body&& body) {
  if (count < kParallelElements) {
    body(0, count);
    return;
  }
  ThreadPool::shared().parallel_for(count, kParallelElements / 4, body);
}

float gelu_tanh(float x) {
  constexpr float kSqrtTwoOverPi = 0.79788456080286535588f;
  return 0.5f * x * (1.0f + std::tanh(kSqrtTwoOverPi * x * (1.0f + 0.044715f * x * x)));
}

const std::vector<std::uint16_t>& gelu_table() {
  static const std::vector<std::uint16_t> table = [] {
    std::vector<std::uint16_t> values(65536);
    for (std::uint32_t bits = 0; bits < 65536; ++bits)
      values[bits] = float_to_half(gelu_tanh(half_to_float(static_cast<std::uint16_t>(bits))));
    return values;
  }();
  return table;
}

// The same table widened to floats, for the vector path's gathers.
const std::vector<float>& gelu_float_table() {
  static const std::vector<float> table = [] {
    const std::vector<std::uint16_t>& halves = gelu_table();
    std::vector<float> values(halves.size());
    for (std::size_t i = 0; i < halves.size(); ++i) values[i] = half_to_float(halves[i]);
    return values;
  }();
  return table;
}

}  // namespace

void rms_norm_scalar(float* rows, std::int64_t count, std::int64_t width, const float* weight, float epsilon) {
  for (std::int64_t r = 0; r < count; ++r) {
    float* x = rows + r * width;
    double sum = 0;
    for (std::int64_t i = 0; i < width; ++i) sum += static_cast<double>(x[i] * x[i]);
    const float inverse = 1.0f / std::sqrt(static_cast<float>(sum / static_cast<double>(width)) + epsilon);
    for (std::int64_t i = 0; i < width; ++i) x[i] = x[i] * inverse * weight[i];
  }
}

void silu_multiply_scalar(float* gate, const float* up, std::int64_t count) {
  for (std::int64_t i = 0; i < count; ++i) gate[i] = gate[i] / (1.0f + std::exp(-gate[i])) * up[i];
}

void rms_norm(float* rows, std::int64_t count, std::int64_t width, const float* weight, float epsilon) {
  const bool wide = attention::avx512_available();
  over_rows(count, width, [&](std::int64_t begin, std::int64_t end) {
    if (wide)
      rms_norm_avx512(rows + begin * width, end - begin, width, weight, epsilon);
    else
      rms_norm_scalar(rows + begin * width, end - begin, width, weight, epsilon);
  });
}

void layer_norm(float* rows, std::int64_t count, std::int64_t width, const float* weight, const float* bias, float epsilon) {
  over_rows(count, width, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t r = begin; r < end; ++r) {
      float* x = rows + r * width;
      double sum = 0;
      for (std::int64_t i = 0; i < width; ++i) sum += x[i];
      const float mean = static_cast<float>(sum / static_cast<double>(width));
      double squares = 0;
      for (std::int64_t i = 0; i < width; ++i) {
        x[i] -= mean;
        squares += static_cast<double>(x[i] * x[i]);
      }
      const float variance = static_cast<float>(squares / static_cast<double>(width));
      const float inverse = 1.0f / std::sqrt(variance + epsilon);
      for (std::int64_t i = 0; i < width; ++i) x[i] = x[i] * inverse * weight[i] + bias[i];
    }
  });
}

void silu_multiply(float* gate, const float* up, std::int64_t count) {
  const bool wide = attention::avx512_available();
  over_elements(count, [&](std::int64_t begin, std::int64_t end) {
    if (wide)
      silu_multiply_avx512(gate + begin, up + begin, end - begin);
    else
      silu_multiply_scalar(gate + begin, up + begin, end - begin);
  });
}

void add(float* x, const float* y, std::int64_t count) {
  for (std::int64_t i = 0; i < count; ++i) x[i] += y[i];
}

void gelu_half_table(float* values, std::int64_t count) {
  if (attention::avx512_available()) {
    const float* wide_table = gelu_float_table().data();
    over_elements(count, [&](std::int64_t begin, std::int64_t end) { gelu_table_avx512(values + begin, end - begin, wide_table); });
    return;
  }
  const std::vector<std::uint16_t>& table = gelu_table();
  over_elements(count, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t i = begin; i < end; ++i) {
      const float x = values[i];
      if (x <= -10.0f)
        values[i] = 0.0f;
      else if (x < 10.0f)
        values[i] = half_to_float(table[float_to_half(x)]);
      // x >= 10 (or NaN): GELU(x) = x
    }
  });
}

}  // namespace docent::engine::ops
