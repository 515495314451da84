#pragma once
// Linear layers over (possibly quantized) weight views, computed in F32.
//
// The golden outputs come from an engine that, inside a product with quantized weights, first
// rounds the activations to 8 bits (Q8_0 blocks of 32 for the legacy formats, Q8_K blocks of
// 256 for K-quants), and for F16 weights rounds them to F16. `ActivationRounding::like_reference`
// reproduces that rounding so our logits agree to ~1e-5 instead of ~1e-2; `none` keeps full F32
// activations (slightly more accurate, useful to measure the effect).

#include <cstdint>
#include <vector>

#include "tensor.hpp"

namespace docent::engine {

enum class ActivationRounding { like_reference, none };

// output[t][o] = sum_i weight[o][i] * input[t][i] (+ bias[o]) for t < tokens.
// weight: ne = [in, out]; input: tokens x in (row-major); output: tokens x out.
void linear(const TensorView& weight, const TensorView* bias, const float* input, std::int64_t tokens,
            float* output, ActivationRounding rounding = ActivationRounding::like_reference);

// The same input through several weights (q/k/v, or gate/up): output i = linear(weight i).
// Runs them as one fused kernel call when they allow it, else one after the other.
void linear_many(const TensorView* const* weights, const TensorView* const* biases, int count, const float* input,
                 std::int64_t tokens, float* const* outputs, ActivationRounding rounding = ActivationRounding::like_reference);

// Decodes row `index` of an embedding table into `out` (exact, no activation rounding).
void embedding_row(const TensorView& table, std::int64_t index, float* out);

// Rounds `values` (one activation row) as a product with weights of `weight_type` would.
void round_activations(TensorType weight_type, float* values, std::int64_t count);

}  // namespace docent::engine
