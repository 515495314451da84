#pragma once
// Causal attention of new tokens against a layer of the KV cache, spread over the thread pool.

#include "kv_cache.hpp"

namespace docent::engine {

// queries: `count` rows of heads * head_dim (tokens at positions first_position...), already
// in the cache; output: same shape. `round_like_reference` applies to an F16 cache only.
void cached_attention(const KvCache& cache, int layer, int heads, int first_position, int count, const float* queries,
                      float* output, bool round_like_reference);

}  // namespace docent::engine
