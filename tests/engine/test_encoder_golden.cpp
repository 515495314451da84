// BERT encoder against llama.cpp's sentence embeddings of the tiny-bert fixture.
#include <gtest/gtest.h>

#include <cstdio>

#include "encoder.hpp"
#include "golden_support.hpp"

using namespace docent::engine;

namespace {

double cosine(const std::vector<float>& a, const std::vector<float>& b) {
  double dot = 0, na = 0, nb = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    dot += static_cast<double>(a[i]) * b[i];
    na += static_cast<double>(a[i]) * a[i];
    nb += static_cast<double>(b[i]) * b[i];
  }
  return dot / std::sqrt(na * nb);
}

struct Worst {
  double cosine = 1, max_abs = 0;
};

Worst compare(const Encoder& encoder, const nlohmann::json& golden, Pooling pooling, const char* key) {
  auto sequences = golden.at("tokens").get<std::vector<std::vector<std::int32_t>>>();
  auto expected = golden.at(key).get<std::vector<std::vector<float>>>();
  auto vectors = encoder.embed(sequences, pooling);  // the whole set as one packed batch
  Worst worst;
  EXPECT_EQ(vectors.size(), expected.size());
  for (std::size_t i = 0; i < vectors.size() && i < expected.size(); ++i) {
    EXPECT_EQ(vectors[i].size(), expected[i].size());
    worst.cosine = std::min(worst.cosine, cosine(vectors[i], expected[i]));
    for (std::size_t d = 0; d < vectors[i].size(); ++d)
      worst.max_abs = std::max(worst.max_abs, static_cast<double>(std::fabs(vectors[i][d] - expected[i][d])));
  }
  return worst;
}

}  // namespace

TEST(EncoderGolden, TinyBertMeanAndClsPooling) {
  DOCENT_REQUIRE_SHARED("fixtures/golden/tiny-bert-f16.json");
  auto golden = docent::test::read_golden("tiny-bert-f16");
  for (GeluVariant gelu : {GeluVariant::tanh_half_table, GeluVariant::tanh, GeluVariant::erf}) {
    EncoderOptions options;
    options.gelu = gelu;
    Encoder encoder(GgufFile::open(docent::test::shared_dir() / "fixtures/models/tiny-bert-f16.gguf"), options);
    Worst mean = compare(encoder, golden, Pooling::mean, "mean");
    Worst cls = compare(encoder, golden, Pooling::cls, "cls");
    std::printf("gelu variant %d: mean 1-cosine %.2g (max|diff| %.2g), cls 1-cosine %.2g (max|diff| %.2g)\n",
                static_cast<int>(gelu), 1 - mean.cosine, mean.max_abs, 1 - cls.cosine, cls.max_abs);
    if (gelu == GeluVariant::tanh_half_table) {  // the default, what the reference computes
      EXPECT_GE(mean.cosine, 0.999);
      EXPECT_GE(cls.cosine, 0.999);
      // The golden has 7 significant digits and we reproduce the reference's roundings.
      EXPECT_LT(mean.max_abs, 1e-5);
      EXPECT_LT(cls.max_abs, 1e-5);
    }
  }
}

// A packed batch gives each sequence the same vector as embedding it alone (the per-sequence
// attention mask keeps sequences apart).
TEST(EncoderGolden, PackedBatchEqualsOneByOne) {
  DOCENT_REQUIRE_SHARED("fixtures/golden/tiny-bert-f16.json");
  auto sequences = docent::test::read_golden("tiny-bert-f16").at("tokens").get<std::vector<std::vector<std::int32_t>>>();
  Encoder encoder(GgufFile::open(docent::test::shared_dir() / "fixtures/models/tiny-bert-f16.gguf"));
  auto batch = encoder.embed(sequences, Pooling::mean);
  for (std::size_t i = 0; i < sequences.size(); ++i) {
    auto alone = encoder.embed({sequences[i]}, Pooling::mean);
    for (std::size_t d = 0; d < alone[0].size(); ++d) EXPECT_NEAR(alone[0][d], batch[i][d], 1e-6);
  }
  // A different pooling gives a different vector (the test above can fail).
  auto cls = encoder.embed({sequences[0]}, Pooling::cls);
  EXPECT_LT(cosine(cls[0], batch[0]), 0.999);
}

TEST(EncoderGolden, RejectsBadSequences) {
  DOCENT_REQUIRE_SHARED("fixtures/models/tiny-bert-f16.gguf");
  Encoder encoder(GgufFile::open(docent::test::shared_dir() / "fixtures/models/tiny-bert-f16.gguf"));
  EXPECT_THROW(encoder.embed({{}}, Pooling::mean), ModelError);
  EXPECT_THROW(encoder.embed({{101, 40000, 102}}, Pooling::mean), ModelError);
  EXPECT_THROW(encoder.embed({std::vector<std::int32_t>(513, 1000)}, Pooling::mean), ModelError);
  EXPECT_EQ(encoder.default_pooling(), Pooling::mean);
  EXPECT_THROW(Encoder(GgufFile::open(docent::test::shared_dir() / "fixtures/models/stories260K.gguf")), ModelError);
}
