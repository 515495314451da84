#pragma once
// BitNet b1.58's linear layer (BitLinear) and feed-forward gate. The input of every ternary
// linear is quantized to int8 per token with the scale 127 / max|x| (rounded half to even, as the
// reference's round()), multiplied with the ternary weights, and the result times the tensor's
// output scale when the file has one. Ternary weight types take the integer kernels
// (kernels/ternary_*.cpp) when the CPU has them; any other weight type (an imported F32 model)
// computes the same product in floats from the rounded activations.

#include <cstdint>

#include "tensor.hpp"

namespace docent::engine {

// How BitLinear's int8 activations are scaled: one scale per token (BitNet b1.58 as trained and
// as its reference implementations run it), or one per 256 values (llama.cpp's Q8_K, which its
// ternary products use; reproducing it makes our logits agree with llama.cpp's to ~1e-5).
enum class Int8Activations { per_token, per_256_values };

// q[t][i] = round(in[t][i] * 127 / max_i |in[t][i]|); scales[t] = max |in[t]| / 127 (0 for a zero row).
void quantize_rows_int8(const float* in, std::int64_t rows, std::int64_t width, std::int8_t* q, float* scales);
// `values` replaced by their int8 round trip, row by row.
void round_trip_int8_rows(float* values, std::int64_t rows, std::int64_t width);

// output = W x (+ nothing: BitNet linears have no bias) * scale, for `tokens` rows of input.
void bit_linear(const TensorView& weight, const TensorView* output_scale, const float* input, std::int64_t tokens,
                float* output, Int8Activations activations = Int8Activations::per_token);
// Several weights over the same input, which is quantized once.
void bit_linear_many(const TensorView* const* weights, const TensorView* const* output_scales, int count,
                     const float* input, std::int64_t tokens, float* const* outputs,
                     Int8Activations activations = Int8Activations::per_token);

// gate[i] = max(gate[i], 0)^2 * up[i].
void squared_relu_multiply(float* gate, const float* up, std::int64_t count);

}  // namespace docent::engine
