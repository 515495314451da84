#pragma once
// Quantization block layouts as stored in GGUF files (ggml formats). Each struct is exactly the
// on-disk bytes of one block; the static_asserts pin that. Half-precision fields are raw uint16.

#include <cstdint>

namespace docent::engine {

inline constexpr int kBlock32 = 32;    // elements per block of the "legacy" formats
inline constexpr int kSuperBlock = 256;  // elements per K-quant super-block

// x = d * (q - 8), q in 0..15; element j in low nibble of qs[j], element j+16 in the high nibble.
struct BlockQ4_0 {
  std::uint16_t d;
  std::uint8_t qs[kBlock32 / 2];
};
static_assert(sizeof(BlockQ4_0) == 18);

// x = d * q + m, q in 0..15, same nibble order as Q4_0.
struct BlockQ4_1 {
  std::uint16_t d;
  std::uint16_t m;
  std::uint8_t qs[kBlock32 / 2];
};
static_assert(sizeof(BlockQ4_1) == 20);

// x = d * (q - 16), q in 0..31: low 4 bits as Q4_0, bit 4 of element j is bit j of qh.
struct BlockQ5_0 {
  std::uint16_t d;
  std::uint8_t qh[4];
  std::uint8_t qs[kBlock32 / 2];
};
static_assert(sizeof(BlockQ5_0) == 22);

// x = d * q + m, q in 0..31, bits as Q5_0.
struct BlockQ5_1 {
  std::uint16_t d;
  std::uint16_t m;
  std::uint8_t qh[4];
  std::uint8_t qs[kBlock32 / 2];
};
static_assert(sizeof(BlockQ5_1) == 24);

// x = d * q, q in -127..127.
struct BlockQ8_0 {
  std::uint16_t d;
  std::int8_t qs[kBlock32];
};
static_assert(sizeof(BlockQ8_0) == 34);

// 8 sub-blocks of 32; each has a 6-bit scale and a 6-bit min packed into `scales`;
// x = d * scale * q - dmin * min, q in 0..15. Each 32 bytes of qs hold two sub-blocks
// (low nibbles the first, high nibbles the second).
struct BlockQ4_K {
  std::uint16_t d;
  std::uint16_t dmin;
  std::uint8_t scales[12];
  std::uint8_t qs[kSuperBlock / 2];
};
static_assert(sizeof(BlockQ4_K) == 144);

// As Q4_K with a fifth bit per element in qh (sub-block i uses bit i of qh[l]).
struct BlockQ5_K {
  std::uint16_t d;
  std::uint16_t dmin;
  std::uint8_t scales[12];
  std::uint8_t qh[kSuperBlock / 8];
  std::uint8_t qs[kSuperBlock / 2];
};
static_assert(sizeof(BlockQ5_K) == 176);

// 16 sub-blocks of 16 with signed 8-bit scales; x = d * scale * (q - 32), q in 0..63 split
// into 4 low bits (ql) and 2 high bits (qh).
struct BlockQ6_K {
  std::uint8_t ql[kSuperBlock / 2];
  std::uint8_t qh[kSuperBlock / 4];
  std::int8_t scales[kSuperBlock / 16];
  std::uint16_t d;
};
static_assert(sizeof(BlockQ6_K) == 210);

// Activation format for K-quant dot products: float scale, and sums of each 16 values.
struct BlockQ8_K {
  float d;
  std::int8_t qs[kSuperBlock];
  std::int16_t bsums[kSuperBlock / 16];
};
static_assert(sizeof(BlockQ8_K) == 292);

// Ternary blocks (quant/ternary.hpp): value = d * (t - 1), t in {0, 1, 2}.
// TQ1_0: qs[m] for m < 32 holds digits k = 0..4 of values 32k + m; qs[32 + m] for m < 16 holds
// values 160 + 16k + m; qh[j] holds digits k = 0..3 of values 240 + 4k + j (its fifth digit is 0).
struct BlockTQ1_0 {
  std::uint8_t qs[48];
  std::uint8_t qh[4];
  std::uint16_t d;
};
static_assert(sizeof(BlockTQ1_0) == 54);

// TQ2_0: bits 2k..2k+1 of qs[32g + m] hold value 128g + 32k + m.
struct BlockTQ2_0 {
  std::uint8_t qs[kSuperBlock / 4];
  std::uint16_t d;
};
static_assert(sizeof(BlockTQ2_0) == 66);

// I2_S: bits 6-2k..7-2k of qs[m] hold value 32k + m of the block (scale per tensor, not here).
struct BlockI2S {
  std::uint8_t qs[32];
};
static_assert(sizeof(BlockI2S) == 32);

}  // namespace docent::engine
