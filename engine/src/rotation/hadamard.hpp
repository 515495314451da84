#pragma once
// Walsh-Hadamard transforms for QuaRot-style rotations (issue #7, "npu" recipe).
//
// H_n (n a power of two) is the Sylvester Walsh-Hadamard matrix scaled by 1/sqrt(n): symmetric
// and orthogonal, so it is its own inverse. For a width that is not a power of two we use the
// block-diagonal matrix diag(H_b, ..., H_b) with b the largest power of two dividing the width
// (still symmetric and orthogonal).

#include <cstdint>
#include <string_view>
#include <vector>

namespace docent::engine {

// GGUF metadata (uint32): the block size b of the Walsh-Hadamard transform the decoder applies
// online to the FFN down projection's input (gate * up); the stored ffn_down weight already
// holds W * diag(H_b, ...). Absent or 0: no online transform.
inline constexpr std::string_view kFfnDownHadamardKey = "docent.rotation.ffn_down_hadamard_block";

// The largest power of two that divides `width` (width > 0).
std::int64_t largest_power_of_two_divisor(std::int64_t width);

// values[0..count) <- diag(H_block, ...) * values, in place, O(count log block).
// `block` must be a power of two dividing `count`.
void walsh_hadamard_blocks(float* values, std::int64_t count, std::int64_t block);

// A random orthogonal rotation R = diag(H_b, ...) * D of `width`, D a diagonal of +-1 signs
// drawn from `seed` (deterministic across platforms).
class RandomHadamard {
 public:
  RandomHadamard(std::int64_t width, std::uint64_t seed);
  std::int64_t width() const { return static_cast<std::int64_t>(signs_.size()); }
  std::int64_t block() const { return block_; }
  // v <- R v and v <- R^T v for one vector of `width` values.
  void rotate(float* values) const;
  void rotate_transposed(float* values) const;

 private:
  std::vector<float> signs_;
  std::int64_t block_;
};

}  // namespace docent::engine
