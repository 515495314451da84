// Opening a library, documents, pages, chunks, settings, statistics.

#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <string>
#include <utility>

#include "library_impl.hpp"
#include "schema.hpp"

namespace docent::index {

using detail::Connection;
using detail::Statement;
using detail::WriteTransaction;

namespace detail {

const char* const kDocumentColumns =
    "d.id, d.path, d.title, d.content_hash, d.size_bytes, d.mtime_ns, d.page_count, "
    "d.pages_without_text, (SELECT count(*) FROM chunks WHERE chunks.document_id = d.id), "
    "d.status, d.error, d.ingested_at, d.unit";

const char* const kChunkColumns =
    "c.id, c.ordinal, c.text, c.first_page, c.last_page, c.start_offset, c.end_offset, "
    "c.token_count, c.document_id, c.from_ocr";

DocumentRecord read_document(const Statement& row) {
  DocumentRecord record;
  record.id = row.int64(0);
  record.path = row.text(1);
  record.title = row.text(2);
  record.content_hash = row.text(3);
  record.size_bytes = row.int64(4);
  record.mtime_ns = row.int64(5);
  record.page_count = row.integer(6);
  record.pages_without_text = row.integer(7);
  record.chunk_count = row.int64(8);
  // A spelling no status has (damage: check reports it) reads as broken, never as readable.
  record.status = ingest::parse_document_status(row.text_view(9)).value_or(ingest::DocumentStatus::broken);
  record.error = row.text(10);
  record.ingested_at = row.text(11);
  record.unit = row.text(12);
  return record;
}

ChunkRecord read_chunk(const Statement& row) {
  ChunkRecord record;
  record.id = row.int64(0);
  record.ordinal = row.integer(1);
  record.text = row.text(2);
  record.first_page = row.integer(3);
  record.last_page = row.integer(4);
  record.start_offset = row.int64(5);
  record.end_offset = row.int64(6);
  record.token_count = row.int64(7);
  record.document_id = row.int64(8);
  record.from_ocr = row.integer(9) != 0;
  return record;
}

}  // namespace detail

void Library::Impl::require_writable() const {
  if (mode == Mode::read_only)
    throw LibraryError("library " + database.string() + " is open read-only; cannot write");
}

namespace {

void configure_connection(Connection& connection, Library::Mode mode, bool in_memory) {
  sqlite3_busy_timeout(connection.handle(), detail::busy_timeout_ms());
  connection.execute("PRAGMA foreign_keys = ON");
  if (in_memory || mode == Library::Mode::read_only) return;  // a reader sets nothing
  // WAL lets readers (a second terminal, `docent ask` during `docent add`) run while one
  // process writes. The mode is stored in the file, so read-only openers inherit it.
  std::string journal = connection.query_text("PRAGMA journal_mode = WAL");
  if (journal != "wal")
    throw LibraryError("library " + connection.database() + ": cannot switch to WAL journal mode (got '" + journal +
                       "'); is the folder on a network file system?");
  // WAL + synchronous=NORMAL: a commit is durable once written to the WAL, so an application
  // crash loses nothing committed; on power loss the last transactions may be lost, but the
  // database is never corrupted (WAL frames are checksummed and only synced at checkpoints).
  // FULL would fsync every commit, which costs a lot during ingestion for little gain.
  connection.execute("PRAGMA synchronous = NORMAL");
}

bool exists(const std::filesystem::path& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0;
}

// A file: URI for sqlite3_open_v2: everything but unreserved characters and '/' percent-encoded.
std::string file_uri(const std::filesystem::path& path, std::string_view query) {
  std::string uri = "file:";
  for (unsigned char c : path.native()) {
    if (std::isalnum(c) || c == '/' || c == '-' || c == '_' || c == '.' || c == '~') {
      uri += static_cast<char>(c);
    } else {
      char escape[4];
      std::snprintf(escape, sizeof escape, "%%%02X", c);
      uri += escape;
    }
  }
  return uri + "?" + std::string(query);
}

}  // namespace

bool Library::can_write(const std::filesystem::path& dir) {
  return ::access(dir.c_str(), W_OK) == 0 && ::access((dir / "library.sqlite3").c_str(), W_OK) == 0;
}

Library::Library(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Library::Library(Library&&) noexcept = default;
Library& Library::operator=(Library&&) noexcept = default;
Library::~Library() = default;

Library Library::open(const std::filesystem::path& dir, Mode mode,
                      const std::function<void(const std::string&)>& on_upgrade) {
  auto impl = std::make_unique<Impl>();
  impl->dir = dir;
  impl->database = dir / "library.sqlite3";
  impl->mode = mode;
  int flags = SQLITE_OPEN_NOMUTEX;
  std::string uri;
  if (mode == Mode::read_only) {
    std::error_code error;
    if (!std::filesystem::exists(impl->database, error))
      throw LibraryError("library " + dir.string() + ": no library here (" +
                         impl->database.string() + " does not exist)");
    flags |= SQLITE_OPEN_READONLY;
    // A WAL reader needs the -shm file, which it cannot create in a folder it may not write (a
    // read-only mount, a shared 0555 folder). Without a -wal file everything committed is in
    // the database itself, and nobody can write there either (a writer must create the -wal),
    // so the file is read as immutable: no side files, no locks.
    const std::string wal = impl->database.string() + "-wal";
    if (::access(dir.c_str(), W_OK) != 0 && !exists(wal)) {
      uri = file_uri(impl->database, "immutable=1");
      flags |= SQLITE_OPEN_URI;
    }
  } else {
    detail::prepare_private_files(dir, impl->database);
    flags |= SQLITE_OPEN_READWRITE;
  }
  impl->connection = std::make_unique<Connection>(impl->database.string(), flags, dir.string(), uri);
  Connection& connection = *impl->connection;
  configure_connection(connection, mode, false);
  if (mode == Mode::read_write) {
    detail::migrate(connection, on_upgrade);
  } else {
    int version = detail::read_schema_version(connection);
    detail::refuse_newer_schema(connection, version);
    if (version < detail::oldest_readable_schema_version())
      throw LibraryError("library " + impl->database.string() + " has schema version " +
                         std::to_string(version) + " but at least " +
                         std::to_string(detail::oldest_readable_schema_version()) +
                         " is needed; open it once for writing to upgrade it");
    detail::read_older_schema(connection, version);
  }
  return Library(std::move(impl));
}

Library Library::open_in_memory() {
  auto impl = std::make_unique<Impl>();
  impl->database = ":memory:";
  impl->connection = std::make_unique<Connection>(
      ":memory:", SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, "(in memory)");
  configure_connection(*impl->connection, Mode::read_write, true);
  detail::migrate(*impl->connection);
  return Library(std::move(impl));
}

const std::filesystem::path& Library::dir() const { return impl_->dir; }

std::filesystem::path Library::database_path() const { return impl_->database; }

int Library::schema_version() const { return detail::read_schema_version(impl_->db()); }

// ---------------------------------------------------------------- documents

std::optional<DocumentRecord> Library::find_document(const std::string& path) const {
  Statement row = impl_->db().prepare(std::string("SELECT ") + detail::kDocumentColumns +
                                      " FROM documents d WHERE d.path = ?1");
  row.bind(1, path);
  if (!row.step()) return std::nullopt;
  return detail::read_document(row);
}

std::optional<DocumentRecord> Library::document(std::int64_t id) const {
  Statement row = impl_->db().prepare(std::string("SELECT ") + detail::kDocumentColumns +
                                      " FROM documents d WHERE d.id = ?1");
  row.bind(1, id);
  if (!row.step()) return std::nullopt;
  return detail::read_document(row);
}

std::vector<DocumentRecord> Library::documents() const {
  Statement row = impl_->db().prepare(std::string("SELECT ") + detail::kDocumentColumns +
                                      " FROM documents d ORDER BY d.path");
  std::vector<DocumentRecord> result;
  while (row.step()) result.push_back(detail::read_document(row));
  return result;
}

std::vector<DocumentRecord> Library::find_documents_by_hash(const std::string& content_hash) const {
  Statement row = impl_->db().prepare(std::string("SELECT ") + detail::kDocumentColumns +
                                      " FROM documents d WHERE d.content_hash = ?1 ORDER BY d.id");
  row.bind(1, content_hash);
  std::vector<DocumentRecord> result;
  while (row.step()) result.push_back(detail::read_document(row));
  return result;
}

std::int64_t Library::put_document(const NewDocument& input) {
  try {
    return put_document_unchecked(input);
  } catch (const LibraryBusy&) {
    throw;
  } catch (const LibraryError& error) {
    throw LibraryError(std::string(error.what()) + " [storing " + input.document.path + "]");
  }
}

std::int64_t Library::put_document_unchecked(const NewDocument& input) {
  DocumentWriter writer = write_document(input.document, input.vectors.empty() ? 0 : input.vector_model_id);
  writer.add(input.pages, input.chunks, input.vectors);
  return writer.finish(input.document);
}

void Library::touch_document(std::int64_t id, std::int64_t mtime_ns) {
  impl_->require_writable();
  WriteTransaction transaction(impl_->db());
  Statement update = impl_->db().prepare("UPDATE documents SET mtime_ns = ?2 WHERE id = ?1");
  update.bind(1, id).bind(2, mtime_ns).run();
  transaction.commit();
}

bool Library::remove_document(std::int64_t id) {
  impl_->require_writable();
  WriteTransaction transaction(impl_->db());
  Statement remove = impl_->db().prepare("DELETE FROM documents WHERE id = ?1");
  remove.bind(1, id).run();
  const bool removed = sqlite3_changes(impl_->db().handle()) > 0;
  transaction.commit();
  return removed;
}

std::vector<PageRecord> Library::pages(std::int64_t document_id) const {
  Statement row = impl_->db().prepare(
      "SELECT number, text, status FROM pages WHERE document_id = ?1 ORDER BY number");
  row.bind(1, document_id);
  std::vector<PageRecord> result;
  while (row.step()) result.push_back(PageRecord{row.integer(0), row.text(1), row.text(2)});
  return result;
}

std::vector<ChunkRecord> Library::chunks(std::int64_t document_id) const {
  Statement row = impl_->db().prepare(std::string("SELECT ") + detail::kChunkColumns +
                                      " FROM chunks c WHERE c.document_id = ?1 ORDER BY c.ordinal");
  row.bind(1, document_id);
  std::vector<ChunkRecord> result;
  while (row.step()) result.push_back(detail::read_chunk(row));
  return result;
}

std::optional<ChunkRecord> Library::chunk(std::int64_t chunk_id) const {
  Statement row = impl_->db().prepare(std::string("SELECT ") + detail::kChunkColumns +
                                      " FROM chunks c WHERE c.id = ?1");
  row.bind(1, chunk_id);
  if (!row.step()) return std::nullopt;
  return detail::read_chunk(row);
}

// ---------------------------------------------------------------- settings, stats, bulk

std::optional<std::string> Library::setting(const std::string& key) const {
  Statement row = impl_->db().prepare("SELECT value FROM settings WHERE key = ?1");
  row.bind(1, key);
  if (!row.step()) return std::nullopt;
  return row.text(0);
}

void Library::set_setting(const std::string& key, const std::string& value) {
  impl_->require_writable();
  WriteTransaction transaction(impl_->db());
  Statement upsert = impl_->db().prepare(
      "INSERT INTO settings (key, value) VALUES (?1, ?2) "
      "ON CONFLICT (key) DO UPDATE SET value = excluded.value");
  upsert.bind(1, key).bind(2, value).run();
  transaction.commit();
}

LibraryStats Library::stats() const {
  Connection& db = impl_->db();
  LibraryStats stats;
  {
    // Grouped here, classified in C++: the statuses are spelled in one place (ingest).
    Statement row = db.prepare(
        "SELECT status, count(*), coalesce(sum(page_count), 0), coalesce(sum(pages_without_text), 0) "
        "FROM documents GROUP BY status");
    while (row.step()) {
      const std::int64_t count = row.int64(1);
      const auto status = ingest::parse_document_status(row.text_view(0)).value_or(ingest::DocumentStatus::broken);
      stats.documents += count;
      if (status == ingest::DocumentStatus::ok) stats.documents_ok += count;
      else if (status == ingest::DocumentStatus::scanned) stats.documents_scanned += count;
      else stats.documents_failed += count;
      stats.pages += row.int64(2);
      stats.pages_without_text += row.int64(3);
    }
  }
  stats.chunks = db.query_int64("SELECT count(*) FROM chunks");
  stats.database_bytes = db.query_int64("PRAGMA page_count") * db.query_int64("PRAGMA page_size");
  if (!impl_->dir.empty()) {
    // Committed data not yet checkpointed lives in the -wal file.
    struct stat info {};
    const std::string wal = impl_->database.string() + "-wal";
    if (::stat(wal.c_str(), &info) == 0) stats.database_bytes += info.st_size;
  }
  stats.schema_version = detail::read_schema_version(db);
  return stats;
}

void Library::begin_bulk() {
  impl_->require_writable();
  if (impl_->bulk || impl_->db().in_transaction())
    throw LibraryError("library " + impl_->database.string() + ": a bulk write is already open");
  impl_->db().execute("BEGIN IMMEDIATE");
  impl_->bulk = true;
}

void Library::end_bulk() {
  if (!impl_->bulk)
    throw LibraryError("library " + impl_->database.string() + ": no bulk write is open");
  impl_->bulk = false;
  Connection& db = impl_->db();
  if (!db.in_transaction())
    throw LibraryError("library " + impl_->database.string() +
                       ": the bulk transaction was rolled back after an earlier error");
  try {
    db.execute("COMMIT");
  } catch (...) {
    if (db.in_transaction()) sqlite3_exec(db.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

}  // namespace docent::index
