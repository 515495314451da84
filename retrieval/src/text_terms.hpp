#pragma once
// Word-level helpers for matching questions against sentences (no model involved).
#include <string>
#include <string_view>
#include <vector>

namespace docent::retrieval {

// Lowercased content words (stopwords dropped), cut to a short stem so "volcanoes" and
// "volcano" meet. ASCII letters and digits delimit words; other UTF-8 bytes stay inside them.
std::vector<std::string> content_terms(std::string_view text);

// The words and numbers of a text as written: a number keeps its decimal point and thousands
// separators ("25.2", "20,000"), so numbers that differ in one digit stay different.
struct TextWord {
  std::string text;   // as written ("Marten", "25.2")
  std::string lower;  // lowercased, a trailing "'s" dropped
  std::string term;   // its content term (content_terms), empty for a stopword
  bool number = false;       // starts with a digit
  bool capitalised = false;  // starts with an ASCII capital
};
std::vector<TextWord> text_words(std::string_view text);

// How strongly a text's term `term` stands for the wanted term `wanted` (both from
// content_terms): 1 when equal, kPrefixMatch when one is the other's beginning and at least four
// letters long ("volt" and "voltag", "open" and "opened"), which the short stems leave apart.
inline constexpr double kPrefixMatch = 0.8;
double term_match(const std::string& wanted, const std::string& term);

// The query without question words and auxiliaries ("how", "many", "when", "did", "is",
// "name"...): in BM25 they match countless passages and only blur the ranking of the words that
// say what is asked about. Unchanged when nothing else would be left.
std::string without_question_words(std::string_view query);

// Collapses line breaks, form feeds and runs of spaces into single spaces.
std::string one_line(std::string_view text);

// SQuAD-style normalisation: lowercase, no punctuation, no articles, single spaces.
std::vector<std::string> answer_tokens(std::string_view text);

}  // namespace docent::retrieval
