#pragma once
// The state behind docent::index::Library, shared by the .cpp files that implement it.

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "docent/library.hpp"
#include "sqlite_connection.hpp"

namespace docent::index {

namespace detail {
// SQLite calls back while another process holds the write lock.
struct BusyWait {
  std::function<void()> notice;
  bool noticed = false;
  int timeout_ms = 0;
  std::chrono::steady_clock::time_point started;
};
}  // namespace detail

struct Library::Impl {
  std::filesystem::path dir;        // empty for an in-memory library
  std::filesystem::path database;   // ":memory:" for an in-memory library
  Mode mode = Mode::read_write;
  std::unique_ptr<detail::Connection> connection;
  bool bulk = false;
  detail::BusyWait busy_wait;  // installed by on_busy_wait

  detail::Connection& db() { return *connection; }
  // Throws a clear error instead of letting SQLite report "attempt to write a readonly database".
  void require_writable() const;
};

namespace detail {

// Busy timeout in milliseconds: $DOCENT_BUSY_TIMEOUT_MS when set and valid, else 30 s.
int busy_timeout_ms();

// Creates `dir` (mode 0700) if missing and the database file (mode 0600) if missing, so
// SQLite's -wal and -shm files, which copy the database file's mode, are private too.
void prepare_private_files(const std::filesystem::path& dir, const std::filesystem::path& database);

// Row readers shared by library.cpp, search.cpp and vectors.cpp. Column order is the one of
// kDocumentColumns / kChunkColumns.
extern const char* const kDocumentColumns;
extern const char* const kChunkColumns;
DocumentRecord read_document(const Statement& statement);
ChunkRecord read_chunk(const Statement& statement);

}  // namespace detail
}  // namespace docent::index
