// Library queries the dense retrieval path needs: how many vectors a model has, and chunk
// hits (path, title, pages) for chunk ids that came out of a vector index.

#include "library_impl.hpp"

namespace docent::index {

using detail::Statement;

std::int64_t Library::vector_count(std::int64_t model_id) const {
  Statement row = impl_->db().prepare("SELECT count(*) FROM vectors WHERE model_id = ?1");
  row.bind(1, model_id);
  row.step();
  return row.int64(0);
}

std::vector<KeywordHit> Library::describe_chunks(const std::vector<std::int64_t>& chunk_ids) const {
  Statement row = impl_->db().prepare(
      "SELECT c.document_id, d.path, d.title, c.first_page, c.last_page, c.ordinal, c.text, d.unit, c.from_ocr "
      "FROM chunks c JOIN documents d ON d.id = c.document_id WHERE c.id = ?1");
  std::vector<KeywordHit> hits;
  hits.reserve(chunk_ids.size());
  for (std::int64_t id : chunk_ids) {
    row.bind(1, id);
    if (row.step()) {
      KeywordHit hit;
      hit.chunk_id = id;
      hit.document_id = row.int64(0);
      hit.path = row.text(1);
      hit.title = row.text(2);
      hit.first_page = row.integer(3);
      hit.last_page = row.integer(4);
      hit.ordinal = row.integer(5);
      hit.text = row.text(6);
      hit.unit = row.text(7);
      hit.from_ocr = row.integer(8) != 0;
      hits.push_back(std::move(hit));
    }
    row.reset();
  }
  return hits;
}

}  // namespace docent::index
