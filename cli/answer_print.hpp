#pragma once
// How `ask` and `chat` show an answer: the text, what the sources check found, the cited
// sources and every passage that was read or put in the prompt, and the --json fields.
#include <nlohmann/json.hpp>

#include "docent/retrieval.hpp"

namespace docent::cli {

// The one JSON shape of an answer (ask --json, chat --json, the server):
//   answer, thinking, extractive, found, abstain_reason,
//   sentences[]: text, citations (numbers), attributed, unsupported, unsupported_markers,
//   citations[]: number, source (passage number), path, title, page, last_page, chunk_id, quote,
//                attributed (no marker written: matched by docent), supported,
//   removed_citations (numbers the model made up),
//   context: tokens, windows[] (the passages, in prompt order): number, path, title, first_page,
//            last_page, tokens, chunks, cited, cited_as (citation numbers), text,
//   timings, and generation for a generated answer.
nlohmann::json answer_json(const retrieval::Answer& answer);

// The answer for a person: an extractive answer is printed here with its label; a generated
// one has been streamed already (only a note when it came out empty). Then the sentences the
// sources check flagged, the Sources list with the passages, and, on stderr, citation numbers
// the model made up.
void print_answer(const retrieval::Answer& answer);
// The cited sources, then every passage that was read (extractive) or in the prompt, each
// marked when the answer cites it.
void print_sources(const retrieval::Answer& answer);

}  // namespace docent::cli
