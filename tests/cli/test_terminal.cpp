// `docent chat` on a real terminal (tmux): line editing, history kept across runs, Ctrl-C
// clearing the line and a second one quitting; and no terminal codes where none belong.
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "docent_run.hpp"

namespace fs = std::filesystem;
using docent::test::run_cli;
using docent::test::shell_quote;

namespace {


// One tmux server of its own per test (its socket in the test's folder), 120x50, the pane kept
// after the program ends so its last screen can be read.
class Terminal : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::system("command -v tmux >/dev/null 2>&1") != 0) GTEST_SKIP() << "tmux is not installed (setup.sh installs it)";
    auto ingest = run_cli("--library " + shell_quote(library().string()) + " ingest " +
                          shell_quote((docent::test::source_dir() / "samples").string()));
    ASSERT_EQ(ingest.exit_code, 0) << ingest.err;
  }
  void TearDown() override { std::system((tmux() + " kill-server >/dev/null 2>&1").c_str()); }

  fs::path library() const { return home.path() / "lib"; }
  fs::path state_home() const { return home.path() / "state"; }
  fs::path status_file() const { return home.path() / "exit-status"; }
  // A fresh server (socket) for each start: a killed one may still be shutting down.
  std::string tmux() const {
    return "tmux -S " + shell_quote((home.path() / ("tmux-" + std::to_string(server) + ".sock")).string());
  }

  void start(const std::string& arguments, const std::string& environment = "") {
    ++server;
    std::string program = "env XDG_STATE_HOME=" + shell_quote(state_home().string()) + " TERM=xterm-256color " +
                          environment + " " + shell_quote(docent::test::docent_binary().string()) + " --library " +
                          shell_quote(library().string()) + " " + arguments;
    // remain-on-exit from a config file, read before the session starts: set afterwards, a
    // program that ends at once (search) could take the pane and the server with it first.
    auto config = home.path() / "tmux.conf";
    { std::ofstream(config) << "set-option -g remain-on-exit on\n"; }
    // The status goes to a file: tmux's #{pane_dead_status} stays empty for a program that
    // ends before the pane is fully set up.
    std::error_code ignored;
    fs::remove(status_file(), ignored);
    std::string wrapped = program + "; echo $? > " + shell_quote(status_file().string());
    std::string command = tmux() + " -f " + shell_quote(config.string()) + " new-session -d -x 120 -y 50 " +
                          shell_quote(wrapped);
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
  }
  void keys(const std::string& arguments) {
    ASSERT_EQ(std::system((tmux() + " send-keys " + arguments).c_str()), 0);
  }
  void type(const std::string& text) { keys("-l " + shell_quote(text)); }
  std::string screen(bool escapes = false) const {
    return docent::test::command_output(tmux() + " capture-pane -p -J" + (escapes ? " -e" : "") + " -S -200");
  }
  // Waits until `text` is on the screen (or a few seconds pass); returns the screen.
  std::string wait_for(const std::string& text, bool escapes = false) const {
    std::string shown;
    for (int i = 0; i < 100; ++i) {
      shown = screen(escapes);
      if (shown.find(text) != std::string::npos) return shown;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return shown;
  }
  // Waits until the chat prompt is back (the last line on the screen is the bare "> "). Keys
  // sent while an answer is still printing reach a terminal in line mode, where Ctrl-D and
  // Ctrl-C mean something else than at the editor's prompt.
  std::string wait_for_prompt() const {
    std::string shown;
    for (int i = 0; i < 100; ++i) {
      shown = screen();
      auto end = shown.find_last_not_of(" \n");
      if (end != std::string::npos) {
        auto line_start = shown.rfind('\n', end);
        line_start = line_start == std::string::npos ? 0 : line_start + 1;
        if (shown.compare(line_start, end + 1 - line_start, ">") == 0) return shown;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return shown;
  }
  // The program's exit status once it ended, or -1 if it is still running after a few seconds.
  int exit_status(int tenths = 100) const {
    for (int i = 0; i < tenths; ++i) {
      std::ifstream file(status_file());
      int status = -1;
      if (file >> status) return status;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return -1;
  }
  docent::test::TempDir home;
  int server = 0;
};

}  // namespace

TEST_F(Terminal, ArrowKeysEditTheLineInsteadOfBeingSentAsText) {
  start("chat");
  wait_for_prompt();
  type("When was the Tarrow Point Light lit?");
  keys("Left Left Left Left");  // before "lit?"
  type("first ");
  keys("Home");
  type("Q: ");
  keys("Enter");
  wait_for("Sources:");
  auto shown = wait_for_prompt();
  EXPECT_NE(shown.find("> Q: When was the Tarrow Point Light first lit?"), std::string::npos) << shown;
  EXPECT_EQ(shown.find("^[["), std::string::npos) << shown;
  EXPECT_NE(shown.find("tarrow-point-light.pdf, p. 1"), std::string::npos) << shown;
  EXPECT_NE(shown.find("3 November 1871"), std::string::npos) << shown;
  keys("C-d");
  EXPECT_EQ(exit_status(), 0);
}

TEST_F(Terminal, HistoryIsKeptAcrossRunsInTheStateFolder) {
  start("chat");
  wait_for_prompt();
  type("How many steps lead to the lantern gallery?");
  keys("Enter");
  wait_for("Sources:");
  wait_for_prompt();
  keys("C-d");
  ASSERT_EQ(exit_status(), 0);
  auto file = state_home() / "docent" / "history";
  ASSERT_TRUE(fs::exists(file));
  struct stat info {};
  ASSERT_EQ(::stat(file.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);  // questions can be private

  TearDown();
  start("chat");
  wait_for_prompt();
  keys("Up");
  auto shown = wait_for("> How many steps lead to the lantern gallery?");
  EXPECT_NE(shown.find("> How many steps lead to the lantern gallery?"), std::string::npos) << shown;
  keys("Enter");
  shown = wait_for("212");
  EXPECT_NE(shown.find("212"), std::string::npos) << shown;
}

TEST_F(Terminal, CtrlCClearsTheLineAndASecondOneOnAnEmptyLineQuits) {
  start("chat");
  wait_for_prompt();
  type("a half-typed question");
  keys("C-c");
  auto shown = wait_for("question^C");
  EXPECT_NE(shown.find("a half-typed question^C"), std::string::npos) << shown;
  EXPECT_EQ(exit_status(10), -1) << "one Ctrl-C must not end the chat";
  type("When was the Tarrow Point Light first lit?");  // the cleared text is gone from the new line
  keys("Enter");
  wait_for("Sources:");
  shown = wait_for_prompt();
  EXPECT_NE(shown.find("> When was the Tarrow Point Light first lit?"), std::string::npos) << shown;
  EXPECT_EQ(shown.find("half-typed questionWhen"), std::string::npos) << shown;
  keys("C-c");
  wait_for("Ctrl-C again");
  keys("C-c");
  EXPECT_EQ(exit_status(), 0);
}

TEST_F(Terminal, SearchHighlightsOnlyOnATerminalWithoutNoColor) {
  start("search lighthouse keeper");
  EXPECT_EQ(exit_status(), 0);
  EXPECT_NE(screen(true).find('\x1b'), std::string::npos) << screen(true);  // the highlight on a terminal
  TearDown();
  start("search lighthouse keeper", "NO_COLOR=1");
  EXPECT_EQ(exit_status(), 0);
  auto plain = screen(true);
  EXPECT_EQ(plain.find('\x1b'), std::string::npos) << plain;
  EXPECT_NE(plain.find("[keeper"), std::string::npos) << plain;  // brackets instead
}

// --show-thinking dims the reasoning on a terminal; redirected or with NO_COLOR it is plain text.
// The tiny fixture's reasoning is blank lines, which tmux shows without attributes, so the
// terminal here is util-linux `script`, which records the bytes written to it.
TEST_F(Terminal, ThinkingIsPlainTextWhenRedirectedOrWithNoColor) {
  DOCENT_REQUIRE_SHARED("fixtures/models/tiny-qwen2-f16.gguf");  // a DeepSeek-R1 template: it starts thinking
  if (std::system("command -v script >/dev/null 2>&1") != 0) GTEST_SKIP() << "script (bsdutils) is not installed";
  auto model = docent::test::shared_dir() / "fixtures/models/tiny-qwen2-f16.gguf";
  const std::string ask = "--library " + shell_quote(library().string()) + " ask --model " + shell_quote(model.string()) +
                          " --max-tokens 6 --show-thinking " + shell_quote("When was the Tarrow Point Light first lit?");
  auto redirected = run_cli(ask, {{"NO_COLOR", ""}});
  ASSERT_EQ(redirected.exit_code, 0) << redirected.err;
  EXPECT_FALSE(redirected.err.empty());  // the reasoning is there, as plain text
  EXPECT_EQ(redirected.err.find('\x1b'), std::string::npos) << redirected.err;
  EXPECT_EQ(redirected.out.find('\x1b'), std::string::npos);

  auto on_terminal = [&](const std::string& environment) {
    std::string program = "env -u NO_COLOR TERM=xterm " + environment + " " +
                          shell_quote(docent::test::docent_binary().string()) + " " + ask;
    return docent::test::command_output("script -qec " + shell_quote(program) + " /dev/null");
  };
  EXPECT_NE(on_terminal("").find("\x1b[2m"), std::string::npos);
  EXPECT_EQ(on_terminal("NO_COLOR=1").find('\x1b'), std::string::npos);
}
