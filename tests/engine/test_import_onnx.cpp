// ONNX export/import: weights travel as initializers of MatMul/Gather/normalization nodes and
// are recovered by graph structure, giving the same logits / embeddings as the original.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "docent/engine.hpp"
#include "test_support.hpp"

namespace docent::engine {
namespace {

using test::TempDir;

std::filesystem::path fixture(const std::string& name) { return test::shared_dir() / "fixtures/models" / name; }

std::string error_of(const std::function<void()>& work) {
  try {
    work();
  } catch (const ModelError& error) {
    return error.what();
  }
  return "";
}

float max_logit_difference(const std::shared_ptr<const Model>& a, const std::shared_ptr<const Model>& b, const std::vector<TokenId>& tokens) {
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

void round_trip_decoder(const std::string& name, bool external) {
  TempDir temp;
  export_onnx_model(fixture(name), temp.path() / "onnx", external);
  EXPECT_TRUE(std::filesystem::exists(temp.path() / "onnx/model.onnx"));
  EXPECT_EQ(std::filesystem::exists(temp.path() / "onnx/model.onnx.data"), external);
  EXPECT_FALSE(std::filesystem::exists(temp.path() / "onnx/model.safetensors"));
  import_onnx_model(temp.path() / "onnx/model.onnx", temp.path() / "back.gguf");
  const auto original = Model::load(fixture(name));
  const auto imported = Model::load(temp.path() / "back.gguf");
  const auto tokens = original->tokenizer().encode("Once upon a time, a little girl named Lily", true);
  EXPECT_EQ(tokens, imported->tokenizer().encode("Once upon a time, a little girl named Lily", true));
  EXPECT_EQ(max_logit_difference(original, imported, tokens), 0.0f);
}

TEST(ImportOnnx, Stories260KRoundTrip) {
  DOCENT_REQUIRE_SHARED("fixtures/models/stories260K.gguf");
  round_trip_decoder("stories260K.gguf", false);
}

TEST(ImportOnnx, TinyQwen2RoundTripWithExternalData) {
  DOCENT_REQUIRE_SHARED("fixtures/models/tiny-qwen2-f16.gguf");
  round_trip_decoder("tiny-qwen2-f16.gguf", true);
}

TEST(ImportOnnx, TinyBertRoundTrip) {
  DOCENT_REQUIRE_SHARED("fixtures/models/tiny-bert-f16.gguf");
  TempDir temp;
  export_onnx_model(fixture("tiny-bert-f16.gguf"), temp.path() / "onnx", false);
  import_onnx_model(temp.path() / "onnx/model.onnx", temp.path() / "back.gguf");
  Embedder a(Model::load(fixture("tiny-bert-f16.gguf"))), b(Model::load(temp.path() / "back.gguf"));
  const std::vector<std::string> texts{"a small test", "Another sentence, with punctuation!"};
  EXPECT_EQ(a.embed(texts), b.embed(texts));
}

TEST(ImportOnnx, MissingExternalDataIsNamed) {
  DOCENT_REQUIRE_SHARED("fixtures/models/stories260K.gguf");
  TempDir temp;
  export_onnx_model(fixture("stories260K.gguf"), temp.path() / "onnx", true);
  std::filesystem::resize_file(temp.path() / "onnx/model.onnx.data", 100);
  auto message = error_of([&] { import_onnx_model(temp.path() / "onnx/model.onnx", temp.path() / "x.gguf"); });
  EXPECT_NE(message.find("model.onnx.data: too short"), std::string::npos) << message;
  std::filesystem::remove(temp.path() / "onnx/model.onnx.data");
  message = error_of([&] { import_onnx_model(temp.path() / "onnx/model.onnx", temp.path() / "x.gguf"); });
  EXPECT_NE(message.find("model.onnx.data: external data file"), std::string::npos) << message;
  EXPECT_NE(message.find("is missing"), std::string::npos) << message;
}

TEST(ImportOnnx, GraphWithMoreLayersThanConfigNamesTheNode) {
  DOCENT_REQUIRE_SHARED("fixtures/models/stories260K.gguf");
  TempDir temp;
  export_onnx_model(fixture("stories260K.gguf"), temp.path() / "onnx", false);
  auto config = nlohmann::json::parse(std::ifstream(temp.path() / "onnx/config.json"));
  config["num_hidden_layers"] = 4;
  std::ofstream(temp.path() / "onnx/config.json") << config.dump();
  const auto message = error_of([&] { import_onnx_model(temp.path() / "onnx/model.onnx", temp.path() / "x.gguf"); });
  EXPECT_NE(message.find("could not be mapped"), std::string::npos) << message;
  EXPECT_NE(message.find("(MatMul)"), std::string::npos) << message;
  std::ofstream(temp.path() / "onnx/model.onnx") << "not protobuf at all";
  EXPECT_NE(error_of([&] { import_onnx_model(temp.path() / "onnx/model.onnx", temp.path() / "x.gguf"); }).find("model.onnx"),
            std::string::npos);
}

}  // namespace
}  // namespace docent::engine
