// Sampler, streamed text handling, and the public Generator / Embedder / describe_model.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <numeric>
#include <random>
#include <set>
#include <tuple>

#include "generation/sampler.hpp"
#include "generation/text_stream.hpp"
#include "golden_support.hpp"
#include "docent/engine.hpp"

using namespace docent::engine;

namespace {
std::filesystem::path fixture(const std::string& name) {
  return docent::test::shared_dir() / "fixtures/models" / (name + ".gguf");
}
}  // namespace

TEST(Sampler, GreedyPicksArgmaxAndPenaltyChangesIt) {
  std::vector<float> logits = {0.1f, 2.0f, 1.9f, -1.0f};
  SamplingOptions greedy;
  Sampler sampler(greedy);
  EXPECT_EQ(sampler.sample(logits, {}), 1);
  SamplingOptions penalised;
  penalised.repeat_penalty = 1.2f;  // 2.0 / 1.2 = 1.67 < 1.9
  Sampler with_penalty(penalised);
  std::vector<TokenId> recent = {1};
  EXPECT_EQ(with_penalty.sample(logits, recent), 2);
  EXPECT_EQ(with_penalty.sample(logits, {}), 1);
}

TEST(Sampler, FiltersAndSeeds) {
  std::vector<float> logits = {3.0f, 2.9f, 0.0f, -5.0f, 2.8f};
  auto histogram = [&](SamplingOptions options, int draws) {
    Sampler sampler(options);
    std::map<TokenId, int> counts;
    for (int i = 0; i < draws; ++i) ++counts[sampler.sample(logits, {})];
    return counts;
  };
  SamplingOptions options;
  options.temperature = 1.0f;
  options.top_k = 0;
  options.top_p = 1.0f;
  options.min_p = 0.0f;
  options.seed = 42;
  auto all = histogram(options, 4000);
  EXPECT_GT(all[2], 0);  // unfiltered: the unlikely token appears sometimes
  EXPECT_EQ(histogram(options, 50), histogram(options, 50));  // same seed, same draws
  options.top_k = 2;
  auto top2 = histogram(options, 2000);
  EXPECT_EQ(top2.size(), 2u);
  EXPECT_GT(top2[0], 0);
  EXPECT_GT(top2[1], 0);
  options.top_k = 0;
  options.min_p = 0.5f;  // p(2) / p(0) = e^-3 < 0.5: dropped; 1 and 4 kept
  auto min_p = histogram(options, 2000);
  EXPECT_EQ(min_p.size(), 3u);
  EXPECT_EQ(min_p.count(2), 0u);
  options.min_p = 0.0f;
  options.top_p = 0.3f;  // the best token alone has ~0.36 of the mass
  EXPECT_EQ(histogram(options, 200).size(), 1u);
  options.top_p = 1.0f;
  options.temperature = 0.05f;  // nearly greedy
  auto cold = histogram(options, 500);
  EXPECT_GT(cold[0], 400);
}

TEST(TextStream, HoldsBackPartialCharactersAndStopStrings) {
  TextStream stream({"</s>", "STOP"});
  EXPECT_EQ(stream.push("Hel"), "Hel");
  EXPECT_EQ(stream.push("lo <"), "lo ");  // "<" may start "</s>"
  EXPECT_EQ(stream.push("b>"), "<b>");
  EXPECT_EQ(stream.push("\xe2\x82"), "");  // first two bytes of "€"
  EXPECT_EQ(stream.push("\xac!"), "\xe2\x82\xac!");
  EXPECT_EQ(stream.push(" ST"), " ");
  EXPECT_EQ(stream.push("OP and more"), "");
  EXPECT_TRUE(stream.stopped());
  EXPECT_EQ(stream.text(), "Hello <b>\xe2\x82\xac! ");
  EXPECT_EQ(stream.finish(), "");
  TextStream plain({});
  EXPECT_EQ(plain.push("a\xf0\x9f"), "a");
  EXPECT_EQ(plain.finish(), "\xf0\x9f");
  EXPECT_EQ(complete_utf8_prefix("ab\xc3"), 2u);
  EXPECT_EQ(complete_utf8_prefix("ab\xc3\xa9"), 4u);
}

