#include "library_json.hpp"

#include "output.hpp"

namespace docent::cli {

using nlohmann::json;

json search_json(const std::string& query, const retrieval::Searcher& searcher,
                 const std::vector<retrieval::SearchResult>& results, bool full_text) {
  json rows = json::array();
  for (const auto& r : results) {
    json row = {{"chunk_id", r.chunk_id},      {"path", r.path},           {"title", r.title},
                {"first_page", r.first_page},  {"last_page", r.last_page},
                {"unit", std::string(ingest::to_string(r.unit))}, {"ocr", r.from_ocr}, {"score", r.score},
                {"snippet", r.snippet}};
    if (full_text) row["text"] = r.text;
    rows.push_back(row);
  }
  json embedder = nullptr;
  if (searcher.binding())
    embedder = {{"model_id", searcher.binding()->model_id}, {"name", searcher.binding()->embedder->name()},
                {"chunks_without_vectors", searcher.missing_vectors()}};
  return {{"query", query}, {"mode", std::string(retrieval::to_string(searcher.mode()))}, {"embedder", embedder},
          {"results", rows}};
}

json document_json(const index::DocumentRecord& d) {
  return {{"id", d.id},         {"path", display_path(d.path)}, {"title", d.title},
          {"status", ingest::to_string(d.status)}, {"error", d.error}, {"pages", d.page_count},
          {"pages_without_text", d.pages_without_text},     {"chunks", d.chunk_count},
          {"bytes", d.size_bytes}, {"sha256", d.content_hash}, {"ingested_at", d.ingested_at},
          {"unit", d.unit}};
}

json passage_json(const index::ChunkRecord& chunk, const index::DocumentRecord& document) {
  return {{"chunk_id", chunk.id},          {"document_id", document.id},   {"path", document.path},
          {"title", document.title},       {"first_page", chunk.first_page}, {"last_page", chunk.last_page},
          {"unit", document.unit},         {"ocr", chunk.from_ocr},
          {"ordinal", chunk.ordinal},      {"tokens", chunk.token_count},  {"text", chunk.text}};
}

std::optional<json> find_passage(const index::Library& library, std::int64_t chunk_id) {
  auto chunk = library.chunk(chunk_id);
  if (!chunk) return std::nullopt;
  auto document = library.document(chunk->document_id);
  if (!document) return std::nullopt;
  return passage_json(*chunk, *document);
}

}  // namespace docent::cli
