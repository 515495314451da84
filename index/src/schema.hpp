#pragma once
// Schema migrations, tracked in PRAGMA user_version.

#include <functional>
#include <string>

#include "sqlite_connection.hpp"

namespace docent::index::detail {

// The version this build writes; a database at a higher version is refused.
int latest_schema_version();

// The oldest version a read-only opener can use as it is: later versions changed how text is
// indexed, or added columns that read_older_schema supplies.
int oldest_readable_schema_version();
// Lets a read-only connection read a library older than version 3 as if it had its columns.
void read_older_schema(Connection& connection, int version);

// The SQL of one migration step (1-based), so tests can build a library as an older docent left it.
const char* schema_step_for_tests(int version);

// Brings the database up to latest_schema_version(), one transaction per step, so an
// interrupted upgrade leaves the database at the last completed version. `notice` (may be
// empty) hears about steps that take a while on a large library, before they run.
void migrate(Connection& connection, const std::function<void(const std::string&)>& notice = {});

// Reads PRAGMA user_version.
int read_schema_version(Connection& connection);

// Throws a clear error when the database was written by a newer docent.
void refuse_newer_schema(Connection& connection, int version);

}  // namespace docent::index::detail
