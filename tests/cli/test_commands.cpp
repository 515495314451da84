// Finding one's way: unknown commands get the nearest one suggested, `docent help [TOPIC]`,
// the man page and the bash/zsh completions written from the command tree.
#include <nlohmann/json.hpp>

#include "docent_run.hpp"

namespace fs = std::filesystem;
using docent::test::run_cli;
using docent::test::shell_quote;

TEST(Commands, AnUnknownCommandSuggestsTheNearestOne) {
  auto run = run_cli("serch foo");
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_EQ(run.err, "docent: unknown command 'serch'; did you mean 'search'?\n");
  EXPECT_EQ(run.out, "");
  EXPECT_NE(run_cli("lsit").err.find("did you mean 'list'?"), std::string::npos);          // swapped letters
  EXPECT_NE(run_cli("--json injest x").err.find("did you mean 'ingest'?"), std::string::npos);  // after a global flag
  EXPECT_NE(run_cli("--library /tmp/x stauts").err.find("did you mean 'status'?"), std::string::npos);  // after its value
  auto nested = run_cli("models ifno model.gguf");
  EXPECT_EQ(nested.exit_code, 2);
  EXPECT_NE(nested.err.find("unknown command 'models ifno'; did you mean 'models info'?"), std::string::npos) << nested.err;
  auto far = run_cli("frobnicate");
  EXPECT_EQ(far.exit_code, 2);
  EXPECT_NE(far.err.find("unknown command 'frobnicate'; `docent help` lists the commands"), std::string::npos) << far.err;
  // A word that is an argument, not a command, is left alone.
  EXPECT_EQ(run_cli("--library /nonexistent/x search serch").err.find("unknown command"), std::string::npos);
}

TEST(Commands, HelpShowsCommandsAndTopics) {
  auto top = run_cli("help");
  EXPECT_EQ(top.exit_code, 0);
  for (const char* word : {"ingest", "search", "ask", "chat", "config", "Help topics", "exit-codes", "library"})
    EXPECT_NE(top.out.find(word), std::string::npos) << word;
  auto search = run_cli("help search");
  EXPECT_EQ(search.exit_code, 0);
  EXPECT_NE(search.out.find("Usage: docent search"), std::string::npos) << search.out;
  EXPECT_NE(search.out.find("--mode"), std::string::npos);
  auto info = run_cli("help models info");
  EXPECT_NE(info.out.find("Usage: docent models info"), std::string::npos) << info.out;
  auto codes = run_cli("help exit-codes");
  EXPECT_EQ(codes.exit_code, 0);
  EXPECT_NE(codes.out.find("130"), std::string::npos);
  auto models = run_cli("help models");  // a topic and a command: the topic, then the command's help
  EXPECT_NE(models.out.find("generator"), std::string::npos);
  EXPECT_NE(models.out.find("Usage: docent models"), std::string::npos) << models.out;
  auto config = run_cli("help config");
  EXPECT_NE(config.out.find("generation.temperature"), std::string::npos) << config.out;
  auto unknown = run_cli("help seach");
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("did you mean 'search'?"), std::string::npos) << unknown.err;
}

TEST(Commands, ABareCommandGroupShowsItsHelp) {
  auto top = run_cli("");
  EXPECT_EQ(top.exit_code, 0);
  EXPECT_NE(top.out.find("Exit codes"), std::string::npos) << top.out;
  auto models = run_cli("models");
  EXPECT_EQ(models.exit_code, 0);
  EXPECT_NE(models.out.find("quantize"), std::string::npos) << models.out;
  EXPECT_EQ(models.err.find("A subcommand is required"), std::string::npos);
}

TEST(Commands, TheHelpTextMatchesWhatTheCodeDoes) {
  auto top = run_cli("--help");
  EXPECT_EQ(top.out.find("soon"), std::string::npos) << top.out;
  EXPECT_EQ(top.out.find("Inspect model files"), std::string::npos);
  auto search = run_cli("search --help");
  EXPECT_EQ(search.out.find("by keywords (BM25)"), std::string::npos) << search.out;
}

