#pragma once
// Runs the docent binary as a user would: arguments through the shell, a chosen environment,
// optional standard input; captures stdout, stderr and the exit code.
#include <array>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <sys/wait.h>

#include "test_support.hpp"

namespace docent::test {

struct CliRun {
  int exit_code = -1;
  std::string out, err;
};

inline std::string shell_quoted(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

inline std::string read_text(const std::filesystem::path& file) {
  std::stringstream text;
  text << std::ifstream(file, std::ios::binary).rdbuf();
  return text.str();
}

// `environment` entries are set for the run (an empty value unsets the variable); `arguments` is
// shell text, so callers quote paths with shell_quoted.
inline CliRun run_cli(const std::string& arguments, const std::map<std::string, std::string>& environment = {},
                      const std::string& input = "") {
  TempDir scratch;
  auto in_file = scratch.path() / "stdin", err_file = scratch.path() / "stderr";
  std::ofstream(in_file) << input;
  std::string command = "env";  // every -u before the first NAME=VALUE, which ends env's options
  for (const auto& [name, value] : environment)
    if (value.empty()) command += " -u " + name;
  for (const auto& [name, value] : environment)
    if (!value.empty()) command += " " + name + "=" + shell_quoted(value);
  command += " " + shell_quoted(docent_binary().string()) + " " + arguments + " <" + shell_quoted(in_file.string()) +
             " 2>" + shell_quoted(err_file.string());
  CliRun run;
  FILE* pipe = ::popen(command.c_str(), "r");
  std::array<char, 4096> buffer{};
  std::size_t n;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) run.out.append(buffer.data(), n);
  int status = ::pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  run.err = read_text(err_file);
  return run;
}

}  // namespace docent::test
