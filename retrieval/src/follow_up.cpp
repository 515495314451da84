// Follow-up questions without a language model: "and in 2019?" is searched together with the
// words of the question before it. The rule is documented at rewrite_follow_up in retrieval.hpp.
#include <algorithm>
#include <cctype>
#include <set>
#include <unordered_set>

#include "docent/retrieval.hpp"
#include "text_terms.hpp"

namespace docent::retrieval {

namespace {

// Words of a conversation that name no subject: a question made only of these asks about
// whatever was being discussed.
bool is_filler(const std::string& stem) {
  static const std::unordered_set<std::string> words = {
      "tell", "explai", "explain", "descri", "say", "said", "know", "please", "else", "again", "instea",
      "same", "other", "anothe", "one", "ones", "thing", "way", "ok", "okay", "thank", "thanks",
      "mean", "detail", "exactl", "really", "like", "just", "now", "well", "yes", "yeah", "hmm", "give",
      "show", "let", "us", "them", "him", "anythi", "someth"};
  return words.count(stem) > 0;
}

bool is_anaphor(const std::string& word) {
  static const std::unordered_set<std::string> words = {"it",   "its",   "they",  "them", "their", "theirs",
                                                        "this", "that",  "these", "those", "he",   "she",
                                                        "him",  "his",   "her",   "hers", "there", "such"};
  return words.count(word) > 0;
}

// Lowercased words, split like content_terms (ASCII letters/digits and non-ASCII bytes).
std::vector<std::string> plain_words(std::string_view text, bool lowercase) {
  std::vector<std::string> words;
  std::string word;
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) || byte >= 0x80) {
      word += lowercase ? static_cast<char>(std::tolower(byte)) : c;
    } else if (!word.empty()) {
      words.push_back(std::move(word));
      word.clear();
    }
  }
  if (!word.empty()) words.push_back(std::move(word));
  return words;
}

// The stem of a word when it is a content word, else empty.
std::string content_stem(const std::string& word) {
  auto terms = content_terms(word);
  if (terms.size() != 1 || is_filler(terms[0])) return {};
  return terms[0];
}

bool opens_with_cue(const std::vector<std::string>& words) {
  if (words.empty()) return false;
  static const std::unordered_set<std::string> single = {"and", "but", "also", "so", "then", "or", "plus"};
  if (single.count(words[0])) return true;
  if (words.size() < 2) return false;
  return (words[0] == "what" || words[0] == "how") && (words[1] == "about" || words[1] == "of");
}

}  // namespace

QueryRewrite rewrite_follow_up(const std::string& previous_query, const std::string& question) {
  QueryRewrite rewrite;
  rewrite.query = question;
  if (previous_query.find_first_not_of(" \t\r\n") == std::string::npos) return rewrite;

  auto words = plain_words(question, true);
  std::set<std::string> own_stems;
  std::string own_words;
  for (const auto& word : words)
    if (auto stem = content_stem(word); !stem.empty() && own_stems.insert(stem).second)
      own_words += (own_words.empty() ? "" : " ") + word;
  bool refers_back = std::any_of(words.begin(), words.end(), is_anaphor);
  bool follow_up = own_stems.empty() ||
                   (own_stems.size() <= kFollowUpContentWords && (opens_with_cue(words) || refers_back));
  if (!follow_up) return rewrite;

  // "and in 2019?" after a question about 2018 asks about 2019 instead: a follow-up's own
  // numbers replace the previous query's.
  bool has_number = std::any_of(own_stems.begin(), own_stems.end(),
                                [](const std::string& stem) { return std::isdigit(static_cast<unsigned char>(stem[0])); });
  std::set<std::string> carried_stems;
  for (const auto& word : plain_words(previous_query, false)) {
    if (rewrite.carried_words.size() >= kCarriedWords) break;
    std::string lower = word;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    auto stem = content_stem(lower);
    if (stem.empty() || own_stems.count(stem) || (has_number && std::isdigit(static_cast<unsigned char>(stem[0]))))
      continue;
    if (!carried_stems.insert(stem).second) continue;
    rewrite.carried_words.push_back(word);
  }
  rewrite.follow_up = true;
  rewrite.method = "rule";
  rewrite.focus = own_words;
  std::string query = one_line(question);
  for (const auto& word : rewrite.carried_words) query += " " + word;
  rewrite.query = std::move(query);
  return rewrite;
}

}  // namespace docent::retrieval
