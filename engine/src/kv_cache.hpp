#pragma once
// Keys and values of every processed position, per layer, with a fixed capacity chosen up
// front (the context budget). Exceeding it is a ModelError, never a reallocation mid-answer.
//
// Layout: [layer][kv head] each owns a contiguous stretch, so attention for one head streams
// through memory. Within it, keys are in blocks of attention::kKeyBlock positions laid out
// [head_dim][block position] (see attention/attention.hpp) and values are one row of head_dim
// per position.

#include <cstdint>
#include <functional>
#include <vector>

#include "attention/attention.hpp"

namespace docent::engine {

struct HyperParameters;

// F16 halves memory and is what the reference engine stores by default (and so what its
// goldens saw); F32 is exact.
enum class CachePrecision { f16, f32 };

class KvCache {
 public:
  KvCache(const HyperParameters& parameters, int capacity, CachePrecision precision = CachePrecision::f16);

  int capacity() const { return capacity_; }
  int length() const { return length_; }
  int row_width() const { return kv_heads_ * head_dim_; }
  int kv_heads() const { return kv_heads_; }
  int head_dim() const { return head_dim_; }
  CachePrecision precision() const { return precision_; }
  std::int64_t bytes() const;
  static std::int64_t bytes_per_token(const HyperParameters& parameters, CachePrecision precision);

  // Stores one position's key and value rows (row_width floats each, heads side by side) for `layer`.
  void store(int layer, int position, const float* key, const float* value);
  // Copies a stored row back into floats.
  void load_key(int layer, int position, float* out) const;
  void load_value(int layer, int position, float* out) const;
  // One head's keys and values in place, for attention.
  attention::HeadView head(int layer, int kv_head) const;

  void set_length(int length);  // after a forward pass appended positions
  void clear() { length_ = 0; }
  void truncate(int length);    // forget positions >= length (e.g. reuse a shared prefix)
  // Rotates one head's key (head_dim floats) in place.
  using KeyRotation = std::function<void(float* key)>;
  // Forgets positions [first, first + count) and moves the later ones down by `count`: values
  // as they are, keys through `rotate` (RoPE keys carry their position, so they are re-rotated
  // by -count). With an F16 cache each moved key is rounded to F16 once more.
  void discard(int first, int count, const KeyRotation& rotate);

 private:
  std::size_t head_start(int layer, int kv_head) const;
  int layers_, capacity_, kv_heads_, head_dim_;
  int padded_capacity_;  // whole key blocks
  CachePrecision precision_;
  int length_ = 0;
  std::vector<float> keys32_, values32_;
  std::vector<std::uint16_t> keys16_, values16_;
};

}  // namespace docent::engine
