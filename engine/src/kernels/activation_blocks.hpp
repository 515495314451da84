#pragma once
// Quantized activation blocks (plain structs; see activations.hpp for how they are made).

#include <cstdint>

namespace docent::engine::kernels {

struct ActivationBlock32 {
  float d;               // F16-rounded scale
  std::int32_t sum;      // sum of q
  std::int8_t q[32];
};
static_assert(sizeof(ActivationBlock32) == 40);

struct ActivationBlock256 {
  float d;
  std::int32_t sums16[16];  // sum of q over each 16 columns
  std::int8_t q[256];
};
static_assert(sizeof(ActivationBlock256) == 324);

}  // namespace docent::engine::kernels
