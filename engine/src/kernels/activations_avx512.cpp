// AVX-512 activation quantization, bit-identical to the portable loops in activations.cpp
// (compiled for AVX-512 by pragma; called only after a CPU check). A 256-token prompt of a
// small encoder spends a tenth of its time here with the portable code.
#include "kernels/activations_avx512.hpp"

#if defined(__x86_64__) && defined(__GNUC__)
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,f16c"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512vl,avx512dq,f16c")
#endif
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

namespace docent::engine::kernels {

namespace {
constexpr int kNearest = _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC;

// |x| with NaN lanes ignored by the max (the second operand of max_ps wins on NaN).
inline __m512 absolute(__m512 x) { return _mm512_abs_ps(x); }

float round_through_half(float value) {
  return _mm_cvtss_f32(_mm_cvtph_ps(_mm_cvtps_ph(_mm_set_ss(value), kNearest)));
}
}  // namespace

void quantize_blocks32_avx512(const float* x, ActivationBlock32* out, std::int64_t blocks) {
  for (std::int64_t b = 0; b < blocks; ++b, x += 32) {
    const __m512 low = _mm512_loadu_ps(x), high = _mm512_loadu_ps(x + 16);
    const float magnitude = _mm512_reduce_max_ps(_mm512_max_ps(absolute(low), absolute(high)));
    ActivationBlock32& block = out[b];
    block.d = round_through_half(magnitude / 127.0f);
    const __m512 inverse = _mm512_set1_ps(magnitude != 0 ? 127.0f / magnitude : 0.0f);
    const __m512i q_low = _mm512_cvt_roundps_epi32(_mm512_mul_ps(low, inverse), kNearest);
    const __m512i q_high = _mm512_cvt_roundps_epi32(_mm512_mul_ps(high, inverse), kNearest);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(block.q), _mm512_cvtepi32_epi8(q_low));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(block.q + 16), _mm512_cvtepi32_epi8(q_high));
    block.sum = _mm512_reduce_add_epi32(_mm512_add_epi32(q_low, q_high));
  }
}

void quantize_blocks256_avx512(const float* x, ActivationBlock256* out, std::int64_t blocks) {
  for (std::int64_t b = 0; b < blocks; ++b, x += 256) {
    ActivationBlock256& block = out[b];
    __m512 widest = _mm512_setzero_ps();
    for (int i = 0; i < 256; i += 16) widest = _mm512_max_ps(absolute(_mm512_loadu_ps(x + i)), widest);
    const float magnitude = _mm512_reduce_max_ps(widest);
    if (magnitude == 0) {
      block.d = 0;
      for (auto& sum : block.sums16) sum = 0;
      for (auto& q : block.q) q = 0;
      continue;
    }
    // The first value of the largest magnitude keeps its sign, as the reference's strict > scan.
    float extreme = 0;
    const __m512 target = _mm512_set1_ps(magnitude);
    for (int i = 0; i < 256; i += 16) {
      const __mmask16 hit = _mm512_cmp_ps_mask(absolute(_mm512_loadu_ps(x + i)), target, _CMP_EQ_OQ);
      if (hit != 0) {
        extreme = x[i + __builtin_ctz(hit)];
        break;
      }
    }
    const float inverse_scale = -127.0f / extreme;
    const __m512 scale = _mm512_set1_ps(inverse_scale);
    const __m512i ceiling = _mm512_set1_epi32(127);
    for (int i = 0; i < 256; i += 16) {
      __m512i q = _mm512_cvt_roundps_epi32(_mm512_mul_ps(scale, _mm512_loadu_ps(x + i)), kNearest);
      q = _mm512_min_epi32(q, ceiling);
      _mm_storeu_si128(reinterpret_cast<__m128i*>(block.q + i), _mm512_cvtepi32_epi8(q));
      block.sums16[i / 16] = _mm512_reduce_add_epi32(q);
    }
    block.d = 1.0f / inverse_scale;
  }
}

}  // namespace docent::engine::kernels

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif
#endif
