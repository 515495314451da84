#pragma once
// Each cli/<command>.cpp registers itself here; main.cpp builds the app from the registry.
// A command file only parses flags, calls one module and prints human text or --json.

#include <CLI/CLI.hpp>

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace docent::cli {

// Exit codes, documented in `docent --help`.
enum ExitCode : int {
  kOk = 0,
  kFailure = 1,        // the command could not do its work (bad model file, unreadable library...)
  kUsage = 2,          // bad flags or arguments
  kPartial = 3,        // a batch finished but some inputs failed (each named on stderr)
  kNotFound = 4,       // nothing matched (no such document, no results where some were required)
  kBusy = 5,           // the library is locked by another process past the wait time
  kInterrupted = 130,  // Ctrl-C
};

// Flags every command shares.
struct GlobalOptions {
  std::optional<std::string> library;  // --library DIR
  bool json = false;                   // --json
  bool quiet = false;                  // --quiet: no progress
};

using CommandRegistrar = std::function<void(CLI::App& app, GlobalOptions& globals, int& exit_code)>;

// Called from static initialisers in each command file.
bool register_command(int order, CommandRegistrar registrar);

}  // namespace docent::cli
