#pragma once
// Scalar quantizers: benchmarks use them to build random-weight models, and the decoder uses
// the activation formats (Q8_0, Q8_K) to reproduce how the reference rounds activations
// inside quantized matrix products.

#include <cstdint>

#include "quant/blocks.hpp"
#include "quant/type_traits.hpp"

namespace docent::engine {

// `count` must be a multiple of the block size (32 or 256).
void quantize_row_q8_0(const float* in, BlockQ8_0* out, std::int64_t count);
void quantize_row_q4_0(const float* in, BlockQ4_0* out, std::int64_t count);
void quantize_row_q8_k(const float* in, BlockQ8_K* out, std::int64_t count);
void quantize_row_q4_k(const float* in, BlockQ4_K* out, std::int64_t count);
void quantize_row_q6_k(const float* in, BlockQ6_K* out, std::int64_t count);

// One row of `count` values in any of the formats above (and INT4_CHANNEL, with its row header)
// into `out`; false for a type without a quantizer here.
bool quantize_row(TensorType type, const float* in, void* out, std::int64_t count);

// Replaces `values` by their Q8_0 / Q8_K round trip (what a quantized dot product sees).
void round_trip_q8_0(float* values, std::int64_t count);
void round_trip_q8_k(float* values, std::int64_t count);

}  // namespace docent::engine
