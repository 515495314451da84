// Every SIMD kernel against the scalar reference: dequantize_row (the reference dequantizers)
// dotted in double precision with the activations rounded exactly as round_activations does.
#include <gtest/gtest.h>

#include "kernel_reference.hpp"

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "kernels/activations.hpp"
#include "kernels/kernels.hpp"
#include "matmul.hpp"
#include "quant/blocks.hpp"
#include "quant/dequantize.hpp"
#include "quant/half.hpp"
#include "quant/int4_channel.hpp"
#include "quant/quantize.hpp"

using namespace docent::engine;
using namespace docent::engine::kernels;

namespace {

struct Matrix {
  std::vector<std::uint8_t> bytes;
  TensorView view;
};

std::int64_t block_columns(TensorType type) { return type_traits(type)->block_elements; }

// Raw random blocks: every quant bit pattern is possible; scales are finite and small.
Matrix random_blocks(TensorType type, std::int64_t rows, std::int64_t columns, std::mt19937& random) {
  const auto traits = *type_traits(type);
  const std::int64_t row_size = columns / traits.block_elements * traits.block_bytes + traits.row_header_bytes;
  Matrix m;
  m.bytes.resize(static_cast<std::size_t>(row_size * rows));
  std::uniform_int_distribution<int> byte(0, 255);
  for (auto& b : m.bytes) b = static_cast<std::uint8_t>(byte(random));
  std::uniform_real_distribution<float> scale(0.001f, 0.05f);
  if (type == TensorType::int4_channel)
    for (std::int64_t r = 0; r < rows; ++r) {
      float row_scale = scale(random);
      std::memcpy(m.bytes.data() + r * row_size, &row_scale, 4);
    }
  const std::int64_t blocks = type == TensorType::int4_channel ? 0 : rows * (columns / traits.block_elements);
  for (std::int64_t i = 0; i < blocks; ++i) {
    std::uint8_t* block = m.bytes.data() + i * traits.block_bytes;
    auto set_half = [&](std::size_t offset) {
      std::uint16_t h = float_to_half(scale(random));
      std::memcpy(block + offset, &h, 2);
    };
    switch (type) {
      case TensorType::q4_0: case TensorType::q8_0: set_half(0); break;
      case TensorType::q4_k: set_half(0); set_half(2); break;
      case TensorType::q6_k: set_half(offsetof(BlockQ6_K, d)); break;
      default: break;
    }
  }
  m.view = make_view(m.bytes.data(), type, {columns, rows, 1, 1}, 2, "random");
  return m;
}

// Realistic weights through our quantizers.
Matrix quantized_gaussian(TensorType type, std::int64_t rows, std::int64_t columns, std::mt19937& random) {
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> values(static_cast<std::size_t>(columns));
  const auto traits = *type_traits(type);
  const std::int64_t row_size = columns / traits.block_elements * traits.block_bytes + traits.row_header_bytes;
  Matrix m;
  m.bytes.resize(static_cast<std::size_t>(row_size * rows));
  for (std::int64_t r = 0; r < rows; ++r) {
    for (auto& v : values) v = normal(random);
    void* out = m.bytes.data() + r * row_size;
    EXPECT_TRUE(quantize_row(type, values.data(), out, columns));
  }
  m.view = make_view(m.bytes.data(), type, {columns, rows, 1, 1}, 2, "gaussian");
  return m;
}

std::vector<float> random_activations(std::int64_t tokens, std::int64_t columns, std::mt19937& random, float spread) {
  std::normal_distribution<float> normal(0.0f, spread);
  std::vector<float> x(static_cast<std::size_t>(tokens * columns));
  for (auto& v : x) v = normal(random);
  return x;
}

double check(const Matrix& m, const std::vector<float>& input, std::int64_t tokens, const KernelSet& set) {
  return kernel_tests::worst_kernel_error(m.view, input, tokens, set);
}

using kernel_tests::available_sets;

const TensorType kTypes[] = {TensorType::q4_0, TensorType::q8_0, TensorType::q4_k, TensorType::q6_k, TensorType::int4_channel};

}  // namespace

