#pragma once
// How well the assembled context answers a question, before any answer is written: the
// sentences ranked by how well they answer it, and whether the best is good enough to answer
// from at all (an extractive answer quotes them; a model is not asked when it is not).
#include <string>
#include <vector>

#include "answer_kind.hpp"
#include "docent/retrieval.hpp"
#include "source_sentences.hpp"

namespace docent::retrieval {

// A sentence covering less of the question's weight than this does not answer it.
inline constexpr double kMinimumCoverage = 0.3;

struct ScoredSentence {
  std::size_t window = 0;  // index into the context's windows
  SourceSentence sentence;
  double score = 0;
  double coverage = 0;
};

struct Evidence {
  AnswerKind kind = AnswerKind::any;
  double coverage = 0;    // of the best sentence
  double kind_found = 0;  // the best sentence's evidence of the kind asked for
  bool enough() const { return coverage >= kMinimumCoverage; }
  std::string reason() const;
};

// `focus`: a follow-up's own words (see AnswerOptions::focus). Fills `ranked` best first.
Evidence weigh_evidence(const AssembledContext& context, const std::string& question, const std::string& focus,
                        std::vector<ScoredSentence>* ranked = nullptr);

}  // namespace docent::retrieval
