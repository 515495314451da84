#pragma once
// Quantized weight matrices repacked at load time into the layout the SIMD kernels stream.
//
// Rows are taken 16 at a time ("row groups"). Within a group, each quantization block of the
// source format becomes one packed block in which byte 4*r + i of every 64-byte line belongs to
// row r: one 512-bit load then feeds 16 rows' dot products at once (one 32-bit lane per row),
// so no horizontal sums are needed and a matrix-vector product is a pure stream of weights.
// Block scales sit in front of their quants as 16-lane vectors. Layouts, per row group and
// source block (q(r, k) = unsigned quant of row r, column k within the block):
//
//   Q4_0 (32 columns, 288 bytes):  d[16] f16 | 4 lines: line L byte (r,i) =
//        q(r, 4L+i) | q(r, 16+4L+i) << 4            (so lanes of low nibbles hold columns
//        4L..4L+3 and high nibbles 16+4L.., the source's own nibble pairing)
//   Q8_0 (32 columns, 544 bytes):  d[16] f16 | 8 lines: line g byte (r,i) = (q(r,4g+i) ^ 0x80)
//        (signed quants stored offset by 128, i.e. unsigned, as VNNI's u8 x s8 product needs;
//        the kernel subtracts 128 * sum(activations))
//   Q4_K (256 columns, 2368 bytes): d[16] f16 | dmin[16] f16 | scale[8][16] u8 | min[8][16] u8 |
//        4 pairs of sub-blocks x 8 lines: pair p line L byte (r,i) =
//        q(r, 64p+4L+i) | q(r, 64p+32+4L+i) << 4
//   Q6_K (256 columns, 3360 bytes): d[16] f16 | scale[16][16] s8 | 4 pairs x (4 high-bit lines,
//        8 low-nibble lines): low line L byte (r,i) = low4(q(r,64p+4L+i)) | low4(q(r,64p+32+4L+i)) << 4;
//        high line H byte (r,i) bits 2s..2s+1 = high2(q(r, 64p + 4(H + 4s) + i)) for s = 0..3
//        (q in 0..63 is the source's value + 32)
//   INT4_CHANNEL (32 columns, 256 bytes): lines as Q4_0, no block scale; the group starts with
//        the 16 rows' F32 scales (64 bytes) before its first block
//   TQ1_0, TQ2_0, I2_S_ROWS (256 columns, 1088 bytes): scale[16] f32 (the block's d, or the row's
//        I2_S scale) | 16 lines: line L byte (r,i) bits 2s..2s+1 = code t+1 of column 64s+4L+i
//        (the kernel subtracts the activations' sum for the +1)
//   F16 (32 columns, 1024 bytes): for each column c, the 16 rows' halves side by side (32 bytes:
//        half 16c + r is w(r, c)), so one 256-bit load and one conversion give 16 rows' weights
//        of a column as floats. Only matrices whose width is a multiple of 32 are packed.
//
// Rows past the end of the matrix are zero (scale 0) and never written out.

#include <cstddef>
#include <cstdint>
#include <memory>

#include "tensor.hpp"

namespace docent::engine::kernels {

constexpr int kGroupRows = 16;

// Bytes of one packed block (one source block for 16 rows); 0 if the type is not packable.
std::size_t packed_block_bytes(TensorType type);
// Columns one packed block covers: the source block's, or 32 for F16 (whose source "block" is
// a single value).
std::int64_t packed_block_columns(TensorType type);
// Bytes at the start of each row group before its first block (per-row scales).
std::size_t packed_group_header_bytes(TensorType type);
bool packable(TensorType type);
// Whether a matrix of this type and width can be packed (F16 needs whole 32-column blocks).
bool packable(TensorType type, std::int64_t columns);

class PackedMatrix {
 public:
  // Repacks every row of `weight` (ne = [columns, rows]).
  // Precondition: packable(weight.type, weight.row_length()).
  explicit PackedMatrix(const TensorView& weight);
  ~PackedMatrix();
  PackedMatrix(const PackedMatrix&) = delete;
  PackedMatrix& operator=(const PackedMatrix&) = delete;

  TensorType type() const { return type_; }
  std::int64_t rows() const { return rows_; }
  std::int64_t columns() const { return columns_; }
  std::int64_t groups() const { return (rows_ + kGroupRows - 1) / kGroupRows; }
  std::int64_t blocks_per_row() const { return blocks_per_row_; }
  std::size_t group_bytes() const { return group_bytes_; }
  // Packed blocks of a group start after its header.
  const std::uint8_t* group(std::int64_t index) const { return storage_ + static_cast<std::size_t>(index) * group_bytes_; }
  std::size_t size_bytes() const { return group_bytes_ * static_cast<std::size_t>(groups()); }

 private:
  TensorType type_;
  std::int64_t rows_, columns_, blocks_per_row_;
  std::size_t group_bytes_;
  std::uint8_t* storage_ = nullptr;
  std::size_t mapped_bytes_ = 0;  // > 0: storage_ is an anonymous mapping of this size
};

}  // namespace docent::engine::kernels
