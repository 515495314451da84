#include "kv_cache.hpp"

#include <cassert>
#include <cstring>

#include "model_weights.hpp"
#include "quant/half.hpp"

namespace docent::engine {

KvCache::KvCache(const HyperParameters& parameters, int capacity, CachePrecision precision)
    : layers_(parameters.layers), capacity_(capacity), width_(parameters.kv_heads * parameters.head_dim),
      precision_(precision) {
  if (capacity <= 0) throw ModelError("context length must be positive");
  std::size_t total = static_cast<std::size_t>(layers_) * static_cast<std::size_t>(capacity_) * width_;
  if (precision_ == CachePrecision::f32) {
    keys32_.resize(total);
    values32_.resize(total);
  } else {
    keys16_.resize(total);
    values16_.resize(total);
  }
}

std::int64_t KvCache::bytes_per_token(const HyperParameters& p, CachePrecision precision) {
  return 2LL * p.layers * p.kv_heads * p.head_dim * (precision == CachePrecision::f32 ? 4 : 2);
}

std::int64_t KvCache::bytes() const {
  return static_cast<std::int64_t>(capacity_) * 2LL * layers_ * width_ * (precision_ == CachePrecision::f32 ? 4 : 2);
}

std::size_t KvCache::offset(int layer, int position) const {
  assert(layer >= 0 && layer < layers_ && position >= 0 && position < capacity_);
  return (static_cast<std::size_t>(layer) * capacity_ + position) * width_;
}

void KvCache::store(int layer, int position, const float* key, const float* value) {
  std::size_t at = offset(layer, position);
  if (precision_ == CachePrecision::f32) {
    std::memcpy(&keys32_[at], key, sizeof(float) * width_);
    std::memcpy(&values32_[at], value, sizeof(float) * width_);
    return;
  }
  for (int i = 0; i < width_; ++i) {
    keys16_[at + i] = float_to_half(key[i]);
    values16_[at + i] = float_to_half(value[i]);
  }
}

void KvCache::load_key(int layer, int position, float* out) const {
  std::size_t at = offset(layer, position);
  if (precision_ == CachePrecision::f32) {
    std::memcpy(out, &keys32_[at], sizeof(float) * width_);
  } else {
    for (int i = 0; i < width_; ++i) out[i] = half_to_float(keys16_[at + i]);
  }
}

void KvCache::load_value(int layer, int position, float* out) const {
  std::size_t at = offset(layer, position);
  if (precision_ == CachePrecision::f32) {
    std::memcpy(out, &values32_[at], sizeof(float) * width_);
  } else {
    for (int i = 0; i < width_; ++i) out[i] = half_to_float(values16_[at + i]);
  }
}

void KvCache::set_length(int length) {
  assert(length >= 0 && length <= capacity_);
  length_ = length;
}

void KvCache::truncate(int length) {
  if (length < length_) length_ = length < 0 ? 0 : length;
}

}  // namespace docent::engine
