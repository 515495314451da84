// Paragraph and sentence boundaries, and the model-free token estimate.

#include <unicode/uchar.h>

#include <algorithm>
#include <array>

#include "ingest_internal.hpp"

namespace docent::ingest {
namespace detail {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

// Words that end with a period without ending a sentence. Compared in lowercase, without the
// final period ("e.g." -> "e.g").
constexpr std::string_view kAbbreviations[] = {
    "e.g", "i.e", "cf", "vs", "viz", "al", "approx", "ca", "dr", "mr", "mrs", "ms", "prof", "sr", "jr", "st",
    "mt", "fig", "figs", "eq", "eqs", "sec", "secs", "ch", "chap", "tab", "ref", "refs", "no", "nos", "vol",
    "vols", "pp", "p", "ed", "eds", "inc", "ltd", "co", "corp", "dept", "univ", "jan", "feb", "mar", "apr",
    "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "u.s", "a.m", "p.m", "ph.d", "b.sc", "m.sc"};

bool is_abbreviation(std::string_view word) {
  if (word.empty() || word.size() > 6) return false;
  std::array<char, 8> lower{};
  for (std::size_t i = 0; i < word.size(); ++i) {
    const char c = word[i];
    lower[i] = (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c;
  }
  const std::string_view key(lower.data(), word.size());
  return std::find(std::begin(kAbbreviations), std::end(kAbbreviations), key) != std::end(kAbbreviations);
}

// Length of a closing quote or bracket at `pos`, 0 if none.
std::size_t closing_mark_length(std::string_view text, std::size_t pos) {
  const char c = text[pos];
  if (c == '"' || c == '\'' || c == ')' || c == ']') return 1;
  const std::string_view rest = text.substr(pos);
  if (rest.rfind("\xE2\x80\x99", 0) == 0 || rest.rfind("\xE2\x80\x9D", 0) == 0) return 3;  // ’ ”
  return 0;
}

// Whether a sentence may begin at `pos`: capitals, digits, opening quotes/brackets, or any
// non-Latin script letter that is not lowercase.
bool can_start_sentence(std::string_view text, std::size_t pos) {
  const unsigned char c = static_cast<unsigned char>(text[pos]);
  if (c < 0x80) {
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '"' || c == '\'' || c == '(' || c == '[' ||
           c == '*' || c == '-';
  }
  std::size_t cursor = pos;
  const char32_t cp = utf8::decode(text, cursor);
  return !u_islower(static_cast<UChar32>(cp));
}

}  // namespace

std::vector<TextSpan> split_paragraphs(std::string_view text) {
  std::vector<TextSpan> paragraphs;
  std::size_t paragraph_start = std::string_view::npos;
  std::size_t paragraph_end = 0;  // end of the last non-blank line
  std::size_t line_start = 0;
  while (line_start <= text.size()) {
    std::size_t line_end = text.find('\n', line_start);
    if (line_end == std::string_view::npos) line_end = text.size();
    std::size_t first = line_start;
    while (first < line_end && is_space(text[first])) ++first;
    if (first == line_end) {  // blank line: closes the open paragraph
      if (paragraph_start != std::string_view::npos) paragraphs.push_back({paragraph_start, paragraph_end});
      paragraph_start = std::string_view::npos;
    } else {
      if (paragraph_start == std::string_view::npos) paragraph_start = first;
      std::size_t last = line_end;
      while (last > first && is_space(text[last - 1])) --last;
      paragraph_end = last;
    }
    if (line_end == text.size()) break;
    line_start = line_end + 1;
  }
  if (paragraph_start != std::string_view::npos) paragraphs.push_back({paragraph_start, paragraph_end});
  return paragraphs;
}

std::vector<TextSpan> split_sentences(std::string_view paragraph) {
  std::vector<TextSpan> sentences;
  const std::size_t size = paragraph.size();
  std::size_t start = 0;
  while (start < size && is_space(paragraph[start])) ++start;
  const auto close_sentence = [&](std::size_t end, std::size_t next_start) {
    std::size_t trimmed = end;
    while (trimmed > start && is_space(paragraph[trimmed - 1])) --trimmed;
    if (trimmed > start) sentences.push_back({start, trimmed});
    start = next_start;
  };
  for (std::size_t i = start; i < size; ++i) {
    const char c = paragraph[i];
    std::size_t mark_end;
    if (c == '.' || c == '!' || c == '?') {
      mark_end = i + 1;
    } else if (c == '\xE2' && paragraph.substr(i, 3) == "\xE2\x80\xA6") {  // …
      mark_end = i + 3;
    } else {
      continue;
    }
    std::size_t after = mark_end;
    while (after < size && (paragraph[after] == '.' || paragraph[after] == '!' || paragraph[after] == '?')) ++after;
    for (std::size_t length; after < size && (length = closing_mark_length(paragraph, after)) > 0;) after += length;
    if (after < size && !is_space(paragraph[after])) continue;  // "3.14", "e.g.," and URLs go on
    std::size_t next = after;
    while (next < size && is_space(paragraph[next])) ++next;
    if (next >= size) break;  // the paragraph's end closes the sentence anyway
    if (!can_start_sentence(paragraph, next)) continue;
    if (c == '.' && mark_end == i + 1) {
      std::size_t word_start = i;
      while (word_start > 0 && !is_space(paragraph[word_start - 1]) && paragraph[word_start - 1] != '(') --word_start;
      const std::string_view word = paragraph.substr(word_start, i - word_start);
      if (is_abbreviation(word)) continue;
      if (word.size() == 1 && word[0] >= 'A' && word[0] <= 'Z') continue;  // an initial: "J. Smith"
    }
    close_sentence(after, next);
    i = next - 1;
  }
  close_sentence(size, size);
  return sentences;
}

}  // namespace detail

std::size_t approximate_token_count(std::string_view text) {
  // Roughly what subword tokenizers produce on English prose: one token per short word, about
  // four characters per token in long words, three digits per token in numbers, and one per
  // punctuation mark. Whitespace only separates, so counts add up across whitespace splits,
  // which the chunker relies on.
  std::size_t tokens = 0;
  std::size_t pos = 0;
  const std::size_t size = text.size();
  while (pos < size) {
    const unsigned char c = static_cast<unsigned char>(text[pos]);
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f') {
      ++pos;
      continue;
    }
    const bool letter = (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
    if (letter || c >= 0x80) {
      std::size_t characters = 0;
      while (pos < size) {
        const unsigned char d = static_cast<unsigned char>(text[pos]);
        if (!(((d | 0x20) >= 'a' && (d | 0x20) <= 'z') || d >= 0x80)) break;
        if (!utf8::is_continuation(d)) ++characters;  // count code points, not bytes
        ++pos;
      }
      tokens += characters <= 6 ? 1 : (characters + 3) / 4;
    } else if (c >= '0' && c <= '9') {
      std::size_t digits = 0;
      while (pos < size && text[pos] >= '0' && text[pos] <= '9') ++digits, ++pos;
      tokens += (digits + 2) / 3;
    } else {
      ++tokens;
      ++pos;
    }
  }
  return tokens;
}

}  // namespace docent::ingest
