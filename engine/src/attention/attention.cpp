#include "attention/attention.hpp"

#include <algorithm>
#include <cmath>

#include "quant/half.hpp"

namespace docent::engine::attention {

namespace {

int longest_visible(const QueryRows& rows) {
  int longest = 0;
  for (int r = 0; r < rows.rows; ++r) longest = std::max(longest, rows.visible[r]);
  return longest;
}

float key_at(const HeadView& head, int position, int dimension) {
  std::size_t at = key_offset(position, dimension, head.head_dim);
  return head.storage == Storage::f16 ? half_to_float(static_cast<const std::uint16_t*>(head.keys)[at])
                                      : static_cast<const float*>(head.keys)[at];
}

float value_at(const HeadView& head, int position, int dimension) {
  std::size_t at = static_cast<std::size_t>(position) * static_cast<std::size_t>(head.value_stride) + static_cast<std::size_t>(dimension);
  return head.storage == Storage::f16 ? half_to_float(static_cast<const std::uint16_t*>(head.values)[at])
                                      : static_cast<const float*>(head.values)[at];
}

}  // namespace

std::size_t scratch_floats(const QueryRows& rows, int head_dim) {
  return static_cast<std::size_t>(rows.rows) *
         (static_cast<std::size_t>(head_dim) + static_cast<std::size_t>(padded_positions(longest_visible(rows))));
}

void attend_scalar(const HeadView& head, const QueryRows& rows, const Settings& settings, float* scratch) {
  const int dim = head.head_dim;
  const std::size_t stride = static_cast<std::size_t>(padded_positions(longest_visible(rows)));
  float* queries = scratch;
  float* scores = scratch + static_cast<std::size_t>(rows.rows) * static_cast<std::size_t>(dim);
  for (int r = 0; r < rows.rows; ++r) {
    float* query = queries + static_cast<std::size_t>(r) * static_cast<std::size_t>(dim);
    for (int i = 0; i < dim; ++i)
      query[i] = settings.round_like_reference ? round_to_half(rows.queries[r][i]) : rows.queries[r][i];
    float* row_scores = scores + static_cast<std::size_t>(r) * stride;
    const int visible = rows.visible[r];
    float maximum = -INFINITY;
    for (int j = 0; j < visible; ++j) {
      float dot = 0;
      for (int i = 0; i < dim; ++i) dot += query[i] * key_at(head, j, i);
      row_scores[j] = dot * settings.scale;
      maximum = std::max(maximum, row_scores[j]);
    }
    double sum = 0;  // double, as the reference sums the exponentials
    for (int j = 0; j < visible; ++j) {
      row_scores[j] = std::exp(row_scores[j] - maximum);
      sum += row_scores[j];
    }
    const float inverse = static_cast<float>(1.0 / sum);
    float* out = rows.outputs[r];
    std::fill(out, out + dim, 0.0f);
    for (int j = 0; j < visible; ++j) {
      float weight = row_scores[j] * inverse;
      if (settings.round_like_reference) weight = round_to_half(weight);
      for (int i = 0; i < dim; ++i) out[i] += weight * value_at(head, j, i);
    }
  }
}

bool avx512_available() {
#if defined(__x86_64__) && defined(__GNUC__)
  static const bool available = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                                __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq");
  return available;
#else
  return false;
#endif
}

void attend(const HeadView& head, const QueryRows& rows, const Settings& settings, float* scratch) {
  if (rows.rows <= 0) return;
#if defined(__x86_64__) && defined(__GNUC__)
  if (avx512_available()) {
    attend_avx512(head, rows, settings, scratch);
    return;
  }
#endif
  attend_scalar(head, rows, settings, scratch);
}

}  // namespace docent::engine::attention
