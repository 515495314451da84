#include "export/onnx_weight_blocks.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "quant/blocks.hpp"
#include "quant/half.hpp"
#include "quant/type_traits.hpp"

namespace docent::engine::onnx_export {

QuantizedMatrix quantize_matrix(const std::vector<float>& values, std::int64_t rows, std::int64_t columns, int bits,
                                int block_size, bool zero_points) {
  QuantizedMatrix result;
  result.rows = rows;
  result.columns = columns;
  result.bits = bits;
  result.block_size = block_size == 0 ? static_cast<int>(columns) : block_size;
  result.explicit_zero_points = zero_points;
  const std::int64_t blocks = result.blocks_per_row();
  const int levels = (1 << bits) - 1, middle = result.middle();
  result.codes.resize(static_cast<std::size_t>(rows * columns));
  result.scales.resize(static_cast<std::size_t>(rows * blocks));
  result.zero_points.resize(static_cast<std::size_t>(rows * blocks));
  for (std::int64_t row = 0; row < rows; ++row) {
    for (std::int64_t block = 0; block < blocks; ++block) {
      const std::int64_t begin = block * result.block_size, end = std::min(columns, begin + result.block_size);
      const float* x = &values[static_cast<std::size_t>(row * columns)];
      float scale = 0;
      int zero = middle;
      if (zero_points) {
        float low = x[begin], high = x[begin];
        for (std::int64_t i = begin; i < end; ++i) low = std::min(low, x[i]), high = std::max(high, x[i]);
        scale = round_to_half((high - low) / static_cast<float>(levels));
        if (scale > 0) zero = std::clamp(static_cast<int>(std::lround(-low / scale)), 0, levels);
      } else {
        float extreme = 0;  // signed value of the largest magnitude
        for (std::int64_t i = begin; i < end; ++i)
          if (std::fabs(x[i]) > std::fabs(extreme)) extreme = x[i];
        // 4-bit: the extreme maps to code 0 (the asymmetric half of the range goes to it);
        // 8-bit: +-127 around the middle.
        scale = round_to_half(bits == 4 ? extreme / -static_cast<float>(middle) : std::fabs(extreme) / (middle - 1));
      }
      const std::size_t at = static_cast<std::size_t>(row * blocks + block);
      result.scales[at] = scale;
      result.zero_points[at] = static_cast<std::uint8_t>(zero);
      const float inverse = scale != 0 ? 1.0f / scale : 0.0f;
      for (std::int64_t i = begin; i < end; ++i) {
        const long code = std::lround(x[i] * inverse) + zero;
        result.codes[static_cast<std::size_t>(row * columns + i)] = static_cast<std::uint8_t>(std::clamp<long>(code, 0, levels));
      }
    }
  }
  return result;
}

std::optional<QuantizedMatrix> matrix_from_gguf_blocks(std::uint32_t gguf_type, const std::uint8_t* data, std::int64_t rows,
                                                       std::int64_t columns) {
  const bool q4 = gguf_type == static_cast<std::uint32_t>(TensorType::q4_0);
  const bool q8 = gguf_type == static_cast<std::uint32_t>(TensorType::q8_0);
  if ((!q4 && !q8) || columns % kBlock32 != 0) return std::nullopt;
  QuantizedMatrix result;
  result.rows = rows;
  result.columns = columns;
  result.bits = q4 ? 4 : 8;
  result.block_size = kBlock32;
  const std::int64_t blocks = columns / kBlock32;
  result.codes.resize(static_cast<std::size_t>(rows * columns));
  result.scales.resize(static_cast<std::size_t>(rows * blocks));
  result.zero_points.assign(static_cast<std::size_t>(rows * blocks), static_cast<std::uint8_t>(result.middle()));
  for (std::int64_t b = 0; b < rows * blocks; ++b) {
    std::uint8_t* codes = &result.codes[static_cast<std::size_t>(b * kBlock32)];
    if (q4) {
      BlockQ4_0 block;
      std::memcpy(&block, data + b * sizeof(BlockQ4_0), sizeof block);
      result.scales[static_cast<std::size_t>(b)] = half_to_float(block.d);
      for (int j = 0; j < kBlock32 / 2; ++j) {
        codes[j] = block.qs[j] & 0x0f;
        codes[j + kBlock32 / 2] = block.qs[j] >> 4;
      }
    } else {
      BlockQ8_0 block;
      std::memcpy(&block, data + b * sizeof(BlockQ8_0), sizeof block);
      result.scales[static_cast<std::size_t>(b)] = half_to_float(block.d);
      for (int j = 0; j < kBlock32; ++j) codes[j] = static_cast<std::uint8_t>(block.qs[j] + 128);
    }
  }
  return result;
}

std::optional<QuantizedMatrix> reencode_exactly(const QuantizedMatrix& source, int bits, int block_size, bool zero_points) {
  const int target_block = block_size == 0 ? static_cast<int>(source.columns) : block_size;
  if (source.block_size != target_block || source.bits > bits) return std::nullopt;
  // Centred codes (code - zero point) must fit the target's signed range around its middle.
  const int target_middle = 1 << (bits - 1), levels = (1 << bits) - 1;
  QuantizedMatrix result = source;
  result.bits = bits;
  result.explicit_zero_points = zero_points;
  const std::int64_t blocks = source.blocks_per_row();
  for (std::int64_t row = 0; row < source.rows; ++row)
    for (std::int64_t column = 0; column < source.columns; ++column) {
      const std::size_t at = static_cast<std::size_t>(row * source.columns + column);
      const int zero = source.zero_points[static_cast<std::size_t>(row * blocks + column / source.block_size)];
      const int code = source.codes[at] - zero + target_middle;
      if (code < 0 || code > levels) return std::nullopt;
      result.codes[at] = static_cast<std::uint8_t>(code);
    }
  std::fill(result.zero_points.begin(), result.zero_points.end(), static_cast<std::uint8_t>(target_middle));
  return result;
}

void reorder_rows(QuantizedMatrix& matrix, const std::vector<std::int64_t>& order) {
  const std::int64_t blocks = matrix.blocks_per_row();
  QuantizedMatrix out = matrix;
  for (std::size_t i = 0; i < order.size(); ++i) {
    const std::int64_t from = order[i], to = static_cast<std::int64_t>(i);
    std::copy_n(&matrix.codes[static_cast<std::size_t>(from * matrix.columns)], matrix.columns,
                &out.codes[static_cast<std::size_t>(to * matrix.columns)]);
    std::copy_n(&matrix.scales[static_cast<std::size_t>(from * blocks)], blocks, &out.scales[static_cast<std::size_t>(to * blocks)]);
    std::copy_n(&matrix.zero_points[static_cast<std::size_t>(from * blocks)], blocks,
                &out.zero_points[static_cast<std::size_t>(to * blocks)]);
  }
  matrix = std::move(out);
}

}  // namespace docent::engine::onnx_export
