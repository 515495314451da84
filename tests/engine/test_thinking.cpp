// The thinking budget: a reasoning model's <think> span is split off the answer, closed by the
// engine when it reaches its budget, and the answer gets its own token limit.
#include <gtest/gtest.h>

#include <algorithm>

#include "docent/engine.hpp"
#include "test_support.hpp"

using namespace docent::engine;

namespace {

std::shared_ptr<const Model> tiny_r1() {
  return Model::load(docent::test::shared_dir() / "fixtures/models/tiny-qwen2-f16.gguf");
}

GenerationOptions reasoning(int budget, int answer_tokens) {
  GenerationOptions options;
  options.max_tokens = answer_tokens;
  options.sampling.temperature = 0.0f;
  options.thinking.enabled = true;
  options.thinking.starts_inside = true;  // R1's template opened <think>
  options.thinking.budget = budget;
  options.thinking.bridge = "The answer:";
  return options;
}

std::vector<TokenId> concat(std::vector<TokenId> a, const std::vector<TokenId>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

struct Streamed {
  std::string answer, thinking;
};

}  // namespace

// Random weights never write </think> on their own, so the engine's close is what runs; the
// context then holds exactly the thinking, the close tag and bridge, and the answer.
TEST(ThinkingBudget, ClosesTheSpanAndTheAnswerHasItsOwnLimit) {
  DOCENT_REQUIRE_SHARED("fixtures/models/tiny-qwen2-f16.gguf");
  auto model = tiny_r1();
  const Tokenizer& tokenizer = model->tokenizer();
  const auto prompt = encode_chat(tokenizer, ChatFamily::deepseek_r1, {{"user", "What is retrieval-augmented generation?"}}, true);
  Generator generator(model, {.context_length = 256});
  Streamed streamed;
  auto options = reasoning(16, 8);
  options.stop_at_end_of_generation = false;
  auto result = generator.generate_tokens(
      prompt, options,
      [&](std::string_view text) {
        streamed.answer += text;
        return true;
      },
      [&](std::string_view text) {
        streamed.thinking += text;
        return true;
      });
  EXPECT_EQ(result.thinking_stop_reason, "budget");
  EXPECT_EQ(result.thinking_tokens, 16);
  EXPECT_EQ(result.answer_tokens, 8);  // the budget's 16 did not use up the answer's 8
  EXPECT_EQ(result.stop_reason, "max-tokens");
  ASSERT_EQ(result.tokens.size(), 24u);
  EXPECT_EQ(streamed.answer, result.text);
  EXPECT_EQ(streamed.thinking, result.thinking);
  EXPECT_FALSE(result.thinking.empty());
  EXPECT_EQ(result.text.find("The answer:"), std::string::npos);  // the bridge is context, not output
  EXPECT_EQ(result.thinking.find("think>"), std::string::npos);
  EXPECT_GT(result.first_answer_seconds, 0.0);

  const auto close = tokenizer.encode("\n</think>\n\nThe answer:", false, true);
  EXPECT_NE(std::find(close.begin(), close.end(), 8198), close.end());  // </think> is the special token
  std::vector<TokenId> expected = concat(prompt, std::vector<TokenId>(result.tokens.begin(), result.tokens.begin() + 16));
  expected = concat(expected, close);
  expected = concat(expected, std::vector<TokenId>(result.tokens.begin() + 16, result.tokens.end() - 1));
  EXPECT_EQ(generator.context(), expected);

  // The first answer token is what the model gives after that context, computed afresh.
  Generator fresh(model, {.context_length = 256});
  auto thought = concat(prompt, std::vector<TokenId>(result.tokens.begin(), result.tokens.begin() + 16));
  const auto& logits = fresh.prefill(concat(thought, close));
  EXPECT_EQ(std::max_element(logits.begin(), logits.end()) - logits.begin(), result.tokens[16]);
}

TEST(ThinkingBudget, ZeroSkipsThinkingAndNoBudgetLetsItRun) {
  DOCENT_REQUIRE_SHARED("fixtures/models/tiny-qwen2-f16.gguf");
  auto model = tiny_r1();
  const auto prompt = encode_chat(model->tokenizer(), ChatFamily::deepseek_r1, {{"user", "Hello?"}}, true);
  Generator generator(model, {.context_length = 256});
  auto options = reasoning(0, 6);
  options.stop_at_end_of_generation = false;
  auto skipped = generator.generate_tokens(prompt, options);
  EXPECT_EQ(skipped.thinking_stop_reason, "budget");
  EXPECT_EQ(skipped.thinking_tokens, 0);
  EXPECT_EQ(skipped.answer_tokens, 6);
  EXPECT_TRUE(skipped.thinking.empty());

  generator.reset();
  options = reasoning(-1, 6);
  options.stop_at_end_of_generation = false;
  auto unlimited = generator.generate_tokens(prompt, options);
  // Never closed by the model: thinking took the whole context, then the engine asked for the
  // answer (dropping old thinking to make room for it).
  EXPECT_EQ(unlimited.thinking_stop_reason, "context-full");
  EXPECT_EQ(unlimited.thinking_tokens, 256 - static_cast<int>(prompt.size()) + 1);
  EXPECT_EQ(unlimited.answer_tokens, 6);
  EXPECT_EQ(unlimited.stop_reason, "max-tokens");
  EXPECT_GE(unlimited.context_shifts, 1);
}

// Without thinking, max_tokens counts every token, as before.
TEST(ThinkingBudget, DisabledCountsEveryTokenAsAnswer) {
  DOCENT_REQUIRE_SHARED("fixtures/models/tiny-qwen2-f16.gguf");
  auto model = tiny_r1();
  const auto prompt = encode_chat(model->tokenizer(), ChatFamily::deepseek_r1, {{"user", "Hello?"}}, true);
  Generator generator(model, {.context_length = 128});
  GenerationOptions options;
  options.max_tokens = 10;
  options.stop_at_end_of_generation = false;
  auto result = generator.generate_tokens(prompt, options);
  EXPECT_EQ(result.tokens.size(), 10u);
  EXPECT_EQ(result.answer_tokens, 10);
  EXPECT_EQ(result.thinking_tokens, 0);
  EXPECT_TRUE(result.thinking_stop_reason.empty());
}

// The family's sampled defaults (temperature 0.6, top-p 0.95, no top-k) finish too.
TEST(ThinkingBudget, SampledWithTheFamilyDefaultsFinishes) {
  DOCENT_REQUIRE_SHARED("fixtures/models/tiny-qwen2-f16.gguf");
  auto model = tiny_r1();
  const auto prompt = encode_chat(model->tokenizer(), ChatFamily::deepseek_r1, {{"user", "Hello?"}}, true);
  Generator generator(model, {.context_length = 256});
  auto options = reasoning(24, 12);
  options.sampling = model->info().chat_defaults.sampling;
  options.sampling.seed = 7;
  auto first = generator.generate_tokens(prompt, options);
  generator.reset();
  auto again = generator.generate_tokens(prompt, options);
  EXPECT_EQ(first.tokens, again.tokens);  // seeded
  EXPECT_LE(first.thinking_tokens, 24);
  EXPECT_LE(first.answer_tokens, 12);
  EXPECT_FALSE(first.thinking_stop_reason.empty());
}