TEST(Generator, GreedyContinuationMatchesReference) {
  DOCENT_REQUIRE_SHARED("fixtures/golden/stories260K.json");
  auto model = Model::load(fixture("stories260K"));
  EXPECT_FALSE(model->is_encoder());
  Generator generator(model, {.context_length = 256, .prefill_window = 3});
  for (const auto& c : docent::test::decoder_cases("stories260K")) {
    generator.reset();
    GenerationOptions options;
    options.max_tokens = static_cast<int>(c.greedy.size());
    options.stop_at_end_of_generation = false;
    std::string streamed;
    auto result = generator.generate_tokens(c.tokens, options, [&](std::string_view piece) {
      streamed += piece;
      return true;
    });
    EXPECT_EQ(result.tokens, c.greedy) << c.prompt;
    EXPECT_EQ(result.stop_reason, "max-tokens");
    EXPECT_EQ(result.prompt_tokens, static_cast<int>(c.tokens.size()));
    EXPECT_EQ(streamed, result.text);
    EXPECT_FALSE(result.text.empty());
  }
}

TEST(Generator, TextPromptStopStringsAndCancel) {
  DOCENT_REQUIRE_SHARED("fixtures/golden/stories260K.json");
  auto model = Model::load(fixture("stories260K"));
  auto golden = docent::test::read_golden("stories260K").at(0);
  Generator generator(model, {.context_length = 128});
  GenerationOptions options;
  options.max_tokens = 64;
  auto result = generator.generate("Once upon a time", options);
  // The tokenizer gives the reference tokens (BOS added), so the continuation is the reference's.
  auto expected = golden.at("greedy").get<std::vector<TokenId>>();
  ASSERT_GE(result.tokens.size(), 10u);
  EXPECT_TRUE(std::equal(result.tokens.begin(), result.tokens.end(), expected.begin()));
  EXPECT_EQ(result.text, golden.at("greedy_text").get<std::string>().substr(0, result.text.size()));

  generator.reset();
  options.stop = {"Lily"};
  result = generator.generate("Once upon a time", options);
  EXPECT_EQ(result.stop_reason, "stop-string");
  EXPECT_EQ(result.text, ", there was a little girl named ");

  generator.reset();
  options.stop = {};
  int pieces = 0;
  result = generator.generate("Once upon a time", options, [&](std::string_view) { return ++pieces < 3; });
  EXPECT_EQ(result.stop_reason, "cancelled");
  EXPECT_EQ(pieces, 3);
}

TEST(Generator, ContextBudgetAndWrongModelKind) {
  DOCENT_REQUIRE_SHARED("fixtures/models/stories260K.gguf");
  auto model = Model::load(fixture("stories260K"));
  Generator generator(model, {.context_length = 10});
  GenerationOptions options;
  options.max_tokens = 100;
  auto result = generator.generate_tokens({1, 403, 407}, options);
  EXPECT_NE(result.stop_reason, "context-full");  // the oldest generated tokens made room
  EXPECT_LE(generator.context_used(), 10);
  generator.reset();
  generator.prefill(std::vector<TokenId>(10, 403));
  EXPECT_THROW(generator.prefill({300}), ModelError);  // a prefill never drops anything
  EXPECT_THROW(Generator(model, {.context_length = 100000}), ModelError);
  EXPECT_THROW(Embedder{model}, ModelError);
}

TEST(Embedder, TextsGiveReferenceEmbeddings) {
  DOCENT_REQUIRE_SHARED("fixtures/golden/tiny-bert-f16.json");
  auto golden = docent::test::read_golden("tiny-bert-f16");
  auto model = Model::load(fixture("tiny-bert-f16"));
  EXPECT_TRUE(model->is_encoder());
  Embedder embedder(model);
  EXPECT_EQ(embedder.dimension(), 64);
  EXPECT_EQ(embedder.max_tokens(), 512);
  EXPECT_EQ(embedder.pooling(), Pooling::mean);
  auto texts = golden.at("texts").get<std::vector<std::string>>();
  auto expected = golden.at("mean").get<std::vector<std::vector<float>>>();
  auto vectors = embedder.embed(texts);
  ASSERT_EQ(vectors.size(), expected.size());
  for (std::size_t i = 0; i < vectors.size(); ++i) {
    double dot = 0;
    for (std::size_t d = 0; d < vectors[i].size(); ++d) dot += static_cast<double>(vectors[i][d]) * expected[i][d];
    EXPECT_GT(dot, 0.999) << texts[i];  // both unit length
  }
  Embedder cls(model, Pooling::cls);
  auto cls_expected = golden.at("cls").get<std::vector<std::vector<float>>>();
  auto cls_vectors = cls.embed_tokens(golden.at("tokens").get<std::vector<std::vector<TokenId>>>());
  for (std::size_t d = 0; d < cls_vectors[0].size(); ++d) EXPECT_NEAR(cls_vectors[0][d], cls_expected[0][d], 1e-5);
  // Over-long input is truncated, not rejected.
  std::string long_text;
  for (int i = 0; i < 600; ++i) long_text += "word ";
  EXPECT_EQ(embedder.embed({long_text}).size(), 1u);
  EXPECT_THROW(Generator{model}, ModelError);
}

