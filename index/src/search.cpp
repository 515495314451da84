// Keyword search: BM25 over chunk text and document titles through FTS5.

#include <algorithm>
#include <cstdio>
#include <string>

#include "library_impl.hpp"
#include "query_text.hpp"

namespace docent::index {

using detail::Statement;

std::vector<KeywordHit> Library::keyword_search(const std::string& query,
                                                const SearchOptions& options) const {
  detail::QueryTermOptions term_options;
  term_options.drop_stopwords = options.drop_stopwords;
  const std::string match = detail::fts_or_query(detail::query_terms(query, term_options));
  if (match.empty() || options.limit <= 0) return {};

  // bm25() weights are given per query through FTS5's `rank` column, which also lets FTS5 sort
  // and cut to the limit itself, so snippet() runs only for the rows returned.
  char rank[96];
  std::snprintf(rank, sizeof rank, "bm25(%.6g, %.6g)", options.text_weight, options.title_weight);

  detail::Connection& db = impl_->db();
  std::vector<KeywordHit> hits;
  {
    Statement row = db.prepare(
        "SELECT rowid, rank, snippet(chunk_search, 0, ?1, ?2, '…', ?3) FROM chunk_search "
        "WHERE chunk_search MATCH ?4 AND rank MATCH ?5 ORDER BY rank LIMIT ?6");
    row.bind(1, options.highlight_open)
        .bind(2, options.highlight_close)
        .bind(3, std::clamp(options.snippet_tokens, 1, 64))
        .bind(4, match)
        .bind(5, rank)
        .bind(6, options.limit);
    while (row.step()) {
      KeywordHit hit;
      hit.chunk_id = row.int64(0);
      hit.score = -row.real(1);
      hit.snippet = row.text(2);
      hits.push_back(std::move(hit));
    }
  }
  Statement detail_row = db.prepare(
      "SELECT c.document_id, d.path, d.title, c.first_page, c.last_page, c.ordinal, c.text, d.unit, c.from_ocr "
      "FROM chunks c JOIN documents d ON d.id = c.document_id WHERE c.id = ?1");
  // The two statements read separate snapshots; a chunk removed in between by another process
  // is simply left out.
  std::vector<KeywordHit> complete;
  complete.reserve(hits.size());
  for (KeywordHit& hit : hits) {
    detail_row.bind(1, hit.chunk_id);
    if (detail_row.step()) {
      hit.document_id = detail_row.int64(0);
      hit.path = detail_row.text(1);
      hit.title = detail_row.text(2);
      hit.first_page = detail_row.integer(3);
      hit.last_page = detail_row.integer(4);
      hit.ordinal = detail_row.integer(5);
      hit.text = detail_row.text(6);
      hit.unit = detail_row.text(7);
      hit.from_ocr = detail_row.integer(8) != 0;
      complete.push_back(std::move(hit));
    }
    detail_row.reset();
  }
  return complete;
}

}  // namespace docent::index
