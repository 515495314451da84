#pragma once
// Thin RAII layer over the SQLite C API. Every failure becomes a LibraryError naming the
// database file and SQLite's own message; SQLITE_BUSY becomes LibraryBusy.

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "docent/library.hpp"

namespace docent::index::detail {

class Connection;

// A prepared statement in use. Cached statements are reset and unbound when this object dies,
// so a half-stepped statement never keeps a read snapshot open.
class Statement {
 public:
  Statement(Connection& connection, sqlite3_stmt* statement, bool* in_use_flag);
  Statement(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  Statement& operator=(Statement&&) = delete;
  ~Statement();

  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, int value) { return bind(index, static_cast<std::int64_t>(value)); }
  Statement& bind(int index, double value);
  Statement& bind(int index, std::string_view value);
  Statement& bind(int index, const char* value) { return bind(index, std::string_view(value)); }
  Statement& bind(int index, const std::string& value) { return bind(index, std::string_view(value)); }
  Statement& bind_blob(int index, const void* data, std::size_t bytes);

  // True while a row is available; false when done. Throws on any error.
  bool step();
  // Steps to the end (INSERT/UPDATE/DELETE) and resets, ready to be bound again.
  void run();
  void reset();

  std::int64_t int64(int column) const;
  int integer(int column) const { return static_cast<int>(int64(column)); }
  double real(int column) const;
  std::string text(int column) const;
  std::string_view text_view(int column) const;
  const void* blob(int column) const;
  std::size_t bytes(int column) const;
  bool is_null(int column) const;

 private:
  Connection* connection_;
  sqlite3_stmt* statement_;
  bool* in_use_flag_;  // null for an uncached statement, which is finalized instead
};

class Connection {
 public:
  // `database` names the file in messages and is what sqlite3_open_v2 gets unless `uri` is
  // given (with SQLITE_OPEN_URI in the flags); `display_name` names the library in messages.
  // The chunk index's word tokenizer is registered on every connection.
  Connection(const std::string& database, int open_flags, std::string display_name, const std::string& uri = "");
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  sqlite3* handle() const { return db_; }
  const std::string& database() const { return database_; }
  const std::string& display_name() const { return display_name_; }

  // A statement from the per-connection cache (prepared once, reused): keyword search runs
  // many times per second and preparing its SQL each time would dominate small queries.
  Statement prepare(std::string_view sql);
  // Runs one or more statements without results (schema scripts, pragmas, BEGIN/COMMIT).
  void execute(const char* sql);
  // Runs a pragma or query whose first column of the first row is wanted.
  std::string query_text(const char* sql);
  std::int64_t query_int64(const char* sql);

  bool in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }
  std::int64_t last_insert_id() const { return sqlite3_last_insert_rowid(db_); }

  // Throws LibraryBusy for SQLITE_BUSY, LibraryError otherwise.
  [[noreturn]] void fail(int code, std::string_view context) const;

 private:
  struct CachedStatement {
    sqlite3_stmt* statement = nullptr;
    bool in_use = false;
  };
  sqlite3* db_ = nullptr;
  std::string database_;
  std::string display_name_;
  std::unordered_map<std::string, std::unique_ptr<CachedStatement>> cache_;
};

// A write transaction: BEGIN IMMEDIATE at the top level (take the write lock up front so the
// busy timeout applies, instead of failing later on a lock upgrade), or a SAVEPOINT when already
// inside a transaction (bulk mode), so each write stays all-or-nothing within the outer one.
class WriteTransaction {
 public:
  explicit WriteTransaction(Connection& connection);
  WriteTransaction(const WriteTransaction&) = delete;
  WriteTransaction& operator=(const WriteTransaction&) = delete;
  ~WriteTransaction();
  void commit();

 private:
  Connection& connection_;
  bool nested_ = false;
  bool finished_ = false;
};

}  // namespace docent::index::detail