TEST(DescribeModel, ReportsShapesTypesAndMemory) {
  DOCENT_REQUIRE_SHARED("fixtures/models/small-qwen2-q4_k_m.gguf");
  ModelInfo info = describe_model(fixture("small-qwen2-q4_k_m"));
  EXPECT_EQ(info.architecture, "qwen2");
  EXPECT_EQ(info.name, "small-qwen2");
  EXPECT_EQ(info.layers, 2);
  EXPECT_EQ(info.hidden, 256);
  EXPECT_EQ(info.kv_heads, 2);
  EXPECT_EQ(info.head_dim, 64);
  EXPECT_EQ(info.vocabulary_size, 8199);
  EXPECT_EQ(info.context_length, 4096);
  EXPECT_EQ(info.file_type, "Q4_K_M");
  EXPECT_EQ(describe_model(fixture("stories260K")).file_type, "F32");  // no file_type key: by bytes
  EXPECT_EQ(info.chat_family, ChatFamily::deepseek_r1);
  EXPECT_EQ(info.tokenizer_kind, "byte-level BPE (deepseek-r1-qwen)");
  EXPECT_EQ(info.kv_cache_bytes_per_token, 2 * 2 * 2 * 64 * 2);
  EXPECT_EQ(info.memory_bytes(1000), info.weight_bytes + 1000 * info.kv_cache_bytes_per_token);
  EXPECT_GT(info.weight_bytes, 0);
  EXPECT_LE(info.weight_bytes, info.file_bytes);
  std::int64_t tensors = 0;
  for (const auto& [type, count] : info.tensor_types) tensors += count;
  EXPECT_EQ(tensors, 1 + 2 + 2 * 12);
  // parameters: embeddings and output (2 x 256 x 8199) + norms + 2 layers.
  std::int64_t per_layer = 256 * 256 * 2 + 256 * 128 * 2 + 256 + 128 * 2 + 256 * 512 * 3 + 256 * 2;
  EXPECT_EQ(info.parameter_count, 2LL * 256 * 8199 + 256 + 2 * per_layer);

  ModelInfo bert = describe_model(fixture("tiny-bert-f16"));
  EXPECT_TRUE(bert.is_encoder);
  EXPECT_EQ(bert.kv_cache_bytes_per_token, 0);
  EXPECT_EQ(bert.tokenizer_kind, "WordPiece");
  try {
    describe_model(fixture("does-not-exist"));
    FAIL();
  } catch (const ModelError& error) {
    EXPECT_NE(std::string(error.what()).find("does-not-exist.gguf: cannot open"), std::string::npos) << error.what();
  }
}

// A conversation's next turn reuses the cached prefix it shares with the last one: the logits
// and the greedy continuation equal those of a fresh prefill of the whole turn.
TEST(Generator, ReusedPrefixGivesTheLogitsOfAFreshPrefill) {
  DOCENT_REQUIRE_SHARED("fixtures/models/tiny-qwen2-q8_0.gguf");
  for (const std::string name : {"tiny-qwen2-q8_0", "tiny-qwen2-f16", "stories260K"}) {
    auto model = Model::load(fixture(name));
    const auto& tokenizer = model->tokenizer();
    const auto first_turn = tokenizer.encode("Once upon a time there was a little girl who liked to read.", true, true);
    Generator generator(model, {.context_length = 256, .prefill_window = 16});
    GenerationOptions options;
    options.max_tokens = 12;
    options.stop_at_end_of_generation = false;
    auto first = generator.generate_with_context(first_turn, options);
    EXPECT_EQ(first.reused_tokens, 0);

    // The next turn: the first prompt, part of its answer, then new words.
    auto next_turn = first_turn;
    next_turn.insert(next_turn.end(), first.tokens.begin(), first.tokens.begin() + 5);
    const auto more = tokenizer.encode(" She went to the big park with her dog and her mother.", false, true);
    next_turn.insert(next_turn.end(), more.begin(), more.end());

    Generator fresh(model, {.context_length = 256, .prefill_window = 16});
    const std::vector<float> expected = fresh.prefill(next_turn);
    const int kept = generator.keep_common_prefix(next_turn);
    EXPECT_EQ(kept, static_cast<int>(first_turn.size()) + 5) << name;
    const std::vector<float> reused = generator.prefill(std::vector<TokenId>(next_turn.begin() + kept, next_turn.end()));
    ASSERT_EQ(reused.size(), expected.size());
    double worst = 0, scale = 1;
    for (std::size_t i = 0; i < reused.size(); ++i) {
      worst = std::max(worst, static_cast<double>(std::fabs(reused[i] - expected[i])));
      scale = std::max(scale, static_cast<double>(std::fabs(expected[i])));
    }
    std::printf("%-16s reused %d tokens, max |logit difference| %.3g (logits up to %.3g)\n", name.c_str(), kept, worst, scale);
    // Quantized and F16 weights give the same bits. F32 weights go through a matrix kernel that
    // sums a one-row batch (the cached answer tokens) in another order than a 16-row one.
    if (name != "stories260K") EXPECT_EQ(worst, 0.0) << name;
    EXPECT_LE(worst, 1e-5 * scale) << name;

    fresh.reset();
    auto from_scratch = fresh.generate_tokens(next_turn, options);
    auto continued = generator.generate_with_context(next_turn, options);
    EXPECT_EQ(continued.reused_tokens, static_cast<int>(next_turn.size()) - 1) << name;
    EXPECT_EQ(continued.prompt_tokens, 1);
    EXPECT_EQ(continued.tokens, from_scratch.tokens) << name;
  }
}

