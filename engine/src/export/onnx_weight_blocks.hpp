#pragma once
// Block quantization of weight matrices for ONNX export: integer codes with one scale (and zero
// point) per block of `block_size` consecutive input columns of an output row. Scales are rounded
// to half precision before the codes are chosen, so every block the exporter writes can be read
// back as GGUF Q4_0 / Q8_0 without loss.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace docent::engine::onnx_export {

struct QuantizedMatrix {
  std::int64_t rows = 0, columns = 0;  // [out, in]
  int bits = 4;
  int block_size = 32;                 // == columns for one scale per output channel
  bool explicit_zero_points = false;   // false: the zero point is 2^(bits-1) everywhere
  std::vector<std::uint8_t> codes;     // rows * columns unsigned codes in 0 .. 2^bits - 1
  std::vector<float> scales;           // rows * blocks_per_row()
  std::vector<std::uint8_t> zero_points;  // rows * blocks_per_row()

  std::int64_t blocks_per_row() const { return (columns + block_size - 1) / block_size; }
  int middle() const { return 1 << (bits - 1); }
};

// `block_size` 0 means one block per row. Symmetric blocks use the largest-magnitude value to
// set the scale (it maps to the lowest code, as GGUF Q4_0 does); asymmetric ones span min..max.
QuantizedMatrix quantize_matrix(const std::vector<float>& values, std::int64_t rows, std::int64_t columns, int bits,
                                int block_size, bool zero_points);

// The blocks of a GGUF Q4_0 / Q8_0 tensor ([rows] rows of `columns`), or nothing for other types.
std::optional<QuantizedMatrix> matrix_from_gguf_blocks(std::uint32_t gguf_type, const std::uint8_t* data, std::int64_t rows,
                                                       std::int64_t columns);

// `source` re-expressed with `bits` and the zero-point choice when that loses nothing (same block
// size, no more bits than the target); otherwise nothing.
std::optional<QuantizedMatrix> reencode_exactly(const QuantizedMatrix& source, int bits, int block_size, bool zero_points);

// Rows reordered: row i of the result is row order[i] of `matrix`.
void reorder_rows(QuantizedMatrix& matrix, const std::vector<std::int64_t>& order);

}  // namespace docent::engine::onnx_export
