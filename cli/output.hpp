#pragma once
// Printing helpers shared by the command files: errors, JSON, terminal detection, progress.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace docent::cli {

void print_error(std::string_view message);  // "docent: <message>" on stderr
void print_json(const nlohmann::json& value);
bool stdout_is_terminal();
bool stderr_is_terminal();
int exit_code_for(const std::exception& error);  // LibraryBusy -> kBusy, others -> kFailure

// Set by SIGINT/SIGTERM; long commands stop between units of work.
const std::atomic<bool>& interrupted();
void install_interrupt_handler();

// A file path for people and --json: unchanged when it is valid UTF-8; otherwise each byte that
// is not (and each backslash) is written as \xNN (and \\), as bash's $'...' reads them, so the
// printed path can be given back to `remove` (ingest::escape_bytes).
std::string display_path(std::string_view path);

std::string human_bytes(std::int64_t bytes);
std::string human_duration(double seconds);

// A one-line progress bar on stderr, drawn only on a terminal and at most ~10 times a second.
class ProgressBar {
 public:
  explicit ProgressBar(bool enabled) : enabled_(enabled) {}
  ~ProgressBar() { finish(); }
  // fraction in [0,1]; `unit_rate` e.g. pages/s; `detail` e.g. the current file name.
  void update(double fraction, std::string_view counts, double unit_rate, std::string_view unit,
              std::string_view detail, bool force = false);
  void finish();

 private:
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_draw_{};
};

}  // namespace docent::cli

#include "command.hpp"
#include "docent/library.hpp"

namespace docent::cli {
// Opens the library the flags/environment point at. Read-only commands get a clear error when
// no library exists yet instead of an empty one being created.
index::Library open_library(const GlobalOptions& globals, bool for_writing);
}  // namespace docent::cli
