#pragma once
// Picks the next token from logits: repetition penalty, then top-k, top-p and min-p filtering
// on the unscaled distribution, then temperature and a seeded draw (greedy when temperature is 0).

#include <random>
#include <span>
#include <vector>

#include "docent/engine.hpp"

namespace docent::engine {

class Sampler {
 public:
  explicit Sampler(SamplingOptions options);
  // `recent` is the context so far (its last repeat_last_n tokens are penalised).
  TokenId sample(std::span<const float> logits, std::span<const TokenId> recent);

 private:
  SamplingOptions options_;
  std::mt19937_64 random_;
  std::vector<std::pair<float, TokenId>> candidates_;
};

}  // namespace docent::engine
