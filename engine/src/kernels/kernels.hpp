#pragma once
// Quantized matrix products on packed weights (packed_matrix.hpp) with activations quantized
// on the fly (activations.hpp), spread over the engine's thread pool. F16 weights take the same
// route with F32 arithmetic (activations rounded to F16 values, as the reference does). The
// instruction set is chosen once at run time: AVX-512 VNNI, else AVX2, else none (callers then use the portable
// dequantize-and-multiply path in matmul.cpp, which is also the scalar reference the kernels
// are tested against). $DOCENT_KERNELS=avx512|avx2|none overrides the choice (never above what
// the CPU supports), for tests and benchmarks.

#include <cstdint>
#include <string>

#include "kernels/kernel_interface.hpp"
#include "kernels/packed_matrix.hpp"

namespace docent::engine::kernels {

enum class InstructionSet { none, avx2, avx512_vnni };

bool cpu_supports(InstructionSet set);
const KernelSet* kernel_set(InstructionSet set);  // nullptr if unsupported here
const KernelSet* active_kernel_set();             // nullptr: no SIMD kernels in use
std::string active_kernel_name();                 // "avx512-vnni", "avx2" or "none"

// How 8-bit activations are scaled: as the reference rounds them for the weight type (per block),
// or with one scale per token row (BitNet's BitLinear; only for weights with 256-value blocks).
enum class Int8Scale { per_block, per_row };

// output[t * rows + r] = sum_k weight[r][k] * round(input[t][k]) (no bias), rounding as the
// reference does for the weight type. Parallel over row groups.
void packed_linear(const PackedMatrix& weight, const float* input, std::int64_t tokens, float* output,
                   const KernelSet& set, Int8Scale scale = Int8Scale::per_block);

// Several matrices applied to the same input (q/k/v, gate/up) in one parallel region, with the
// activations quantized once. Requires can_share_activations(); at most 8 matrices.
bool can_share_activations(const PackedMatrix* const* weights, int count);
void packed_linear_many(const PackedMatrix* const* weights, float* const* outputs, int count, const float* input,
                        std::int64_t tokens, const KernelSet& set, Int8Scale scale = Int8Scale::per_block);

}  // namespace docent::engine::kernels
