#pragma once
// Keys and values of every processed position, per layer, with a fixed capacity chosen up
// front (the context budget). Exceeding it is a ModelError, never a reallocation mid-answer.

#include <cstdint>
#include <vector>

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
  int row_width() const { return width_; }
  CachePrecision precision() const { return precision_; }
  std::int64_t bytes() const;
  static std::int64_t bytes_per_token(const HyperParameters& parameters, CachePrecision precision);

  // Stores one position's key and value rows (row_width floats each) for `layer`.
  void store(int layer, int position, const float* key, const float* value);
  // Copies a stored row back into floats.
  void load_key(int layer, int position, float* out) const;
  void load_value(int layer, int position, float* out) const;

  void set_length(int length);  // after a forward pass appended positions
  void clear() { length_ = 0; }
  void truncate(int length);    // forget positions >= length (e.g. reuse a shared prefix)

 private:
  std::size_t offset(int layer, int position) const;
  int layers_, capacity_, width_;
  CachePrecision precision_;
  int length_ = 0;
  std::vector<float> keys32_, values32_;
  std::vector<std::uint16_t> keys16_, values16_;
};

}  // namespace docent::engine
