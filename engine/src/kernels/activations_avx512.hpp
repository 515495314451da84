#pragma once
// AVX-512 versions of the activation quantizers in activations.cpp (same results, bit for bit).
// Only call when attention::avx512_available().

#include <cstdint>

#include "kernels/activation_blocks.hpp"

namespace docent::engine::kernels {

void quantize_blocks32_avx512(const float* x, ActivationBlock32* out, std::int64_t blocks);
void quantize_blocks256_avx512(const float* x, ActivationBlock256* out, std::int64_t blocks);

}  // namespace docent::engine::kernels
