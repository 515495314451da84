// Generation as a user drives it from the command line: the defaults `models info` shows, the
// thinking budget, and long generation past the context.
#include <nlohmann/json.hpp>

#include "docent_run.hpp"

namespace fs = std::filesystem;
using docent::test::run_docent;
using docent::test::shell_quote;

namespace {
fs::path fixture(const std::string& name) { return docent::test::shared_dir() / "fixtures/models" / (name + ".gguf"); }
}  // namespace

TEST(ModelsInfo, ShowsTheR1DefaultsGenerationUses) {
  DOCENT_REQUIRE_SHARED("fixtures/models/tiny-qwen2-f16.gguf");
  docent::test::TempDir home;
  auto text = run_docent(home.path(), "models info " + shell_quote(fixture("tiny-qwen2-f16").string()));
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("deepseek-r1 (instructions in the user turn, no system turn; the answer opens with <think>)"),
            std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find("temperature 0.6, top-p 0.95"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("thinking       closed after 256 tokens in ask and chat"), std::string::npos) << text.out;

  auto json = run_docent(home.path(), "--json models info " + shell_quote(fixture("tiny-qwen2-f16").string()));
  ASSERT_EQ(json.exit_code, 0) << json.err;
  const auto info = nlohmann::json::parse(json.out);
  EXPECT_EQ(info["chat_template"], "deepseek-r1");
  EXPECT_EQ(info["defaults"]["temperature"], 0.6);
  EXPECT_EQ(info["defaults"]["top_p"], 0.95);
  EXPECT_EQ(info["defaults"]["system_turn"], false);
  EXPECT_EQ(info["defaults"]["opens_thinking"], true);
  EXPECT_EQ(info["think_budget"]["ask"], 256);

  auto stories = run_docent(home.path(), "models info " + shell_quote(fixture("stories260K").string()));
  EXPECT_NE(stories.out.find("sampling       greedy"), std::string::npos) << stories.out;
}

// stories260K (real weights) with a 64-token context goes on past 64 tokens: the oldest generated
// tokens make room, the prompt stays.
TEST(Generate, RunsPastAFullContext) {
  DOCENT_REQUIRE_SHARED("fixtures/models/stories260K.gguf");
  docent::test::TempDir home;
  auto run = run_docent(home.path(), "--json generate -m " + shell_quote(fixture("stories260K").string()) +
                                         " --context 64 --max-tokens 200 'Once upon a time'");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const auto result = nlohmann::json::parse(run.out);
  EXPECT_GT(result["tokens"].size(), 64u) << result.dump();
  EXPECT_NE(result["stop_reason"], "context-full");
  EXPECT_GE(result["context_shifts"].get<int>(), 1);
  EXPECT_EQ(result["thinking_stop_reason"], "");  // no template that thinks

  auto text = run_docent(home.path(), "generate -m " + shell_quote(fixture("stories260K").string()) +
                                          " --context 64 --max-tokens 100 'Once upon a time'");
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.err.find("old tokens dropped"), std::string::npos) << text.err;
}

// An R1 model's thinking is bounded by --think-budget and reported apart from the answer,
// which has its own --max-tokens.
TEST(Generate, ThinkBudgetAndSeparateAnswerLimit) {
  DOCENT_REQUIRE_SHARED("fixtures/models/tiny-qwen2-f16.gguf");
  docent::test::TempDir home;
  auto run = run_docent(home.path(), "--json generate -m " + shell_quote(fixture("tiny-qwen2-f16").string()) +
                                         " --think-budget 12 --max-tokens 8 'What is RAG?'");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const auto result = nlohmann::json::parse(run.out);
  EXPECT_EQ(result["thinking_tokens"], 12);
  EXPECT_EQ(result["thinking_stop_reason"], "budget");  // random weights never close it themselves
  EXPECT_LE(result["answer_tokens"].get<int>(), 8);
  EXPECT_FALSE(result["thinking"].get<std::string>().empty());
  EXPECT_EQ(result["text"].get<std::string>().find("</think>"), std::string::npos);

  // Thinking reaches stderr only when asked for.
  auto quiet = run_docent(home.path(), "generate -m " + shell_quote(fixture("tiny-qwen2-f16").string()) +
                                           " --think-budget 12 --max-tokens 8 'What is RAG?'");
  auto shown = run_docent(home.path(), "generate -m " + shell_quote(fixture("tiny-qwen2-f16").string()) +
                                           " --show-thinking --think-budget 12 --max-tokens 8 'What is RAG?'");
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_GT(shown.err.size(), quiet.err.size());
  EXPECT_EQ(shown.out, quiet.out);  // same seed, same answer; the thinking never reaches stdout
}

// `ask` with a reasoning model: the default budget, its own answer limit, and --json's account.
TEST(Ask, ReportsThinkingAndAnswerApart) {
  DOCENT_REQUIRE_SHARED("fixtures/models/tiny-qwen2-f16.gguf");
  docent::test::TempDir home;
  auto ingest = run_docent(home.path(), "ingest " + shell_quote((docent::test::source_dir() / "samples").string()));
  ASSERT_EQ(ingest.exit_code, 0) << ingest.err;
  auto run = run_docent(home.path(), "--json ask --model " + shell_quote(fixture("tiny-qwen2-f16").string()) +
                                         " --think-budget 20 --max-tokens 10 'When was the Tarrow Point Light first lit?'");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const auto answer = nlohmann::json::parse(run.out);
  const auto& generation = answer["generation"];
  EXPECT_EQ(generation["thinking_tokens"], 20);
  EXPECT_EQ(generation["thinking_stop"], "budget");
  EXPECT_LE(generation["answer_tokens"].get<int>(), 10);
  EXPECT_GT(generation["prompt_tokens"].get<int>(), 200);  // the sources are in the prompt
  EXPECT_GT(generation["first_answer_seconds"].get<double>(), 0.0);

  auto text = run_docent(home.path(), "ask --model " + shell_quote(fixture("tiny-qwen2-f16").string()) +
                                          " --think-budget 20 --max-tokens 10 'When was the Tarrow Point Light first lit?'");
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.err.find("thought 20 tokens"), std::string::npos) << text.err;
  EXPECT_NE(text.err.find("(stopped at --think-budget 20)"), std::string::npos) << text.err;
}
