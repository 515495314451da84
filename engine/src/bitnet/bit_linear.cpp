#include "bitnet/bit_linear.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/kernels.hpp"
#include "matmul.hpp"
#include "quant/dequantize.hpp"
#include "quant/quantize.hpp"
#include "quant/ternary.hpp"

namespace docent::engine {

void quantize_rows_int8(const float* in, std::int64_t rows, std::int64_t width, std::int8_t* q, float* scales) {
  for (std::int64_t r = 0; r < rows; ++r) {
    const float* row = in + r * width;
    float largest = 0;
    for (std::int64_t i = 0; i < width; ++i) largest = std::max(largest, std::fabs(row[i]));
    const float inverse = largest > 0 ? 127.0f / largest : 0.0f;
    for (std::int64_t i = 0; i < width; ++i)
      q[r * width + i] = static_cast<std::int8_t>(std::clamp(std::nearbyint(row[i] * inverse), -128.0f, 127.0f));
    scales[r] = largest / 127.0f;
  }
}

void round_trip_int8_rows(float* values, std::int64_t rows, std::int64_t width) {
  std::vector<std::int8_t> q(static_cast<std::size_t>(width));
  for (std::int64_t r = 0; r < rows; ++r) {
    float scale;
    quantize_rows_int8(values + r * width, 1, width, q.data(), &scale);
    for (std::int64_t i = 0; i < width; ++i) values[r * width + i] = static_cast<float>(q[static_cast<std::size_t>(i)]) * scale;
  }
}

namespace {

void apply_output_scale(const TensorView* scale, std::int64_t count, float* output) {
  if (scale == nullptr || scale->empty()) return;
  float factor;
  dequantize_row(scale->type, scale->data, &factor, 1);
  for (std::int64_t i = 0; i < count; ++i) output[i] *= factor;
}

}  // namespace

void bit_linear_many(const TensorView* const* weights, const TensorView* const* output_scales, int count,
                     const float* input, std::int64_t tokens, float* const* outputs, Int8Activations activations) {
  const std::int64_t width = weights[0]->row_length();
  if (const kernels::KernelSet* set = kernels::active_kernel_set(); set != nullptr && count <= 8) {
    const kernels::PackedMatrix* packed[8];
    bool all_packed = true;
    for (int i = 0; i < count; ++i) {
      packed[i] = weights[i]->packed;
      all_packed = all_packed && packed[i] != nullptr && is_ternary(packed[i]->type());
    }
    if (all_packed && kernels::can_share_activations(packed, count)) {
      kernels::packed_linear_many(packed, outputs, count, input, tokens, *set,
                                  activations == Int8Activations::per_token ? kernels::Int8Scale::per_row
                                                                            : kernels::Int8Scale::per_block);
      for (int i = 0; i < count; ++i) apply_output_scale(output_scales[i], tokens * weights[i]->row_count(), outputs[i]);
      return;
    }
  }
  std::vector<float> rounded(input, input + tokens * width);
  if (activations == Int8Activations::per_256_values && width % 256 == 0)
    for (std::int64_t t = 0; t < tokens; ++t) round_trip_q8_k(rounded.data() + t * width, width);
  else
    round_trip_int8_rows(rounded.data(), tokens, width);
  for (int i = 0; i < count; ++i) {
    linear(*weights[i], nullptr, rounded.data(), tokens, outputs[i], ActivationRounding::none);
    apply_output_scale(output_scales[i], tokens * weights[i]->row_count(), outputs[i]);
  }
}

void bit_linear(const TensorView& weight, const TensorView* output_scale, const float* input, std::int64_t tokens,
                float* output, Int8Activations activations) {
  const TensorView* weights[] = {&weight};
  const TensorView* scales[] = {output_scale};
  float* outputs[] = {output};
  bit_linear_many(weights, scales, 1, input, tokens, outputs, activations);
}

void squared_relu_multiply(float* gate, const float* up, std::int64_t count) {
  for (std::int64_t i = 0; i < count; ++i) {
    const float positive = std::max(gate[i], 0.0f);
    gate[i] = positive * positive * up[i];
  }
}

}  // namespace docent::engine
