// Extractive answers: the sentences of the assembled context that best match the question,
// each cited to the file and page it stands on. Used when no language model is configured.
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <map>
#include <set>

#include "docent/retrieval.hpp"
#include "text_terms.hpp"

namespace docent::retrieval {

namespace {

// A sentence covering less of the question's weight than this does not answer it.
constexpr double kMinimumCoverage = 0.3;

struct Candidate {
  const ContextWindow* window = nullptr;
  std::size_t start = 0, end = 0;  // in window->text
  double score = 0;
  double coverage = 0;  // share of the question's weight the sentence covers
};

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
  std::vector<std::vector<std::string>> sentence_sequences;
  for (const auto& window : answer.context.windows) {
    for (const auto& span : ingest::sentence_spans(window.text)) {
      auto terms = content_terms(std::string_view(window.text).substr(span.start, span.end - span.start));
      std::set<std::string> unique(terms.begin(), terms.end());
      sentence_sequences.push_back(terms);
      for (const auto& term : unique) document_frequency[term]++;
      sentence_terms.push_back(std::move(unique));
      candidates.push_back({&window, span.start, span.end, 0, 0});
    }
  }
  std::set<std::string> wanted(question_terms.begin(), question_terms.end());
  auto focus_list = content_terms(options.focus);
  std::set<std::string> focus(focus_list.begin(), focus_list.end());
  // With a focus, only its terms count towards coverage; the query's other terms (the topic a
  // follow-up carries over) only tip the balance between sentences that answer the focus.
  auto counts_for_coverage = [&](const std::string& term) { return focus.empty() || focus.count(term) > 0; };
  constexpr double kTopicWeight = 0.25;
  double total_weight = 0;
  std::map<std::string, double> weight;
  for (const auto& term : focus) wanted.insert(term);
  for (const auto& term : wanted) {
    weight[term] = std::log(1.0 + (candidates.size() + 1.0) / (1.0 + document_frequency[term]));
    // A number in a question ("car 41", "in 1947") pins the answer down more than any word;
    // rarity within a small context underrates it.
    if (std::isdigit(static_cast<unsigned char>(term[0]))) weight[term] *= 2;
    if (counts_for_coverage(term)) total_weight += weight[term];
    else weight[term] *= kTopicWeight;
  }
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    double matched = 0, covered = 0;
    for (const auto& term : wanted)
      if (sentence_terms[i].count(term)) {
        matched += weight[term];
        if (counts_for_coverage(term)) covered += weight[term];
      }
    // Question terms that stand next to each other ("car 41") and also stand close together in
    // the sentence ("car number 41") say more than the same words scattered.
    const auto& sequence = sentence_sequences[i];
    for (std::size_t q = 0; q + 1 < question_terms.size(); ++q) {
      const auto& first = question_terms[q];
      const auto& second = question_terms[q + 1];
      if (first == second) continue;
      bool near = false;
      for (std::size_t a = 0; a < sequence.size() && !near; ++a) {
        if (sequence[a] != first) continue;
        for (std::size_t b = a + 1; b < sequence.size() && b <= a + 3; ++b)
          if (sequence[b] == second) near = true;
      }
      if (near) {
        double bonus = std::min(weight[first], weight[second]);
        matched += bonus;
        if (counts_for_coverage(first) && counts_for_coverage(second)) covered += bonus;
      }
    }
    auto& candidate = candidates[i];
    candidate.coverage = total_weight > 0 ? covered / total_weight : 0;
    std::size_t words = sentence_terms[i].size();
    // Headings and fragments ("## Soil") are not answers.
    auto text = std::string_view(candidate.window->text).substr(candidate.start, candidate.end - candidate.start);
    if (words < 3 || text.front() == '#') {
      candidate.coverage = 0;
      continue;
    }
    // Prefer sentences from better-ranked windows, and not the longest ones merely for length.
    candidate.score = matched / (1.0 + 0.1 * candidate.window->best_rank) / (1.0 + 0.02 * words);
    // With a focus, a sentence that matches only the carried-over topic answers nothing.
    if (!focus.empty() && candidate.coverage < kMinimumCoverage) candidate.score = 0;
  }
  std::stable_sort(candidates.begin(), candidates.end(), [](const auto& a, const auto& b) { return a.score > b.score; });

  // Nothing relevant: no context, or even the best sentence covers too little of the question.
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
    // Later sentences must hold their own against the best one, or they only add noise.
    if (candidate.coverage < kMinimumCoverage || candidate.score < 0.5 * candidates.front().score) break;
    const auto& window = *candidate.window;
    std::string sentence = one_line(std::string_view(window.text).substr(candidate.start, candidate.end - candidate.start));
    int page = window.page_at(candidate.start);
    auto key = std::make_pair(window.path, page);
    auto [it, inserted] = number_of.emplace(key, static_cast<int>(number_of.size()) + 1);
    if (inserted) {
      Citation citation;
      citation.number = it->second;
      citation.source = static_cast<int>(candidate.window - answer.context.windows.data()) + 1;
      citation.last_page = page;
      citation.path = window.path;
      citation.title = window.title;
      citation.page = page;
      citation.chunk_id = window.hit_chunk_ids.empty() ? 0 : window.hit_chunk_ids.front();
      citation.quote = sentence;
      answer.citations.push_back(std::move(citation));
    }
    if (!answer.text.empty()) answer.text += " ";
    answer.text += sentence + " [" + std::to_string(it->second) + "]";
    answer.sentences.push_back({sentence, {it->second}, false, false, {}});
    ++taken;
  }
  answer.answer_seconds = std::chrono::duration<double>(Clock::now() - retrieved).count();
  return answer;
}

}  // namespace docent::retrieval
