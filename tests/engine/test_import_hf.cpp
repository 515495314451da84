// Hugging Face import/export: every fixture model survives GGUF -> HF folder -> GGUF with the
// same logits (decoders) or embeddings (BERT) and the same tokenization.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "docent/engine.hpp"
#include "gguf/gguf_reader.hpp"
#include "import/safetensors.hpp"
#include "test_support.hpp"

namespace docent::engine {
namespace {

using test::TempDir;

std::filesystem::path fixture(const std::string& name) { return test::shared_dir() / "fixtures/models" / name; }

const std::vector<std::string> kTexts{"Once upon a time there was a little cat.", "Hello, world! 12345 résumé",
                                      "The quick brown fox jumps over the lazy dog", "  spaces\tand\nnewlines  "};

void expect_same_tokenization(const Model& original, const Model& imported) {
  for (const auto& text : kTexts)
    EXPECT_EQ(original.tokenizer().encode(text, true), imported.tokenizer().encode(text, true)) << text;
  EXPECT_EQ(original.tokenizer().bos(), imported.tokenizer().bos());
  EXPECT_EQ(original.tokenizer().eos(), imported.tokenizer().eos());
}

float max_logit_difference(const std::shared_ptr<const Model>& a, const std::shared_ptr<const Model>& b,
                           const std::vector<TokenId>& tokens) {
  Generator first(a), second(b);
  float worst = 0;
  for (TokenId token : tokens) {
    const auto& x = first.prefill({token});
    const auto& y = second.prefill({token});
    EXPECT_EQ(x.size(), y.size());
    for (std::size_t i = 0; i < x.size() && i < y.size(); ++i) worst = std::max(worst, std::fabs(x[i] - y[i]));
  }
  return worst;
}

void round_trip_decoder(const std::string& name) {
  TempDir temp;
  const auto folder = temp.path() / "hf";
  export_hf_model(fixture(name), folder);
  for (const char* file : {"config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"})
    EXPECT_TRUE(std::filesystem::exists(folder / file)) << file;
  const auto imported_path = temp.path() / "imported.gguf";
  import_hf_model(folder, imported_path);
  const auto original = Model::load(fixture(name));
  const auto imported = Model::load(imported_path);
  expect_same_tokenization(*original, *imported);
  EXPECT_EQ(chat_family_of(fixture(name)), chat_family_of(imported_path));
  const auto tokens = original->tokenizer().encode("Once upon a time, a little girl named Lily", true);
  ASSERT_GT(tokens.size(), 5u);
  EXPECT_EQ(max_logit_difference(original, imported, tokens), 0.0f);
}

TEST(ImportHf, Stories260KRoundTripKeepsLogitsAndTokens) {
  DOCENT_REQUIRE_SHARED("fixtures/models/stories260K.gguf");
  round_trip_decoder("stories260K.gguf");
}

TEST(ImportHf, TinyQwen2RoundTripKeepsLogitsAndTokens) {
  DOCENT_REQUIRE_SHARED("fixtures/models/tiny-qwen2-f16.gguf");
  round_trip_decoder("tiny-qwen2-f16.gguf");
}

TEST(ImportHf, LlamaQueryRowsAreStoredInHuggingFaceOrder) {
  // HF checkpoints pair rotary dimensions as halves; the exporter must undo GGUF's interleaving.
  DOCENT_REQUIRE_SHARED("fixtures/models/stories260K.gguf");
  TempDir temp;
  export_hf_model(fixture("stories260K.gguf"), temp.path());
  const auto weights = conversion::SafetensorsSet::open_folder(temp.path());
  const auto* query = weights.find("model.layers.0.self_attn.q_proj.weight");
  ASSERT_NE(query, nullptr);
  const auto gguf = GgufFile::open(fixture("stories260K.gguf"));
  const auto* original = gguf->find_tensor("blk.0.attn_q.weight");
  const auto hf = query->to_floats();
  const float* stored = reinterpret_cast<const float*>(original->data);
  // head_dim 8: HF row 1 (first half, index 1) is GGUF row 2; HF row 4 (second half, index 0) is GGUF row 1.
  for (int column = 0; column < 64; ++column) {
    EXPECT_EQ(hf[1 * 64 + column], stored[2 * 64 + column]);
    EXPECT_EQ(hf[4 * 64 + column], stored[1 * 64 + column]);
  }
}

TEST(ImportHf, TinyBertRoundTripKeepsEmbeddings) {
  DOCENT_REQUIRE_SHARED("fixtures/models/tiny-bert-f16.gguf");
  TempDir temp;
  export_hf_model(fixture("tiny-bert-f16.gguf"), temp.path() / "hf");
  EXPECT_TRUE(std::filesystem::exists(temp.path() / "hf/1_Pooling/config.json"));
  import_hf_model(temp.path() / "hf", temp.path() / "bert.gguf");
  const auto original = Model::load(fixture("tiny-bert-f16.gguf"));
  const auto imported = Model::load(temp.path() / "bert.gguf");
  expect_same_tokenization(*original, *imported);
  Embedder a(original), b(imported);
  EXPECT_EQ(a.pooling(), b.pooling());
  const auto x = a.embed(kTexts), y = b.embed(kTexts);
  ASSERT_EQ(x.size(), y.size());
  for (std::size_t i = 0; i < x.size(); ++i) EXPECT_EQ(x[i], y[i]) << kTexts[i];
}

TEST(ImportHf, ShardedCheckpointImportsLikeASingleFile) {
  DOCENT_REQUIRE_SHARED("fixtures/models/stories260K.gguf");
  TempDir temp;
  const auto folder = temp.path() / "hf";
  export_hf_model(fixture("stories260K.gguf"), folder);
  // Split model.safetensors into two shards with an index.
  const auto single = conversion::SafetensorsFile::open(folder / "model.safetensors");
  std::vector<conversion::SafetensorsOutput> first, second;
  nlohmann::json map = nlohmann::json::object();
  for (const auto& tensor : single->tensors()) {
    const bool in_first = tensor.name.find("layers.3") == std::string::npos && tensor.name.find("layers.4") == std::string::npos;
    (in_first ? first : second).push_back({tensor.name, tensor.dtype, tensor.shape, {tensor.data, tensor.data + tensor.bytes}});
    map[tensor.name] = in_first ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors";
  }
  conversion::write_safetensors(folder / "model-00001-of-00002.safetensors", first);
  conversion::write_safetensors(folder / "model-00002-of-00002.safetensors", second);
  std::filesystem::remove(folder / "model.safetensors");
  std::ofstream(folder / "model.safetensors.index.json") << nlohmann::json{{"metadata", nlohmann::json::object()}, {"weight_map", map}}.dump();
  import_hf_model(folder, temp.path() / "sharded.gguf");
  const auto original = Model::load(fixture("stories260K.gguf"));
  const auto imported = Model::load(temp.path() / "sharded.gguf");
  EXPECT_EQ(max_logit_difference(original, imported, {1, 400, 30, 90}), 0.0f);

  // A shard that the index names but that is gone.
  std::filesystem::remove(folder / "model-00002-of-00002.safetensors");
  try {
    import_hf_model(folder, temp.path() / "broken.gguf");
    FAIL() << "a missing shard must be an error";
  } catch (const ModelError& error) {
    EXPECT_NE(std::string(error.what()).find("model-00002-of-00002.safetensors"), std::string::npos) << error.what();
  }
}

}  // namespace
}  // namespace docent::engine
