#include "matmul.hpp"

#include <Eigen/Core>
#include <algorithm>

#include "kernels/kernels.hpp"
#include "parallel/thread_pool.hpp"
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
    case TensorType::int4_channel:  // no reference engine: docent's kernels use Q8_0 activations
      round_trip_q8_0(values, count);
      return;
    case TensorType::q4_k: case TensorType::q5_k: case TensorType::q6_k:
    case TensorType::tq1_0: case TensorType::tq2_0: case TensorType::i2_s_rows:  // llama.cpp's Q8_K for ternary
      round_trip_q8_k(values, count);
      return;
    default: return;
  }
}

namespace {

void add_bias(const TensorView* bias, std::int64_t tokens, std::int64_t out, float* output) {
  if (bias == nullptr || bias->empty()) return;
  std::vector<float> values(static_cast<std::size_t>(out));
  dequantize_row(bias->type, bias->data, values.data(), out);
  // Over the pool: done on one thread it left the other idle for 2% of an encoder's time.
  ThreadPool::shared().parallel_for(tokens, 16, [&](std::int64_t first, std::int64_t end) {
    for (std::int64_t t = first; t < end; ++t)
      for (std::int64_t o = 0; o < out; ++o) output[t * out + o] += values[static_cast<std::size_t>(o)];
  });
}

}  // namespace

void linear(const TensorView& weight, const TensorView* bias, const float* input, std::int64_t tokens,
            float* output, ActivationRounding rounding) {
  const std::int64_t in = weight.row_length(), out = weight.row_count();
  // The integer kernels quantize activations exactly as like_reference rounds them, so they
  // serve that mode; `none` (full F32 activations) keeps the float path below.
  if (weight.packed != nullptr && rounding == ActivationRounding::like_reference) {
    if (const kernels::KernelSet* set = kernels::active_kernel_set()) {
      kernels::packed_linear(*weight.packed, input, tokens, output, *set);
      add_bias(bias, tokens, out, output);
      return;
    }
  }
  using Matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
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
  // Panels of output rows are independent: spread them over the pool, each thread with its own
  // dequantization buffer.
  const std::int64_t panels = (out + kPanelRows - 1) / kPanelRows;
  ThreadPool::shared().parallel_for(panels, 1, [&](std::int64_t first_panel, std::int64_t end_panel) {
    Matrix panel;
    if (weight.type != TensorType::f32) panel.resize(std::min(kPanelRows, out), in);
    for (std::int64_t p = first_panel; p < end_panel; ++p) {
      const std::int64_t first = p * kPanelRows, rows = std::min(kPanelRows, out - first);
      Matrix result(tokens, rows);
      if (weight.type == TensorType::f32) {
        Eigen::Map<const Matrix> direct(reinterpret_cast<const float*>(weight.row(first)), rows, in);
        result.noalias() = x * direct.transpose();
      } else {
        for (std::int64_t r = 0; r < rows; ++r) dequantize_row(weight.type, weight.row(first + r), panel.data() + r * in, in);
        result.noalias() = x * panel.topRows(rows).transpose();
      }
      y.middleCols(first, rows) = result;
    }
  });
  add_bias(bias, tokens, out, output);
}

void linear_many(const TensorView* const* weights, const TensorView* const* biases, int count, const float* input,
                 std::int64_t tokens, float* const* outputs, ActivationRounding rounding) {
  const kernels::KernelSet* set = kernels::active_kernel_set();
  bool fused = set != nullptr && rounding == ActivationRounding::like_reference && count >= 1 && count <= 8;
  const kernels::PackedMatrix* packed[8];
  for (int i = 0; fused && i < count; ++i) {
    packed[i] = weights[i]->packed;
    fused = packed[i] != nullptr;
  }
  if (fused && kernels::can_share_activations(packed, count)) {
    kernels::packed_linear_many(packed, outputs, count, input, tokens, *set);
    for (int i = 0; i < count; ++i) add_bias(biases[i], tokens, weights[i]->row_count(), outputs[i]);
    return;
  }
  for (int i = 0; i < count; ++i) linear(*weights[i], biases[i], input, tokens, outputs[i], rounding);
}

void embedding_row(const TensorView& table, std::int64_t index, float* out) {
  dequantize_row(table.type, table.row(index), out, table.row_length());
}

}  // namespace docent::engine
