#pragma once
// For the server tests: a `docent serve` child on a free loopback port, the official npm clients
// (scripts/npm-clients.sh installs them into build/npm-clients), and running a client script.
#include <signal.h>

#include <optional>
#include <regex>

#include <nlohmann/json.hpp>

#include "docent_run.hpp"
#include "process.hpp"

namespace docent::test {

// Starts `docent <arguments> serve --port 0 <serve_arguments>` and waits until it listens.
class ServeProcess {
 public:
  ServeProcess(const std::vector<std::string>& before, const std::vector<std::string>& serve_arguments)
      : child_(arguments(before, serve_arguments)) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    static const std::regex listening(R"(listening on http://127\.0\.0\.1:(\d+)/v1)");
    while (std::chrono::steady_clock::now() < deadline && !child_.exited()) {
      std::smatch match;
      const std::string log = child_.err_so_far();
      if (std::regex_search(log, match, listening)) {
        port_ = std::stoi(match[1].str());
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  ~ServeProcess() { stop(); }
  bool listening() const { return port_ > 0; }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }
  std::string log() const { return child_.err_so_far(); }
  pid_t pid() const { return child_.pid(); }
  // SIGTERM: the server finishes what it is doing and exits 0.
  Finished stop() {
    if (!stopped_) ::kill(child_.pid(), SIGTERM);
    stopped_ = true;
    return child_.wait();
  }

 private:
  static std::vector<std::string> arguments(std::vector<std::string> before, const std::vector<std::string>& serve) {
    before.push_back("serve");
    before.push_back("--port");
    before.push_back("0");
    before.insert(before.end(), serve.begin(), serve.end());
    return before;
  }
  Child child_;
  int port_ = 0;
  bool stopped_ = false;
};

// $DOCENT_NPM_CLIENTS, else npm-clients in the build folder.
inline std::filesystem::path npm_clients_dir() {
  if (const char* dir = std::getenv("DOCENT_NPM_CLIENTS")) return dir;
  return docent_binary().parent_path().parent_path() / "npm-clients";
}

// Installs the clients when needed; the reason to skip when node or npm is missing or the
// install failed (no registry), nullopt when they are ready.
inline std::optional<std::string> npm_clients_missing() {
  if (std::system("command -v node >/dev/null 2>&1") != 0 || std::system("command -v npm >/dev/null 2>&1") != 0)
    return "node and npm are not installed (Debian: apt-get install nodejs npm); the official-client tests need them";
  const std::string command = "BUILD_DIR=" + shell_quote(npm_clients_dir().parent_path().string()) + " bash " +
                              shell_quote((source_dir() / "scripts/npm-clients.sh").string()) + " 2>&1; echo exit=$?";
  const std::string log = command_output(command);
  if (log.find("exit=0") == std::string::npos)
    return "could not install the npm clients (scripts/npm-clients.sh): " + log;
  return std::nullopt;
}

struct NodeRun {
  int exit_code = -1;
  std::string out, err;
  nlohmann::json json;  // stdout parsed (discarded when it is not JSON)
};

inline NodeRun run_client(const std::string& script, const std::vector<std::string>& arguments) {
  TempDir scratch;
  const auto err_file = scratch.path() / "stderr";
  std::string command = "DOCENT_NPM_CLIENTS=" + shell_quote(npm_clients_dir().string()) + " node " +
                        shell_quote((source_dir() / "tests/clients" / script).string());
  for (const auto& argument : arguments) command += " " + shell_quote(argument);
  command += " 2>" + shell_quote(err_file.string()) + "; echo \"exit=$?\"";
  NodeRun run;
  run.out = command_output(command);
  const auto at = run.out.rfind("exit=");
  if (at != std::string::npos) {
    run.exit_code = std::atoi(run.out.c_str() + at + 5);
    run.out.resize(at);
  }
  run.err = read_text(err_file);
  run.json = nlohmann::json::parse(run.out, nullptr, false);
  return run;
}

}  // namespace docent::test
