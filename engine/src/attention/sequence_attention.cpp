#include "attention/sequence_attention.hpp"

#include <algorithm>
#include <cmath>

#include "attention/attention.hpp"
#include "parallel/thread_pool.hpp"

namespace docent::engine {

// A task is one (sequence, head): its keys are packed into the kernel's blocked layout, then
// its queries go through in tiles. Values are read in place (strided rows).
void sequence_attention(const std::vector<std::int64_t>& starts, const std::vector<std::int64_t>& lengths, int heads,
                        int head_dim, const float* q, const float* k, const float* v, float* attended) {
  const std::int64_t width = static_cast<std::int64_t>(heads) * head_dim;
  attention::Settings settings;
  settings.scale = 1.0f / std::sqrt(static_cast<float>(head_dim));
  const std::int64_t sequences = static_cast<std::int64_t>(starts.size());
  ThreadPool::shared().run(sequences * heads, [&](std::int64_t task) {
    const std::size_t s = static_cast<std::size_t>(task / heads);
    const int head = static_cast<int>(task % heads);
    const std::int64_t start = starts[s], length = lengths[s];
    const int padded = attention::padded_positions(static_cast<int>(length));
    thread_local std::vector<float> keys, scratch;
    keys.resize(static_cast<std::size_t>(padded) * static_cast<std::size_t>(head_dim));
    for (int j = 0; j < length; ++j) {
      const float* key = k + (start + j) * width + static_cast<std::int64_t>(head) * head_dim;
      for (int d = 0; d < head_dim; ++d) keys[attention::key_offset(j, d, head_dim)] = key[d];
    }
    for (int j = static_cast<int>(length); j < padded; ++j)  // only the last block's padding needs zeros
      for (int d = 0; d < head_dim; ++d) keys[attention::key_offset(j, d, head_dim)] = 0.0f;
    attention::HeadView view;
    view.storage = attention::Storage::f32;
    view.keys = keys.data();
    view.values = v + start * width + static_cast<std::int64_t>(head) * head_dim;
    view.value_stride = width;
    view.head_dim = head_dim;
    for (std::int64_t first = 0; first < length; first += attention::kMaxRows) {
      attention::QueryRows rows;
      rows.rows = static_cast<int>(std::min<std::int64_t>(attention::kMaxRows, length - first));
      for (int r = 0; r < rows.rows; ++r) {
        const std::int64_t offset = (start + first + r) * width + static_cast<std::int64_t>(head) * head_dim;
        rows.queries[r] = q + offset;
        rows.outputs[r] = attended + offset;
        rows.visible[r] = static_cast<int>(length);
      }
      const std::size_t needed = attention::scratch_floats(rows, head_dim);
      if (scratch.size() < needed) scratch.resize(needed);
      attention::attend(view, rows, settings, scratch.data());
    }
  });
}

}  // namespace docent::engine
