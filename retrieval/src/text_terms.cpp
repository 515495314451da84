#include "text_terms.hpp"

#include <cctype>
#include <unordered_set>

namespace docent::retrieval {

namespace {
const std::unordered_set<std::string>& stopwords() {
  static const std::unordered_set<std::string> words = {
      "a", "an", "the", "and", "or", "but", "of", "in", "on", "at", "to", "for", "from", "by", "with", "about",
      "as", "into", "is", "are", "was", "were", "be", "been", "being", "do", "does", "did", "has", "have", "had",
      "what", "which", "who", "whom", "whose", "when", "where", "why", "how", "that", "this", "these", "those",
      "it", "its", "he", "she", "they", "them", "his", "her", "their", "there", "than", "then", "so", "not",
      "no", "can", "could", "would", "should", "will", "shall", "may", "might", "must", "i", "you", "we",
      "me", "my", "our", "your", "if", "also", "any", "all", "some", "such", "many", "much", "more", "most"};
  return words;
}

bool word_byte(unsigned char c) { return std::isalnum(c) || c >= 0x80; }
}  // namespace

std::vector<std::string> content_terms(std::string_view text) {
  constexpr std::size_t kStemLength = 6;
  std::vector<std::string> terms;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && !word_byte(static_cast<unsigned char>(text[i]))) ++i;
    std::string word;
    while (i < text.size() && word_byte(static_cast<unsigned char>(text[i])))
      word += static_cast<char>(std::tolower(static_cast<unsigned char>(text[i++])));
    if (word.empty() || stopwords().count(word)) continue;
    if (word.size() > kStemLength) word.resize(kStemLength);
    else if (word.size() > 3 && word.back() == 's') word.pop_back();
    terms.push_back(std::move(word));
  }
  return terms;
}

std::vector<TextWord> text_words(std::string_view text) {
  std::vector<TextWord> out;
  std::size_t i = 0;
  auto inner = [](unsigned char c) { return word_byte(c) || c == '\''; };
  while (i < text.size()) {
    auto c = static_cast<unsigned char>(text[i]);
    if (!word_byte(c)) {
      ++i;
      continue;
    }
    TextWord word;
    word.number = std::isdigit(c) != 0;
    word.capitalised = std::isupper(c) != 0;
    while (i < text.size()) {
      auto b = static_cast<unsigned char>(text[i]);
      bool mark = word.number && (b == '.' || b == ',') && i + 1 < text.size() &&
                  std::isdigit(static_cast<unsigned char>(text[i + 1]));
      if (!inner(b) && !mark) break;
      word.text += static_cast<char>(b);
      ++i;
    }
    while (!word.text.empty() && word.text.back() == '\'') word.text.pop_back();
    for (char ch : word.text) word.lower += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (word.lower.size() > 2 && word.lower.ends_with("'s")) word.lower.resize(word.lower.size() - 2);
    if (word.number) {
      word.term = word.lower;
    } else {
      auto terms = content_terms(word.lower);
      if (!terms.empty()) word.term = terms.front();
    }
    out.push_back(std::move(word));
  }
  return out;
}

double term_match(const std::string& wanted, const std::string& term) {
  if (wanted == term) return 1;
  constexpr std::size_t kPrefix = 4;
  const auto& shorter = wanted.size() < term.size() ? wanted : term;
  const auto& longer = wanted.size() < term.size() ? term : wanted;
  if (shorter.size() < kPrefix || longer.compare(0, shorter.size(), shorter) != 0) return 0;
  return kPrefixMatch;
}

std::string without_question_words(std::string_view query) {
  static const std::unordered_set<std::string> question_words = {
      "how", "many", "much", "when", "where", "who", "whom", "whose", "why", "what", "which",
      "did", "does", "do", "was", "were", "is", "are", "name", "type", "kind"};
  std::string kept, word;
  auto flush = [&] {
    std::string lower = word;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!word.empty() && !question_words.count(lower)) kept += (kept.empty() ? "" : " ") + word;
    word.clear();
  };
  for (char c : query) {
    if (word_byte(static_cast<unsigned char>(c))) word += c;
    else flush();
  }
  flush();
  return kept.empty() ? std::string(query) : kept;
}

std::string one_line(std::string_view text) {
  std::string flat;
  for (char c : text) {
    bool space = c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == ' ';
    if (space && (flat.empty() || flat.back() == ' ')) continue;
    flat += space ? ' ' : c;
  }
  while (!flat.empty() && flat.back() == ' ') flat.pop_back();
  return flat;
}

std::vector<std::string> answer_tokens(std::string_view text) {
  std::vector<std::string> tokens;
  std::string word;
  auto flush = [&] {
    if (!word.empty() && word != "a" && word != "an" && word != "the") tokens.push_back(word);
    word.clear();
  };
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    if (std::isspace(byte)) flush();
    else if (std::ispunct(byte)) continue;  // SQuAD drops punctuation without splitting
    else word += static_cast<char>(std::tolower(byte));
  }
  flush();
  return tokens;
}

}  // namespace docent::retrieval
