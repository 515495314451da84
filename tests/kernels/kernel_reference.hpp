#pragma once
// Shared by the kernel tests: the double-precision reference a packed kernel is checked
// against, and the instruction sets this CPU can run.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "bitnet/bit_linear.hpp"
#include "kernels/kernels.hpp"
#include "kernels/packed_matrix.hpp"
#include "matmul.hpp"
#include "quant/dequantize.hpp"

namespace docent::engine::kernels::kernel_tests {

// Runs `weight` through the packed kernel of `set` and compares every output with the dequantized
// row dotted in double precision with the reference-rounded activations (the weight type's
// blocks, or one int8 scale per token as BitNet's BitLinear has it). Returns the worst error
// relative to the sum of |w * x| of that output (the natural scale of float rounding).
inline double worst_kernel_error(const TensorView& weight, const std::vector<float>& input, std::int64_t tokens,
                                 const KernelSet& set, Int8Scale scale = Int8Scale::per_block) {
  const std::int64_t rows = weight.row_count(), columns = weight.row_length();
  PackedMatrix packed(weight);
  std::vector<float> output(static_cast<std::size_t>(tokens * rows), NAN);
  packed_linear(packed, input.data(), tokens, output.data(), set, scale);
  std::vector<float> weight_row(static_cast<std::size_t>(columns)), rounded(input);
  if (scale == Int8Scale::per_row)
    round_trip_int8_rows(rounded.data(), tokens, columns);
  else
    for (std::int64_t t = 0; t < tokens; ++t) round_activations(weight.type, rounded.data() + t * columns, columns);
  double worst = 0;
  for (std::int64_t r = 0; r < rows; ++r) {
    dequantize_row(weight.type, weight.row(r), weight_row.data(), columns);
    for (std::int64_t t = 0; t < tokens; ++t) {
      double exact = 0, magnitude = 0;
      for (std::int64_t k = 0; k < columns; ++k) {
        const double product = static_cast<double>(weight_row[static_cast<std::size_t>(k)]) *
                               rounded[static_cast<std::size_t>(t * columns + k)];
        exact += product;
        magnitude += std::fabs(product);
      }
      const double got = output[static_cast<std::size_t>(t * rows + r)];
      EXPECT_TRUE(std::isfinite(got)) << "row " << r << " token " << t;
      if (magnitude > 0) worst = std::max(worst, std::fabs(got - exact) / magnitude);
      else EXPECT_EQ(got, 0.0) << "row " << r << " token " << t;
    }
  }
  return worst;
}

inline std::vector<const KernelSet*> available_sets() {
  std::vector<const KernelSet*> sets;
  for (auto isa : {InstructionSet::avx512_vnni, InstructionSet::avx2})
    if (const KernelSet* set = kernel_set(isa)) sets.push_back(set);
  return sets;
}

}  // namespace docent::engine::kernels::kernel_tests
