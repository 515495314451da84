// AVX-512 versions of the row operations (compiled for AVX-512, called after a CPU check).
#include <cmath>
#include <cstdint>

#include "ops/row_ops.hpp"
#include "quant/half.hpp"

#if defined(__x86_64__) && defined(__GNUC__)
// GCC takes a target pragma; clang (the fuzz build) needs the attribute applied per function.
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,fma,f16c"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512vl,avx512dq,fma,f16c")
#endif
// GCC 12's own intrinsic headers trip this (the "undefined" pass-through operand).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include "attention/avx512_math.hpp"

namespace docent::engine::ops {

void rms_norm_avx512(float* rows, std::int64_t count, std::int64_t width, const float* weight, float epsilon) {
  for (std::int64_t r = 0; r < count; ++r) {
    float* x = rows + r * width;
    __m512d low = _mm512_setzero_pd(), high = _mm512_setzero_pd();
    for (std::int64_t i = 0; i < width; i += 16) {
      const __m512 v = _mm512_maskz_loadu_ps(avx512::first_lanes(static_cast<int>(width - i)), x + i);
      const __m512 square = _mm512_mul_ps(v, v);  // float products, double sum: as the reference
      low = _mm512_add_pd(low, _mm512_cvtps_pd(_mm512_castps512_ps256(square)));
      high = _mm512_add_pd(high, _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(square), 1))));
    }
    const double sum = _mm512_reduce_add_pd(_mm512_add_pd(low, high));
    const __m512 inverse = _mm512_set1_ps(1.0f / std::sqrt(static_cast<float>(sum / static_cast<double>(width)) + epsilon));
    for (std::int64_t i = 0; i < width; i += 16) {
      const __mmask16 mask = avx512::first_lanes(static_cast<int>(width - i));
      const __m512 v = _mm512_maskz_loadu_ps(mask, x + i);
      _mm512_mask_storeu_ps(x + i, mask, _mm512_mul_ps(_mm512_mul_ps(v, inverse), _mm512_maskz_loadu_ps(mask, weight + i)));
    }
  }
}

void gelu_table_avx512(float* values, std::int64_t count, const float* table) {
  const __m512 low = _mm512_set1_ps(-10.0f), high = _mm512_set1_ps(10.0f);
  for (std::int64_t i = 0; i < count; i += 16) {
    const __mmask16 mask = avx512::first_lanes(static_cast<int>(count - i < 16 ? count - i : 16));
    const __m512 x = _mm512_maskz_loadu_ps(mask, values + i);
    // Round to F16 (nearest even, as float_to_half) and look the result up by its bits.
    const __m512i bits = _mm512_cvtepu16_epi32(_mm512_cvtps_ph(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
    __m512 y = _mm512_i32gather_ps(bits, table, 4);
    y = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(x, low, _CMP_LE_OQ), y, _mm512_setzero_ps());
    // x >= 10 or NaN: GELU(x) = x.
    y = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(x, high, _CMP_NLT_UQ), y, x);
    _mm512_mask_storeu_ps(values + i, mask, y);
  }
}

void silu_multiply_avx512(float* gate, const float* up, std::int64_t count) {
  const __m512 one = _mm512_set1_ps(1.0f);
  for (std::int64_t i = 0; i < count; i += 16) {
    const __mmask16 mask = avx512::first_lanes(static_cast<int>(count - i < 16 ? count - i : 16));
    const __m512 x = _mm512_maskz_loadu_ps(mask, gate + i);
    const __m512 silu = _mm512_div_ps(x, _mm512_add_ps(one, avx512::exp(_mm512_sub_ps(_mm512_setzero_ps(), x))));
    _mm512_mask_storeu_ps(gate + i, mask, _mm512_mul_ps(silu, _mm512_maskz_loadu_ps(mask, up + i)));
  }
}

}  // namespace docent::engine::ops

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif

#else

namespace docent::engine::ops {
void rms_norm_avx512(float* rows, std::int64_t count, std::int64_t width, const float* weight, float epsilon) {
  rms_norm_scalar(rows, count, width, weight, epsilon);
}
// Never called without AVX-512 (see row_ops.hpp); kept equal to the vector version anyway.
void gelu_table_avx512(float* values, std::int64_t count, const float* table) {
  for (std::int64_t i = 0; i < count; ++i) {
    const float x = values[i];
    if (x <= -10.0f) values[i] = 0.0f;
    else if (x < 10.0f) values[i] = table[float_to_half(x)];
  }
}

void silu_multiply_avx512(float* gate, const float* up, std::int64_t count) { silu_multiply_scalar(gate, up, count); }
}  // namespace docent::engine::ops

#endif