// After a shift, positions past the kept prompt are no longer what a fresh prefill gives, so
// they are not reused.
TEST(Generator, ShiftedPositionsAreNotReused) {
  DOCENT_REQUIRE_SHARED("fixtures/models/stories260K.gguf");
  auto model = Model::load(fixture("stories260K"));
  const auto prompt = model->tokenizer().encode("Once upon a time", true, true);
  Generator generator(model, {.context_length = 32});
  GenerationOptions options;
  options.max_tokens = 60;
  options.stop_at_end_of_generation = false;
  auto result = generator.generate_tokens(prompt, options);
  ASSERT_GE(result.context_shifts, 1);
  const auto context = generator.context();
  EXPECT_EQ(generator.keep_common_prefix(context), static_cast<int>(prompt.size()));
}

// The cuts found by selection equal those of sorting the whole distribution, on a flat
// distribution as wide as Qwen2's vocabulary and on a peaked one.
TEST(Sampler, SelectionCutsEqualAFullSort) {
  std::mt19937 random(9);
  for (double spread : {1.0, 8.0}) {
    std::normal_distribution<float> normal(0.0f, static_cast<float>(spread));
    std::vector<float> logits(151936);
    for (auto& x : logits) x = normal(random);
    for (auto [top_k, top_p, min_p] : {std::tuple{0, 0.95f, 0.0f}, std::tuple{40, 0.95f, 0.05f}, std::tuple{0, 0.5f, 0.01f},
                                       std::tuple{0, 1.0f, 0.05f}}) {
      SamplingOptions options;
      options.temperature = 0.6f;
      options.top_k = top_k;
      options.top_p = top_p;
      options.min_p = min_p;
      Sampler sampler(options);
      sampler.sample(logits, {});
      std::set<TokenId> kept;
      for (const auto& candidate : sampler.kept()) kept.insert(candidate.id);

      // Reference: sort everything, then cut top-k, top-p (on the top-k set's mass), min-p.
      std::vector<TokenId> order(logits.size());
      std::iota(order.begin(), order.end(), 0);
      std::sort(order.begin(), order.end(), [&](TokenId a, TokenId b) { return logits[a] > logits[b] || (logits[a] == logits[b] && a < b); });
      std::size_t keep = top_k > 0 ? static_cast<std::size_t>(top_k) : order.size();
      const double best = logits[order[0]];
      double total = 0;
      for (std::size_t i = 0; i < keep; ++i) total += std::exp(logits[order[i]] - best);
      double cumulative = 0;
      std::size_t cut = keep;
      if (top_p < 1.0f)
        for (std::size_t i = 0; i < keep; ++i) {
          cumulative += std::exp(logits[order[i]] - best);
          if (cumulative >= top_p * total) {
            cut = i + 1;
            break;
          }
        }
      while (cut > 1 && std::exp(logits[order[cut - 1]] - best) < min_p) --cut;
      std::set<TokenId> expected(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(cut));
      EXPECT_EQ(kept, expected) << "spread " << spread << " top-k " << top_k << " top-p " << top_p << " min-p " << min_p;
    }
  }
}
