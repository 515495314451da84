// Keyword search over a library (BM25 via the store's FTS5 index).
#include "docent/retrieval.hpp"

namespace docent::retrieval {

std::vector<SearchResult> keyword_search(const index::Library& library, const SearchRequest& request) {
  index::SearchOptions options;
  options.limit = request.limit;
  options.highlight_open = request.highlight_open;
  options.highlight_close = request.highlight_close;
  std::vector<SearchResult> results;
  for (auto& hit : library.keyword_search(request.query, options)) {
    SearchResult result;
    result.chunk_id = hit.chunk_id;
    result.path = std::move(hit.path);
    result.title = std::move(hit.title);
    result.first_page = hit.first_page;
    result.last_page = hit.last_page;
    result.score = hit.score;
    result.snippet = std::move(hit.snippet);
    result.text = std::move(hit.text);
    results.push_back(std::move(result));
  }
  return results;
}

}  // namespace docent::retrieval
