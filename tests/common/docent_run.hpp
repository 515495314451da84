#pragma once
// Runs the docent binary as a user would from a shell: arguments, optional standard input and
// environment, captured stdout, stderr and exit code.
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <map>
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
// empty value unsets the variable.
inline DocentRun run_cli(const std::string& arguments, const std::map<std::string, std::string>& environment = {},
                         const std::string& input = "") {
  TempDir scratch;
  const auto in_file = scratch.path() / "stdin", err_file = scratch.path() / "stderr";
  std::ofstream(in_file) << input;
  std::string command = "env";  // every -u before the first NAME=VALUE, which ends env's options
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

}  // namespace docent::test
