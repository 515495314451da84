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

  // The filters keep a prefix of the candidates in descending order, so only as much of that
  // order is established as a cut needs: a whole-vocabulary sort per token would cost more
  // than the cut itself (151,936 entries for Qwen2).
  std::size_t keep = candidates_.size();
  if (options_.top_k > 0 && static_cast<std::size_t>(options_.top_k) < keep) {
    keep = static_cast<std::size_t>(options_.top_k);
    std::nth_element(candidates_.begin(), candidates_.begin() + static_cast<std::ptrdiff_t>(keep - 1), candidates_.end(), by_logit);
    candidates_.resize(keep);
  }
  const float best = std::min_element(candidates_.begin(), candidates_.end(), by_logit)->first;

  // Probabilities of the unscaled logits (within the top-k set) decide the top-p / min-p cut.
  double total = 0;
  for (const auto& candidate : candidates_) total += std::exp(static_cast<double>(candidate.first) - best);
  if (options_.min_p > 0.0f) {
    // p >= min_p * p(best)  <=>  logit >= best + log(min_p); the best itself always stays.
    const double floor = std::log(static_cast<double>(options_.min_p));
    auto end = std::partition(candidates_.begin(), candidates_.end(),
                              [&](const auto& c) { return static_cast<double>(c.first) - best >= floor; });
    keep = std::max<std::size_t>(1, static_cast<std::size_t>(end - candidates_.begin()));
  }
  std::size_t sorted = 0;
  auto sort_prefix = [&](std::size_t count) {
    count = std::min(count, keep);
    if (count <= sorted) return;
    std::partial_sort(candidates_.begin() + static_cast<std::ptrdiff_t>(sorted), candidates_.begin() + static_cast<std::ptrdiff_t>(count),
                      candidates_.begin() + static_cast<std::ptrdiff_t>(keep), by_logit);
    sorted = count;
  };
  if (options_.top_p < 1.0f) {
    double cumulative = 0;
    std::size_t cut = keep;
    std::size_t examined = 0;
    for (std::size_t window = 64; examined < keep && cut == keep; window *= 4) {
      sort_prefix(examined + window);
      for (; examined < sorted; ++examined) {
        cumulative += std::exp(static_cast<double>(candidates_[examined].first) - best) / total;
        if (cumulative >= options_.top_p) {
          cut = examined + 1;
          break;
        }
      }
    }
    keep = cut;
  }
  sort_prefix(keep);
  candidates_.resize(keep);

  std::vector<double> weights(keep);
  for (std::size_t i = 0; i < keep; ++i) weights[i] = std::exp((candidates_[i].first - best) / options_.temperature);
  std::discrete_distribution<std::size_t> draw(weights.begin(), weights.end());
  return candidates_[draw(random_)].second;
}

}  // namespace docent::engine
