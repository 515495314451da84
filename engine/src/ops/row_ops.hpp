#pragma once
// The element-wise and per-row operations of the forward passes (everything that is not a
// matrix product or attention), vectorized where it pays and spread over the thread pool
// when there are enough rows.

#include <cstdint>

namespace docent::engine::ops {

// rows[r] = rows[r] * weight / sqrt(mean(rows[r]^2) + epsilon); the squares are summed in
// double, as the reference does.
void rms_norm(float* rows, std::int64_t count, std::int64_t width, const float* weight, float epsilon);
// rows[r] = (rows[r] - mean) / sqrt(variance + epsilon) * weight + bias.
void layer_norm(float* rows, std::int64_t count, std::int64_t width, const float* weight, const float* bias, float epsilon);
// gate[i] = silu(gate[i]) * up[i].
void silu_multiply(float* gate, const float* up, std::int64_t count);
// x[i] += y[i].
void add(float* x, const float* y, std::int64_t count);
// GELU (tanh form) evaluated at the F16 value of x and rounded to F16, clamped beyond +-10:
// what the reference computes, by a table over all F16 inputs.
void gelu_half_table(float* values, std::int64_t count);

// Portable versions of the vectorized ones (also what the SIMD ones are tested against).
void rms_norm_scalar(float* rows, std::int64_t count, std::int64_t width, const float* weight, float epsilon);
void silu_multiply_scalar(float* gate, const float* up, std::int64_t count);
// AVX-512 versions; only call when attention::avx512_available().
void rms_norm_avx512(float* rows, std::int64_t count, std::int64_t width, const float* weight, float epsilon);
void silu_multiply_avx512(float* gate, const float* up, std::int64_t count);
// GELU through `table` (65,536 floats indexed by the F16 bits of the input).
void gelu_table_avx512(float* values, std::int64_t count, const float* table);

}  // namespace docent::engine::ops
