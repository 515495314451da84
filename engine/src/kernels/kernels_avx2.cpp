// AVX2 + FMA + F16C, for CPUs without AVX-512: each 16-lane vector is two 256-bit halves, and
// the byte dot product is vpmaddubsw (pairs, 16-bit) followed by vpmaddwd against ones.
// vpmaddubsw saturates past 32767, safe for quants below 128 (2 * 127 * 127); Q8_0's unsigned
// quants up to 255 are split into nibbles first (dot_full).
#if defined(__x86_64__) && defined(__AVX2__) && defined(__FMA__) && defined(__F16C__)
#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "kernels/activation_blocks.hpp"
#include "kernels/kernel_interface.hpp"

namespace docent::engine::kernels {
namespace {

struct IntVec { __m256i lo, hi; };
struct FloatVec { __m256 lo, hi; };

inline IntVec load_line(const std::uint8_t* p) {
  return {_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)), _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32))};
}
inline __m256i nibble_mask() { return _mm256_set1_epi8(0x0f); }
inline IntVec low_nibbles(IntVec v) { return {_mm256_and_si256(v.lo, nibble_mask()), _mm256_and_si256(v.hi, nibble_mask())}; }
inline IntVec high_nibbles(IntVec v) {
  return {_mm256_and_si256(_mm256_srli_epi16(v.lo, 4), nibble_mask()), _mm256_and_si256(_mm256_srli_epi16(v.hi, 4), nibble_mask())};
}
inline IntVec or_bytes(IntVec a, IntVec b) { return {_mm256_or_si256(a.lo, b.lo), _mm256_or_si256(a.hi, b.hi)}; }
inline __m256i high_bits_half(__m256i v, int s) {
  return _mm256_slli_epi16(_mm256_and_si256(_mm256_srl_epi16(v, _mm_cvtsi32_si128(2 * s)), _mm256_set1_epi8(0x03)), 4);
}
inline IntVec high_bits_q6(IntVec v, int s) { return {high_bits_half(v.lo, s), high_bits_half(v.hi, s)}; }
inline __m256i two_bits_half(__m256i v, int s) {
  return _mm256_and_si256(_mm256_srl_epi16(v, _mm_cvtsi32_si128(2 * s)), _mm256_set1_epi8(0x03));
}
inline IntVec two_bits(IntVec v, int s) { return {two_bits_half(v.lo, s), two_bits_half(v.hi, s)}; }
inline __m256i dot_half(__m256i w, __m256i a) {
  return _mm256_madd_epi16(_mm256_maddubs_epi16(w, a), _mm256_set1_epi16(1));
}
inline IntVec dot_small(IntVec acc, IntVec w, std::int32_t a4) {
  const __m256i a = _mm256_set1_epi32(a4);
  return {_mm256_add_epi32(acc.lo, dot_half(w.lo, a)), _mm256_add_epi32(acc.hi, dot_half(w.hi, a))};
}
inline __m256i dot_full_half(__m256i w, __m256i a) {
  __m256i low = dot_half(_mm256_and_si256(w, nibble_mask()), a);
  __m256i high = dot_half(_mm256_and_si256(_mm256_srli_epi16(w, 4), nibble_mask()), a);
  return _mm256_add_epi32(low, _mm256_slli_epi32(high, 4));
}
inline IntVec dot_full(IntVec acc, IntVec w, std::int32_t a4) {
  const __m256i a = _mm256_set1_epi32(a4);
  return {_mm256_add_epi32(acc.lo, dot_full_half(w.lo, a)), _mm256_add_epi32(acc.hi, dot_full_half(w.hi, a))};
}
inline IntVec add(IntVec a, IntVec b) { return {_mm256_add_epi32(a.lo, b.lo), _mm256_add_epi32(a.hi, b.hi)}; }
inline IntVec sub_scalar(IntVec v, std::int32_t x) {
  const __m256i s = _mm256_set1_epi32(x);
  return {_mm256_sub_epi32(v.lo, s), _mm256_sub_epi32(v.hi, s)};
}
inline IntVec mul(IntVec a, IntVec b) { return {_mm256_mullo_epi32(a.lo, b.lo), _mm256_mullo_epi32(a.hi, b.hi)}; }
inline IntVec mul_scalar(IntVec v, std::int32_t x) {
  const __m256i s = _mm256_set1_epi32(x);
  return {_mm256_mullo_epi32(v.lo, s), _mm256_mullo_epi32(v.hi, s)};
}
inline __m128i load8(const std::uint8_t* p) { return _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)); }
inline IntVec widen_u8(const std::uint8_t* p) { return {_mm256_cvtepu8_epi32(load8(p)), _mm256_cvtepu8_epi32(load8(p + 8))}; }
inline IntVec widen_s8(const std::uint8_t* p) { return {_mm256_cvtepi8_epi32(load8(p)), _mm256_cvtepi8_epi32(load8(p + 8))}; }
inline IntVec izero() { return {_mm256_setzero_si256(), _mm256_setzero_si256()}; }
inline FloatVec load_halves(const std::uint8_t* p) {
  return {_mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))),
          _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16)))};
}
inline FloatVec to_float(IntVec v) { return {_mm256_cvtepi32_ps(v.lo), _mm256_cvtepi32_ps(v.hi)}; }
inline FloatVec fzero() { return {_mm256_setzero_ps(), _mm256_setzero_ps()}; }
inline FloatVec fmul_scalar(FloatVec f, float x) {
  const __m256 s = _mm256_set1_ps(x);
  return {_mm256_mul_ps(f.lo, s), _mm256_mul_ps(f.hi, s)};
}
inline FloatVec load_floats(const std::uint8_t* p) {
  return {_mm256_loadu_ps(reinterpret_cast<const float*>(p)), _mm256_loadu_ps(reinterpret_cast<const float*>(p) + 8)};
}
inline FloatVec fmul(FloatVec a, FloatVec b) { return {_mm256_mul_ps(a.lo, b.lo), _mm256_mul_ps(a.hi, b.hi)}; }
inline FloatVec fmadd_scalar(FloatVec a, float x, FloatVec c) {
  const __m256 s = _mm256_set1_ps(x);
  return {_mm256_fmadd_ps(a.lo, s, c.lo), _mm256_fmadd_ps(a.hi, s, c.hi)};
}
inline FloatVec fmadd(FloatVec a, FloatVec b, FloatVec c) { return {_mm256_fmadd_ps(a.lo, b.lo, c.lo), _mm256_fmadd_ps(a.hi, b.hi, c.hi)}; }
inline FloatVec fnmadd(FloatVec a, FloatVec b, FloatVec c) { return {_mm256_fnmadd_ps(a.lo, b.lo, c.lo), _mm256_fnmadd_ps(a.hi, b.hi, c.hi)}; }
inline FloatVec fadd(FloatVec a, FloatVec b) { return {_mm256_add_ps(a.lo, b.lo), _mm256_add_ps(a.hi, b.hi)}; }
inline void store_rows(float* out, FloatVec f, int rows) {
  if (rows >= 16) {
    _mm256_storeu_ps(out, f.lo);
    _mm256_storeu_ps(out + 8, f.hi);
    return;
  }
  alignas(32) float values[16];
  _mm256_store_ps(values, f.lo);
  _mm256_store_ps(values + 8, f.hi);
  std::memcpy(out, values, sizeof(float) * static_cast<std::size_t>(rows));
}

