#include "quant/dequantize.hpp"

#include <cassert>
#include <cstring>

#include "quant/blocks.hpp"
#include "quant/half.hpp"
#include "quant/int4_channel.hpp"
#include "quant/ternary.hpp"

namespace docent::engine {

void unpack_k_scale_min(const std::uint8_t* scales, int index, std::uint8_t& scale, std::uint8_t& min) {
  // Sub-blocks 0..3 keep their 6 bits in bytes 0..3 (scale) and 4..7 (min); sub-blocks 4..7
  // keep 4 low bits in bytes 8..11 and borrow the top two bits of bytes 0..7.
  if (index < 4) {
    scale = scales[index] & 63;
    min = scales[index + 4] & 63;
  } else {
    scale = static_cast<std::uint8_t>((scales[index + 4] & 0x0f) | ((scales[index - 4] >> 6) << 4));
    min = static_cast<std::uint8_t>((scales[index + 4] >> 4) | ((scales[index] >> 6) << 4));
  }
}

namespace {

template <typename Block>
const Block* blocks_of(const void* row) {
  return static_cast<const Block*>(row);
}

void dequantize_q4_0(const BlockQ4_0* blocks, float* out, std::int64_t block_count) {
  for (std::int64_t b = 0; b < block_count; ++b, out += kBlock32) {
    float d = half_to_float(blocks[b].d);
    for (int j = 0; j < kBlock32 / 2; ++j) {
      out[j] = d * static_cast<float>((blocks[b].qs[j] & 0x0f) - 8);
      out[j + 16] = d * static_cast<float>((blocks[b].qs[j] >> 4) - 8);
    }
  }
}

void dequantize_q4_1(const BlockQ4_1* blocks, float* out, std::int64_t block_count) {
  for (std::int64_t b = 0; b < block_count; ++b, out += kBlock32) {
    float d = half_to_float(blocks[b].d), m = half_to_float(blocks[b].m);
    for (int j = 0; j < kBlock32 / 2; ++j) {
      out[j] = d * static_cast<float>(blocks[b].qs[j] & 0x0f) + m;
      out[j + 16] = d * static_cast<float>(blocks[b].qs[j] >> 4) + m;
    }
  }
}

std::uint32_t high_bits(const std::uint8_t* qh) {
  std::uint32_t bits;
  std::memcpy(&bits, qh, 4);
  return bits;
}

void dequantize_q5_0(const BlockQ5_0* blocks, float* out, std::int64_t block_count) {
  for (std::int64_t b = 0; b < block_count; ++b, out += kBlock32) {
    float d = half_to_float(blocks[b].d);
    std::uint32_t qh = high_bits(blocks[b].qh);
    for (int j = 0; j < kBlock32 / 2; ++j) {
      int low = (blocks[b].qs[j] & 0x0f) | static_cast<int>(((qh >> j) & 1u) << 4);
      int high = (blocks[b].qs[j] >> 4) | static_cast<int>(((qh >> (j + 16)) & 1u) << 4);
      out[j] = d * static_cast<float>(low - 16);
      out[j + 16] = d * static_cast<float>(high - 16);
    }
  }
}

void dequantize_q5_1(const BlockQ5_1* blocks, float* out, std::int64_t block_count) {
  for (std::int64_t b = 0; b < block_count; ++b, out += kBlock32) {
    float d = half_to_float(blocks[b].d), m = half_to_float(blocks[b].m);
    std::uint32_t qh = high_bits(blocks[b].qh);
    for (int j = 0; j < kBlock32 / 2; ++j) {
      int low = (blocks[b].qs[j] & 0x0f) | static_cast<int>(((qh >> j) & 1u) << 4);
      int high = (blocks[b].qs[j] >> 4) | static_cast<int>(((qh >> (j + 16)) & 1u) << 4);
      out[j] = d * static_cast<float>(low) + m;
      out[j + 16] = d * static_cast<float>(high) + m;
    }
  }
}

void dequantize_q8_0(const BlockQ8_0* blocks, float* out, std::int64_t block_count) {
  for (std::int64_t b = 0; b < block_count; ++b, out += kBlock32) {
    float d = half_to_float(blocks[b].d);
    for (int j = 0; j < kBlock32; ++j) out[j] = d * static_cast<float>(blocks[b].qs[j]);
  }
}

void dequantize_q4_k(const BlockQ4_K* blocks, float* out, std::int64_t block_count) {
  for (std::int64_t b = 0; b < block_count; ++b) {
    const BlockQ4_K& block = blocks[b];
    float d = half_to_float(block.d), dmin = half_to_float(block.dmin);
    const std::uint8_t* q = block.qs;
    for (int pair = 0; pair < 4; ++pair, q += 32) {
      std::uint8_t scale0, min0, scale1, min1;
      unpack_k_scale_min(block.scales, 2 * pair, scale0, min0);
      unpack_k_scale_min(block.scales, 2 * pair + 1, scale1, min1);
      float d0 = d * scale0, m0 = dmin * min0, d1 = d * scale1, m1 = dmin * min1;
      for (int l = 0; l < 32; ++l) *out++ = d0 * static_cast<float>(q[l] & 0x0f) - m0;
      for (int l = 0; l < 32; ++l) *out++ = d1 * static_cast<float>(q[l] >> 4) - m1;
    }
  }
}

void dequantize_q5_k(const BlockQ5_K* blocks, float* out, std::int64_t block_count) {
  for (std::int64_t b = 0; b < block_count; ++b) {
    const BlockQ5_K& block = blocks[b];
    float d = half_to_float(block.d), dmin = half_to_float(block.dmin);
    const std::uint8_t* q = block.qs;
    for (int pair = 0; pair < 4; ++pair, q += 32) {
      std::uint8_t scale0, min0, scale1, min1;
      unpack_k_scale_min(block.scales, 2 * pair, scale0, min0);
      unpack_k_scale_min(block.scales, 2 * pair + 1, scale1, min1);
      float d0 = d * scale0, m0 = dmin * min0, d1 = d * scale1, m1 = dmin * min1;
      std::uint8_t bit0 = static_cast<std::uint8_t>(1u << (2 * pair));
      std::uint8_t bit1 = static_cast<std::uint8_t>(2u << (2 * pair));
      for (int l = 0; l < 32; ++l)
        *out++ = d0 * static_cast<float>((q[l] & 0x0f) + ((block.qh[l] & bit0) ? 16 : 0)) - m0;
      for (int l = 0; l < 32; ++l)
        *out++ = d1 * static_cast<float>((q[l] >> 4) + ((block.qh[l] & bit1) ? 16 : 0)) - m1;
    }
  }
}

void dequantize_q6_k(const BlockQ6_K* blocks, float* out, std::int64_t block_count) {
  for (std::int64_t b = 0; b < block_count; ++b) {
    const BlockQ6_K& block = blocks[b];
    float d = half_to_float(block.d);
    // Each 128-element half uses 64 bytes of ql, 32 of qh and 8 scales. Elements l and l+64
    // share ql[l] (low, high nibble), l+32 and l+96 share ql[l+32]; qh[l] holds the two high
    // bits of all four, in bit pairs 0, 2, 4, 6.
    for (int half = 0; half < 2; ++half) {
      const std::uint8_t* ql = block.ql + 64 * half;
      const std::uint8_t* qh = block.qh + 32 * half;
      const std::int8_t* scales = block.scales + 8 * half;
      float* y = out + 256 * b + 128 * half;
      for (int l = 0; l < 32; ++l) {
        int sub = l / 16;
        int q0 = ((ql[l] & 0x0f) | (((qh[l] >> 0) & 3) << 4)) - 32;
        int q1 = ((ql[l + 32] & 0x0f) | (((qh[l] >> 2) & 3) << 4)) - 32;
        int q2 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
        int q3 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
        y[l] = d * static_cast<float>(scales[sub] * q0);
        y[l + 32] = d * static_cast<float>(scales[sub + 2] * q1);
        y[l + 64] = d * static_cast<float>(scales[sub + 4] * q2);
        y[l + 96] = d * static_cast<float>(scales[sub + 6] * q3);
      }
    }
  }
}

}  // namespace

void dequantize_row(TensorType type, const void* row, float* out, std::int64_t count) {
  switch (type) {
    case TensorType::f32:
      std::memcpy(out, row, static_cast<std::size_t>(count) * sizeof(float));
      return;
    case TensorType::f16: {
      auto* halves = static_cast<const std::uint16_t*>(row);
      for (std::int64_t i = 0; i < count; ++i) out[i] = half_to_float(halves[i]);
      return;
    }
    case TensorType::bf16: {
      auto* values = static_cast<const std::uint16_t*>(row);
      for (std::int64_t i = 0; i < count; ++i) out[i] = bfloat16_to_float(values[i]);
      return;
    }
    case TensorType::q4_0: return dequantize_q4_0(blocks_of<BlockQ4_0>(row), out, count / kBlock32);
    case TensorType::q4_1: return dequantize_q4_1(blocks_of<BlockQ4_1>(row), out, count / kBlock32);
    case TensorType::q5_0: return dequantize_q5_0(blocks_of<BlockQ5_0>(row), out, count / kBlock32);
    case TensorType::q5_1: return dequantize_q5_1(blocks_of<BlockQ5_1>(row), out, count / kBlock32);
    case TensorType::q8_0: return dequantize_q8_0(blocks_of<BlockQ8_0>(row), out, count / kBlock32);
    case TensorType::q4_k: return dequantize_q4_k(blocks_of<BlockQ4_K>(row), out, count / kSuperBlock);
    case TensorType::q5_k: return dequantize_q5_k(blocks_of<BlockQ5_K>(row), out, count / kSuperBlock);
    case TensorType::q6_k: return dequantize_q6_k(blocks_of<BlockQ6_K>(row), out, count / kSuperBlock);
    case TensorType::int4_channel: return dequantize_row_int4_channel(row, out, count);
    case TensorType::tq1_0: return dequantize_row_tq1_0(blocks_of<BlockTQ1_0>(row), out, count);
    case TensorType::tq2_0: return dequantize_row_tq2_0(blocks_of<BlockTQ2_0>(row), out, count);
    case TensorType::i2_s_rows: return dequantize_row_i2s_rows(row, out, count);
    default: assert(false && "dequantize_row: unsupported type"); return;
  }
}

}  // namespace docent::engine
