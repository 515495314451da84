#include "ingest_internal.hpp"

namespace docent::ingest {

std::vector<SentenceSpan> sentence_spans(std::string_view text) {
  std::vector<SentenceSpan> spans;
  for (const auto& paragraph : detail::split_paragraphs(text)) {
    auto paragraph_text = text.substr(paragraph.start, paragraph.end - paragraph.start);
    for (const auto& sentence : detail::split_sentences(paragraph_text))
      spans.push_back({paragraph.start + sentence.start, paragraph.start + sentence.end});
  }
  return spans;
}

}  // namespace docent::ingest
