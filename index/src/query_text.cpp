#include "query_text.hpp"

#include <unicode/uchar.h>
#include <unicode/uscript.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <unordered_set>

#include "word_breaks.hpp"

namespace docent::index::detail {
namespace {

// Words that carry almost no signal for bm25 yet match most chunks, which makes an OR query
// slower. Kept deliberately short: dropping topical words (e.g. "not", "no") hurts claims.
constexpr std::string_view kStopwords[] = {
    "a",    "an",   "and",   "are",  "as",    "at",   "be",    "by",   "for",  "from", "has",
    "have", "in",   "is",    "it",   "its",   "of",   "on",    "or",   "that", "the",  "their",
    "then", "there", "these", "this", "those", "to",  "was",   "were", "which", "with", "what"};

UScriptCode script_of(UChar32 c) {
  UErrorCode status = U_ZERO_ERROR;
  const UScriptCode script = uscript_getScript(c, &status);
  return U_SUCCESS(status) ? script : USCRIPT_UNKNOWN;
}

// A lone hiragana character is a Japanese particle or ending (は, に, が, を, た...): in an OR
// query it matches nearly every Japanese chunk, as an English stopword does.
bool is_lone_hiragana(std::string_view term) {
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(term.data());
  const auto length = static_cast<std::int32_t>(term.size());
  std::int32_t offset = 0;
  UChar32 c = 0;
  U8_NEXT(bytes, offset, length, c);
  return c >= 0 && offset == length && script_of(c) == USCRIPT_HIRAGANA;
}

bool is_stopword(const std::string& term) {
  return std::find(std::begin(kStopwords), std::end(kStopwords), term) != std::end(kStopwords) ||
         is_lone_hiragana(term);
}

// Korean writes particles and endings onto the word (서울은, 서울에서), and no dictionary cuts
// them off: a Hangul term matches as a prefix, so the bare noun finds every form.
bool is_hangul_term(std::string_view term) {
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(term.data());
  const auto length = static_cast<std::int32_t>(term.size());
  std::int32_t offset = 0;
  while (offset < length) {
    UChar32 c = 0;
    U8_NEXT(bytes, offset, length, c);
    if (c >= 0 && script_of(c) == USCRIPT_HANGUL) return true;
  }
  return false;
}

// Appends the case-folded maximal runs of word code points of `text`.
template <typename Add>
void add_plain_words(std::string_view text, Add&& add) {
  std::string current;
  auto finish_word = [&] {
    if (!current.empty()) add(std::move(current));
    current.clear();
  };
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(text.data());
  const auto length = static_cast<std::int32_t>(text.size());
  std::int32_t offset = 0;
  while (offset < length) {
    UChar32 c = 0;
    U8_NEXT(bytes, offset, length, c);
    if (c < 0 || !is_word_code_point(c)) {
      finish_word();
      continue;
    }
    const UChar32 folded = u_foldCase(c, U_FOLD_CASE_DEFAULT);
    char encoded[U8_MAX_LENGTH];
    std::int32_t written = 0;
    bool error = false;
    U8_APPEND(reinterpret_cast<std::uint8_t*>(encoded), written, U8_MAX_LENGTH, folded, error);
    if (error) {
      finish_word();
      continue;
    }
    current.append(encoded, static_cast<std::size_t>(written));
  }
  finish_word();
}

}  // namespace

std::vector<std::string> query_terms(std::string_view text, const QueryTermOptions& options) {
  text = text.substr(0, std::min<std::size_t>(text.size(), 1u << 30));
  std::vector<std::string> terms;
  std::unordered_set<std::string> seen;
  auto add = [&](std::string term) {
    if (seen.insert(term).second) terms.push_back(std::move(term));
  };
  for (const Stretch& stretch : stretches(text)) {
    const std::string_view part = stretch.range.of(text);
    if (!stretch.spaceless) {
      add_plain_words(part, add);
      continue;
    }
    // One term per dictionary word. FTS5's tokenizer cuts a compound such as 東京タワー into
    // its pieces again, and a quoted term of several pieces is a phrase, so it stays precise.
    for (const ByteRange& word : dictionary_words(part)) add_plain_words(word.of(part), add);
  }

  if (options.drop_stopwords) {
    std::vector<std::string> kept;
    for (const std::string& term : terms)
      if (!is_stopword(term)) kept.push_back(term);
    if (!kept.empty()) terms = std::move(kept);
  }
  if (terms.size() > options.max_terms) terms.resize(options.max_terms);
  return terms;
}

std::string fts_or_query(const std::vector<std::string>& terms) {
  std::string query;
  for (const std::string& term : terms) {
    if (!query.empty()) query += " OR ";
    query += '"';
    query += term;
    query += '"';
    if (is_hangul_term(term)) query += '*';
  }
  return query;
}

}  // namespace docent::index::detail
