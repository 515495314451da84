// Which sources an answer's sentences rest on: markers checked against their sources, and
// sentences without one matched to the source sentence they restate.
#include "attribution.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <regex>
#include <set>

#include "text_terms.hpp"

namespace docent::retrieval {

bool Answer::source_cited(int number) const {
  for (const auto& citation : citations)
    if (citation.source == number) return true;
  return false;
}

namespace {

// A number pins a claim down more than any word; a name more than a common word.
constexpr double kNumberWeight = 3;
constexpr double kNameWeight = 2;
// A sentence with fewer content words than this makes no claim to check ("Yes.", "In 1871.").
constexpr std::size_t kClaimTerms = 2;

struct WeightedTerm {
  std::string term;
  double weight = 1;
  bool number = false;
};

std::vector<WeightedTerm> claim_terms(std::string_view text) {
  std::vector<WeightedTerm> out;
  auto words = text_words(text);
  for (std::size_t i = 0; i < words.size(); ++i) {
    const auto& word = words[i];
    if (word.term.empty()) continue;
    if (std::any_of(out.begin(), out.end(), [&](const auto& t) { return t.term == word.term; })) continue;
    double weight = word.number ? kNumberWeight : (word.capitalised && i > 0 ? kNameWeight : 1.0);
    out.push_back({word.term, weight, word.number});
  }
  return out;
}

std::vector<std::string> source_terms(std::string_view text) {
  std::vector<std::string> out;
  for (const auto& word : text_words(text))
    if (!word.term.empty()) out.push_back(word.term);
  return out;
}

// Phrases of a model saying the sources do not answer: not a claim to check.
bool declines(std::string_view sentence) {
  std::string lower;
  for (char c : sentence) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const char* phrase : {"cannot find", "can't find", "could not find", "couldn't find", "do not contain",
                             "does not contain", "don't contain", "doesn't contain", "no information", "not mentioned",
                             "do not mention", "does not mention", "not in the documents", "not in the sources"})
    if (lower.find(phrase) != std::string::npos) return true;
  return false;
}

Support support_with(const std::vector<WeightedTerm>& claim, const std::vector<std::string>& source) {
  Support support;
  double total = 0, found = 0;
  bool number_missing = false;
  for (const auto& term : claim) {
    total += term.weight;
    double best = 0;
    for (const auto& candidate : source) {
      // Numbers match only exactly: 25.2 volts is not 25.3 volts.
      double strength = term.number ? (candidate == term.term ? 1.0 : 0.0) : term_match(term.term, candidate);
      best = std::max(best, strength);
    }
    if (best > 0) support.shares_any = true;
    if (term.number && best == 0) number_missing = true;
    found += term.weight * best;
  }
  support.share = total > 0 && !number_missing ? found / total : 0;
  return support;
}

struct Marker {
  int number = 0;
  std::string claim;  // the words the marker closes, when it stands inside a sentence; else empty: all of it
};
struct AnswerSpan {
  std::string text;  // the sentence without its markers
  std::vector<Marker> markers;
};

// The answer's sentences with the markers each carries; a marker standing after a sentence's
// final stop ("... in 1871. [1]") belongs to that sentence. A marker inside a sentence ("lit in
// 1871 [1] and has 212 steps [2].") vouches for the words since the marker before it.
std::vector<AnswerSpan> answer_spans(const std::string& text) {
  static const std::regex marker(R"(\[(\d+)\])");
  static const std::regex marker_with_space(R"(\s*\[\d+\])");
  std::vector<AnswerSpan> out;
  for (const auto& span : ingest::sentence_spans(text)) {
    std::string piece = text.substr(span.start, span.end - span.start);
    std::vector<Marker> markers;
    std::size_t last = 0;
    bool leading = true;  // no word yet: markers here close the sentence before
    for (auto it = std::sregex_iterator(piece.begin(), piece.end(), marker); it != std::sregex_iterator(); ++it) {
      auto position = static_cast<std::size_t>(it->position());
      std::string between = piece.substr(last, position - last);
      last = position + static_cast<std::size_t>(it->length());
      int number = std::stoi((*it)[1].str());
      bool words = content_terms(between).size() > 0 || between.find_first_not_of(" \t\n,;.") != std::string::npos;
      if (leading && !words && !out.empty()) {
        out.back().markers.push_back({number, ""});
        continue;
      }
      leading = false;
      std::string claim = content_terms(between).size() >= kClaimTerms ? between : "";
      markers.push_back({number, claim});
    }
    // The last claim runs to the sentence's end: "... [1] and has 212 steps." without a marker.
    std::string plain = one_line(std::regex_replace(piece, marker_with_space, ""));
    while (!plain.empty() && (plain.front() == '-' || plain.front() == '*' || plain.front() == ' ')) plain.erase(0, 1);
    if (plain.find_first_not_of(" .,;:!?\"'()*-") == std::string::npos) continue;
    // A sentence whose only marker is at its end vouches with the whole sentence.
    if (markers.size() == 1) markers.front().claim.clear();
    out.push_back({plain, markers});
  }
  for (auto& span : out) {
    std::vector<Marker> unique;
    for (const auto& m : span.markers)
      if (std::none_of(unique.begin(), unique.end(), [&](const Marker& u) { return u.number == m.number; }))
        unique.push_back(m);
    span.markers = std::move(unique);
  }
  return out;
}

struct SourceIndex {
  struct Entry {
    SourceSentence sentence;
    std::string text;
    std::vector<std::string> terms;
  };
  std::vector<std::vector<Entry>> windows;  // per window, its sentences
  std::vector<std::set<std::string>> window_terms;

