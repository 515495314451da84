#pragma once
// Bidirectional attention within each sequence of a packed batch (the encoder's), spread over
// the thread pool.

#include <cstdint>
#include <vector>

namespace docent::engine {

// q, k, v, attended: one row of heads * head_dim per token, the sequences' tokens back to back
// (sequence s is rows [starts[s], starts[s] + lengths[s])).
void sequence_attention(const std::vector<std::int64_t>& starts, const std::vector<std::int64_t>& lengths, int heads,
                        int head_dim, const float* q, const float* k, const float* v, float* attended);

}  // namespace docent::engine
