// The ternary kernels (TQ1_0, TQ2_0, I2_S_ROWS) of every instruction set against the scalar
// reference: the dequantized rows dotted in double precision with the int8 activations, scaled
// per 256 values (llama.cpp's Q8_K) or per token (BitNet's BitLinear).
#include <gtest/gtest.h>

#include "kernel_reference.hpp"

#include <cmath>
#include <random>
#include <vector>

#include "kernels/kernels.hpp"
#include "kernels/packed_matrix.hpp"
#include "quant/dequantize.hpp"
#include "quant/quantize.hpp"
#include "quant/ternary.hpp"

using namespace docent::engine;
using namespace docent::engine::kernels;

namespace {

struct Matrix {
  std::vector<std::uint8_t> bytes;
  TensorView view;
};

// Ternary rows whose 256-blocks have scales of different sizes (or a row scale for I2_S_ROWS),
// some blocks all zero.
Matrix random_ternary(TensorType type, std::int64_t rows, std::int64_t columns, std::mt19937& random) {
  const std::int64_t row_size = *row_bytes(type, columns);
  Matrix m;
  m.bytes.resize(static_cast<std::size_t>(row_size * rows));
  std::vector<float> values(static_cast<std::size_t>(columns));
  std::uniform_real_distribution<float> scale(0.01f, 1.0f);
  for (std::int64_t r = 0; r < rows; ++r) {
    float s = scale(random);
    for (std::int64_t c = 0; c < columns; ++c) {
      if (c % 256 == 0 && type != TensorType::i2_s_rows) s = random() % 7 == 0 ? 0.0f : scale(random);
      values[static_cast<std::size_t>(c)] = s * static_cast<float>(static_cast<int>(random() % 3) - 1);
    }
    EXPECT_TRUE(quantize_row(type, values.data(), m.bytes.data() + r * row_size, columns));
  }
  m.view = make_view(m.bytes.data(), type, {columns, rows, 1, 1}, 2);
  return m;
}

std::vector<float> random_input(std::int64_t count, std::mt19937& random) {
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> input(static_cast<std::size_t>(count));
  for (auto& x : input) x = normal(random);
  return input;
}

const TensorType kTernaryTypes[] = {TensorType::tq1_0, TensorType::tq2_0, TensorType::i2_s_rows};

}  // namespace

TEST(TernaryKernels, MatchScalarReferenceOnRandomRowsAndShapes) {
  const auto sets = kernel_tests::available_sets();
  if (sets.empty()) GTEST_SKIP() << "this CPU has neither AVX2 nor AVX-512 VNNI: only the portable path runs";
  std::mt19937 random(41);
  for (const KernelSet* set : sets)
    for (TensorType type : kTernaryTypes)
      for (auto [rows, columns] : {std::pair<std::int64_t, std::int64_t>{16, 256}, {37, 512}, {5, 1024}, {70, 768}})
        for (std::int64_t tokens : {1, 2, 3, 7, 8, 13}) {
          const Matrix m = random_ternary(type, rows, columns, random);
          const auto input = random_input(tokens * columns, random);
          SCOPED_TRACE(std::string(set->name) + " " + std::string(type_name(static_cast<std::uint32_t>(type))) + " " +
                       std::to_string(rows) + "x" + std::to_string(columns) + " tokens " + std::to_string(tokens));
          EXPECT_LT(kernel_tests::worst_kernel_error(m.view, input, tokens, *set), 1e-5);
          EXPECT_LT(kernel_tests::worst_kernel_error(m.view, input, tokens, *set, Int8Scale::per_row), 1e-5);
        }
}

TEST(TernaryKernels, EveryFormatPacksToTheSameKernelInput) {
  // The same ternary values in three formats give identical outputs (one packed layout).
  const auto sets = kernel_tests::available_sets();
  if (sets.empty()) GTEST_SKIP() << "no SIMD kernels on this CPU";
  const std::int64_t rows = 20, columns = 512, tokens = 3;
  std::mt19937 random(3);
  std::vector<float> values(static_cast<std::size_t>(rows * columns));
  for (auto& v : values) v = 0.25f * static_cast<float>(static_cast<int>(random() % 3) - 1);
  const auto input = random_input(tokens * columns, random);
  for (const KernelSet* set : sets) {
    std::vector<float> first;
    for (TensorType type : kTernaryTypes) {
      std::vector<std::uint8_t> bytes(static_cast<std::size_t>(*row_bytes(type, columns) * rows));
      for (std::int64_t r = 0; r < rows; ++r)
        quantize_row(type, values.data() + r * columns, bytes.data() + r * *row_bytes(type, columns), columns);
      PackedMatrix packed(make_view(bytes.data(), type, {columns, rows, 1, 1}, 2));
      std::vector<float> output(static_cast<std::size_t>(rows * tokens));
      packed_linear(packed, input.data(), tokens, output.data(), *set, Int8Scale::per_row);
      if (first.empty()) first = output;
      EXPECT_EQ(output, first) << set->name << " " << type_name(static_cast<std::uint32_t>(type));
    }
  }
}

TEST(TernaryKernels, ZeroActivationsGiveZero) {
  const auto sets = kernel_tests::available_sets();
  if (sets.empty()) GTEST_SKIP() << "no SIMD kernels on this CPU";
  std::mt19937 random(8);
  const Matrix m = random_ternary(TensorType::tq2_0, 16, 256, random);
  const std::vector<float> zeros(256 * 2, 0.0f);
  PackedMatrix packed(m.view);
  for (const KernelSet* set : sets)
    for (Int8Scale scale : {Int8Scale::per_block, Int8Scale::per_row}) {
      std::vector<float> output(32, NAN);
      packed_linear(packed, zeros.data(), 2, output.data(), *set, scale);
      for (float value : output) EXPECT_EQ(value, 0.0f) << set->name;
    }
}
