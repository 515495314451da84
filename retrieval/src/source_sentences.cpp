#include "source_sentences.hpp"

#include <cctype>
#include <string_view>

#include "text_terms.hpp"

namespace docent::retrieval {

namespace {

constexpr std::size_t kHeadingWords = 9;

bool ends_statement(std::string_view text) {
  while (!text.empty() && (text.back() == '"' || text.back() == '\'' || text.back() == ')' || text.back() == ']'))
    text.remove_suffix(1);
  if (text.size() >= 3 && text.substr(text.size() - 3) == "\xE2\x80\x9D") text.remove_suffix(3);  // ”
  return !text.empty() && (text.back() == '.' || text.back() == '!' || text.back() == '?' || text.back() == ':' ||
                           text.back() == ';');
}

// Whether `line` reads as a title standing on its own line: a few words, capitalised, no
// punctuation at its end, and not ending in a word that needs a continuation ("In", "of the").
bool heading_line(std::string_view line) {
  if (line.empty() || !std::isupper(static_cast<unsigned char>(line.front()))) return false;
  char last = line.back();
  if (!std::isalnum(static_cast<unsigned char>(last))) return false;
  std::size_t words = 1;
  for (char c : line) words += c == ' ';
  if (words > kHeadingWords) return false;
  auto final_word = line.substr(line.rfind(' ') == std::string_view::npos ? 0 : line.rfind(' ') + 1);
  return !content_terms(final_word).empty();
}

}  // namespace

std::vector<SourceSentence> source_sentences(const ContextWindow& window) {
  std::string_view text = window.text;
  std::vector<SourceSentence> out;
  for (const auto& span : ingest::sentence_spans(text)) {
    SourceSentence sentence{span.start, span.end, window.page_at(span.start), window.page_at(span.end - 1), false};
    // A heading on the line above the sentence's first words: split it off, when the span
    // starts a line and the next line starts with a capital.
    bool line_start = span.start == 0 || text[span.start - 1] == '\n' || text[span.start - 1] == '\f';
    auto line_end = text.find('\n', span.start);
    if (line_start && line_end != std::string_view::npos && line_end + 1 < span.end &&
        heading_line(text.substr(span.start, line_end - span.start))) {
      std::size_t next = line_end + 1;
      while (next < span.end && (text[next] == '\f' || text[next] == ' ')) ++next;
      if (next < span.end && std::isupper(static_cast<unsigned char>(text[next]))) {
        out.push_back({span.start, line_end, sentence.first_page, window.page_at(line_end - 1), true});
        sentence.start = next;
        sentence.first_page = window.page_at(next);
      }
    }
    // A sentence the page break cut: its first part does not end a statement and the next
    // span begins on a later page.
    if (!out.empty() && !out.back().heading && out.back().last_page < sentence.first_page &&
        !ends_statement(text.substr(out.back().start, out.back().end - out.back().start))) {
      out.back().end = sentence.end;
      out.back().last_page = sentence.last_page;
      continue;
    }
    out.push_back(sentence);
  }
  for (auto& sentence : out)
    if (text[sentence.start] == '#') sentence.heading = true;
  return out;
}

}  // namespace docent::retrieval
