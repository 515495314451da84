#pragma once
// Which sources a generated answer's sentences rest on. The model's markers are checked against
// their sources, and a sentence the model left without one is matched to the source sentence it
// restates: content words count, numbers and names count more, and a number the source does not
// state (25.3 for 25.2) means the source does not say it.
#include <string>
#include <string_view>

#include "docent/retrieval.hpp"
#include "source_sentences.hpp"

namespace docent::retrieval {

// A sentence without a marker gets a source when the best source sentence supports at least
// this share of its weighted words.
inline constexpr double kAttributionThreshold = 0.5;

struct Support {
  double share = 0;        // of the claim's weight found in the source sentence (0 if a number is missing)
  bool shares_any = false;  // any content word or number in common
};
// How far `source` (one sentence) supports `claim`.
Support support_of(std::string_view claim, std::string_view source);

// Fills answer.sentences and answer.citations from answer.text (markers [n] already limited to
// the sources) and answer.context.windows: each sentence's markers that hold up, else a source
// attributed by word overlap, else "unsupported"; each cited source with the sentence of it that
// best supports its claim (pages from that sentence, both when it crosses a page break).
void attribute_answer(Answer& answer);

}  // namespace docent::retrieval
