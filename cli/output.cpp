#include "output.hpp"

#include <csignal>
#include <cstdio>
#include <iostream>
#include <sys/ioctl.h>
#include <unistd.h>

#include "command.hpp"
#include "docent/ingest.hpp"
#include "docent/library.hpp"
#include "terminal.hpp"
#include "user_config.hpp"

namespace docent::cli {

namespace {
std::atomic<bool> g_interrupted{false};
extern "C" void on_interrupt(int signal) {
  if (g_interrupted.exchange(true)) {
    // Second Ctrl-C: the user insists. SQLite's journal keeps the library consistent.
    std::signal(signal, SIG_DFL);
    std::raise(signal);
  }
}
int terminal_width() {
  winsize size{};
  if (ioctl(STDERR_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 20) return size.ws_col;
  return 80;
}
}  // namespace

void print_error(std::string_view message) { std::cerr << "docent: " << message << '\n'; }

void print_json(const nlohmann::json& value) {
  std::cout << value.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
}

bool stdout_is_terminal() { return ::isatty(STDOUT_FILENO) == 1; }
bool stderr_is_terminal() { return ::isatty(STDERR_FILENO) == 1; }

int exit_code_for(const std::exception& error) {
  if (dynamic_cast<const index::LibraryBusy*>(&error)) return kBusy;
  if (dynamic_cast<const ConfigError*>(&error)) return kUsage;
  return kFailure;
}

const std::atomic<bool>& interrupted() { return g_interrupted; }

void install_interrupt_handler() {
  std::signal(SIGINT, on_interrupt);
  std::signal(SIGTERM, on_interrupt);
}

std::string display_path(std::string_view path) { return ingest::escape_bytes(path, /*when_invalid_only=*/true); }

std::string human_bytes(std::int64_t bytes) {
  const char* units[] = {"B", "KB", "MB", "GB", "TB"};
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1024 && unit < 4) value /= 1024, ++unit;
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, unit == 0 ? "%.0f %s" : "%.1f %s", value, units[unit]);
  return buffer;
}

std::string human_duration(double seconds) {
  if (seconds < 0 || seconds > 360000) return "--:--";
  auto total = static_cast<long>(seconds + 0.5);
  char buffer[32];
  if (total >= 3600) std::snprintf(buffer, sizeof buffer, "%ld:%02ld:%02ld", total / 3600, total / 60 % 60, total % 60);
  else std::snprintf(buffer, sizeof buffer, "%ld:%02ld", total / 60, total % 60);
  return buffer;
}

void ProgressBar::update(double fraction, std::string_view counts, double unit_rate, std::string_view unit,
                         std::string_view detail, bool force) {
  if (!enabled_) return;
  auto now = std::chrono::steady_clock::now();
  if (!force && drawn_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  drawn_ = true;
  fraction = std::clamp(fraction, 0.0, 1.0);
  double elapsed = std::chrono::duration<double>(now - started_).count();
  double eta = fraction > 0.001 ? elapsed * (1 - fraction) / fraction : -1;
  constexpr int kBarWidth = 24;
  int filled = static_cast<int>(fraction * kBarWidth);
  std::string line = "\r[" + std::string(filled, '#') + std::string(kBarWidth - filled, '.') + "] ";
  char numbers[128];
  std::snprintf(numbers, sizeof numbers, "%3.0f%%  %.*s  %.1f %.*s/s  ETA %s  ", fraction * 100,
                static_cast<int>(counts.size()), counts.data(), unit_rate, static_cast<int>(unit.size()),
                unit.data(), human_duration(eta).c_str());
  line += numbers;
  int room = terminal_width() - static_cast<int>(line.size()) - 1;
  std::string shown(detail);
  if (room < 4) shown.clear();
  else if (static_cast<int>(shown.size()) > room) shown = "…" + shown.substr(shown.size() - room + 1);
  line += shown;
  // Without terminal codes (NO_COLOR, TERM=dumb) the rest of the line is blanked with spaces.
  static const bool codes = codes_allowed(STDERR_FILENO);
  if (codes) line += "\x1b[K";
  else line += std::string(std::max(0, terminal_width() - 1 - static_cast<int>(line.size())), ' ');
  std::cerr << line << std::flush;
}

void ProgressBar::finish() {
  if (enabled_ && drawn_)
    std::cerr << (codes_allowed(STDERR_FILENO) ? std::string("\r\x1b[K") : "\r" + std::string(terminal_width() - 1, ' ') + "\r")
              << std::flush;
  drawn_ = false;
}

}  // namespace docent::cli

namespace docent::cli {
index::Library open_library(const GlobalOptions& globals, bool for_writing) {
  // --library, else $DOCENT_HOME, else the config file; the index falls back to the XDG folder.
  std::optional<std::filesystem::path> explicit_dir;
  if (auto chosen = resolve_config("library", globals.library); !chosen.text.empty()) explicit_dir = chosen.text;
  auto dir = index::resolve_library_dir(explicit_dir);
  if (!for_writing) {
    std::error_code error;
    if (!std::filesystem::exists(dir / "library.sqlite3", error))
      throw index::LibraryError("no library at " + dir.string() + " yet: run `docent ingest PATH` first");
    return index::Library::open(dir, index::Library::Mode::read_only);
  }
  return index::Library::open(dir, index::Library::Mode::read_write,
                              [](const std::string& notice) { std::cerr << "docent: " << notice << "\n"; });
}
}  // namespace docent::cli
