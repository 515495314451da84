#include "matmul.hpp"

#include <Eigen/Core>
#include <algorithm>

#include "quant/dequantize.hpp"
#include "quant/half.hpp"
#include "quant/quantize.hpp"

namespace docent::engine {

namespace {
// Rows of weights dequantized at a time: large enough for an efficient GEMM, small enough to
// stay in cache and to never materialize a whole dequantized matrix.
constexpr std::int64_t kPanelRows = 64;
}  // namespace

void round_activations(TensorType weight_type, float* values, std::int64_t count) {
  switch (weight_type) {
    case TensorType::f32: return;
    case TensorType::f16:
      for (std::int64_t i = 0; i < count; ++i) values[i] = round_to_half(values[i]);
      return;
    case TensorType::bf16:
      for (std::int64_t i = 0; i < count; ++i) values[i] = bfloat16_to_float(float_to_bfloat16(values[i]));
      return;
    case TensorType::q4_0: case TensorType::q4_1: case TensorType::q5_0: case TensorType::q5_1:
    case TensorType::q8_0:
      round_trip_q8_0(values, count);
      return;
    case TensorType::q4_k: case TensorType::q5_k: case TensorType::q6_k:
      round_trip_q8_k(values, count);
      return;
    default: return;
  }
}

void linear(const TensorView& weight, const TensorView* bias, const float* input, std::int64_t tokens,
            float* output, ActivationRounding rounding) {
  using Matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  const std::int64_t in = weight.row_length(), out = weight.row_count();
  Eigen::Map<const Matrix> source(input, tokens, in);
  Matrix rounded;
  const float* activations = input;
  if (rounding == ActivationRounding::like_reference && weight.type != TensorType::f32) {
    rounded = source;
    for (std::int64_t t = 0; t < tokens; ++t) round_activations(weight.type, rounded.data() + t * in, in);
    activations = rounded.data();
  }
  Eigen::Map<const Matrix> x(activations, tokens, in);
  Eigen::Map<Matrix> y(output, tokens, out);
  Matrix panel(std::min(kPanelRows, out), in);
  for (std::int64_t first = 0; first < out; first += kPanelRows) {
    std::int64_t rows = std::min(kPanelRows, out - first);
    if (weight.type == TensorType::f32) {
      Eigen::Map<const Matrix> direct(reinterpret_cast<const float*>(weight.row(first)), rows, in);
      y.middleCols(first, rows).noalias() = x * direct.transpose();
      continue;
    }
    for (std::int64_t r = 0; r < rows; ++r) dequantize_row(weight.type, weight.row(first + r), panel.data() + r * in, in);
    y.middleCols(first, rows).noalias() = x * panel.topRows(rows).transpose();
  }
  if (bias != nullptr && !bias->empty()) {
    std::vector<float> values(static_cast<std::size_t>(out));
    dequantize_row(bias->type, bias->data, values.data(), out);
    for (std::int64_t t = 0; t < tokens; ++t)
      for (std::int64_t o = 0; o < out; ++o) output[t * out + o] += values[static_cast<std::size_t>(o)];
  }
}

void embedding_row(const TensorView& table, std::int64_t index, float* out) {
  dequantize_row(table.type, table.row(index), out, table.row_length());
}

}  // namespace docent::engine
