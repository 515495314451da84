#pragma once
// Scalar reference dequantizers: the ground truth every faster kernel is tested against.

#include <cstdint>

#include "quant/type_traits.hpp"

namespace docent::engine {

// Writes `count` floats decoded from `row` (which holds count / block_elements blocks).
// `count` must be a whole number of blocks and the type dequantizable (checked by callers at
// model load; asserted here).
void dequantize_row(TensorType type, const void* row, float* out, std::int64_t count);

// Unpacks the 6-bit scale and min of sub-block `index` (0..7) of a Q4_K/Q5_K block.
void unpack_k_scale_min(const std::uint8_t* scales, int index, std::uint8_t& scale, std::uint8_t& min);

}  // namespace docent::engine
