// `docent chat` as a user runs it from a pipe: follow-ups find the previous topic's file and
// page, the commands work, --json gives one object per turn; and `ask`/`chat` with the tiny
// random-weight generator run end to end.
#include <array>
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>
#include <sys/wait.h>

#include <nlohmann/json.hpp>

#include "test_support.hpp"

namespace fs = std::filesystem;

namespace {
struct ChatRun {
  int exit_code = -1;
  std::string out, err;
};

std::string shell_quote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

// Runs docent with `input` on its standard input.
ChatRun run_with_input(const fs::path& library, const std::string& arguments, const std::string& input) {
  docent::test::TempDir scratch;
  auto in_file = scratch.path() / "stdin", err_file = scratch.path() / "stderr";
  std::ofstream(in_file) << input;
  std::string command = shell_quote(docent::test::docent_binary().string()) + " --library " +
                        shell_quote(library.string()) + " " + arguments + " <" + shell_quote(in_file.string()) +
                        " 2>" + shell_quote(err_file.string());
  ChatRun run;
  FILE* pipe = ::popen(command.c_str(), "r");
  std::array<char, 4096> buffer{};
  std::size_t n;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) run.out.append(buffer.data(), n);
  int status = ::pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::stringstream text;
  text << std::ifstream(err_file).rdbuf();
  run.err = text.str();
  return run;
}

std::vector<nlohmann::json> json_lines(const std::string& out) {
  std::vector<nlohmann::json> lines;
  std::istringstream stream(out);
  std::string line;
  while (std::getline(stream, line))
    if (!line.empty()) lines.push_back(nlohmann::json::parse(line));
  return lines;
}

class Chat : public ::testing::Test {
 protected:
  void SetUp() override {
    auto ingest = run_with_input(home.path(), "ingest " + shell_quote(samples.string()), "");
    ASSERT_EQ(ingest.exit_code, 0) << ingest.err;
  }
  docent::test::TempDir home;
  fs::path samples = docent::test::source_dir() / "samples";
  fs::path tarrow = samples / "tarrow-point-light.pdf";
};
}  // namespace

// "and when was it first lit?" names nothing of its own; only the first question says it is
// about Tarrow Point, so only the history can bring its answer (page 1 of the lighthouse PDF).
TEST_F(Chat, FollowUpFromAPipeFindsThePreviousTopicsFileAndPage) {
  auto run = run_with_input(home.path(), "--json chat",
                            "What is the minimum voltage the emergency batteries at Tarrow Point must show?\n"
                            "and when was it first lit?\n"
                            "/sources\n"
                            "/quit\n"
                            "this line is never read\n");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  auto lines = json_lines(run.out);
  ASSERT_EQ(lines.size(), 3u) << run.out;

  const auto& first = lines[0];
  EXPECT_EQ(first["turn"], 1);
  EXPECT_FALSE(first["follow_up"].get<bool>());
  EXPECT_TRUE(first["extractive"].get<bool>());
  ASSERT_FALSE(first["citations"].empty());
  EXPECT_EQ(first["citations"][0]["path"], tarrow.string());
  EXPECT_EQ(first["citations"][0]["page"], 3);

  const auto& second = lines[1];
  EXPECT_EQ(second["turn"], 2);
  EXPECT_TRUE(second["follow_up"].get<bool>());
  EXPECT_EQ(second["rewrite"], "rule");
  auto query = second["query"].get<std::string>();
  EXPECT_NE(query.find("Tarrow"), std::string::npos) << query;
  ASSERT_TRUE(second["found"].get<bool>()) << second.dump();
  EXPECT_EQ(second["citations"][0]["path"], tarrow.string()) << second.dump();
  EXPECT_EQ(second["citations"][0]["page"], 1) << second.dump();
  EXPECT_NE(second["answer"].get<std::string>().find("1871"), std::string::npos) << second["answer"];

  EXPECT_EQ(lines[2]["command"], "sources");
  EXPECT_EQ(lines[2]["citations"], second["citations"]);
}

