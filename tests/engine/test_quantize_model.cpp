// Whole-model quantization and the comparison that measures it.
#include <gtest/gtest.h>

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
