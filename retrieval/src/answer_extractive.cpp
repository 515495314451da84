// Extractive answers: the sentences of the assembled context that best answer the question,
// each cited to the file and page(s) it stands on. Used when no language model is configured.
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <map>
#include <set>

#include "answer_kind.hpp"
#include "docent/retrieval.hpp"
#include "evidence.hpp"
#include "source_sentences.hpp"
#include "text_terms.hpp"

namespace docent::retrieval {

namespace {

// Weights of the sentence score, set on SQuAD v1.1 dev articles 9-48 (every 4th question, the
// evaluation's first 8 articles left out): each moved alone changes answer recall by < 1 point.
constexpr double kTimeQuantityKind = 0.5;  // a date for "when", a number for "how many", of the question's weight
constexpr double kNameKind = 0.2;          // a name for "who"/"where": weaker, most sentences have one
constexpr double kCarry = 0.3;             // of the previous sentence's match
constexpr double kRankPenalty = 0.1;       // per rank of the sentence's window
constexpr double kLengthPenalty = 0.005;   // per content word (0.02: 1.2 points less answer recall with 1 sentence)
constexpr double kKeepShare = 0.5;         // later sentences: at least this share of the best's score

struct Candidate {
  const ContextWindow* window = nullptr;
  SourceSentence sentence;
  double score = 0;
  double coverage = 0;  // share of the question's weight the sentence covers
  double lexical = 0;   // the question's weight it matches (with the near-pairs bonus)
  double joint_coverage = 0;  // with the sentence before it
  double kind = 0;      // evidence of the kind of answer asked for
};

}  // namespace

Evidence weigh_evidence(const AssembledContext& context, const std::string& question, const std::string& focus_text,
                        std::vector<ScoredSentence>* ranked) {
  const AnswerKind kind = answer_kind(focus_text.empty() ? question : focus_text + " " + question);
  const auto question_terms = content_terms(question);
  auto focus_list = content_terms(focus_text);
  std::set<std::string> focus(focus_list.begin(), focus_list.end());
  std::vector<std::string> wanted;  // the question's and the focus's terms, each once
  for (const auto& term : question_terms)
    if (std::find(wanted.begin(), wanted.end(), term) == wanted.end()) wanted.push_back(term);
  for (const auto& term : focus_list)
    if (std::find(wanted.begin(), wanted.end(), term) == wanted.end()) wanted.push_back(term);
  std::set<std::string> wanted_set(wanted.begin(), wanted.end());

  std::vector<Candidate> candidates;
  std::vector<std::vector<std::string>> sequences;  // each sentence's terms in order
  std::vector<std::vector<double>> match;            // [sentence][wanted term]: 0..1
  for (const auto& window : context.windows)
    for (const auto& sentence : source_sentences(window)) {
      sequences.push_back(content_terms(std::string_view(window.text).substr(sentence.start, sentence.end - sentence.start)));
      std::vector<double> strength(wanted.size(), 0);
      for (std::size_t q = 0; q < wanted.size(); ++q)
        for (const auto& term : sequences.back()) strength[q] = std::max(strength[q], term_match(wanted[q], term));
      match.push_back(std::move(strength));
      candidates.push_back({&window, sentence});
    }

  // With a focus, only its terms count towards coverage; the query's other terms (the topic a
  // follow-up carries over) only tip the balance between sentences that answer the focus.
  auto counts_for_coverage = [&](std::size_t q) { return focus.empty() || focus.count(wanted[q]) > 0; };
  constexpr double kTopicWeight = 0.25;
  double total_weight = 0;
  std::vector<double> weight(wanted.size());
  for (std::size_t q = 0; q < wanted.size(); ++q) {
    double frequency = 0;
    for (const auto& strength : match) frequency += strength[q] > 0;
    weight[q] = std::log(1.0 + (candidates.size() + 1.0) / (1.0 + frequency));
    // A number in a question ("car 41", "in 1947") pins the answer down more than any word;
    // rarity within a small context underrates it.
    if (std::isdigit(static_cast<unsigned char>(wanted[q][0]))) weight[q] *= 2;
    if (counts_for_coverage(q)) total_weight += weight[q];
    else weight[q] *= kTopicWeight;
  }
  auto index_of = [&](const std::string& term) {
    return static_cast<std::size_t>(std::find(wanted.begin(), wanted.end(), term) - wanted.begin());
  };

  const double kind_weight = kind == AnswerKind::time || kind == AnswerKind::quantity ? kTimeQuantityKind : kNameKind;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    double matched = 0, covered = 0;
    for (std::size_t q = 0; q < wanted.size(); ++q) {
      matched += weight[q] * match[i][q];
      if (counts_for_coverage(q)) covered += weight[q] * match[i][q];
    }
    // Question terms that stand next to each other ("car 41") and also stand close together in
    // the sentence ("car number 41") say more than the same words scattered.
    const auto& sequence = sequences[i];
    for (std::size_t p = 0; p + 1 < question_terms.size(); ++p) {
      const auto& first = question_terms[p];
      const auto& second = question_terms[p + 1];
      if (first == second) continue;
      bool near = false;
      for (std::size_t a = 0; a < sequence.size() && !near; ++a) {
        if (term_match(first, sequence[a]) <= 0) continue;
        for (std::size_t b = a + 1; b < sequence.size() && b <= a + 3; ++b)
          if (term_match(second, sequence[b]) > 0) near = true;
      }
      if (near) {
        auto f = index_of(first), g = index_of(second);
        double bonus = std::min(weight[f], weight[g]);
        matched += bonus;
        if (counts_for_coverage(f) && counts_for_coverage(g)) covered += bonus;
      }
    }
    candidates[i].coverage = total_weight > 0 ? covered / total_weight : 0;
    candidates[i].lexical = matched;
  }
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    auto& candidate = candidates[i];
    const auto& window = *candidate.window;
    auto text = std::string_view(window.text).substr(candidate.sentence.start, candidate.sentence.end - candidate.sentence.start);
    std::size_t words = sequences[i].size();
    // Headings and fragments ("## Soil") are not answers.
    if (words < 3 || candidate.sentence.heading) {
      candidate.coverage = 0;
      continue;
    }
    double matched = candidate.lexical;
    // The sentence with the one before it: a sentence continuing its neighbour ("It spread
    // quickly...") shares its subject, and a paraphrased question is often covered only by both.
    bool follows = i > 0 && candidates[i - 1].window == candidate.window;
    double joint = 0;
    for (std::size_t q = 0; q < wanted.size(); ++q)
      if (counts_for_coverage(q)) joint += weight[q] * std::max(match[i][q], follows ? match[i - 1][q] : 0.0);
    candidate.joint_coverage = total_weight > 0 ? std::max(candidate.coverage, joint / total_weight) : 0;
    if (follows) matched += kCarry * candidates[i - 1].lexical;
    if (candidate.joint_coverage >= kMinimumCoverage) {
      candidate.kind = kind_evidence(kind, text, wanted_set);
      matched += kind_weight * candidate.kind * total_weight;
    }
    // Prefer sentences from better-ranked windows, and not the longest ones merely for length.
    candidate.score = matched / (1.0 + kRankPenalty * window.best_rank) / (1.0 + kLengthPenalty * words);
    // With a focus, a sentence that matches only the carried-over topic answers nothing.
    if (!focus.empty() && candidate.joint_coverage < kMinimumCoverage) candidate.score = 0;
  }
  std::stable_sort(candidates.begin(), candidates.end(), [](const auto& a, const auto& b) { return a.score > b.score; });
  Evidence evidence;
  evidence.kind = kind;
  for (const auto& candidate : candidates) {
    evidence.coverage = std::max(evidence.coverage, candidate.coverage);
    evidence.joint_coverage = std::max(evidence.joint_coverage, candidate.joint_coverage);
  }
  if (total_weight > 0) {
    double found = 0;
    for (std::size_t q = 0; q < wanted.size(); ++q) {
      double best = 0;
      for (const auto& strength : match) best = std::max(best, strength[q]);
      if (counts_for_coverage(q)) found += weight[q] * best;
    }
    evidence.context_coverage = found / total_weight;
  }
  if (ranked)
    for (const auto& candidate : candidates)
      ranked->push_back({static_cast<std::size_t>(candidate.window - context.windows.data()), candidate.sentence,
                         candidate.score, candidate.joint_coverage});
  return evidence;
}

