#pragma once
// Runs the docent binary as a user would from a shell: arguments, optional standard input and
// environment, captured stdout, stderr and exit code.
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>

#include "test_support.hpp"

namespace docent::test {

struct DocentRun {
  int exit_code = -1;
  std::string out, err;
};

inline std::string shell_quote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

inline std::string read_text(const std::filesystem::path& file) {
  std::stringstream text;
  text << std::ifstream(file, std::ios::binary).rdbuf();
  return text.str();
}

// What a shell command prints on stdout.
inline std::string command_output(const std::string& command) {
  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return out;
  std::array<char, 4096> buffer{};
  std::size_t n;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) out.append(buffer.data(), n);
  ::pclose(pipe);
  return out;
}

// `arguments` are already quoted for the shell. `environment` entries are set for the run; an
// empty value unsets the variable. `launcher` (e.g. unprivileged_launcher()) goes before it all.
inline DocentRun run_cli(const std::string& arguments, const std::map<std::string, std::string>& environment = {},
                         const std::string& input = "", const std::string& launcher = "") {
  TempDir scratch;
  const auto in_file = scratch.path() / "stdin", err_file = scratch.path() / "stderr";
  std::ofstream(in_file) << input;
  std::string command = launcher + " env";  // every -u before the first NAME=VALUE, which ends env's options
  for (const auto& [name, value] : environment)
    if (value.empty()) command += " -u " + name;
  for (const auto& [name, value] : environment)
    if (!value.empty()) command += " " + name + "=" + shell_quote(value);
  command += " " + shell_quote(docent_binary().string()) + " " + arguments + " <" + shell_quote(in_file.string()) +
             " 2>" + shell_quote(err_file.string());
  DocentRun run;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return run;
  std::array<char, 4096> buffer{};
  std::size_t n;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) run.out.append(buffer.data(), n);
  const int status = ::pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  run.err = read_text(err_file);
  return run;
}

inline DocentRun run_docent(const std::filesystem::path& library, const std::string& arguments, const std::string& input = "") {
  return run_cli("--library " + shell_quote(library.string()) + " " + arguments, {}, input);
}

// How to run docent as a user whom file permissions bind: as nobody through setpriv when this
// process is root (root may read and write whatever the modes say), else as this user. Empty
// with the reason in `why` when that is not possible here.
inline std::optional<std::string> unprivileged_launcher(std::string& why) {
  if (::geteuid() != 0) return std::string();
  const std::string setpriv = "setpriv --reuid=65534 --regid=65534 --clear-groups";
  if (std::system((setpriv + " test -x " + shell_quote(docent_binary().string()) + " 2>/dev/null").c_str()) != 0) {
    why = "running as root, and nobody (uid 65534) cannot run " + docent_binary().string() + " through setpriv";
    return std::nullopt;
  }
  return setpriv;
}

// A TempDir is private (0700): let others in, so that nobody can reach what a test puts there.
inline void open_to_others(const std::filesystem::path& folder) {
  namespace fs = std::filesystem;
  fs::permissions(folder, fs::perms::others_read | fs::perms::others_exec | fs::perms::group_read | fs::perms::group_exec,
                  fs::perm_options::add);
}

}  // namespace docent::test
