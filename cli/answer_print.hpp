#pragma once
// How `ask` and `chat` show an answer: the text, the Sources list, and the --json fields.
#include <nlohmann/json.hpp>

#include "docent/retrieval.hpp"

namespace docent::cli {

// The answer's fields for --json: answer, thinking, extractive, found, citations,
// removed_citations, context, timings.
nlohmann::json answer_json(const retrieval::Answer& answer);

// The answer for a person: an extractive answer is printed here with its label; a generated
// one has been streamed already (only a note when it came out empty). Then the Sources list
// and, on stderr, citation numbers the model made up.
void print_answer(const retrieval::Answer& answer);
void print_sources(const retrieval::Answer& answer);

}  // namespace docent::cli
