// Keyword search over a library (BM25 via the store's FTS5 index).
#include <map>
#include <set>

#include "docent/retrieval.hpp"
#include "text_terms.hpp"

namespace docent::retrieval {

namespace {

// Neighbouring chunks share their overlap, so one passage often matches twice; fetch more and
// keep only the better-ranked of two adjacent chunks of one document.
index::SearchOptions options_for(const SearchRequest& request) {
  index::SearchOptions options;
  options.limit = request.limit * 3;
  options.highlight_open = request.highlight_open;
  options.highlight_close = request.highlight_close;
  return options;
}

std::vector<SearchResult> to_results(std::vector<index::KeywordHit> hits, const SearchRequest& request) {
  std::map<std::int64_t, std::set<int>> taken;  // document id -> ordinals shown
  std::vector<SearchResult> results;
  for (auto& hit : hits) {
    if (static_cast<int>(results.size()) >= request.limit) break;
    auto& ordinals = taken[hit.document_id];
    if (ordinals.count(hit.ordinal - 1) || ordinals.count(hit.ordinal + 1)) continue;
    ordinals.insert(hit.ordinal);
    SearchResult result;
    result.chunk_id = hit.chunk_id;
    result.path = std::move(hit.path);
    result.title = std::move(hit.title);
    result.first_page = hit.first_page;
    result.last_page = hit.last_page;
    result.unit = ingest::parse_page_unit(hit.unit).value_or(ingest::PageUnit::page);
    result.from_ocr = hit.from_ocr;
    result.score = hit.score;
    result.snippet = one_line(hit.snippet);
    result.text = std::move(hit.text);
    results.push_back(std::move(result));
  }
  return results;
}

}  // namespace

std::vector<SearchResult> keyword_search(const index::Library& library, const SearchRequest& request) {
  auto options = options_for(request);
  return to_results(library.keyword_search(request.query, options), request);
}

std::vector<SearchResult> search(const Searcher& searcher, const SearchRequest& request) {
  auto options = options_for(request);
  return to_results(searcher.find(request.query, options.limit, options), request);
}

}  // namespace docent::retrieval