// The same follow-up with no history (after /reset) is searched as asked, and the human output
// shows what was searched.
TEST_F(Chat, ResetForgetsTheTopicAndTextOutputShowsTheSearchedQuery) {
  auto run = run_with_input(home.path(), "chat",
                            "When did the last tram run in Brennmoor?\n"
                            "who had driven it?\n"
                            "/reset\n"
                            "who had driven it?\n");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("Extractive answer"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("(searching: who had driven it? last tram run Brennmoor)"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("Ilse Marten"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("(conversation cleared)"), std::string::npos) << run.out;
  EXPECT_EQ(run.out.find("(searching:"), run.out.rfind("(searching:")) << "only the follow-up is rewritten:\n" << run.out;
  EXPECT_NE(run.out.find("Sources:\n[1] " + (samples / "brennmoor-tramways.pdf").string()), std::string::npos) << run.out;
}

TEST_F(Chat, AskWithTheTinyFixtureGeneratorRunsEndToEnd) {
  DOCENT_REQUIRE_SHARED("fixtures/models/tiny-qwen2-f16.gguf");
  auto model = docent::test::shared_dir() / "fixtures/models/tiny-qwen2-f16.gguf";
  auto run = run_with_input(home.path(),
                            "--json ask --model " + shell_quote(model.string()) +
                                " --max-tokens 16 'When was the Tarrow Point Light first lit?'",
                            "");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  auto answer = nlohmann::json::parse(run.out);
  EXPECT_FALSE(answer["extractive"].get<bool>());
  EXPECT_TRUE(answer["found"].get<bool>());
  ASSERT_FALSE(answer["context"]["windows"].empty());
  EXPECT_EQ(answer["context"]["windows"][0]["path"], tarrow.string());
  // Random weights: the text is gibberish, but every citation left refers to a real source,
  // every sentence's citations are listed, and the passages in the prompt are all listed.
  std::set<int> listed;
  for (const auto& citation : answer["citations"]) {
    EXPECT_GE(citation["number"].get<int>(), 1);
    EXPECT_LE(citation["number"].get<std::size_t>(), answer["context"]["windows"].size());
    EXPECT_EQ(citation["source"], citation["number"]);
    listed.insert(citation["number"].get<int>());
  }
  for (const auto& sentence : answer["sentences"]) {
    for (int number : sentence["citations"]) EXPECT_TRUE(listed.count(number)) << sentence.dump();
    // A sentence is either backed by a citation, flagged unsupported, or makes no claim.
    if (sentence["unsupported"].get<bool>()) EXPECT_TRUE(sentence["citations"].empty()) << sentence.dump();
  }
  for (const auto& window : answer["context"]["windows"]) EXPECT_FALSE(window["text"].get<std::string>().empty());
}

TEST_F(Chat, ChatWithTheTinyFixtureGeneratorRunsEndToEnd) {
  DOCENT_REQUIRE_SHARED("fixtures/models/tiny-qwen2-f16.gguf");
  auto model = docent::test::shared_dir() / "fixtures/models/tiny-qwen2-f16.gguf";
  auto run = run_with_input(home.path(), "--json chat --model " + shell_quote(model.string()) + " --max-tokens 16",
                            "When was the Tarrow Point Light first lit?\nand how many steps does it have?\n");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  auto lines = json_lines(run.out);
  ASSERT_EQ(lines.size(), 2u) << run.out;
  for (const auto& turn : lines) {
    EXPECT_FALSE(turn["extractive"].get<bool>());
    EXPECT_TRUE(turn["found"].get<bool>());
    ASSERT_FALSE(turn["context"]["windows"].empty());
    EXPECT_EQ(turn["context"]["windows"][0]["path"], tarrow.string()) << turn.dump();
  }
  // The model's rewrite of the follow-up is used only when it is about the conversation; a
  // random-weight model's is not, so the rule takes over and says so.
  const auto& second = lines[1];
  if (second["rewrite"] == "rule") {
    EXPECT_FALSE(second["rewrite_note"].get<std::string>().empty());
    EXPECT_NE(second["query"].get<std::string>().find("Tarrow"), std::string::npos);
  } else {
    EXPECT_EQ(second["rewrite"], "model");
  }
}
