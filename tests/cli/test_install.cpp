// `cmake --install` (what scripts/setup.sh runs) puts docent, its man page and its bash/zsh
// completion under a prefix, and the installed binary runs.
#include "docent_run.hpp"

namespace fs = std::filesystem;
using docent::test::shell_quote;

TEST(Install, PutsTheBinaryManPageAndCompletionsUnderThePrefix) {
  if (std::system("command -v cmake >/dev/null 2>&1") != 0) GTEST_SKIP() << "cmake is not installed";
  const fs::path build = docent::test::docent_binary().parent_path().parent_path();  // build/cli/docent
  ASSERT_TRUE(fs::exists(build / "cmake_install.cmake")) << build;
  if (!fs::exists(build / "cli/docent.1"))
    GTEST_SKIP() << "the man page and completions are not built here (target docent_docs, part of a full build)";
  docent::test::TempDir prefix;
  auto log = docent::test::command_output("cmake --install " + shell_quote(build.string()) + " --prefix " +
                                          shell_quote(prefix.path().string()) + " 2>&1; echo exit=$?");
  ASSERT_NE(log.find("exit=0"), std::string::npos) << log;
  for (const char* file : {"bin/docent", "share/man/man1/docent.1", "share/bash-completion/completions/docent",
                           "share/zsh/site-functions/_docent"})
    EXPECT_TRUE(fs::exists(prefix.path() / file)) << file << "\n" << log;
  auto version = docent::test::command_output(shell_quote((prefix.path() / "bin/docent").string()) + " --version");
  EXPECT_EQ(version, "docent 0.1.0\n");
  // `docent serve` finds its HTTP transport in the installed library folder.
  auto serve = docent::test::command_output("timeout -s INT 3 " + shell_quote((prefix.path() / "bin/docent").string()) +
                                            " --library " + shell_quote((prefix.path() / "no-library").string()) +
                                            " serve --port 0 2>&1");
  EXPECT_NE(serve.find("listening on http://127.0.0.1:"), std::string::npos) << serve;
  EXPECT_EQ(docent::test::read_text(prefix.path() / "share/man/man1/docent.1").rfind(".TH DOCENT 1", 0), 0u);
}
