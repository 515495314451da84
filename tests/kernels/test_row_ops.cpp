// Vectorized row operations against their scalar versions and the definitions.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "attention/attention.hpp"
#include "ops/row_ops.hpp"
#include "quant/half.hpp"

using namespace docent::engine;

TEST(RowOps, RmsNormMatchesScalar) {
  std::mt19937 random(1);
  std::normal_distribution<float> normal(0.0f, 3.0f);
  for (std::int64_t width : {1, 15, 64, 80, 1536}) {
    const std::int64_t count = 5;
    std::vector<float> rows(static_cast<std::size_t>(count * width)), weight(static_cast<std::size_t>(width));
    for (auto& x : rows) x = normal(random);
    for (auto& x : weight) x = normal(random);
    std::vector<float> scalar = rows, dispatched = rows;
    ops::rms_norm_scalar(scalar.data(), count, width, weight.data(), 1e-6f);
    ops::rms_norm(dispatched.data(), count, width, weight.data(), 1e-6f);
    for (std::int64_t r = 0; r < count; ++r) {
      double squares = 0;
      for (std::int64_t i = 0; i < width; ++i) squares += static_cast<double>(rows[r * width + i]) * rows[r * width + i];
      const double inverse = 1.0 / std::sqrt(squares / width + 1e-6);
      for (std::int64_t i = 0; i < width; ++i) {
        const double expected = rows[r * width + i] * inverse * weight[i];
        EXPECT_NEAR(scalar[r * width + i], expected, 1e-5 * (1 + std::fabs(expected)));
        EXPECT_NEAR(dispatched[r * width + i], scalar[r * width + i], 1e-6 * (1 + std::fabs(expected)));
      }
    }
  }
}

TEST(RowOps, SiluMultiplyMatchesDefinition) {
  std::vector<float> gate, up;
  for (float x = -120.0f; x <= 120.0f; x += 0.0137f) {
    gate.push_back(x);
    up.push_back(1.0f + 0.001f * x);
  }
  std::vector<float> scalar = gate, dispatched = gate;
  ops::silu_multiply_scalar(scalar.data(), up.data(), static_cast<std::int64_t>(gate.size()));
  ops::silu_multiply(dispatched.data(), up.data(), static_cast<std::int64_t>(gate.size()));
  for (std::size_t i = 0; i < gate.size(); ++i) {
    const double x = gate[i], expected = x / (1.0 + std::exp(-x)) * up[i];
    EXPECT_NEAR(scalar[i], expected, 1e-6 * (1 + std::fabs(expected))) << x;
    EXPECT_NEAR(dispatched[i], expected, 1e-6 * (1 + std::fabs(expected))) << x;
    EXPECT_TRUE(std::isfinite(dispatched[i])) << x;
  }
}

TEST(RowOps, GeluTableEqualsRoundedFormula) {
  std::mt19937 random(4);
  std::uniform_real_distribution<float> uniform(-12.0f, 12.0f);
  std::vector<float> values(20000);
  for (auto& x : values) x = uniform(random);
  values.push_back(-10.0f);
  values.push_back(10.0f);
  values.push_back(0.0f);
  std::vector<float> table = values;
  ops::gelu_half_table(table.data(), static_cast<std::int64_t>(table.size()));
  for (std::size_t i = 0; i < values.size(); ++i) {
    const float x = values[i];
    float expected;
    if (x <= -10.0f)
      expected = 0.0f;
    else if (x >= 10.0f)
      expected = x;
    else {
      const float h = round_to_half(x);
      expected = round_to_half(0.5f * h * (1.0f + std::tanh(0.79788456080286535588f * h * (1.0f + 0.044715f * h * h))));
    }
    EXPECT_EQ(table[i], expected) << x;
  }
}

TEST(RowOps, LayerNormHasZeroMeanUnitVariance) {
  std::mt19937 random(9);
  std::normal_distribution<float> normal(3.0f, 2.0f);
  const std::int64_t width = 384, count = 300;  // enough rows to run in parallel
  std::vector<float> rows(static_cast<std::size_t>(width * count)), ones(static_cast<std::size_t>(width), 1.0f),
      zeros(static_cast<std::size_t>(width), 0.0f);
  for (auto& x : rows) x = normal(random);
  ops::layer_norm(rows.data(), count, width, ones.data(), zeros.data(), 1e-12f);
  for (std::int64_t r = 0; r < count; ++r) {
    double sum = 0, squares = 0;
    for (std::int64_t i = 0; i < width; ++i) {
      sum += rows[r * width + i];
      squares += static_cast<double>(rows[r * width + i]) * rows[r * width + i];
    }
    EXPECT_NEAR(sum / width, 0.0, 1e-5);
    EXPECT_NEAR(squares / width, 1.0, 1e-4);
  }
}
