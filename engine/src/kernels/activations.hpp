#pragma once
// Activations quantized on the fly for the integer kernels, exactly as the reference rounds
// them inside quantized products (see matmul.hpp): Q8_0-style blocks of 32 (F16-rounded scale)
// for Q4_0/Q8_0 weights, Q8_K-style blocks of 256 (float scale, sums per 16) for K-quants.
// Each block also carries the integer sums the kernels need to undo the weights' unsigned
// offsets, so they are computed once per activation instead of once per weight row.
// For F16 weights the reference rounds activations to F16 values; the kernel multiplies in F32,
// so those rows are stored as floats (already rounded) that it can broadcast directly.

#include <cstdint>
#include <memory>
#include <vector>

#include "kernels/activation_blocks.hpp"
#include "kernels/kernel_interface.hpp"
#include "quant/type_traits.hpp"

namespace docent::engine::kernels {

// blocks256_row_scaled: blocks of 256 as blocks256, but one scale for the whole row
// (max |x| / 127), the same in every block: BitNet's per-token int8 activations.
enum class ActivationFormat { blocks32, blocks256, blocks256_row_scaled, half_rounded_floats };
// True when quantize() uses the AVX-512 loops for blocks (same results, bit for bit, as the
// portable ones, which run when the CPU lacks AVX-512 or DOCENT_KERNELS forces a narrower path).
bool use_wide_quantizer();
// The portable block quantizers: the reference the AVX-512 ones (activations_avx512.hpp) match.
void quantize_blocks32_portable(const float* x, ActivationBlock32* out, std::int64_t blocks);
void quantize_blocks256_portable(const float* x, ActivationBlock256* out, std::int64_t blocks);
void quantize_blocks256_row_scaled(const float* x, ActivationBlock256* out, std::int64_t blocks);
ActivationFormat activation_format(TensorType weight_type);

// round_to_half (quant/half.hpp) for a whole row, branch-free so that it vectorizes (with SSE2
// only: the kernel sets' F16C rounding is faster where available).
void round_row_to_half(const float* input, float* output, std::int64_t count);

// Quantizes `tokens` rows of `columns` floats (row-major). `columns` must be a whole number
// of blocks of the format (any width for half_rounded_floats).
class QuantizedActivations {
 public:
  // `rounder` makes the half_rounded_floats rows.
  void quantize(ActivationFormat format, const float* input, std::int64_t tokens, std::int64_t columns,
                HalfRounder rounder = round_row_to_half);
  ActivationFormat format() const { return format_; }
  std::int64_t tokens() const { return tokens_; }
  std::int64_t blocks_per_row() const { return blocks_per_row_; }
  std::size_t row_bytes() const { return row_bytes_; }
  const std::uint8_t* row(std::int64_t token) const { return storage_.get() + static_cast<std::size_t>(token) * row_bytes_; }

 private:
  ActivationFormat format_ = ActivationFormat::blocks32;
  std::int64_t tokens_ = 0, blocks_per_row_ = 0;
  std::size_t row_bytes_ = 0;
  // Grown, never zeroed: every byte a kernel reads is written by quantize() first (a vector's
  // resize would clear megabytes each time a wider matrix follows a narrower one).
  std::unique_ptr<std::uint8_t[]> storage_;
  std::size_t capacity_ = 0;
};

}  // namespace docent::engine::kernels
