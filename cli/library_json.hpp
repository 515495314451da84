#pragma once
// The --json shapes of `search`, `list` and `passage`, shared by those commands, `docent serve`
// and `docent mcp`, so the CLI and the APIs cannot drift apart (`ask` is in answer_print.hpp).
#include <nlohmann/json.hpp>

#include "docent/retrieval.hpp"

namespace docent::cli {

// {"query", "mode", "embedder", "results": [{chunk_id, path, title, first_page, last_page,
// score, snippet[, text]}]}
nlohmann::json search_json(const std::string& query, const retrieval::Searcher& searcher,
                           const std::vector<retrieval::SearchResult>& results, bool full_text);
// {id, path, title, status, error, pages, pages_without_text, chunks, bytes, sha256, ingested_at}
nlohmann::json document_json(const index::DocumentRecord& document);
// {chunk_id, document_id, path, title, first_page, last_page, ordinal, tokens, text}
nlohmann::json passage_json(const index::ChunkRecord& chunk, const index::DocumentRecord& document);

// The passage with this id and its document; nullopt when the library has no such chunk.
std::optional<nlohmann::json> find_passage(const index::Library& library, std::int64_t chunk_id);

}  // namespace docent::cli
