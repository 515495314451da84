#include "quant/ternary.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstring>

#include "quant/half.hpp"

namespace docent::engine {

namespace {

float largest_magnitude(const float* in, std::int64_t count) {
  float largest = 0;
  for (std::int64_t i = 0; i < count; ++i) largest = std::max(largest, std::fabs(in[i]));
  return largest;
}

// t + 1 for x at scale 1 / inverse (rounded half away from zero, as the ggml writers do).
int code(float x, float inverse) {
  return std::clamp(static_cast<int>(std::lround(x * inverse)), -1, 1) + 1;
}

// Digits (most significant first) as the byte ceil(n * 256 / 243).
std::uint8_t pack_digits(const int* digits, int count) {
  int n = 0;
  for (int k = 0; k < 5; ++k) n = n * 3 + (k < count ? digits[k] : 0);
  return static_cast<std::uint8_t>((n * 256 + 242) / 243);
}

// Element index -> (byte, digit) of a TQ1_0 block.
struct Tq1Position {
  int byte;   // 0..47 in qs, 48..51 in qh
  int digit;
};
Tq1Position tq1_position(int index) {
  if (index < 160) return {index % 32, index / 32};
  if (index < 240) return {32 + (index - 160) % 16, (index - 160) / 16};
  return {48 + (index - 240) % 4, (index - 240) / 4};
}

int tq1_code(const BlockTQ1_0& block, int index) {
  const Tq1Position at = tq1_position(index);
  const std::uint8_t byte = at.byte < 48 ? block.qs[at.byte] : block.qh[at.byte - 48];
  return ternary_digit(byte, at.digit);
}

int tq2_code(const BlockTQ2_0& block, int index) {
  return (block.qs[32 * (index / 128) + index % 32] >> (2 * ((index % 128) / 32))) & 3;
}

int i2s_code(const BlockI2S& block, int index) { return (block.qs[index % 32] >> (6 - 2 * (index / 32))) & 3; }

}  // namespace

void quantize_row_tq1_0(const float* in, BlockTQ1_0* out, std::int64_t count) {
  assert(count % kSuperBlock == 0);
  for (std::int64_t b = 0; b < count / kSuperBlock; ++b, in += kSuperBlock) {
    const float d = largest_magnitude(in, kSuperBlock), inverse = d > 0 ? 1.0f / d : 0.0f;
    BlockTQ1_0& block = out[b];
    block.d = float_to_half(d);
    int digits[52][5] = {};
    for (int i = 0; i < kSuperBlock; ++i) {
      const Tq1Position at = tq1_position(i);
      digits[at.byte][at.digit] = code(in[i], inverse);
    }
    for (int j = 0; j < 48; ++j) block.qs[j] = pack_digits(digits[j], 5);
    for (int j = 0; j < 4; ++j) block.qh[j] = pack_digits(digits[48 + j], 4);
  }
}

void quantize_row_tq2_0(const float* in, BlockTQ2_0* out, std::int64_t count) {
  assert(count % kSuperBlock == 0);
  for (std::int64_t b = 0; b < count / kSuperBlock; ++b, in += kSuperBlock) {
    const float d = largest_magnitude(in, kSuperBlock), inverse = d > 0 ? 1.0f / d : 0.0f;
    BlockTQ2_0& block = out[b];
    block.d = float_to_half(d);
    std::memset(block.qs, 0, sizeof(block.qs));
    for (int i = 0; i < kSuperBlock; ++i)
      block.qs[32 * (i / 128) + i % 32] |= static_cast<std::uint8_t>(code(in[i], inverse) << (2 * ((i % 128) / 32)));
  }
}

void dequantize_row_tq1_0(const BlockTQ1_0* blocks, float* out, std::int64_t count) {
  for (std::int64_t b = 0; b < count / kSuperBlock; ++b, out += kSuperBlock) {
    const float d = half_to_float(blocks[b].d);
    for (int i = 0; i < kSuperBlock; ++i) out[i] = d * static_cast<float>(tq1_code(blocks[b], i) - 1);
  }
}

void dequantize_row_tq2_0(const BlockTQ2_0* blocks, float* out, std::int64_t count) {
  for (std::int64_t b = 0; b < count / kSuperBlock; ++b, out += kSuperBlock) {
    const float d = half_to_float(blocks[b].d);
    for (int i = 0; i < kSuperBlock; ++i) out[i] = d * static_cast<float>(tq2_code(blocks[b], i) - 1);
  }
}

std::vector<std::uint8_t> quantize_i2s_tensor(const float* in, std::int64_t elements) {
  assert(elements % kI2sBlock == 0);
  std::vector<std::uint8_t> out(static_cast<std::size_t>(i2s_tensor_bytes(elements)), 0);
  const float scale = largest_magnitude(in, elements), inverse = scale > 0 ? 1.0f / scale : 0.0f;
  for (std::int64_t i = 0; i < elements; ++i) {
    const std::int64_t block = i / kI2sBlock, within = i % kI2sBlock;
    out[static_cast<std::size_t>(block * 32 + within % 32)] |=
        static_cast<std::uint8_t>(code(in[i], inverse) << (6 - 2 * (within / 32)));
  }
  std::memcpy(out.data() + elements / 4, &scale, sizeof(scale));
  return out;
}

float i2s_scale(const std::uint8_t* tensor, std::int64_t elements) {
  float scale;
  std::memcpy(&scale, tensor + elements / 4, sizeof(scale));
  return scale;
}

std::vector<std::uint8_t> i2s_to_rows(const std::uint8_t* tensor, std::int64_t row_length, std::int64_t rows) {
  const float scale = i2s_scale(tensor, row_length * rows);
  const std::size_t packed = static_cast<std::size_t>(row_length / 4), stride = packed + kI2sRowHeaderBytes;
  std::vector<std::uint8_t> out(stride * static_cast<std::size_t>(rows));
  for (std::int64_t r = 0; r < rows; ++r) {
    std::uint8_t* row = out.data() + static_cast<std::size_t>(r) * stride;
    std::memcpy(row, &scale, sizeof(scale));
    std::memcpy(row + kI2sRowHeaderBytes, tensor + static_cast<std::size_t>(r) * packed, packed);
  }
  return out;
}

void dequantize_row_i2s_rows(const void* row, float* out, std::int64_t count) {
  const auto* bytes = static_cast<const std::uint8_t*>(row);
  float scale;
  std::memcpy(&scale, bytes, sizeof(scale));
  const auto* blocks = reinterpret_cast<const BlockI2S*>(bytes + kI2sRowHeaderBytes);
  for (std::int64_t i = 0; i < count; ++i)
    out[i] = scale * static_cast<float>(i2s_code(blocks[i / kI2sBlock], static_cast<int>(i % kI2sBlock)) - 1);
}

void quantize_row_i2s_rows(const float* in, void* row, std::int64_t count) {
  const auto tensor = quantize_i2s_tensor(in, count);
  auto* bytes = static_cast<std::uint8_t*>(row);
  const float scale = i2s_scale(tensor.data(), count);
  std::memcpy(bytes, &scale, sizeof(scale));
  std::memcpy(bytes + kI2sRowHeaderBytes, tensor.data(), static_cast<std::size_t>(count / 4));
}

void decode_ternary_block(TensorType type, const void* row, std::int64_t block, std::uint8_t* codes, float* scale) {
  switch (type) {
    case TensorType::tq1_0: {
      const BlockTQ1_0& source = static_cast<const BlockTQ1_0*>(row)[block];
      for (int m = 0; m < 32; ++m)
        for (int k = 0; k < 5; ++k) codes[32 * k + m] = static_cast<std::uint8_t>(ternary_digit(source.qs[m], k));
      for (int m = 0; m < 16; ++m)
        for (int k = 0; k < 5; ++k) codes[160 + 16 * k + m] = static_cast<std::uint8_t>(ternary_digit(source.qs[32 + m], k));
      for (int j = 0; j < 4; ++j)
        for (int k = 0; k < 4; ++k) codes[240 + 4 * k + j] = static_cast<std::uint8_t>(ternary_digit(source.qh[j], k));
      *scale = half_to_float(source.d);
      return;
    }
    case TensorType::tq2_0: {
      const BlockTQ2_0& source = static_cast<const BlockTQ2_0*>(row)[block];
      for (int g = 0; g < 2; ++g)
        for (int k = 0; k < 4; ++k)
          for (int m = 0; m < 32; ++m) codes[128 * g + 32 * k + m] = (source.qs[32 * g + m] >> (2 * k)) & 3;
      *scale = half_to_float(source.d);
      return;
    }
    case TensorType::i2_s_rows: {
      std::memcpy(scale, row, sizeof(float));
      const auto* blocks = reinterpret_cast<const BlockI2S*>(static_cast<const std::uint8_t*>(row) + kI2sRowHeaderBytes);
      for (int half = 0; half < 2; ++half) {
        const BlockI2S& source = blocks[2 * block + half];
        for (int k = 0; k < 4; ++k)
          for (int m = 0; m < 32; ++m) codes[128 * half + 32 * k + m] = (source.qs[m] >> (6 - 2 * k)) & 3;
      }
      return;
    }
    default: assert(false && "not a ternary type");
  }
}

bool is_ternary(TensorType type) {
  return type == TensorType::tq1_0 || type == TensorType::tq2_0 || type == TensorType::i2_s_rows;
}

int ternary_code(TensorType type, const void* row, std::int64_t index) {
  switch (type) {
    case TensorType::tq1_0: return tq1_code(static_cast<const BlockTQ1_0*>(row)[index / kSuperBlock], static_cast<int>(index % kSuperBlock));
    case TensorType::tq2_0: return tq2_code(static_cast<const BlockTQ2_0*>(row)[index / kSuperBlock], static_cast<int>(index % kSuperBlock));
    case TensorType::i2_s_rows: {
      const auto* blocks = reinterpret_cast<const BlockI2S*>(static_cast<const std::uint8_t*>(row) + kI2sRowHeaderBytes);
      return i2s_code(blocks[index / kI2sBlock], static_cast<int>(index % kI2sBlock));
    }
    default: assert(false && "not a ternary type"); return 1;
  }
}

float ternary_scale(TensorType type, const void* row, std::int64_t index) {
  switch (type) {
    case TensorType::tq1_0: return half_to_float(static_cast<const BlockTQ1_0*>(row)[index / kSuperBlock].d);
    case TensorType::tq2_0: return half_to_float(static_cast<const BlockTQ2_0*>(row)[index / kSuperBlock].d);
    case TensorType::i2_s_rows: {
      float scale;
      std::memcpy(&scale, row, sizeof(scale));
      return scale;
    }
    default: assert(false && "not a ternary type"); return 0;
  }
}

}  // namespace docent::engine
