#pragma once
// Word-level helpers for matching questions against sentences (no model involved).
#include <string>
#include <string_view>
#include <vector>

namespace docent::retrieval {

// Lowercased content words (stopwords dropped), cut to a short stem so "volcanoes" and
// "volcano" meet. ASCII letters and digits delimit words; other UTF-8 bytes stay inside them.
std::vector<std::string> content_terms(std::string_view text);

// The query without question words and auxiliaries ("how", "many", "when", "did", "is",
// "name"...): in BM25 they match countless passages and only blur the ranking of the words that
// say what is asked about. Unchanged when nothing else would be left.
std::string without_question_words(std::string_view query);

// Collapses line breaks, form feeds and runs of spaces into single spaces.
std::string one_line(std::string_view text);

// SQuAD-style normalisation: lowercase, no punctuation, no articles, single spaces.
std::vector<std::string> answer_tokens(std::string_view text);

}  // namespace docent::retrieval
