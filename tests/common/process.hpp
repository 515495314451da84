#pragma once
// Runs the docent binary as a child process: to completion, or in the background so a test can
// kill it at a chosen moment or run a second command beside it.
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "test_support.hpp"

namespace docent::test {

struct Finished {
  int exit_code = -1;    // -1 when killed by a signal
  int signal = 0;
  std::string out, err;
  long peak_rss_kb = 0;  // of this child alone (wait4's rusage)
};

inline std::string read_all(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class Child {
 public:
  // `prefix` runs before the binary (e.g. {"unshare", "-n"}); arguments follow it.
  Child(std::vector<std::string> arguments, std::vector<std::string> prefix = {}) {
    out_path_ = scratch_.path() / "stdout";
    err_path_ = scratch_.path() / "stderr";
    std::vector<std::string> argv = std::move(prefix);
    argv.push_back(docent_binary().string());
    for (auto& argument : arguments) argv.push_back(std::move(argument));
    pid_ = ::fork();
    if (pid_ == 0) {
      int out = ::open(out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      int err = ::open(err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      ::dup2(out, 1);
      ::dup2(err, 2);
      std::vector<char*> raw;
      for (auto& argument : argv) raw.push_back(argument.data());
      raw.push_back(nullptr);
      ::execvp(raw[0], raw.data());
      ::_exit(127);
    }
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child() {
    if (!reaped_) {
      ::kill(pid_, SIGKILL);
      wait();
    }
  }

  pid_t pid() const { return pid_; }
  // True once the child has exited (reaps it).
  bool exited() {
    if (reaped_) return true;
    int status = 0;
    struct rusage usage {};
    if (::wait4(pid_, &status, WNOHANG, &usage) == pid_) record(status, usage);
    return reaped_;
  }
  std::string err_so_far() const { return read_all(err_path_); }
  Finished wait() {
    if (!reaped_) {
      int status = 0;
      struct rusage usage {};
      while (::wait4(pid_, &status, 0, &usage) < 0 && errno == EINTR) {
      }
      record(status, usage);
    }
    result_.out = read_all(out_path_);
    result_.err = read_all(err_path_);
    return result_;
  }

 private:
  void record(int status, const struct rusage& usage) {
    reaped_ = true;
    if (WIFEXITED(status)) result_.exit_code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) result_.signal = WTERMSIG(status);
    result_.peak_rss_kb = usage.ru_maxrss;
  }
  TempDir scratch_;
  std::filesystem::path out_path_, err_path_;
  pid_t pid_ = -1;
  bool reaped_ = false;
  Finished result_;
};

inline Finished run_docent(const std::filesystem::path& library, std::vector<std::string> arguments,
                           std::vector<std::string> prefix = {}) {
  arguments.insert(arguments.begin(), {"--library", library.string()});
  return Child(std::move(arguments), std::move(prefix)).wait();
}

}  // namespace docent::test
