#include "sqlite_connection.hpp"

#include "fts_tokenizer.hpp"

#include <limits>
#include <utility>

namespace docent::index::detail {

// ---------------------------------------------------------------- Statement

Statement::Statement(Connection& connection, sqlite3_stmt* statement, bool* in_use_flag)
    : connection_(&connection), statement_(statement), in_use_flag_(in_use_flag) {}

Statement::Statement(Statement&& other) noexcept
    : connection_(other.connection_),
      statement_(std::exchange(other.statement_, nullptr)),
      in_use_flag_(std::exchange(other.in_use_flag_, nullptr)) {}

Statement::~Statement() {
  if (statement_ == nullptr) return;
  if (in_use_flag_ != nullptr) {
    sqlite3_reset(statement_);
    sqlite3_clear_bindings(statement_);
    *in_use_flag_ = false;
  } else {
    sqlite3_finalize(statement_);
  }
}

Statement& Statement::bind(int index, std::int64_t value) {
  int code = sqlite3_bind_int64(statement_, index, value);
  if (code != SQLITE_OK) connection_->fail(code, "binding a parameter");
  return *this;
}

Statement& Statement::bind(int index, double value) {
  int code = sqlite3_bind_double(statement_, index, value);
  if (code != SQLITE_OK) connection_->fail(code, "binding a parameter");
  return *this;
}

Statement& Statement::bind(int index, std::string_view value) {
  if (value.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()))
    throw LibraryError("library " + connection_->database() + ": text value too large to store");
  int code = sqlite3_bind_text(statement_, index, value.data(), static_cast<int>(value.size()),
                               SQLITE_TRANSIENT);
  if (code != SQLITE_OK) connection_->fail(code, "binding a parameter");
  return *this;
}

Statement& Statement::bind_blob(int index, const void* data, std::size_t bytes) {
  if (bytes > static_cast<std::size_t>(std::numeric_limits<int>::max()))
    throw LibraryError("library " + connection_->database() + ": blob value too large to store");
  int code = sqlite3_bind_blob(statement_, index, data, static_cast<int>(bytes), SQLITE_TRANSIENT);
  if (code != SQLITE_OK) connection_->fail(code, "binding a parameter");
  return *this;
}

bool Statement::step() {
  int code = sqlite3_step(statement_);
  if (code == SQLITE_ROW) return true;
  if (code == SQLITE_DONE) return false;
  connection_->fail(code, sqlite3_sql(statement_));
}

void Statement::run() {
  while (step()) {
  }
  reset();
}

void Statement::reset() {
  // After SQLITE_DONE the statement must be reset before it can be bound again.
  sqlite3_reset(statement_);
}

std::int64_t Statement::int64(int column) const { return sqlite3_column_int64(statement_, column); }

double Statement::real(int column) const { return sqlite3_column_double(statement_, column); }

std::string_view Statement::text_view(int column) const {
  const auto* data = reinterpret_cast<const char*>(sqlite3_column_text(statement_, column));
  if (data == nullptr) return {};
  return {data, static_cast<std::size_t>(sqlite3_column_bytes(statement_, column))};
}

std::string Statement::text(int column) const { return std::string(text_view(column)); }

const void* Statement::blob(int column) const { return sqlite3_column_blob(statement_, column); }

std::size_t Statement::bytes(int column) const {
  return static_cast<std::size_t>(sqlite3_column_bytes(statement_, column));
}

bool Statement::is_null(int column) const {
  return sqlite3_column_type(statement_, column) == SQLITE_NULL;
}

// ---------------------------------------------------------------- Connection

Connection::Connection(const std::string& database, int open_flags, std::string display_name, const std::string& uri)
    : database_(database), display_name_(std::move(display_name)) {
  const std::string& target = uri.empty() ? database : uri;
  int code = sqlite3_open_v2(target.c_str(), &db_, open_flags | SQLITE_OPEN_EXRESCODE, nullptr);
  if (code != SQLITE_OK) {
    std::string message = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(code);
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw LibraryError("library " + database_ + ": cannot open database: " + message);
  }
  sqlite3_extended_result_codes(db_, 1);
  code = register_word_tokenizer(db_);
  if (code != SQLITE_OK) {
    std::string message = sqlite3_errstr(code);
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw LibraryError("library " + database_ + ": cannot register the word tokenizer: " + message);
  }
}

Connection::~Connection() {
  for (auto& [sql, cached] : cache_) sqlite3_finalize(cached->statement);
  // close_v2 defers the close if an uncached statement somehow survives, instead of leaking.
  sqlite3_close_v2(db_);
}

Statement Connection::prepare(std::string_view sql) {
  auto found = cache_.find(std::string(sql));
  if (found != cache_.end() && !found->second->in_use) {
    found->second->in_use = true;
    return Statement(*this, found->second->statement, &found->second->in_use);
  }
  sqlite3_stmt* statement = nullptr;
  const unsigned flags = found == cache_.end() ? SQLITE_PREPARE_PERSISTENT : 0;
  int code = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), flags, &statement,
                                nullptr);
  if (code != SQLITE_OK) fail(code, "preparing a statement");
  if (found != cache_.end()) {
    // The cached copy is busy (a nested use); a one-off statement keeps both correct.
    return Statement(*this, statement, nullptr);
  }
  auto cached = std::make_unique<CachedStatement>();
  cached->statement = statement;
  cached->in_use = true;
  bool* flag = &cached->in_use;
  cache_.emplace(std::string(sql), std::move(cached));
  return Statement(*this, statement, flag);
}

void Connection::execute(const char* sql) {
  char* error = nullptr;
  int code = sqlite3_exec(db_, sql, nullptr, nullptr, &error);
  if (code != SQLITE_OK) {
    sqlite3_free(error);
    fail(code, sql);
  }
}

std::string Connection::query_text(const char* sql) {
  Statement statement = prepare(sql);
  if (!statement.step()) return {};
  return statement.text(0);
}

std::int64_t Connection::query_int64(const char* sql) {
  Statement statement = prepare(sql);
  if (!statement.step()) return 0;
  return statement.int64(0);
}

void Connection::fail(int code, std::string_view context) const {
  if ((code & 0xff) == SQLITE_BUSY) {
    throw LibraryBusy("library " + display_name_ + " is busy: another docent process is writing");
  }
  // SQLite's reason first (what a user can act on), then what we were doing, for bug reports.
  std::string message = "library " + database_ + ": " + sqlite3_errmsg(db_) + " (while: ";
  std::string_view short_context = context.substr(0, 80);
  message += short_context;
  if (short_context.size() < context.size()) message += "...";
  message += ")";
  throw LibraryError(message);
}

// ---------------------------------------------------------------- WriteTransaction

WriteTransaction::WriteTransaction(Connection& connection) : connection_(connection) {
  nested_ = connection_.in_transaction();
  connection_.execute(nested_ ? "SAVEPOINT docent_write" : "BEGIN IMMEDIATE");
}

WriteTransaction::~WriteTransaction() {
  if (finished_) return;
  // Some errors (disk full, I/O) make SQLite roll back on its own; only undo what is still open.
  if (!connection_.in_transaction()) return;
  sqlite3* db = connection_.handle();
  if (nested_) {
    sqlite3_exec(db, "ROLLBACK TO docent_write; RELEASE docent_write", nullptr, nullptr, nullptr);
  } else {
    sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
  }
}

void WriteTransaction::commit() {
  connection_.execute(nested_ ? "RELEASE docent_write" : "COMMIT");
  finished_ = true;
}

}  // namespace docent::index::detail