TEST(QuantKernels, ActivationQuantizationMatchesReferenceRounding) {
  std::mt19937 random(7);
  for (TensorType type : {TensorType::q8_0, TensorType::q6_k}) {
    const std::int64_t columns = 512;
    auto x = random_activations(3, columns, random, 2.0f);
    x[5] = 0;
    std::fill(x.begin() + columns, x.begin() + columns + 256, 0.0f);  // an all-zero block
    QuantizedActivations activations;
    activations.quantize(activation_format(type), x.data(), 3, columns);
    auto rounded = x;
    for (int t = 0; t < 3; ++t) round_activations(type, rounded.data() + t * columns, columns);
    for (int t = 0; t < 3; ++t)
      for (std::int64_t k = 0; k < columns; ++k) {
        float value;
        if (activation_format(type) == ActivationFormat::blocks32) {
          const auto& block = reinterpret_cast<const ActivationBlock32*>(activations.row(t))[k / 32];
          value = block.d * static_cast<float>(block.q[k % 32]);
        } else {
          const auto& block = reinterpret_cast<const ActivationBlock256*>(activations.row(t))[k / 256];
          value = block.d * static_cast<float>(block.q[k % 256]);
        }
        ASSERT_EQ(value, rounded[static_cast<std::size_t>(t * columns + k)]) << type_name(static_cast<std::uint32_t>(type)) << " " << k;
      }
  }
}

TEST(QuantKernels, MatchScalarReferenceOnRandomBlocksAndShapes) {
  auto sets = available_sets();
  if (sets.empty()) GTEST_SKIP() << "this CPU has neither AVX2 nor AVX-512 VNNI: only the portable path runs";
  std::mt19937 random(42);
  for (const KernelSet* set : sets)
    for (TensorType type : kTypes)
      for (std::int64_t rows : {1, 15, 16, 17, 40})
        for (std::int64_t blocks : {1, 3})
          for (std::int64_t tokens : {1, 2, 3, 4, 5, 11}) {
            const std::int64_t columns = blocks * block_columns(type);
            Matrix m = random_blocks(type, rows, columns, random);
            auto x = random_activations(tokens, columns, random, 1.0f);
            double error = check(m, x, tokens, *set);
            EXPECT_LT(error, 1e-5) << set->name << " " << type_name(static_cast<std::uint32_t>(type)) << " rows " << rows
                                   << " columns " << columns << " tokens " << tokens;
          }
}

TEST(QuantKernels, MatchScalarReferenceOnRealisticModelShapes) {
  auto sets = available_sets();
  if (sets.empty()) GTEST_SKIP() << "no SIMD kernels on this CPU";
  std::mt19937 random(3);
  for (const KernelSet* set : sets)
    for (TensorType type : kTypes) {
      Matrix m = quantized_gaussian(type, 96, 1536, random);
      auto x = random_activations(6, 1536, random, 3.0f);
      x[17] = 250.0f;  // an outlier activation, as real residual streams have
      EXPECT_LT(check(m, x, 6, *set), 1e-5) << set->name << " " << type_name(static_cast<std::uint32_t>(type));
    }
}

TEST(QuantKernels, ZeroActivationsGiveZero) {
  auto sets = available_sets();
  if (sets.empty()) GTEST_SKIP() << "no SIMD kernels on this CPU";
  std::mt19937 random(5);
  for (const KernelSet* set : sets)
    for (TensorType type : kTypes) {
      Matrix m = random_blocks(type, 20, block_columns(type) * 2, random);
      std::vector<float> x(static_cast<std::size_t>(2 * block_columns(type) * 3), 0.0f);
      PackedMatrix packed(m.view);
      std::vector<float> out(static_cast<std::size_t>(3 * 20), NAN);
      packed_linear(packed, x.data(), 3, out.data(), *set);
      for (float v : out) EXPECT_EQ(v, 0.0f) << set->name;
    }
}

TEST(QuantKernels, ActiveSetIsTheBestTheCpuSupports) {
  const char* forced = std::getenv("DOCENT_KERNELS");
  if (forced != nullptr) GTEST_SKIP() << "DOCENT_KERNELS is set";
  if (cpu_supports(InstructionSet::avx512_vnni)) EXPECT_EQ(active_kernel_name(), "avx512-vnni");
  else if (cpu_supports(InstructionSet::avx2)) EXPECT_EQ(active_kernel_name(), "avx2");
  else EXPECT_EQ(active_kernel_name(), "none");
}
