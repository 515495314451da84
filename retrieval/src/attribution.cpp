// Which sources an answer's sentences rest on: markers checked against their sources, and
// sentences without one matched to the source sentence they restate.
#include "docent/retrieval.hpp"

namespace docent::retrieval {

bool Answer::source_cited(int number) const {
  for (const auto& citation : citations)
    if (citation.source == number) return true;
  return false;
}

}  // namespace docent::retrieval
