#pragma once
// Turns what a user typed into a query FTS5 can never reject.

#include <string>
#include <string_view>
#include <vector>

namespace docent::index::detail {

struct QueryTermOptions {
  bool drop_stopwords = true;
  std::size_t max_terms = 64;  // bounds the cost of a pasted paragraph
};

// Words of `text`: maximal runs of Unicode letters, digits and combining marks, case-folded,
// first occurrence order, duplicates removed; a run in a spaceless script (Chinese, Japanese,
// Thai...) gives one term per dictionary word (word_breaks.hpp). Stopwords (short English list,
// lone hiragana particles) are dropped only when something else remains. Invalid UTF-8 bytes
// separate words.
std::vector<std::string> query_terms(std::string_view text, const QueryTermOptions& options = {});

// `"term1" OR "term2" ...`, a Korean term as a prefix (`"서울"*`); empty when there are no
// terms. Terms never contain a double quote,
// so every operator, bareword (AND, NEAR) and special character in the input is just text.
std::string fts_or_query(const std::vector<std::string>& terms);

}  // namespace docent::index::detail
