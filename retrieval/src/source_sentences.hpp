#pragma once
// The sentences of a context window as a reader sees them: a sentence broken by a page break is
// one sentence (on both pages), and a heading line is not glued to the sentence under it.
#include <cstddef>
#include <string>
#include <vector>

#include "docent/retrieval.hpp"

namespace docent::retrieval {

struct SourceSentence {
  std::size_t start = 0, end = 0;  // [start, end) in the window's text
  int first_page = 0, last_page = 0;
  bool heading = false;  // a short title line ("Fire and war"), not a statement
};

std::vector<SourceSentence> source_sentences(const ContextWindow& window);

}  // namespace docent::retrieval
