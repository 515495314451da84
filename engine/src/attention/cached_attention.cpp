#include "attention/cached_attention.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "parallel/thread_pool.hpp"

namespace docent::engine {

void cached_attention(const KvCache& cache, int layer, int heads, int first_position, int count, const float* queries,
                      float* output, bool round_like_reference) {
  const int kv_heads = cache.kv_heads(), head_dim = cache.head_dim();
  const std::int64_t query_width = static_cast<std::int64_t>(heads) * head_dim;
  const int group = heads / kv_heads;
  attention::Settings settings;
  settings.scale = 1.0f / std::sqrt(static_cast<float>(head_dim));
  settings.round_like_reference = round_like_reference && cache.precision() == CachePrecision::f16;
  // The query rows of one kv head, token-major, are cut into tiles of at most kMaxRows rows;
  // a task is one tile of one kv head. Tiles run latest-first: causal attention makes them the
  // longest, and the short ones then fill in the gaps at the end.
  const std::int64_t rows_per_head = static_cast<std::int64_t>(count) * group;
  const std::int64_t tiles = (rows_per_head + attention::kMaxRows - 1) / attention::kMaxRows;
  ThreadPool::shared().run(tiles * kv_heads, [&](std::int64_t task) {
    const int kv_head = static_cast<int>(task % kv_heads);
    const std::int64_t tile = tiles - 1 - task / kv_heads;
    attention::QueryRows rows;
    const std::int64_t first_row = tile * attention::kMaxRows;
    rows.rows = static_cast<int>(std::min<std::int64_t>(attention::kMaxRows, rows_per_head - first_row));
    for (int r = 0; r < rows.rows; ++r) {
      const std::int64_t row = first_row + r;
      const std::int64_t token = row / group, head = static_cast<std::int64_t>(kv_head) * group + row % group;
      rows.queries[r] = queries + token * query_width + head * head_dim;
      rows.outputs[r] = output + token * query_width + head * head_dim;
      rows.visible[r] = first_position + static_cast<int>(token) + 1;  // causal: positions 0..current
    }
    thread_local std::vector<float> scratch;
    const std::size_t needed = attention::scratch_floats(rows, head_dim);
    if (scratch.size() < needed) scratch.resize(needed);
    attention::attend(cache.head(layer, kv_head), rows, settings, scratch.data());
  });
}

}  // namespace docent::engine
