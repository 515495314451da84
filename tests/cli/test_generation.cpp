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

  auto json = run_docent(home.path(), "--json models info " + shell_quote(fixture("tiny-qwen2-f16").string()));
  ASSERT_EQ(json.exit_code, 0) << json.err;
  const auto info = nlohmann::json::parse(json.out);
  EXPECT_EQ(info["chat_template"], "deepseek-r1");
  EXPECT_EQ(info["defaults"]["temperature"], 0.6);
  EXPECT_EQ(info["defaults"]["top_p"], 0.95);
  EXPECT_EQ(info["defaults"]["system_turn"], false);
  EXPECT_EQ(info["defaults"]["opens_thinking"], true);

  auto stories = run_docent(home.path(), "models info " + shell_quote(fixture("stories260K").string()));
  EXPECT_NE(stories.out.find("sampling       greedy"), std::string::npos) << stories.out;
}
