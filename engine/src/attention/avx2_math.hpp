#pragma once
// Vector helpers for translation units compiled for AVX2 + FMA + F16C (include after the target
// pragma, and only call behind a run-time CPU check). The same arithmetic as avx512_math.hpp,
// 8 lanes wide, so the two kernels give the same probabilities.

#include <immintrin.h>

namespace docent::engine::avx2 {

// 2^e for integer e in [-126, 127], built from the exponent bits.
static inline __m256 power_of_two(__m256i e) {
  return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(e, _mm256_set1_epi32(127)), 23));
}

// e^x for 8 floats, within ~1 ulp over the range that matters (results below ~1e-45 flush to
// 0, above 88.7 saturate at ~3e38): x = n ln2 + r with |r| <= ln2/2, e^r by its Taylor series
// to degree 7, then scaled by 2^n.
static inline __m256 exp(__m256 x) {
  x = _mm256_max_ps(x, _mm256_set1_ps(-104.0f));  // also maps -inf (masked scores) and NaN to the floor
  x = _mm256_min_ps(x, _mm256_set1_ps(88.7f));
  const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                                   _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693145751953125f), x);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(1.428606765330187045e-06f), r);
  __m256 p = _mm256_set1_ps(1.0f / 5040.0f);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 720.0f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 120.0f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 24.0f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 6.0f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0.5f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
  // n lies in [-150, 128], outside what one exponent field holds (AVX-512 has scalef for
  // this): scale in two steps, both factors normal. The first product is exact, so the result
  // is rounded once, as scalef rounds it, including into the subnormal range.
  const __m256i whole = _mm256_cvtps_epi32(n);
  const __m256i first = _mm256_srai_epi32(whole, 1);
  const __m256i second = _mm256_sub_epi32(whole, first);
  return _mm256_mul_ps(_mm256_mul_ps(p, power_of_two(first)), power_of_two(second));
}

static inline __m256 round_to_half(__m256 x) {
  return _mm256_cvtph_ps(_mm256_cvtps_ph(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
}

// All bits set in lanes [0, count) (count may be negative or exceed 8).
static inline __m256 first_lanes(int count) {
  return _mm256_castsi256_ps(_mm256_cmpgt_epi32(_mm256_set1_epi32(count), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)));
}

static inline float horizontal_max(__m256 x) {
  __m128 m = _mm_max_ps(_mm256_castps256_ps128(x), _mm256_extractf128_ps(x, 1));
  m = _mm_max_ps(m, _mm_movehl_ps(m, m));
  m = _mm_max_ss(m, _mm_shuffle_ps(m, m, 1));
  return _mm_cvtss_f32(m);
}

static inline double horizontal_sum(__m256d x) {
  __m128d s = _mm_add_pd(_mm256_castpd256_pd128(x), _mm256_extractf128_pd(x, 1));
  s = _mm_add_sd(s, _mm_unpackhi_pd(s, s));
  return _mm_cvtsd_f64(s);
}

}  // namespace docent::engine::avx2