Answer answer_extractive(const index::Library& library, const std::string& question, const AnswerOptions& options) {
  using Clock = std::chrono::steady_clock;
  auto started = Clock::now();
  Answer answer;
  answer.extractive = true;
  answer.context = assemble_context(library, question, options.context, token_counter_for(library));
  auto retrieved = Clock::now();
  answer.retrieval_seconds = std::chrono::duration<double>(retrieved - started).count();

  std::vector<ScoredSentence> ranked;
  auto evidence = weigh_evidence(answer.context, question, options.focus, &ranked);
  // Nothing relevant: no context, or even the best sentence covers too little of the question.
  if (!evidence.enough()) {
    answer.found = false;
    answer.abstain_reason = evidence.reason();
    answer.text = "No passage in the library answers this question.";
    answer.answer_seconds = std::chrono::duration<double>(Clock::now() - retrieved).count();
    return answer;
  }
  answer.found = true;
  std::map<std::tuple<std::string, int, int>, int> number_of;  // (path, first page, last page) -> [n]
  int taken = 0;
  for (const auto& candidate : ranked) {
    if (taken >= options.max_sentences) break;
    // Later sentences must hold their own against the best one, or they only add noise.
    if (candidate.score < kKeepShare * ranked.front().score) break;
    if (candidate.coverage < kMinimumCoverage) continue;
    const auto& window = answer.context.windows[candidate.window];
    const auto& span = candidate.sentence;
    std::string sentence = one_line(std::string_view(window.text).substr(span.start, span.end - span.start));
    auto key = std::make_tuple(window.path, span.first_page, span.last_page);
    auto [it, inserted] = number_of.emplace(key, static_cast<int>(number_of.size()) + 1);
    if (inserted) {
      Citation citation;
      citation.number = it->second;
      citation.source = static_cast<int>(candidate.window) + 1;
      citation.path = window.path;
      citation.title = window.title;
      citation.page = span.first_page;
      citation.last_page = span.last_page;
      citation.unit = window.unit;
      citation.from_ocr = window.from_ocr;
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

namespace docent::retrieval {
bool Evidence::enough() const { return joint_coverage >= kAnswerCoverage; }

std::string Evidence::reason() const {
  if (context_coverage <= 0) return "no passage in the library shares the question's words";
  if (context_coverage < kAnswerCoverage) return "the passages found name too little of what the question asks about";
  return "no sentence covers enough of the question's words";
}
}  // namespace docent::retrieval
