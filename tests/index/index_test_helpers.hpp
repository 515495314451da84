#pragma once
// Builders and a raw SQLite view used by the index tests.

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "docent/library.hpp"
#include "fts_tokenizer.hpp"

namespace docent::test {

// A document with one page per chunk text, each chunk on its own page.
inline index::NewDocument make_document(const std::string& path, const std::string& title,
                                        const std::vector<std::string>& chunk_texts) {
  index::NewDocument document;
  document.document.path = path;
  document.document.title = title;
  document.document.content_hash = "hash-of-" + path;
  document.document.size_bytes = 1234;
  document.document.mtime_ns = 1'700'000'000'000'000'000;
  document.document.page_count = static_cast<int>(chunk_texts.size());
  document.document.status = docent::ingest::DocumentStatus::ok;
  std::int64_t offset = 0;
  for (std::size_t i = 0; i < chunk_texts.size(); ++i) {
    const int page = static_cast<int>(i) + 1;
    document.pages.push_back(index::PageRecord{page, chunk_texts[i], "ok"});
    index::ChunkRecord chunk;
    chunk.ordinal = static_cast<int>(i);
    chunk.text = chunk_texts[i];
    chunk.first_page = page;
    chunk.last_page = page;
    chunk.start_offset = offset;
    chunk.end_offset = offset + static_cast<std::int64_t>(chunk_texts[i].size());
    chunk.token_count = static_cast<std::int64_t>(chunk_texts[i].size() / 4);
    offset = chunk.end_offset;
    document.chunks.push_back(chunk);
  }
  return document;
}

// A second, independent connection to a library database, as another process would have.
class RawDatabase {
 public:
  explicit RawDatabase(const std::filesystem::path& file, int flags = SQLITE_OPEN_READWRITE) {
    if (sqlite3_open_v2(file.c_str(), &db_, flags, nullptr) != SQLITE_OK)
      throw std::runtime_error("cannot open " + file.string());
    // As every docent connection does: the chunk index and its triggers need the tokenizer.
    if (index::detail::register_word_tokenizer(db_) != SQLITE_OK)
      throw std::runtime_error("cannot register the word tokenizer on " + file.string());
  }
  ~RawDatabase() { sqlite3_close_v2(db_); }
  RawDatabase(const RawDatabase&) = delete;
  RawDatabase& operator=(const RawDatabase&) = delete;

  sqlite3* handle() const { return db_; }

  void execute(const std::string& sql) {
    char* error = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
      std::string message = error != nullptr ? error : "unknown error";
      sqlite3_free(error);
      throw std::runtime_error(sql + ": " + message);
    }
  }

  std::int64_t integer(const std::string& sql) {
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &statement, nullptr) != SQLITE_OK)
      throw std::runtime_error(sql + ": " + sqlite3_errmsg(db_));
    std::int64_t value = -1;
    if (sqlite3_step(statement) == SQLITE_ROW) value = sqlite3_column_int64(statement, 0);
    sqlite3_finalize(statement);
    return value;
  }

 private:
  sqlite3* db_ = nullptr;
};

// Rows really indexed by FTS5: its docsize shadow table has one row per indexed chunk (a
// count(*) on the external-content table itself would only read the content view).
inline std::int64_t indexed_fts_rows(RawDatabase& db) {
  return db.integer("SELECT count(*) FROM chunk_search_docsize");
}

}  // namespace docent::test
