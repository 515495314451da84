#include "generation/sampler.hpp"

#include <algorithm>
#include <cmath>
#include <unordered_set>

namespace docent::engine {

namespace {

// Higher logit first, then lower id: a strict order, so every cut is deterministic.
bool ranks_before(const Sampler::Candidate& a, const Sampler::Candidate& b) {
  return a.logit > b.logit || (a.logit == b.logit && a.id < b.id);
}

double mass(const Sampler::Candidate* first, const Sampler::Candidate* last) {
  double sum = 0;
  for (; first != last; ++first) sum += first->weight;
  return sum;
}

}  // namespace

Sampler::Sampler(SamplingOptions options) : options_(options), random_(options.seed) {}

TokenId Sampler::sample(std::span<const float> logits, std::span<const TokenId> recent) {
  candidates_.clear();
  candidates_.reserve(logits.size());
  for (std::size_t i = 0; i < logits.size(); ++i) candidates_.push_back({logits[i], static_cast<TokenId>(i), 0.0});

  if (options_.repeat_penalty != 1.0f && options_.repeat_last_n != 0) {
    std::size_t window = options_.repeat_last_n < 0 ? recent.size()
                                                     : std::min(recent.size(), static_cast<std::size_t>(options_.repeat_last_n));
    std::unordered_set<TokenId> seen(recent.end() - static_cast<std::ptrdiff_t>(window), recent.end());
    for (TokenId token : seen) {
      if (token < 0 || static_cast<std::size_t>(token) >= candidates_.size()) continue;
      float& logit = candidates_[static_cast<std::size_t>(token)].logit;
      logit = logit > 0 ? logit / options_.repeat_penalty : logit * options_.repeat_penalty;
    }
  }

  if (options_.temperature <= 0.0f) return std::min_element(candidates_.begin(), candidates_.end(), ranks_before)->id;

  // Every filter keeps the best-ranked candidates, so each cut is found by selection (linear
  // time), never by sorting the vocabulary: 151,936 entries for Qwen2, and a flat distribution
  // (random weights, or an unsure model) can put most of them inside top-p.
  std::size_t keep = candidates_.size();
  if (options_.top_k > 0 && static_cast<std::size_t>(options_.top_k) < keep) {
    keep = static_cast<std::size_t>(options_.top_k);
    std::nth_element(candidates_.begin(), candidates_.begin() + static_cast<std::ptrdiff_t>(keep - 1), candidates_.end(),
                     ranks_before);
    candidates_.resize(keep);
  }
  const float best = std::min_element(candidates_.begin(), candidates_.end(), ranks_before)->logit;

  // Probabilities of the unscaled logits (within the top-k set) decide the top-p / min-p cuts.
  for (auto& candidate : candidates_) candidate.weight = std::exp(static_cast<double>(candidate.logit) - best);
  const double total = mass(candidates_.data(), candidates_.data() + candidates_.size());
  if (options_.min_p > 0.0f) {
    // p >= min_p * p(best); the best itself always stays.
    auto end = std::partition(candidates_.begin(), candidates_.end(),
                              [&](const Candidate& c) { return c.weight >= options_.min_p; });
    keep = std::max<std::size_t>(1, static_cast<std::size_t>(end - candidates_.begin()));
  }
  if (options_.top_p < 1.0f) {
    // The smallest best-ranked set with top_p of the mass: halve the unresolved range around
    // its median until it is small, then sort only that.
    const double target = options_.top_p * total;
    Candidate* all = candidates_.data();
    std::size_t low = 0, high = keep;
    double above = 0;  // mass of [0, low), all of which is in the set
    while (high - low > 64) {
      const std::size_t middle = low + (high - low) / 2;
      std::nth_element(all + low, all + middle, all + high, ranks_before);
      const double upper = mass(all + low, all + middle);
      if (above + upper >= target) {
        high = middle;
      } else {
        above += upper;
        low = middle;
      }
    }
    std::sort(all + low, all + high, ranks_before);
    std::size_t cut = high;
    for (std::size_t i = low; i < high; ++i) {
      above += all[i].weight;
      if (above >= target) {
        cut = i + 1;
        break;
      }
    }
    keep = std::min(keep, std::max<std::size_t>(1, cut));
  }
  candidates_.resize(keep);

  weights_.resize(keep);
  for (std::size_t i = 0; i < keep; ++i) weights_[i] = std::exp((candidates_[i].logit - best) / options_.temperature);
  std::discrete_distribution<std::size_t> draw(weights_.begin(), weights_.end());
  return candidates_[draw(random_)].id;
}

}  // namespace docent::engine
