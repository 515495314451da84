#include "query_text.hpp"

#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <unordered_set>

namespace docent::index::detail {
namespace {

// Words that carry almost no signal for bm25 yet match most chunks, which makes an OR query
// slower. Kept deliberately short: dropping topical words (e.g. "not", "no") hurts claims.
constexpr std::string_view kStopwords[] = {
    "a",    "an",   "and",   "are",  "as",    "at",   "be",    "by",   "for",  "from", "has",
    "have", "in",   "is",    "it",   "its",   "of",   "on",    "or",   "that", "the",  "their",
    "then", "there", "these", "this", "those", "to",  "was",   "were", "which", "with", "what"};

bool is_stopword(const std::string& term) {
  return std::find(std::begin(kStopwords), std::end(kStopwords), term) != std::end(kStopwords);
}

bool is_word_code_point(UChar32 c) {
  if (u_isalnum(c)) return true;
  const auto category = static_cast<UCharCategory>(u_charType(c));
  return category == U_NON_SPACING_MARK || category == U_COMBINING_SPACING_MARK ||
         category == U_ENCLOSING_MARK;
}

}  // namespace

std::vector<std::string> query_terms(std::string_view text, const QueryTermOptions& options) {
  std::vector<std::string> terms;
  std::unordered_set<std::string> seen;
  std::string current;
  auto finish_word = [&] {
    if (current.empty()) return;
    if (seen.insert(current).second) terms.push_back(current);
    current.clear();
  };
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(text.data());
  const auto length = static_cast<std::int32_t>(std::min<std::size_t>(text.size(), 1u << 30));
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
  }
  return query;
}

}  // namespace docent::index::detail
