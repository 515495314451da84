// Library::check and Library::repair: is every document complete and is every derived
// structure (FTS5 index, vectors) in step with the chunks it is derived from?

#include <charconv>
#include <chrono>
#include <string>
#include <thread>

#include "library_impl.hpp"

namespace docent::index {

using detail::Connection;
using detail::Statement;
using detail::WriteTransaction;

namespace {

// Whole-database checks: SQLite's own structure, then foreign keys.
void check_database(Connection& db, CheckReport& report) {
  Statement quick = db.prepare("PRAGMA quick_check");
  while (quick.step()) {
    std::string line = quick.text(0);
    if (line != "ok") report.problems.push_back({"database", 0, "", "SQLite quick_check: " + line});
  }
  Statement foreign = db.prepare("PRAGMA foreign_key_check");
  while (foreign.step())
    report.problems.push_back({"database", 0, "",
                               "row " + std::to_string(foreign.int64(1)) + " of table " + foreign.text(0) +
                                   " refers to a missing " + foreign.text(2) + " row"});
}

// Per document: pages 1..page_count all stored, chunk ordinals 0..n-1 without gaps, chunk page
// ranges inside the document, and an ok document with text has chunks. A document is written in
// one transaction, so any of these means damage (or a bug), never a normal interrupted ingest.
void check_documents(Connection& db, CheckReport& report) {
  Statement row = db.prepare(
      "SELECT d.id, d.path, d.status, d.page_count, "
      "  (SELECT count(*) FROM pages p WHERE p.document_id = d.id), "
      "  (SELECT count(DISTINCT p.number) FROM pages p WHERE p.document_id = d.id "
      "     AND p.number BETWEEN 1 AND d.page_count), "
      "  (SELECT count(*) FROM pages p WHERE p.document_id = d.id AND p.status = 'ok'), "
      "  (SELECT count(*) FROM chunks c WHERE c.document_id = d.id), "
      "  (SELECT coalesce(max(c.ordinal), -1) FROM chunks c WHERE c.document_id = d.id), "
      "  (SELECT coalesce(min(c.ordinal), 0) FROM chunks c WHERE c.document_id = d.id), "
      "  (SELECT count(*) FROM chunks c WHERE c.document_id = d.id "
      "     AND (c.first_page < 1 OR c.last_page > d.page_count)) "
      "FROM documents d ORDER BY d.id");
  while (row.step()) {
    ++report.documents;
    const std::int64_t id = row.int64(0);
    const std::string path = row.text(1);
    const std::string status_text = row.text(2);
    const auto status = ingest::parse_document_status(status_text);
    if (!status)
      report.problems.push_back({"database", id, path, "unknown document status '" + status_text + "'"});
    const std::int64_t page_count = row.int64(3), pages = row.int64(4), numbered = row.int64(5);
    const std::int64_t pages_with_text = row.int64(6), chunks = row.int64(7);
    const std::int64_t max_ordinal = row.int64(8), min_ordinal = row.int64(9), outside = row.int64(10);
    report.chunks += chunks;
    if (pages != page_count || numbered != page_count)
      report.problems.push_back({"pages", id, path,
                                 std::to_string(pages) + " page rows (" + std::to_string(numbered) +
                                     " numbered 1.." + std::to_string(page_count) + ") for " +
                                     std::to_string(page_count) + " pages"});
    if (chunks != max_ordinal + 1 || min_ordinal != 0)
      report.problems.push_back({"chunks", id, path,
                                 std::to_string(chunks) + " chunks but ordinals run " + std::to_string(min_ordinal) +
                                     ".." + std::to_string(max_ordinal) + " (chunks missing)"});
    if (status == ingest::DocumentStatus::ok && pages_with_text > 0 && chunks == 0)
      report.problems.push_back({"chunks", id, path, "readable document with text but no chunks"});
    if (outside > 0)
      report.problems.push_back({"chunks", id, path,
                                 std::to_string(outside) + " chunks cite pages outside 1.." +
                                     std::to_string(page_count)});
  }
}

// The FTS5 index is external-content: its postings must match the chunks exactly. FTS5's own
// 'integrity-check' (rank 1 = also compare against the content) finds postings that disagree;
// the docsize shadow table (one row per indexed chunk) finds missing and orphan rows by count.
void verify_search_postings(Connection& db, CheckReport& report) {
  try {
    db.execute("INSERT INTO chunk_search(chunk_search, rank) VALUES ('integrity-check', 1)");
  } catch (const LibraryBusy&) {
    throw;
  } catch (const LibraryError& error) {
    report.problems.push_back({"search_index", 0, "", std::string("FTS5 integrity-check failed: ") + error.what()});
  }
}

void check_search_rows(Connection& db, CheckReport& report) {
  const std::int64_t missing = db.query_int64(
      "SELECT count(*) FROM chunks WHERE id NOT IN (SELECT id FROM chunk_search_docsize)");
  const std::int64_t orphans = db.query_int64(
      "SELECT count(*) FROM chunk_search_docsize WHERE id NOT IN (SELECT id FROM chunks)");
  if (missing > 0)
    report.problems.push_back({"search_index", 0, "", std::to_string(missing) + " chunks are not in the FTS5 index"});
  if (orphans > 0)
    report.problems.push_back({"search_index", 0, "",
                               std::to_string(orphans) + " FTS5 rows belong to no chunk (orphans)"});
}

// Vectors only for the model the library is bound to: other registered models may be partial
// on purpose (an experiment, a model being replaced). The binding holds the model's id.
void check_vectors(Connection& db, CheckReport& report) {
  Statement bound = db.prepare("SELECT value FROM settings WHERE key = ?1");
  bound.bind(1, setting_key::kEmbeddingModel);
  if (!bound.step()) return;
  const std::string bound_text = bound.text(0);
  std::int64_t model_id = 0;
  const auto [end, error] = std::from_chars(bound_text.data(), bound_text.data() + bound_text.size(), model_id);
  if (error != std::errc() || end != bound_text.data() + bound_text.size() || model_id <= 0) {
    report.problems.push_back({"vectors", 0, "",
                               std::string(setting_key::kEmbeddingModel) + " is '" + bound_text +
                                   "', not the id of a registered embedding model"});
    return;
  }
  Statement model = db.prepare("SELECT name FROM embedding_models WHERE id = ?1");
  model.bind(1, model_id);
  if (!model.step()) {
    report.problems.push_back({"vectors", 0, "",
                               "bound embedding model " + bound_text + " is not registered (bind one with "
                               "`docent models add FILE`)"});
    return;
  }
  const std::string name = model.text(0);
  Statement row = db.prepare(
      "SELECT d.id, d.path, count(*) FROM chunks c JOIN documents d ON d.id = c.document_id "
      "WHERE d.status = ?2 AND NOT EXISTS "
      "  (SELECT 1 FROM vectors v WHERE v.chunk_id = c.id AND v.model_id = ?1) "
      "GROUP BY d.id ORDER BY d.id");
  row.bind(1, model_id).bind(2, ingest::to_string(ingest::DocumentStatus::ok));
  while (row.step())
    report.problems.push_back({"vectors", row.int64(0), row.text(1),
                               std::to_string(row.int64(2)) + " chunks have no '" + name + "' vector"});
}

int busy_wait_callback(void* context, int attempt) {
  auto* wait = static_cast<detail::BusyWait*>(context);
  const auto now = std::chrono::steady_clock::now();
  if (attempt == 0) {
    wait->started = now;
    if (!wait->noticed && wait->notice) {
      wait->noticed = true;
      wait->notice();
    }
  }
  if (now - wait->started >= std::chrono::milliseconds(wait->timeout_ms)) return 0;  // give up: busy
  std::this_thread::sleep_for(std::chrono::milliseconds(attempt < 10 ? 5 : 50));
  return 1;
}

}  // namespace

CheckReport Library::check() const {
  Connection& db = impl_->db();
  CheckReport report;
  // FTS5's integrity-check is an INSERT command: SQLite refuses it on a read-only connection,
  // and it must run before the read snapshot below (it cannot upgrade to a write).
  if (impl_->mode == Mode::read_write) {
    verify_search_postings(db, report);
    report.search_postings_checked = true;
  }
  // One read snapshot: an ingest committing meanwhile must not make counts disagree.
  const bool own_transaction = !db.in_transaction();
  if (own_transaction) db.execute("BEGIN");
  try {
    check_database(db, report);
    check_documents(db, report);
    check_search_rows(db, report);
    check_vectors(db, report);
  } catch (...) {
    if (own_transaction) sqlite3_exec(db.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
  if (own_transaction) db.execute("COMMIT");
  return report;
}

RepairReport Library::repair() {
  impl_->require_writable();
  Connection& db = impl_->db();
  RepairReport result;
  WriteTransaction transaction(db);
  CheckReport report = check();
  std::vector<std::int64_t> incomplete;
  for (const auto& problem : report.problems)
    if (problem.document_id != 0 && problem.kind != "vectors" &&
        (incomplete.empty() || incomplete.back() != problem.document_id))
      incomplete.push_back(problem.document_id);
  for (std::int64_t id : incomplete) {
    if (auto record = document(id)) result.removed_documents.push_back(*record);
    // The delete triggers feed FTS5 'delete' commands; the rebuild below makes them moot even
    // when the index was already missing these rows.
    Statement remove = db.prepare("DELETE FROM documents WHERE id = ?1");
    remove.bind(1, id).run();
  }
  db.execute("INSERT INTO chunk_search(chunk_search) VALUES ('rebuild')");
  result.search_index_rebuilt = true;
  transaction.commit();
  return result;
}

void Library::on_busy_wait(std::function<void()> notice, int timeout_ms) {
  auto& wait = impl_->busy_wait;
  wait.notice = std::move(notice);
  wait.noticed = false;
  wait.timeout_ms = timeout_ms >= 0 ? timeout_ms : detail::busy_timeout_ms();
  sqlite3_busy_handler(impl_->db().handle(), busy_wait_callback, &wait);
}

}  // namespace docent::index
