#pragma once
// INT4_CHANNEL: 4-bit weights with one scale per output channel (per matrix row), the format of
// the transformer blocks in the "npu" recipe (issue #7).
//
// Row layout (a row is the `in` weights of one output; row stride = 4 + in / 2 bytes, `in` a
// multiple of 32):
//   bytes 0..3   float32 scale s (little-endian, as GGUF)
//   then in / 32 groups of 16 bytes; in group g, byte j holds element 32g + j in its low nibble
//   and element 32g + j + 16 in its high nibble (the same order as a Q4_0 block's qs[]).
//   value = s * (q - 8), q in 0..15 (symmetric grid with the usual extra negative level).
// A SIMD kernel can treat each group like a Q4_0 block whose scale is hoisted out of the row:
//   dot(row, x) = s * sum_g sum_j (q_gj - 8) * x_gj, so with Q8_0 activations (d_g, a_gj)
//   dot = s * sum_g d_g * sum_j (q_gj - 8) * a_gj, integer inner products and one float multiply
//   per group. The nibble data starts 4 bytes into the row: use unaligned loads.
//
// The type id is docent-private (TensorType::int4_channel, 0x44430001). Files using it carry
// kRequiresDocentKey so other GGUF readers can say why they cannot load them.

#include <cstdint>
#include <string_view>

namespace docent::engine {

inline constexpr std::string_view kRequiresDocentKey = "docent.requires";  // string: why (e.g. "INT4_CHANNEL")
inline constexpr int kInt4ChannelGroup = 32;
inline constexpr std::int64_t kInt4ChannelHeaderBytes = 4;

inline constexpr std::int64_t int4_channel_row_bytes(std::int64_t count) {
  return kInt4ChannelHeaderBytes + count / 2;
}

// Encodes one row of `count` (multiple of 32) values. The scale minimizes the row's squared
// error over a set of clip ratios of the largest magnitude (clipping a rare outlier often pays
// for itself in finer steps for everything else). An all-zero row gets scale 0.
void quantize_row_int4_channel(const float* in, void* row, std::int64_t count);
// Writes the `count` decoded values of `row`.
void dequantize_row_int4_channel(const void* row, float* out, std::int64_t count);
// Scalar reference dot product of a row with F32 activations, accumulated in double: what any
// faster kernel must reproduce (up to its own activation rounding).
double dot_int4_channel_reference(const void* row, const float* x, std::int64_t count);

// The scale stored in a row.
float int4_channel_scale(const void* row);

}  // namespace docent::engine
