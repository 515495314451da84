#include "rotation/hadamard.hpp"

#include <cassert>
#include <cmath>

namespace docent::engine {

std::int64_t largest_power_of_two_divisor(std::int64_t width) {
  assert(width > 0);
  return width & -width;
}

void walsh_hadamard_blocks(float* values, std::int64_t count, std::int64_t block) {
  assert(block > 0 && (block & (block - 1)) == 0 && count % block == 0);
  const float normalization = 1.0f / std::sqrt(static_cast<float>(block));
  for (std::int64_t start = 0; start < count; start += block) {
    float* x = values + start;
    for (std::int64_t half = 1; half < block; half *= 2)
      for (std::int64_t i = 0; i < block; i += 2 * half)
        for (std::int64_t j = i; j < i + half; ++j) {
          const float a = x[j], b = x[j + half];
          x[j] = a + b;
          x[j + half] = a - b;
        }
    for (std::int64_t i = 0; i < block; ++i) x[i] *= normalization;
  }
}

RandomHadamard::RandomHadamard(std::int64_t width, std::uint64_t seed)
    : signs_(static_cast<std::size_t>(width)), block_(largest_power_of_two_divisor(width)) {
  // splitmix64: a fixed, portable generator (std distributions differ between libraries).
  std::uint64_t state = seed;
  for (auto& sign : signs_) {
    state += 0x9e3779b97f4a7c15ULL;
    std::uint64_t z = state;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    sign = (z >> 63) != 0 ? -1.0f : 1.0f;
  }
}

void RandomHadamard::rotate(float* values) const {
  for (std::size_t i = 0; i < signs_.size(); ++i) values[i] *= signs_[i];
  walsh_hadamard_blocks(values, width(), block_);
}

void RandomHadamard::rotate_transposed(float* values) const {
  walsh_hadamard_blocks(values, width(), block_);
  for (std::size_t i = 0; i < signs_.size(); ++i) values[i] *= signs_[i];
}

}  // namespace docent::engine
