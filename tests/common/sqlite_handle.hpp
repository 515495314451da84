#pragma once
// A raw SQLite connection to a library's database, for tests that damage it on purpose or hold
// its write lock the way another process would.
#include <sqlite3.h>

#include <filesystem>
#include <string>

#include "fts_tokenizer.hpp"

#include <gtest/gtest.h>

namespace docent::test {

class RawDatabase {
 public:
  explicit RawDatabase(const std::filesystem::path& library) {
    EXPECT_EQ(sqlite3_open((library / "library.sqlite3").c_str(), &db_), SQLITE_OK);
    sqlite3_busy_timeout(db_, 10000);
    // As every docent connection does: the chunk index and its triggers need the tokenizer.
    EXPECT_EQ(index::detail::register_word_tokenizer(db_), SQLITE_OK);
  }
  ~RawDatabase() { sqlite3_close(db_); }
  RawDatabase(const RawDatabase&) = delete;
  RawDatabase& operator=(const RawDatabase&) = delete;

  void execute(const std::string& sql) {
    char* error = nullptr;
    int code = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error);
    EXPECT_EQ(code, SQLITE_OK) << sql << ": " << (error ? error : "");
    sqlite3_free(error);
  }
  long long integer(const std::string& sql) {
    sqlite3_stmt* statement = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db_, sql.c_str(), -1, &statement, nullptr), SQLITE_OK) << sql;
    long long value = sqlite3_step(statement) == SQLITE_ROW ? sqlite3_column_int64(statement, 0) : -1;
    sqlite3_finalize(statement);
    return value;
  }

 private:
  sqlite3* db_ = nullptr;
};

}  // namespace docent::test