TEST(Commands, TheManPageCoversEveryCommand) {
  auto man = run_cli("help --man");
  ASSERT_EQ(man.exit_code, 0);
  EXPECT_EQ(man.out.rfind(".TH DOCENT 1", 0), 0u);
  for (const char* section : {".SH COMMANDS", ".SH CONFIGURATION", ".SH ENVIRONMENT", ".SH EXIT STATUS"})
    EXPECT_NE(man.out.find(section), std::string::npos) << section;
  for (const char* command : {"docent ingest PATH...", "docent search QUERY...", "docent models info FILE",
                              "docent eval beir", "docent config set KEY VALUE", "docent chat"})
    EXPECT_NE(man.out.find(std::string(".SS \"") + command), std::string::npos) << command;
  EXPECT_EQ(man.out.find(".SS \"docent completion"), std::string::npos);  // hidden commands stay out
  // The page renders without troff warnings where man-db is installed.
  if (std::system("command -v groff >/dev/null 2>&1") == 0) {
    docent::test::TempDir dir;
    std::ofstream(dir.path() / "docent.1") << man.out;
    EXPECT_EQ(docent::test::command_output("groff -k -man -Tutf8 -ww -z " + shell_quote((dir.path() / "docent.1").string()) +
                                           " 2>&1"),
              "");
  }
}

namespace {
// Completes `line` (the words typed so far, the last one possibly partial) with the generated
// bash script in a real bash; returns the candidates, one per line.
std::string bash_complete(const std::string& script, const std::string& line) {
  docent::test::TempDir dir;
  fs::create_directory(dir.path() / "papers");
  std::ofstream(dir.path() / "docent.bash") << script;
  std::string driver = "source " + shell_quote((dir.path() / "docent.bash").string()) +
                       "; COMP_WORDS=(" + line + "); [[ \"" + line + "\" == *' ' ]] && COMP_WORDS+=('');"
                       " COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _docent; printf '%s\\n' \"${COMPREPLY[@]}\"";
  std::ofstream(dir.path() / "driver.sh") << driver;
  return docent::test::command_output("cd " + shell_quote(dir.path().string()) + " && bash driver.sh 2>&1");
}
}  // namespace

TEST(Commands, BashCompletionIsWrittenFromTheCommandTree) {
  auto script = run_cli("completion bash");
  ASSERT_EQ(script.exit_code, 0);
  EXPECT_EQ(bash_complete(script.out, "docent se"), "search\nserve\n");
  EXPECT_EQ(bash_complete(script.out, "docent sea"), "search\n");
  EXPECT_EQ(bash_complete(script.out, "docent models i"), "info\nimport\n");
  EXPECT_EQ(bash_complete(script.out, "docent search --mode "), "keyword\ndense\nhybrid\n");
  EXPECT_EQ(bash_complete(script.out, "docent --library /tmp search --mo"), "--mode\n");
  EXPECT_EQ(bash_complete(script.out, "docent config get generation.te"), "generation.temperature\n");
  EXPECT_EQ(bash_complete(script.out, "docent help exit"), "exit-codes\n");
  EXPECT_NE(bash_complete(script.out, "docent ask --").find("--model\n"), std::string::npos);
  // Folders and files complete from the disk (the driver runs in a folder holding papers/ and two files).
  EXPECT_EQ(bash_complete(script.out, "docent eval beir "), "papers\n");
  EXPECT_EQ(bash_complete(script.out, "docent ingest dri"), "driver.sh\n");
}

TEST(Commands, ZshCompletionIsWrittenFromTheCommandTree) {
  if (std::system("command -v zsh >/dev/null 2>&1") != 0) GTEST_SKIP() << "zsh is not installed";
  auto script = run_cli("completion zsh");
  ASSERT_EQ(script.exit_code, 0);
  EXPECT_EQ(script.out.rfind("#compdef docent", 0), 0u);
  docent::test::TempDir dir;
  std::ofstream(dir.path() / "_docent") << script.out;
  // compadd and _files stand in for the completion system: they print what would be offered.
  std::ofstream(dir.path() / "driver.zsh")
      << "compadd() { [[ $1 == -- ]] && shift; print -l -- ${(M)@:#${words[CURRENT]}*}; }\n"
         "_files() { print -- FILES $@; }\ncompdef() { :; }\nsource ./_docent\n"
         "words=(docent models i); CURRENT=3; _docent\n"
         "words=(docent search --mode ''); CURRENT=4; _docent\n"
         "words=(docent ingest ''); CURRENT=3; _docent\n";
  auto out = docent::test::command_output("cd " + shell_quote(dir.path().string()) + " && zsh -f driver.zsh 2>&1");
  EXPECT_EQ(out, "info\nimport\nkeyword\ndense\nhybrid\nFILES\n");
}
