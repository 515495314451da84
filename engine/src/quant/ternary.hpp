#pragma once
// Ternary weight formats (BitNet b1.58): every value is d * t with t in {-1, 0, 1}.
//
//   TQ1_0 (ggml, 256 values, 54 bytes): base-3 digits, five to a byte in qs[48] (240 values)
//     and four to a byte in qh[4] (16 values); BlockTQ1_0 gives the order.
//   TQ2_0 (ggml, 256 values, 66 bytes): two bits t + 1 per value; BlockTQ2_0 gives the order.
//   I2_S (Microsoft BitNet, published for bitnet-b1.58-2B-4T): two bits t + 1 per value in
//     blocks of 128 (32 bytes), and ONE float scale for the whole tensor after the last block
//     (the tensor is padded with 32 bytes for it), so a row cannot be decoded on its own.
//   I2_S_ROWS (docent-private): I2_S rows with that scale copied in front of each row as a
//     4-byte header, which makes every row self-contained. Loaders turn I2_S into it.

#include <cstdint>
#include <vector>

#include "quant/blocks.hpp"
#include "quant/type_traits.hpp"

namespace docent::engine {

inline constexpr int kI2sBlock = 128;
inline constexpr std::int64_t kI2sTrailerBytes = 32;
inline constexpr std::int64_t kI2sRowHeaderBytes = 4;

// Packed bytes of `elements` I2_S values plus the trailing scale.
inline constexpr std::int64_t i2s_tensor_bytes(std::int64_t elements) { return elements / 4 + kI2sTrailerBytes; }

// Digit k (0 = most significant) of a byte holding base-3 digits as ceil(n * 256 / 243).
inline int ternary_digit(std::uint8_t byte, int k) {
  static constexpr std::uint8_t kPowers[5] = {1, 3, 9, 27, 81};
  const auto shifted = static_cast<std::uint8_t>(byte * kPowers[k]);
  return (static_cast<int>(shifted) * 3) >> 8;
}

void quantize_row_tq1_0(const float* in, BlockTQ1_0* out, std::int64_t count);
void quantize_row_tq2_0(const float* in, BlockTQ2_0* out, std::int64_t count);
void dequantize_row_tq1_0(const BlockTQ1_0* blocks, float* out, std::int64_t count);
void dequantize_row_tq2_0(const BlockTQ2_0* blocks, float* out, std::int64_t count);

// A whole I2_S tensor of `elements` values (row-major) from floats: scale = largest magnitude,
// t = round(x / scale). Returns i2s_tensor_bytes(elements) bytes.
std::vector<std::uint8_t> quantize_i2s_tensor(const float* in, std::int64_t elements);
// The tensor's scale (after its packed values).
float i2s_scale(const std::uint8_t* tensor, std::int64_t elements);
// Copies an I2_S tensor of `rows` rows of `row_length` values into I2_S_ROWS rows.
std::vector<std::uint8_t> i2s_to_rows(const std::uint8_t* tensor, std::int64_t row_length, std::int64_t rows);
void dequantize_row_i2s_rows(const void* row, float* out, std::int64_t count);
void quantize_row_i2s_rows(const float* in, void* row, std::int64_t count);

// The value t + 1 in {0, 1, 2} of element `index` of a ternary row (any of the formats above;
// I2_S_ROWS rows include their header). Kernels repack through it.
int ternary_code(TensorType type, const void* row, std::int64_t index);
// The scale applying to element `index` (the block's d, or the row header's scale).
float ternary_scale(TensorType type, const void* row, std::int64_t index);
bool is_ternary(TensorType type);
// Codes t + 1 of the 256 values of block `block` (columns 256 * block ...) of a ternary row, and
// the scale of each of its values' source block (all equal within 256 for these formats).
void decode_ternary_block(TensorType type, const void* row, std::int64_t block, std::uint8_t* codes, float* scale);

}  // namespace docent::engine
