#pragma once
// The contract between the portable driver (kernels.cpp) and the instruction-set-specific
// translation units (kernels_avx512.cpp, kernels_avx2.cpp). Plain structs only: those files
// are compiled with extra -m flags, and anything templated they instantiate could otherwise be
// picked by the linker for code that runs on CPUs without those instructions.

#include <cstddef>
#include <cstdint>

namespace docent::engine::kernels {

// One row group (16 rows) of a packed matrix against `tokens` quantized activation rows.
struct GroupTask {
  const std::uint8_t* group;            // packed row group, header included (see packed_matrix.hpp)
  std::int64_t blocks;                  // packed blocks per row
  const std::uint8_t* activations;      // quantized row of the first token (activations.hpp)
  std::size_t activation_stride;        // bytes between consecutive tokens' rows
  std::int64_t tokens;
  float* output;                        // output of the first token, first row of the group
  std::int64_t output_stride;           // floats between consecutive tokens' outputs
  int rows;                             // valid rows in this group (1..16)
};

using GroupKernel = void (*)(const GroupTask&);
// output[i] = input[i] rounded to the nearest F16 value (as round_to_half in quant/half.hpp).
using HalfRounder = void (*)(const float* input, float* output, std::int64_t count);

struct KernelSet {
  const char* name;
  GroupKernel q4_0, q8_0, q4_k, q6_k, int4_channel;
  GroupKernel f16;  // F32 arithmetic only; activations as ActivationFormat::half_rounded_floats
  GroupKernel ternary;  // TQ1_0, TQ2_0, I2_S_ROWS (one packed layout); activations in blocks of 256
  HalfRounder round_to_half;  // F16C conversions there and back
};

// nullptr when not compiled for this target; callers check the CPU first (kernels.hpp).
const KernelSet* avx512_kernel_set();
const KernelSet* avx2_kernel_set();

}  // namespace docent::engine::kernels
