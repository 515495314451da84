#pragma once
// Runs the docent binary as a user would from a shell: arguments, optional standard input,
// captured stdout, stderr and exit code.
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <fstream>
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

// `arguments` are already quoted for the shell.
inline DocentRun run_docent(const std::filesystem::path& library, const std::string& arguments, const std::string& input = "") {
  TempDir scratch;
  const auto in_file = scratch.path() / "stdin", err_file = scratch.path() / "stderr";
  std::ofstream(in_file) << input;
  const std::string command = shell_quote(docent_binary().string()) + " --library " + shell_quote(library.string()) + " " +
                              arguments + " <" + shell_quote(in_file.string()) + " 2>" + shell_quote(err_file.string());
  DocentRun run;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return run;
  std::array<char, 4096> buffer{};
  std::size_t n;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) run.out.append(buffer.data(), n);
  const int status = ::pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::stringstream text;
  text << std::ifstream(err_file).rdbuf();
  run.err = text.str();
  return run;
}

}  // namespace docent::test
