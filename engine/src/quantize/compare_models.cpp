// How far a converted model's next-token distributions drift from the original's over a text.
#include <algorithm>
#include <cmath>

#include "docent/engine.hpp"

namespace docent::engine {
namespace {

// log-softmax in double: the differences measured here are small.
std::vector<double> log_probabilities(const std::vector<float>& logits) {
  const double top = *std::max_element(logits.begin(), logits.end());
  double sum = 0;
  for (float logit : logits) sum += std::exp(logit - top);
  const double log_sum = top + std::log(sum);
  std::vector<double> result(logits.size());
  for (std::size_t i = 0; i < logits.size(); ++i) result[i] = logits[i] - log_sum;
  return result;
}

}  // namespace

ModelComparison compare_models(const std::shared_ptr<const Model>& reference, const std::shared_ptr<const Model>& candidate,
                               std::string_view text, int max_tokens) {
  if (reference->is_encoder() || candidate->is_encoder()) throw ModelError("compare needs two decoder models");
  std::vector<TokenId> tokens = reference->tokenizer().encode(text, true, false);
  if (max_tokens > 0 && static_cast<int>(tokens.size()) > max_tokens) tokens.resize(static_cast<std::size_t>(max_tokens));
  if (tokens.size() < 2) throw ModelError("compare needs a text of at least two tokens");
  Generator first(reference), second(candidate);
  const int window = std::min(first.context_length(), second.context_length());
  ModelComparison result;
  double kl_sum = 0, nll_reference = 0, nll_candidate = 0;
  std::int64_t agree = 0;
  for (std::size_t i = 0; i + 1 < tokens.size(); ++i) {
    // A text longer than the context restarts in fresh windows.
    if (first.context_used() >= window) {
      first.reset();
      second.reset();
    }
    const auto p = log_probabilities(first.prefill({tokens[i]}));
    const auto q = log_probabilities(second.prefill({tokens[i]}));
    if (p.size() != q.size()) throw ModelError("the two models have different vocabulary sizes");
    double kl = 0;
    for (std::size_t v = 0; v < p.size(); ++v) kl += std::exp(p[v]) * (p[v] - q[v]);
    kl_sum += kl;
    result.max_kl = std::max(result.max_kl, kl);
    agree += std::max_element(p.begin(), p.end()) - p.begin() == std::max_element(q.begin(), q.end()) - q.begin();
    const auto next = static_cast<std::size_t>(tokens[i + 1]);
    nll_reference -= p[next];
    nll_candidate -= q[next];
    ++result.positions;
  }
  const auto n = static_cast<double>(result.positions);
  result.mean_kl = kl_sum / n;
  result.top1_agreement = static_cast<double>(agree) / n;
  result.perplexity_reference = std::exp(nll_reference / n);
  result.perplexity_candidate = std::exp(nll_candidate / n);
  return result;
}

}  // namespace docent::engine