  explicit SourceIndex(const AssembledContext& context) {
    for (const auto& window : context.windows) {
      auto& entries = windows.emplace_back();
      auto& all = window_terms.emplace_back();
      for (const auto& sentence : source_sentences(window)) {
        std::string text = one_line(std::string_view(window.text).substr(sentence.start, sentence.end - sentence.start));
        auto terms = source_terms(text);
        all.insert(terms.begin(), terms.end());
        entries.push_back({sentence, std::move(text), std::move(terms)});
      }
    }
  }
};

struct Best {
  double share = 0;
  std::size_t window = 0;
  const SourceIndex::Entry* entry = nullptr;
};

Best best_in_window(const SourceIndex& index, std::size_t window, const std::vector<WeightedTerm>& claim) {
  Best best;
  best.window = window;
  for (const auto& entry : index.windows[window]) {
    auto support = support_with(claim, entry.terms);
    if (!best.entry || support.share > best.share) best = {support.share, window, &entry};
  }
  return best;
}

}  // namespace

Support support_of(std::string_view claim, std::string_view source) {
  return support_with(claim_terms(claim), source_terms(source));
}

void attribute_answer(Answer& answer) {
  answer.sentences.clear();
  answer.citations.clear();
  const auto& windows = answer.context.windows;
  SourceIndex index(answer.context);
  struct Use {
    Best best;
    bool written = false;
  };
  std::map<int, std::vector<Use>> uses;  // source number -> the sentences resting on it
  std::set<int> written_unsupported;
  for (const auto& span : answer_spans(answer.text)) {
    AnswerSentence sentence;
    sentence.text = span.text;
    auto claim = claim_terms(span.text);
    bool is_claim = claim.size() >= kClaimTerms && !declines(span.text);
    // Every source the sentence's markers name: a sentence citing two may take its number from either.
    std::vector<std::string> named;
    for (const auto& m : span.markers)
      if (m.number >= 1 && static_cast<std::size_t>(m.number) <= windows.size())
        named.insert(named.end(), index.window_terms[m.number - 1].begin(), index.window_terms[m.number - 1].end());
    for (const auto& m : span.markers) {
      const int number = m.number;
      if (number < 1 || static_cast<std::size_t>(number) > windows.size()) continue;
      auto window = static_cast<std::size_t>(number - 1);
      // Against the whole source, for "shares nothing" and for a number it never states; the
      // words the marker closes when it stands inside the sentence, else the whole sentence.
      std::vector<std::string> all(index.window_terms[window].begin(), index.window_terms[window].end());
      auto own = m.claim.empty() ? claim : claim_terms(m.claim);
      auto whole = m.claim.empty() ? support_with(own, span.markers.size() > 1 ? named : all) : support_with(own, all);
      if (m.claim.empty() && span.markers.size() > 1) whole.shares_any = support_with(own, all).shares_any;
      if (is_claim && (!whole.shares_any || whole.share == 0)) {
        sentence.unsupported_markers.push_back(number);
        written_unsupported.insert(number);
        continue;
      }
      sentence.citations.push_back(number);
      uses[number].push_back({best_in_window(index, window, own), true});
    }
    if (sentence.citations.empty() && is_claim) {
      Best best;
      for (std::size_t w = 0; w < windows.size(); ++w) {
        auto candidate = best_in_window(index, w, claim);
        if (candidate.entry && (!best.entry || candidate.share > best.share)) best = candidate;
      }
      if (best.entry && best.share >= kAttributionThreshold) {
        int number = static_cast<int>(best.window) + 1;
        sentence.citations.push_back(number);
        sentence.attributed = true;
        uses[number].push_back({best, false});
      } else {
        sentence.unsupported = true;
      }
    }
    answer.sentences.push_back(std::move(sentence));
  }
  for (int number : written_unsupported)
    if (!uses.count(number)) uses[number];  // listed, flagged as not supported
  for (const auto& [number, list] : uses) {
    const auto& window = windows[static_cast<std::size_t>(number - 1)];
    Citation citation;
    citation.number = number;
    citation.source = number;
    citation.path = window.path;
    citation.title = window.title;
    citation.chunk_id = window.hit_chunk_ids.empty() ? 0 : window.hit_chunk_ids.front();
    citation.attributed = !list.empty() && std::none_of(list.begin(), list.end(), [](const Use& use) { return use.written; });
    citation.supported = !list.empty();
    // The quote: the source sentence that best supports any claim resting on it.
    const SourceIndex::Entry* quote = nullptr;
    double share = -1;
    for (const auto& use : list)
      if (use.best.entry && use.best.share > share) {
        share = use.best.share;
        quote = use.best.entry;
      }
    if (!quote && !index.windows[static_cast<std::size_t>(number - 1)].empty())
      quote = &index.windows[static_cast<std::size_t>(number - 1)].front();
    citation.page = quote ? quote->sentence.first_page : window.first_page;
    citation.last_page = quote ? quote->sentence.last_page : window.first_page;
    citation.unit = window.unit;
    citation.from_ocr = window.from_ocr;
    citation.quote = quote ? quote->text : "";
    answer.citations.push_back(std::move(citation));
  }
}

}  // namespace docent::retrieval
