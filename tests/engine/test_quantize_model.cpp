// Whole-model quantization and the comparison that measures it.
#include <gtest/gtest.h>

#include <cstdio>

#include "docent/engine.hpp"
#include "gguf/gguf_reader.hpp"
#include "quant/type_traits.hpp"
#include "test_support.hpp"

namespace docent::engine {
namespace {

const char* kStory =
    "Once upon a time, there was a little girl named Lily. She loved to play outside in the park. "
    "One day, she saw a big red ball. She wanted to play with it, but it was too high. "
    "Lily asked her mom for help. Her mom smiled and got the ball for her. Lily was very happy.";

TEST(QuantizeModel, Q8IsCloseQ4IsFurtherAndIdentityIsExact) {
  DOCENT_REQUIRE_SHARED("fixtures/models/stories260K.gguf");
  test::TempDir temp;
  const auto original_path = test::shared_dir() / "fixtures/models/stories260K.gguf";
  quantize_model(original_path, temp.path() / "q8.gguf", "q8_0");
  quantize_model(original_path, temp.path() / "q4.gguf", "q4_0");
  const auto q8_file = GgufFile::open(temp.path() / "q8.gguf");
  EXPECT_EQ(q8_file->find_tensor("blk.0.attn_q.weight")->type, static_cast<std::uint32_t>(TensorType::q8_0));
  EXPECT_EQ(q8_file->find_tensor("blk.0.attn_norm.weight")->type, static_cast<std::uint32_t>(TensorType::f32));
  // ffn_down rows are 172 long: not whole blocks of 32, so it stays F32.
  EXPECT_EQ(q8_file->find_tensor("blk.0.ffn_down.weight")->type, static_cast<std::uint32_t>(TensorType::f32));

  const auto original = Model::load(original_path);
  const auto same = compare_models(original, original, kStory);
  EXPECT_EQ(same.mean_kl, 0.0);
  EXPECT_EQ(same.top1_agreement, 1.0);
  EXPECT_GT(same.positions, 40);
  const auto q8 = compare_models(original, Model::load(temp.path() / "q8.gguf"), kStory);
  const auto q4 = compare_models(original, Model::load(temp.path() / "q4.gguf"), kStory);
  EXPECT_GT(q8.mean_kl, 0.0);
  EXPECT_LT(q8.mean_kl, q4.mean_kl);
  EXPECT_LT(q8.mean_kl, 0.01);
  EXPECT_GT(q8.top1_agreement, 0.9);
  EXPECT_NEAR(q8.perplexity_candidate, q8.perplexity_reference, 0.05 * q8.perplexity_reference);
}

TEST(QuantizeModel, UnknownTypeIsAnError) {
  DOCENT_REQUIRE_SHARED("fixtures/models/stories260K.gguf");
  test::TempDir temp;
  EXPECT_THROW(quantize_model(test::shared_dir() / "fixtures/models/stories260K.gguf", temp.path() / "x.gguf", "q3_x"), ModelError);
}

}  // namespace
}  // namespace docent::engine

namespace docent::engine {
namespace {

// The comparison table of the quantization work: every type against the F32 original.
TEST(QuantizeModel, ComparisonTableOnStories260K) {
  DOCENT_REQUIRE_SHARED("fixtures/models/stories260K.gguf");
  const std::string text =
      "Once upon a time, there was a little boy named Tom. Tom had a red ball that he loved very much. "
      "Every day he took the ball to the park and played with his friend Sue. One day, the ball rolled into the pond. "
      "Tom was sad. He did not know what to do. Sue said, \"Do not worry, Tom. We can get the ball back.\" "
      "She found a long stick and pushed the ball to the side of the pond. Tom was so happy! He said, "
      "\"Thank you, Sue. You are a good friend.\" They played with the ball until the sun went down. "
      "Then they went home and ate a big dinner. Tom's mom gave him a hug and said, \"I am proud of you.\" "
      "Tom smiled and went to bed. He dreamed about the park, the pond and his red ball.";
  test::TempDir temp;
  const auto original_path = test::shared_dir() / "fixtures/models/stories260K.gguf";
  const auto original = Model::load(original_path);
  std::vector<double> kl;
  std::printf("%-6s %9s %9s %8s %9s %9s\n", "type", "positions", "mean KL", "top-1", "ppl(A)", "ppl(B)");
  for (const char* type : {"q8_0", "q4_k", "q4_0"}) {
    quantize_model(original_path, temp.path() / (std::string(type) + ".gguf"), type);
    const auto result = compare_models(original, Model::load(temp.path() / (std::string(type) + ".gguf")), text);
    std::printf("%-6s %9lld %9.5f %7.1f%% %9.3f %9.3f\n", type, static_cast<long long>(result.positions), result.mean_kl,
                100 * result.top1_agreement, result.perplexity_reference, result.perplexity_candidate);
    kl.push_back(result.mean_kl);
  }
  EXPECT_LT(kl[0], kl[2]);  // 8-bit drifts less than 4-bit
}

}  // namespace
}  // namespace docent::engine

namespace docent::engine {
namespace {

// tiny-qwen2's rows are 64 and 128 values long: no Q4_K block (256) fits, so Q4_K asked for
// gives Q8_0 throughout, said in the report and in the file's label.
TEST(QuantizeModel, Q4KOnRowsItCannotHoldIsLabelledWithTheTypesItHolds) {
  DOCENT_REQUIRE_SHARED("fixtures/models/tiny-qwen2-f16.gguf");
  test::TempDir temp;
  const auto path = temp.path() / "q4k.gguf";
  const auto report = quantize_model(test::shared_dir() / "fixtures/models/tiny-qwen2-f16.gguf", path, "q4_k");
  EXPECT_EQ(report.file_type, "Q8_0");
  ASSERT_EQ(report.fallbacks.size(), 1u);
  EXPECT_NE(report.fallbacks[0].find("written as Q8_0 (rows of 64, 128 values are not whole Q4_K blocks of 256)"),
            std::string::npos)
      << report.fallbacks[0];
  const auto file = GgufFile::open(path);
  EXPECT_EQ(file->get_int("general.file_type"), 7);
  EXPECT_EQ(file->find_tensor("blk.0.attn_q.weight")->type, static_cast<std::uint32_t>(TensorType::q8_0));
  EXPECT_EQ(describe_model(path).file_type, "Q8_0");
  bool any_q4k = false;
  for (const auto& [type, count] : report.tensor_types) any_q4k |= type == "Q4_K";
  EXPECT_FALSE(any_q4k);
}

// Rows of 256 and 512 values hold Q4_K: no warning, labelled as Q4_K throughout.
TEST(QuantizeModel, Q4KOnRowsThatHoldItHasNoFallback) {
  DOCENT_REQUIRE_SHARED("fixtures/models/small-qwen2-q4_k_m.gguf");
  test::TempDir temp;
  const auto path = temp.path() / "q4k.gguf";
  const auto report = quantize_model(test::shared_dir() / "fixtures/models/small-qwen2-q4_k_m.gguf", path, "q4_k");
  EXPECT_TRUE(report.fallbacks.empty()) << report.fallbacks.front();
  EXPECT_EQ(report.file_type, "Q4_K_S");
  EXPECT_EQ(GgufFile::open(path)->find_tensor("blk.0.attn_q.weight")->type, static_cast<std::uint32_t>(TensorType::q4_k));
}

}  // namespace
}  // namespace docent::engine
