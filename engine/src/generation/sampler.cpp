#include "generation/sampler.hpp"

#include <algorithm>
#include <cmath>
#include <unordered_set>

namespace docent::engine {

Sampler::Sampler(SamplingOptions options) : options_(options), random_(options.seed) {}

TokenId Sampler::sample(std::span<const float> logits, std::span<const TokenId> recent) {
  candidates_.clear();
  candidates_.reserve(logits.size());
  for (std::size_t i = 0; i < logits.size(); ++i) candidates_.emplace_back(logits[i], static_cast<TokenId>(i));

  if (options_.repeat_penalty != 1.0f && options_.repeat_last_n != 0) {
    std::size_t window = options_.repeat_last_n < 0 ? recent.size()
                                                     : std::min(recent.size(), static_cast<std::size_t>(options_.repeat_last_n));
    std::unordered_set<TokenId> seen(recent.end() - static_cast<std::ptrdiff_t>(window), recent.end());
    for (TokenId token : seen) {
      if (token < 0 || static_cast<std::size_t>(token) >= candidates_.size()) continue;
      float& logit = candidates_[static_cast<std::size_t>(token)].first;
      logit = logit > 0 ? logit / options_.repeat_penalty : logit * options_.repeat_penalty;
    }
  }

  auto by_logit = [](const auto& a, const auto& b) { return a.first > b.first || (a.first == b.first && a.second < b.second); };
  if (options_.temperature <= 0.0f) return std::min_element(candidates_.begin(), candidates_.end(), by_logit)->second;

  std::size_t keep = candidates_.size();
  if (options_.top_k > 0) keep = std::min(keep, static_cast<std::size_t>(options_.top_k));
  std::partial_sort(candidates_.begin(), candidates_.begin() + static_cast<std::ptrdiff_t>(keep), candidates_.end(), by_logit);
  candidates_.resize(keep);

  // Probabilities of the unscaled logits decide the top-p / min-p cut.
  std::vector<double> probabilities(keep);
  const double best = candidates_.front().first;
  double total = 0;
  for (std::size_t i = 0; i < keep; ++i) total += probabilities[i] = std::exp(candidates_[i].first - best);
  if (options_.top_p < 1.0f) {
    double cumulative = 0;
    std::size_t cut = keep;
    for (std::size_t i = 0; i < keep; ++i) {
      cumulative += probabilities[i] / total;
      if (cumulative >= options_.top_p) {
        cut = i + 1;
        break;
      }
    }
    keep = cut;
  }
  if (options_.min_p > 0.0f) {
    std::size_t cut = 1;
    while (cut < keep && probabilities[cut] >= options_.min_p * probabilities[0]) ++cut;  // probabilities[0] is the best
    keep = cut;
  }
  candidates_.resize(keep);

  std::vector<double> weights(keep);
  for (std::size_t i = 0; i < keep; ++i) weights[i] = std::exp((candidates_[i].first - best) / options_.temperature);
  std::discrete_distribution<std::size_t> draw(weights.begin(), weights.end());
  return candidates_[draw(random_)].second;
}

}  // namespace docent::engine
