#include "kv_cache.hpp"

#include <cassert>
#include <cstring>

#include "model_weights.hpp"
#include "quant/half.hpp"

namespace docent::engine {

KvCache::KvCache(const HyperParameters& parameters, int capacity, CachePrecision precision)
    : layers_(parameters.layers), capacity_(capacity), kv_heads_(parameters.kv_heads), head_dim_(parameters.head_dim),
      padded_capacity_(attention::padded_positions(capacity)), precision_(precision) {
  if (capacity <= 0) throw ModelError("context length must be positive");
  std::size_t total = static_cast<std::size_t>(layers_) * static_cast<std::size_t>(kv_heads_) *
                      static_cast<std::size_t>(padded_capacity_) * static_cast<std::size_t>(head_dim_);
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
  return static_cast<std::int64_t>(capacity_) * 2LL * layers_ * kv_heads_ * head_dim_ *
         (precision_ == CachePrecision::f32 ? 4 : 2);
}

std::size_t KvCache::head_start(int layer, int kv_head) const {
  assert(layer >= 0 && layer < layers_ && kv_head >= 0 && kv_head < kv_heads_);
  return (static_cast<std::size_t>(layer) * static_cast<std::size_t>(kv_heads_) + static_cast<std::size_t>(kv_head)) *
         static_cast<std::size_t>(padded_capacity_) * static_cast<std::size_t>(head_dim_);
}

void KvCache::store(int layer, int position, const float* key, const float* value) {
  assert(position >= 0 && position < capacity_);
  for (int h = 0; h < kv_heads_; ++h) {
    const std::size_t start = head_start(layer, h);
    const std::size_t value_at = start + static_cast<std::size_t>(position) * static_cast<std::size_t>(head_dim_);
    const float* key_row = key + static_cast<std::ptrdiff_t>(h) * head_dim_;
    const float* value_row = value + static_cast<std::ptrdiff_t>(h) * head_dim_;
    if (precision_ == CachePrecision::f32) {
      for (int d = 0; d < head_dim_; ++d) keys32_[start + attention::key_offset(position, d, head_dim_)] = key_row[d];
      std::memcpy(&values32_[value_at], value_row, sizeof(float) * static_cast<std::size_t>(head_dim_));
    } else {
      for (int d = 0; d < head_dim_; ++d) {
        keys16_[start + attention::key_offset(position, d, head_dim_)] = float_to_half(key_row[d]);
        values16_[value_at + static_cast<std::size_t>(d)] = float_to_half(value_row[d]);
      }
    }
  }
}

void KvCache::load_key(int layer, int position, float* out) const {
  assert(position >= 0 && position < capacity_);
  for (int h = 0; h < kv_heads_; ++h) {
    const std::size_t start = head_start(layer, h);
    for (int d = 0; d < head_dim_; ++d) {
      const std::size_t at = start + attention::key_offset(position, d, head_dim_);
      out[h * head_dim_ + d] = precision_ == CachePrecision::f32 ? keys32_[at] : half_to_float(keys16_[at]);
    }
  }
}

void KvCache::load_value(int layer, int position, float* out) const {
  assert(position >= 0 && position < capacity_);
  for (int h = 0; h < kv_heads_; ++h) {
    const std::size_t at = head_start(layer, h) + static_cast<std::size_t>(position) * static_cast<std::size_t>(head_dim_);
    for (int d = 0; d < head_dim_; ++d)
      out[h * head_dim_ + d] = precision_ == CachePrecision::f32 ? values32_[at + static_cast<std::size_t>(d)]
                                                                  : half_to_float(values16_[at + static_cast<std::size_t>(d)]);
  }
}

attention::HeadView KvCache::head(int layer, int kv_head) const {
  const std::size_t start = head_start(layer, kv_head);
  attention::HeadView view;
  view.head_dim = head_dim_;
  view.value_stride = head_dim_;
  if (precision_ == CachePrecision::f32) {
    view.storage = attention::Storage::f32;
    view.keys = keys32_.data() + start;
    view.values = values32_.data() + start;
  } else {
    view.storage = attention::Storage::f16;
    view.keys = keys16_.data() + start;
    view.values = values16_.data() + start;
  }
  return view;
}

void KvCache::set_length(int length) {
  assert(length >= 0 && length <= capacity_);
  length_ = length;
}

void KvCache::truncate(int length) {
  if (length < length_) length_ = length < 0 ? 0 : length;
}

namespace {

template <typename Element, typename ToFloat, typename FromFloat>
void move_down(Element* keys, Element* values, int first, int count, int length, int head_dim,
               const KvCache::KeyRotation& rotate, float* key, ToFloat to_float, FromFloat from_float) {
  for (int from = first + count; from < length; ++from) {
    const int to = from - count;
    for (int d = 0; d < head_dim; ++d) key[d] = to_float(keys[attention::key_offset(from, d, head_dim)]);
    rotate(key);
    for (int d = 0; d < head_dim; ++d) keys[attention::key_offset(to, d, head_dim)] = from_float(key[d]);
    std::memmove(values + static_cast<std::ptrdiff_t>(to) * head_dim, values + static_cast<std::ptrdiff_t>(from) * head_dim,
                 sizeof(Element) * static_cast<std::size_t>(head_dim));
  }
}

}  // namespace

void KvCache::discard(int first, int count, const KeyRotation& rotate) {
  assert(first >= 0 && count >= 0 && first + count <= length_);
  if (count == 0) return;
  std::vector<float> key(static_cast<std::size_t>(head_dim_));
  for (int layer = 0; layer < layers_; ++layer)
    for (int h = 0; h < kv_heads_; ++h) {
      const std::size_t start = head_start(layer, h);
      if (precision_ == CachePrecision::f32)
        move_down(&keys32_[start], &values32_[start], first, count, length_, head_dim_, rotate, key.data(),
                  [](float x) { return x; }, [](float x) { return x; });
      else
        move_down(&keys16_[start], &values16_[start], first, count, length_, head_dim_, rotate, key.data(),
                  [](std::uint16_t x) { return half_to_float(x); }, [](float x) { return float_to_half(x); });
    }
  length_ -= count;
}

}  // namespace docent::engine