constexpr int kWideTile = 4;  // 16 registers, each vector two of them
constexpr int kHalfTile = 4;  // F16: 8 accumulator registers, 2 for the column's weights, 1 broadcast

#include "kernels/kernel_body.inc"

void round_to_half_f16c(const float* input, float* output, std::int64_t count) {
  std::int64_t i = 0;
  for (; i + 8 <= count; i += 8)
    _mm256_storeu_ps(output + i, _mm256_cvtph_ps(_mm256_cvtps_ph(_mm256_loadu_ps(input + i), _MM_FROUND_TO_NEAREST_INT)));
  for (; i < count; ++i) output[i] = _cvtsh_ss(_cvtss_sh(input[i], _MM_FROUND_TO_NEAREST_INT));
}

}  // namespace

const KernelSet* avx2_kernel_set() {
  static const KernelSet set{"avx2", kernel_q4_0, kernel_q8_0, kernel_q4_k, kernel_q6_k, kernel_int4_channel, kernel_f16,
                              kernel_ternary, round_to_half_f16c};
  return &set;
}

}  // namespace docent::engine::kernels
#else
#include "kernels/kernel_interface.hpp"
namespace docent::engine::kernels {
const KernelSet* avx2_kernel_set() { return nullptr; }
}  // namespace docent::engine::kernels
#endif
