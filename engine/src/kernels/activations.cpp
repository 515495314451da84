#include "kernels/activations.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdlib>

#include "attention/attention.hpp"
#include "kernels/activations_avx512.hpp"
#include "parallel/thread_pool.hpp"
#include "quant/half.hpp"

namespace docent::engine::kernels {

namespace {

// Round half to even for |value| < 2^22 without a library call, so the loops vectorize: adding
// and removing 1.5 * 2^23 leaves the rounded value (default rounding mode, as nearbyint uses).
inline float round_half_even(float value) {
  constexpr float kShift = 12582912.0f;
  return (value + kShift) - kShift;
}

// Matches round_trip_q8_0: scale F16(max/127), values round-half-even(x * 127/max).
void quantize_block32(const float* x, ActivationBlock32& out) {
  float magnitude = 0;
  for (int j = 0; j < 32; ++j) magnitude = std::max(magnitude, std::fabs(x[j]));
  out.d = half_to_float(float_to_half(magnitude / 127.0f));
  const float inverse = magnitude != 0 ? 127.0f / magnitude : 0.0f;
  std::int32_t sum = 0;
  for (int j = 0; j < 32; ++j) {
    out.q[j] = static_cast<std::int8_t>(round_half_even(x[j] * inverse));
    sum += out.q[j];
  }
  out.sum = sum;
}

// Matches quantize_row_q8_k: the signed extreme maps to -127, rounding half to even.
void quantize_block256(const float* x, ActivationBlock256& out) {
  float extreme = 0, magnitude = 0;
  for (int j = 0; j < 256; ++j) {
    float a = std::fabs(x[j]);
    if (a > magnitude) {
      magnitude = a;
      extreme = x[j];
    }
  }
  if (extreme == 0) {
    out.d = 0;
    std::fill(std::begin(out.sums16), std::end(out.sums16), 0);
    std::fill(std::begin(out.q), std::end(out.q), std::int8_t{0});
    return;
  }
  const float inverse_scale = -127.0f / extreme;
  for (int j = 0; j < 256; ++j)
    out.q[j] = static_cast<std::int8_t>(std::min(127.0f, round_half_even(inverse_scale * x[j])));
  for (int group = 0; group < 16; ++group) {
    std::int32_t sum = 0;
    for (int j = 0; j < 16; ++j) sum += out.q[16 * group + j];
    out.sums16[group] = sum;
  }
  out.d = 1.0f / inverse_scale;
}

// The same value as round_to_half, by integer selects instead of branches. Normal halves keep
// 10 of the float's 23 mantissa bits (round half to even by adding 0xfff plus the lowest kept
// bit; a carry correctly bumps the exponent); below 2^-14 halves are multiples of 2^-24, and
// adding then removing 0.75 (whose float spacing is 2^-24, with an even multiple) rounds to
// them half to even; from 65520 up the result is infinity; NaN becomes the quiet NaN
// round_to_half gives.
inline float round_one_to_half(float value) {
  // Signed 32-bit compares (the magnitude is below 2^31): SSE2 has no unsigned ones, and the
  // loop below only vectorizes with them.
  const std::int32_t bits = std::bit_cast<std::int32_t>(value);
  const std::int32_t sign = bits & std::int32_t{-0x7fffffff - 1}, magnitude = bits & 0x7fffffff;
  // In unsigned arithmetic: NaN magnitudes near 2^31 would overflow a signed add (UB).
  const auto unsigned_magnitude = static_cast<std::uint32_t>(magnitude);
  const auto normal = static_cast<std::int32_t>((unsigned_magnitude + 0xfffu + ((unsigned_magnitude >> 13) & 1u)) & ~0x1fffu);
  const std::int32_t subnormal = std::bit_cast<std::int32_t>((std::bit_cast<float>(magnitude) + 0.75f) - 0.75f);
  // Selects as masks: written as conditionals, GCC keeps a branch around the float addition.
  auto select = [](bool condition, std::int32_t if_true, std::int32_t if_false) {
    const std::int32_t mask = -static_cast<std::int32_t>(condition);
    return (if_true & mask) | (if_false & ~mask);
  };
  std::int32_t result = select(magnitude < 0x38800000, subnormal, normal);
  result = select(magnitude >= 0x477ff000, 0x7f800000, result);
  result = select(magnitude > 0x7f800000, 0x7fc00000, result);
  return std::bit_cast<float>(sign | result);
}

}  // namespace

void round_row_to_half(const float* input, float* output, std::int64_t count) {
  for (std::int64_t i = 0; i < count; ++i) output[i] = round_one_to_half(input[i]);
}

void quantize_blocks32_portable(const float* x, ActivationBlock32* out, std::int64_t blocks) {
  for (std::int64_t b = 0; b < blocks; ++b) quantize_block32(x + 32 * b, out[b]);
}

void quantize_blocks256_portable(const float* x, ActivationBlock256* out, std::int64_t blocks) {
  for (std::int64_t b = 0; b < blocks; ++b) quantize_block256(x + 256 * b, out[b]);
}

void quantize_blocks256_row_scaled(const float* x, ActivationBlock256* out, std::int64_t blocks) {
  // The same arithmetic as bitnet/bit_linear.cpp's quantize_rows_int8 (the scalar reference).
  float largest = 0;
  for (std::int64_t i = 0; i < 256 * blocks; ++i) largest = std::max(largest, std::fabs(x[i]));
  const float inverse = largest > 0 ? 127.0f / largest : 0.0f, d = largest / 127.0f;
  for (std::int64_t b = 0; b < blocks; ++b) {
    ActivationBlock256& block = out[b];
    block.d = d;
    for (int g = 0; g < 16; ++g) {
      std::int32_t sum = 0;
      for (int j = 0; j < 16; ++j) {
        const auto q = static_cast<std::int8_t>(std::clamp(std::nearbyint(x[256 * b + 16 * g + j] * inverse), -128.0f, 127.0f));
        block.q[16 * g + j] = q;
        sum += q;
      }
      block.sums16[g] = sum;
    }
  }
}

bool use_wide_quantizer() {
#if defined(__x86_64__) && defined(__GNUC__)
  static const bool wide = attention::avx512_available() && std::getenv("DOCENT_KERNELS") == nullptr;
  return wide;
#else
  return false;
#endif
}

ActivationFormat activation_format(TensorType weight_type) {
  switch (weight_type) {
    case TensorType::q4_k: case TensorType::q5_k: case TensorType::q6_k: return ActivationFormat::blocks256;
    case TensorType::f16: return ActivationFormat::half_rounded_floats;
    // llama.cpp's rounding for its ternary products (Q8_K); bit_linear asks for row_scaled.
    case TensorType::tq1_0: case TensorType::tq2_0: case TensorType::i2_s_rows: return ActivationFormat::blocks256;
    default: return ActivationFormat::blocks32;
  }
}

void QuantizedActivations::quantize(ActivationFormat format, const float* input, std::int64_t tokens,
                                    std::int64_t columns, HalfRounder rounder) {
  format_ = format;
  tokens_ = tokens;
  switch (format) {
    case ActivationFormat::blocks32:
      blocks_per_row_ = columns / 32;
      row_bytes_ = static_cast<std::size_t>(blocks_per_row_) * sizeof(ActivationBlock32);
      break;
    case ActivationFormat::blocks256:
    case ActivationFormat::blocks256_row_scaled:
      blocks_per_row_ = columns / 256;
      row_bytes_ = static_cast<std::size_t>(blocks_per_row_) * sizeof(ActivationBlock256);
      break;
    case ActivationFormat::half_rounded_floats:
      blocks_per_row_ = columns / 32;
      row_bytes_ = static_cast<std::size_t>(columns) * sizeof(float);
      break;
  }
  // Floats: the kernels' loads of a row must be float-aligned (the vector's storage is).
  const std::size_t needed = row_bytes_ * static_cast<std::size_t>(tokens);
  if (needed > capacity_) {
    storage_.reset(new std::uint8_t[needed]);  // operator new[] aligns for float rows
    capacity_ = needed;
  }
  const bool wide = use_wide_quantizer();
  // A prompt's rows are independent: quantize them in parallel (one row inline for decode).
  ThreadPool::shared().parallel_for(tokens, 4, [&](std::int64_t first, std::int64_t end) {
  for (std::int64_t t = first; t < end; ++t) {
    const float* x = input + t * columns;
    std::uint8_t* row_start = storage_.get() + static_cast<std::size_t>(t) * row_bytes_;
    if (format == ActivationFormat::half_rounded_floats) {
      rounder(x, reinterpret_cast<float*>(row_start), columns);
    } else if (format == ActivationFormat::blocks32) {
      auto* blocks = reinterpret_cast<ActivationBlock32*>(row_start);
      if (wide) quantize_blocks32_avx512(x, blocks, blocks_per_row_);
      else quantize_blocks32_portable(x, blocks, blocks_per_row_);
    } else if (format == ActivationFormat::blocks256_row_scaled) {
      quantize_blocks256_row_scaled(x, reinterpret_cast<ActivationBlock256*>(row_start), blocks_per_row_);
    } else {
      auto* blocks = reinterpret_cast<ActivationBlock256*>(row_start);
      if (wide) quantize_blocks256_avx512(x, blocks, blocks_per_row_);
      else quantize_blocks256_portable(x, blocks, blocks_per_row_);
    }
  }
  });
}

}  // namespace docent::engine::kernels
