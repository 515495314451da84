// Offline proof: ingest, search and ask work with no network at all (a fresh network namespace
// has only a downed loopback), and the binary does not even import the socket API: the only
// socket code is the HTTP transport of `docent serve`, a plugin only that command loads.
#include <cstdio>

#include <nlohmann/json.hpp>

#include "process.hpp"

namespace fs = std::filesystem;
using docent::test::run_docent;

namespace {

std::string command_output(const std::string& command) {
  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return out;
  char buffer[4096];
  std::size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
  ::pclose(pipe);
  return out;
}

}  // namespace

TEST(Offline, IngestSearchAndAskSucceedWithoutANetwork) {
  // Is an unprivileged network namespace possible here (root, or user namespaces allowed)?
  if (std::system("unshare -n true >/dev/null 2>&1") != 0 &&
      std::system("unshare -r -n true >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "unshare -n is not permitted here (needs root or unprivileged user namespaces)";
  const std::vector<std::string> prefix =
      std::system("unshare -n true >/dev/null 2>&1") == 0 ? std::vector<std::string>{"unshare", "-n"}
                                                           : std::vector<std::string>{"unshare", "-r", "-n"};
  // Inside the namespace there is no interface but a downed loopback.
  auto links = command_output(prefix[0] + " " + prefix[1] + (prefix.size() > 2 ? " " + prefix[2] : "") +
                              " cat /proc/net/dev");
  EXPECT_EQ(links.find("eth"), std::string::npos) << links;

  docent::test::TempDir home;
  const auto samples = docent::test::source_dir() / "samples";
  auto ingest = run_docent(home.path(), {"--json", "ingest", samples.string()}, prefix);
  ASSERT_EQ(ingest.exit_code, 0) << ingest.err;
  auto search = run_docent(home.path(), {"--json", "search", "Tarrow Point Light"}, prefix);
  ASSERT_EQ(search.exit_code, 0) << search.err;
  EXPECT_FALSE(nlohmann::json::parse(search.out)["results"].empty());
  auto ask = run_docent(home.path(), {"--json", "ask", "When was the Tarrow Point Light first lit?"}, prefix);
  ASSERT_EQ(ask.exit_code, 0) << ask.err;
  auto answer = nlohmann::json::parse(ask.out);
  EXPECT_TRUE(answer["found"].get<bool>());
  EXPECT_FALSE(answer["citations"].empty());
}

TEST(Offline, BinaryImportsNoNetworkFunctions) {
  if (std::system("command -v nm >/dev/null 2>&1") != 0) GTEST_SKIP() << "nm (binutils) is not installed";
  const std::string binary = docent::test::docent_binary().string();
  auto imports = command_output("nm -D --undefined-only '" + binary + "' 2>&1");
  ASSERT_FALSE(imports.empty());
  ASSERT_NE(imports.find(" U "), std::string::npos) << "unexpected nm output:\n" << imports;
  for (const char* symbol : {"socket", "connect", "getaddrinfo", "gethostbyname", "bind", "listen", "accept",
                             "sendto", "recvfrom", "sendmsg", "recvmsg"}) {
    // nm prints "U name" or "U name@GLIBC_x"; match the whole name.
    std::size_t at = 0;
    bool found = false;
    const std::string name = symbol;
    while ((at = imports.find(" " + name, at)) != std::string::npos) {
      std::size_t end = at + 1 + name.size();
      if (end == imports.size() || imports[end] == '@' || imports[end] == '\n') found = true;
      at = end;
    }
    EXPECT_FALSE(found) << "the docent binary imports " << symbol;
  }
}

TEST(Offline, OnlyTheServerPluginLinksAnHttpOrTlsLibrary) {
  if (std::system("command -v readelf >/dev/null 2>&1") != 0) GTEST_SKIP() << "readelf (binutils) is not installed";
  const auto binary = docent::test::docent_binary();
  auto needed = command_output("readelf -d '" + binary.string() + "' 2>&1");
  ASSERT_NE(needed.find("(NEEDED)"), std::string::npos) << needed;
  for (const char* library : {"httplib", "libssl", "libcrypto", "libcurl"})
    EXPECT_EQ(needed.find(library), std::string::npos) << "the docent binary links " << library << ":\n" << needed;
  // The plugin beside it is where the sockets are: the check above would see them if linked.
  const auto plugin = binary.parent_path() / "docent-http.so";
  ASSERT_TRUE(std::filesystem::exists(plugin)) << plugin;
  auto plugin_needed = command_output("readelf -d '" + plugin.string() + "' 2>&1");
  EXPECT_NE(plugin_needed.find("libcpp-httplib"), std::string::npos) << plugin_needed;
}
