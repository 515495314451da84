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
  struct Candidate {
    float logit;
    TokenId id;
    double weight;  // exp(logit - best logit)
  };

  explicit Sampler(SamplingOptions options);
  // `recent` is the context so far (its last repeat_last_n tokens are penalised).
  TokenId sample(std::span<const float> logits, std::span<const TokenId> recent);
  // The candidates the filters kept for the last sampled (not greedy) token, in no set order.
  std::span<const Candidate> kept() const { return candidates_; }

 private:
  SamplingOptions options_;
  std::mt19937_64 random_;
  std::vector<Candidate> candidates_;
  std::vector<double> weights_;
};

}  // namespace docent::engine
