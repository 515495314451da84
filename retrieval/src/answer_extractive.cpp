// Extractive answers: the sentences of the assembled context that best match the question,
// each cited to the file and page it stands on. Used when no language model is configured.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <set>

#include "docent/retrieval.hpp"
#include "text_terms.hpp"

namespace docent::retrieval {

namespace {

struct Candidate {
  const ContextWindow* window = nullptr;
  std::size_t start = 0, end = 0;  // in window->text
  double score = 0;
  double coverage = 0;  // share of the question's weight the sentence covers
};

int page_at(const ContextWindow& window, std::size_t offset) {
  // Pages are joined with "\n\f": each form feed before `offset` is one page boundary.
  auto feeds = std::count(window.text.begin(), window.text.begin() + static_cast<long>(offset), '\f');
  return window.first_page + static_cast<int>(feeds);
}

}  // namespace

Answer answer_extractive(const index::Library& library, const std::string& question, const AnswerOptions& options) {
  using Clock = std::chrono::steady_clock;
  auto started = Clock::now();
  Answer answer;
  answer.extractive = true;
  answer.context = assemble_context(library, question, options.context, token_counter_for(library));
  auto retrieved = Clock::now();
  answer.retrieval_seconds = std::chrono::duration<double>(retrieved - started).count();

  auto question_terms = content_terms(question);
  std::vector<Candidate> candidates;
  std::map<std::string, int> document_frequency;
  std::vector<std::set<std::string>> sentence_terms;
  for (const auto& window : answer.context.windows) {
    for (const auto& span : ingest::sentence_spans(window.text)) {
      auto terms = content_terms(std::string_view(window.text).substr(span.start, span.end - span.start));
      std::set<std::string> unique(terms.begin(), terms.end());
      for (const auto& term : unique) document_frequency[term]++;
      sentence_terms.push_back(std::move(unique));
      candidates.push_back({&window, span.start, span.end, 0, 0});
    }
  }
  std::set<std::string> wanted(question_terms.begin(), question_terms.end());
  double total_weight = 0;
  std::map<std::string, double> weight;
  for (const auto& term : wanted) {
    weight[term] = std::log(1.0 + (candidates.size() + 1.0) / (1.0 + document_frequency[term]));
    total_weight += weight[term];
  }
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    double matched = 0;
    for (const auto& term : wanted)
      if (sentence_terms[i].count(term)) matched += weight[term];
    auto& candidate = candidates[i];
    candidate.coverage = total_weight > 0 ? matched / total_weight : 0;
    std::size_t words = sentence_terms[i].size();
    // Prefer sentences from better-ranked windows, and not the longest ones merely for length.
    candidate.score = matched / (1.0 + 0.1 * candidate.window->best_rank) / (1.0 + 0.02 * words);
  }
  std::stable_sort(candidates.begin(), candidates.end(), [](const auto& a, const auto& b) { return a.score > b.score; });

  // Nothing relevant: no context, or even the best sentence covers too little of the question.
  constexpr double kMinimumCoverage = 0.3;
  if (candidates.empty() || candidates.front().coverage < kMinimumCoverage) {
    answer.found = false;
    answer.text = "No passage in the library answers this question.";
    answer.answer_seconds = std::chrono::duration<double>(Clock::now() - retrieved).count();
    return answer;
  }
  answer.found = true;
  std::map<std::pair<std::string, int>, int> number_of;  // (path, page) -> [n]
  int taken = 0;
  for (const auto& candidate : candidates) {
    if (taken >= options.max_sentences) break;
    if (candidate.coverage < kMinimumCoverage / 2 || candidate.score <= 0) break;
    const auto& window = *candidate.window;
    std::string sentence = one_line(std::string_view(window.text).substr(candidate.start, candidate.end - candidate.start));
    int page = page_at(window, candidate.start);
    auto key = std::make_pair(window.path, page);
    auto [it, inserted] = number_of.emplace(key, static_cast<int>(number_of.size()) + 1);
    if (inserted) {
      Citation citation;
      citation.number = it->second;
      citation.path = window.path;
      citation.title = window.title;
      citation.page = page;
      citation.chunk_id = window.hit_chunk_ids.empty() ? 0 : window.hit_chunk_ids.front();
      citation.quote = sentence;
      answer.citations.push_back(std::move(citation));
    }
    if (!answer.text.empty()) answer.text += " ";
    answer.text += sentence + " [" + std::to_string(it->second) + "]";
    ++taken;
  }
  answer.answer_seconds = std::chrono::duration<double>(Clock::now() - retrieved).count();
  return answer;
}

}  // namespace docent::retrieval
