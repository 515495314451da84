// AVX-512 (F, BW, VL) with VNNI: vpdpbusd multiplies 16 lanes x 4 unsigned bytes by 4 signed
// bytes and accumulates, one instruction per 4 columns of 16 rows. Built with the -m flags set
// in engine/CMakeLists.txt; only reached after a run-time CPU check (kernels.cpp).
#if defined(__x86_64__) && defined(__AVX512VNNI__)
// GCC 12 flags the deliberately undefined pass-through operand inside _mm512_cvtph_ps.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "kernels/activation_blocks.hpp"
#include "kernels/kernel_interface.hpp"

namespace docent::engine::kernels {
namespace {

using IntVec = __m512i;
using FloatVec = __m512;

inline IntVec load_line(const std::uint8_t* p) { return _mm512_loadu_si512(p); }
inline IntVec low_nibbles(IntVec v) { return _mm512_and_si512(v, _mm512_set1_epi8(0x0f)); }
inline IntVec high_nibbles(IntVec v) { return _mm512_and_si512(_mm512_srli_epi16(v, 4), _mm512_set1_epi8(0x0f)); }
inline IntVec or_bytes(IntVec a, IntVec b) { return _mm512_or_si512(a, b); }
// Bits 2s..2s+1 of every byte, moved to bits 4..5 (the Q6_K quant's high part).
inline IntVec high_bits_q6(IntVec v, int s) {
  return _mm512_slli_epi16(_mm512_and_si512(_mm512_srli_epi16(v, 2 * s), _mm512_set1_epi8(0x03)), 4);
}
inline IntVec two_bits(IntVec v, int s) {
  return _mm512_and_si512(_mm512_srl_epi16(v, _mm_cvtsi32_si128(2 * s)), _mm512_set1_epi8(0x03));
}
inline IntVec dot_small(IntVec acc, IntVec w, std::int32_t a4) { return _mm512_dpbusd_epi32(acc, w, _mm512_set1_epi32(a4)); }
inline IntVec dot_full(IntVec acc, IntVec w, std::int32_t a4) { return _mm512_dpbusd_epi32(acc, w, _mm512_set1_epi32(a4)); }
inline IntVec add(IntVec a, IntVec b) { return _mm512_add_epi32(a, b); }
inline IntVec sub_scalar(IntVec v, std::int32_t x) { return _mm512_sub_epi32(v, _mm512_set1_epi32(x)); }
inline IntVec mul_scalar(IntVec v, std::int32_t x) { return _mm512_mullo_epi32(v, _mm512_set1_epi32(x)); }
inline IntVec mul(IntVec a, IntVec b) { return _mm512_mullo_epi32(a, b); }
inline IntVec widen_u8(const std::uint8_t* p) { return _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))); }
inline IntVec widen_s8(const std::uint8_t* p) { return _mm512_cvtepi8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))); }
inline IntVec izero() { return _mm512_setzero_si512(); }
inline FloatVec load_halves(const std::uint8_t* p) { return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p))); }
inline FloatVec to_float(IntVec v) { return _mm512_cvtepi32_ps(v); }
inline FloatVec fzero() { return _mm512_setzero_ps(); }
inline FloatVec fmul_scalar(FloatVec f, float x) { return _mm512_mul_ps(f, _mm512_set1_ps(x)); }
inline FloatVec load_floats(const std::uint8_t* p) { return _mm512_loadu_ps(reinterpret_cast<const float*>(p)); }
inline FloatVec fmul(FloatVec a, FloatVec b) { return _mm512_mul_ps(a, b); }
inline FloatVec fmadd_scalar(FloatVec a, float x, FloatVec c) { return _mm512_fmadd_ps(a, _mm512_set1_ps(x), c); }
inline FloatVec fmadd(FloatVec a, FloatVec b, FloatVec c) { return _mm512_fmadd_ps(a, b, c); }
inline FloatVec fnmadd(FloatVec a, FloatVec b, FloatVec c) { return _mm512_fnmadd_ps(a, b, c); }
inline FloatVec fadd(FloatVec a, FloatVec b) { return _mm512_add_ps(a, b); }
inline void store_rows(float* out, FloatVec f, int rows) {
  if (rows >= 16) _mm512_storeu_ps(out, f);
  else _mm512_mask_storeu_ps(out, static_cast<__mmask16>((1u << rows) - 1), f);
}

constexpr int kWideTile = 8;  // 32 vector registers: 8 unpacked lines + 8 integer + 8 float accumulators
constexpr int kHalfTile = 8;  // F16: one accumulator per token, the broadcasts folded into the FMAs

#include "kernels/kernel_body.inc"

void round_to_half_f16c(const float* input, float* output, std::int64_t count) {
  std::int64_t i = 0;
  for (; i + 16 <= count; i += 16)
    _mm512_storeu_ps(output + i, _mm512_cvtph_ps(_mm512_cvtps_ph(_mm512_loadu_ps(input + i), _MM_FROUND_TO_NEAREST_INT)));
  if (i < count) {
    const auto mask = static_cast<__mmask16>((1u << (count - i)) - 1);
    const __m512 rest = _mm512_maskz_loadu_ps(mask, input + i);
    _mm512_mask_storeu_ps(output + i, mask, _mm512_cvtph_ps(_mm512_cvtps_ph(rest, _MM_FROUND_TO_NEAREST_INT)));
  }
}

}  // namespace

const KernelSet* avx512_kernel_set() {
  static const KernelSet set{"avx512-vnni", kernel_q4_0, kernel_q8_0, kernel_q4_k, kernel_q6_k, kernel_int4_channel, kernel_f16,
                              kernel_ternary, round_to_half_f16c};
  return &set;
}

}  // namespace docent::engine::kernels
#else
#include "kernels/kernel_interface.hpp"
namespace docent::engine::kernels {
const KernelSet* avx512_kernel_set() { return nullptr; }
}  // namespace docent::engine::kernels
#endif
