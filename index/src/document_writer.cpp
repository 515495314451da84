// Library::write_document and DocumentWriter: one document's rows (document, pages, chunks, FTS
// rows through the chunk triggers, vectors) in one write transaction, added in as many parts as
// the caller likes. put_document is the one-part case.

#include <string>
#include <utility>

#include "library_impl.hpp"

namespace docent::index {

using detail::Connection;
using detail::Statement;
using detail::WriteTransaction;

struct DocumentWriter::Impl {
  Connection* db = nullptr;
  std::string path;
  std::int64_t document_id = 0;
  std::int64_t vector_model_id = 0;
  std::size_t dimension = 0;
  std::unique_ptr<WriteTransaction> transaction;  // rolls back when destroyed unfinished
  bool spent = false;

  [[noreturn]] void fail(const std::string& reason) const {
    throw LibraryError("library " + db->database() + ": document " + path + ": " + reason);
  }
};

DocumentWriter Library::write_document(const DocumentRecord& document, std::int64_t vector_model_id) {
  impl_->require_writable();
  Connection& db = impl_->db();
  if (impl_->bulk && !db.in_transaction())
    throw LibraryError("library " + impl_->database.string() +
                       ": the bulk transaction was rolled back after an earlier error");
  if (document.path.empty())
    throw LibraryError("library " + impl_->database.string() + ": a document needs a path");

  auto writer = std::make_unique<DocumentWriter::Impl>();
  writer->db = &db;
  writer->path = document.path;
  writer->transaction = std::make_unique<WriteTransaction>(db);
  if (vector_model_id != 0) {
    Statement model = db.prepare("SELECT dimension FROM embedding_models WHERE id = ?1");
    model.bind(1, vector_model_id);
    if (!model.step()) writer->fail("unknown embedding model id " + std::to_string(vector_model_id));
    writer->vector_model_id = vector_model_id;
    writer->dimension = static_cast<std::size_t>(model.int64(0));
  }
  // A document read again keeps its id (citations, scripts and `remove ID` stay right); its
  // pages and chunks (with their FTS rows and vectors, through the triggers) are replaced.
  std::int64_t kept_id = 0;
  {
    Statement existing = db.prepare("SELECT id FROM documents WHERE path = ?1");
    existing.bind(1, document.path);
    if (existing.step()) kept_id = existing.int64(0);
  }
  if (kept_id != 0) {
    Statement chunks = db.prepare("DELETE FROM chunks WHERE document_id = ?1");
    chunks.bind(1, kept_id).run();
    Statement pages = db.prepare("DELETE FROM pages WHERE document_id = ?1");
    pages.bind(1, kept_id).run();
  }
  // ?11 is the kept id (?12 the unit): the row is updated in place (a REPLACE would delete it without its
  // triggers), or inserted with a new id.
  const char* sql = kept_id != 0
      ? "UPDATE documents SET path = ?1, title = ?2, content_hash = ?3, size_bytes = ?4, mtime_ns = ?5, "
        "page_count = ?6, pages_without_text = ?7, status = ?8, error = ?9, ingested_at = CASE WHEN ?10 = '' "
        "THEN strftime('%Y-%m-%dT%H:%M:%SZ', 'now') ELSE ?10 END, unit = ?12 WHERE id = ?11"
      : "INSERT INTO documents (path, title, content_hash, size_bytes, mtime_ns, page_count, pages_without_text, "
        "status, error, ingested_at, unit) SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, CASE WHEN ?10 = '' THEN "
        "strftime('%Y-%m-%dT%H:%M:%SZ', 'now') ELSE ?10 END, ?12 WHERE ?11 = 0";
  {
    Statement write = db.prepare(sql);
    write.bind(1, document.path)
        .bind(2, document.title)
        .bind(3, document.content_hash)
        .bind(4, document.size_bytes)
        .bind(5, document.mtime_ns)
        .bind(6, document.page_count)
        .bind(7, document.pages_without_text)
        .bind(8, ingest::to_string(document.status))
        .bind(9, document.error)
        .bind(10, document.ingested_at)
        .bind(11, kept_id)
        .bind(12, document.unit.empty() ? std::string("page") : document.unit)
        .run();
  }
  writer->document_id = kept_id != 0 ? kept_id : db.last_insert_id();
  return DocumentWriter(std::move(writer));
}

DocumentWriter::DocumentWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
DocumentWriter::DocumentWriter(DocumentWriter&&) noexcept = default;
DocumentWriter::~DocumentWriter() = default;

void DocumentWriter::add(const std::vector<PageRecord>& pages, const std::vector<ChunkRecord>& chunks,
                         const std::vector<std::vector<float>>& vectors) {
  Impl& state = *impl_;
  if (state.spent) state.fail("the write was already finished or failed");
  state.spent = true;  // until this part is in: an exception leaves the writer spent
  if (!vectors.empty()) {
    if (state.vector_model_id == 0) state.fail("vectors given, but the write was started without an embedding model");
    if (vectors.size() != chunks.size())
      state.fail("has " + std::to_string(chunks.size()) + " chunks but " + std::to_string(vectors.size()) + " vectors");
    for (const auto& vector : vectors)
      if (vector.size() != state.dimension)
        state.fail("a vector has " + std::to_string(vector.size()) + " values, the model has dimension " +
                   std::to_string(state.dimension));
  }
  Connection& db = *state.db;
  if (!pages.empty()) {
    Statement insert = db.prepare("INSERT INTO pages (document_id, number, text, status) VALUES (?1, ?2, ?3, ?4)");
    for (const PageRecord& page : pages) {
      insert.bind(1, state.document_id).bind(2, page.number).bind(3, page.text).bind(4, page.status);
      insert.run();
    }
  }
  if (!chunks.empty()) {
    Statement insert = db.prepare(
        "INSERT INTO chunks (document_id, ordinal, text, first_page, last_page, start_offset, "
        "end_offset, token_count, from_ocr) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
    Statement insert_vector =
        db.prepare("INSERT INTO vectors (chunk_id, model_id, vector) VALUES (?1, ?2, ?3)");
    for (std::size_t i = 0; i < chunks.size(); ++i) {
      const ChunkRecord& chunk = chunks[i];
      insert.bind(1, state.document_id)
          .bind(2, chunk.ordinal)
          .bind(3, chunk.text)
          .bind(4, chunk.first_page)
          .bind(5, chunk.last_page)
          .bind(6, chunk.start_offset)
          .bind(7, chunk.end_offset)
          .bind(8, chunk.token_count)
          .bind(9, chunk.from_ocr ? 1 : 0);
      insert.run();
      if (vectors.empty()) continue;
      insert_vector.bind(1, db.last_insert_id())
          .bind(2, state.vector_model_id)
          .bind_blob(3, vectors[i].data(), vectors[i].size() * sizeof(float));
      insert_vector.run();
    }
  }
  state.spent = false;
}

std::int64_t DocumentWriter::finish(const DocumentRecord& document) {
  Impl& state = *impl_;
  if (state.spent) state.fail("the write was already finished or failed");
  state.spent = true;
  Statement update = state.db->prepare(
      "UPDATE documents SET title = ?2, content_hash = ?3, page_count = ?4, pages_without_text = ?5, "
      "status = ?6, error = ?7 WHERE id = ?1");
  update.bind(1, state.document_id)
      .bind(2, document.title)
      .bind(3, document.content_hash)
      .bind(4, document.page_count)
      .bind(5, document.pages_without_text)
      .bind(6, ingest::to_string(document.status))
      .bind(7, document.error)
      .run();
  state.transaction->commit();
  return state.document_id;
}

}  // namespace docent::index
