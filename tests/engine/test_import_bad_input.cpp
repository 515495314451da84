// Broken Hugging Face inputs: each is a ModelError whose message names the file and the reason.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "docent/engine.hpp"
#include "import/safetensors.hpp"
#include "test_support.hpp"

namespace docent::engine {
namespace {

using conversion::SafetensorsFile;
using conversion::SafetensorsOutput;
using test::TempDir;

std::string error_of(const std::function<void()>& work) {
  try {
    work();
  } catch (const ModelError& error) {
    return error.what();
  }
  return "";
}

void write_bytes(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

std::string with_header(const std::string& header, std::size_t data_bytes) {
  std::string bytes(8, '\0');
  for (int i = 0; i < 8; ++i) bytes[static_cast<std::size_t>(i)] = static_cast<char>((header.size() >> (8 * i)) & 0xff);
  return bytes + header + std::string(data_bytes, '\x01');
}

TEST(SafetensorsBadInput, ValidFileReadsBack) {
  TempDir temp;
  conversion::write_safetensors(temp.path() / "ok.safetensors",
                                {{"a", "F32", {2, 2}, conversion::encode_floats({1, 2, 3, 4}, "F32")},
                                 {"b", "F16", {3}, conversion::encode_floats({0.5f, -2, 8}, "F16")}});
  auto file = SafetensorsFile::open(temp.path() / "ok.safetensors");
  ASSERT_EQ(file->tensors().size(), 2u);
  EXPECT_EQ(file->tensors()[0].to_floats(), (std::vector<float>{1, 2, 3, 4}));
  EXPECT_EQ(file->tensors()[1].to_floats(), (std::vector<float>{0.5f, -2, 8}));
}

TEST(SafetensorsBadInput, TruncatedFileIsNamed) {
  TempDir temp;
  const auto path = temp.path() / "cut.safetensors";
  conversion::write_safetensors(path, {{"a", "F32", {64}, conversion::encode_floats(std::vector<float>(64, 1.0f), "F32")}});
  std::filesystem::resize_file(path, std::filesystem::file_size(path) - 10);
  const auto message = error_of([&] { SafetensorsFile::open(path); });
  EXPECT_NE(message.find("cut.safetensors"), std::string::npos) << message;
  EXPECT_NE(message.find("tensor 'a'"), std::string::npos) << message;
  std::filesystem::resize_file(path, 5);
  EXPECT_NE(error_of([&] { SafetensorsFile::open(path); }).find("truncated"), std::string::npos);
}

TEST(SafetensorsBadInput, HeaderLongerThanFile) {
  TempDir temp;
  const auto path = temp.path() / "long.safetensors";
  std::string bytes = with_header("{}", 0);
  bytes[1] = '\x7f';  // header length far beyond the file
  write_bytes(path, bytes);
  EXPECT_NE(error_of([&] { SafetensorsFile::open(path); }).find("header claims"), std::string::npos);
}

TEST(SafetensorsBadInput, HeaderThatLiesAboutOffsets) {
  TempDir temp;
  const auto path = temp.path() / "lie.safetensors";
  write_bytes(path, with_header(R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0,1000]}})", 16));
  auto message = error_of([&] { SafetensorsFile::open(path); });
  EXPECT_NE(message.find("outside"), std::string::npos) << message;
  write_bytes(path, with_header(R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0,12]}})", 16));
  message = error_of([&] { SafetensorsFile::open(path); });
  EXPECT_NE(message.find("needs 16"), std::string::npos) << message;
  write_bytes(path, with_header(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"v":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})", 16));
  EXPECT_NE(error_of([&] { SafetensorsFile::open(path); }).find("overlapping"), std::string::npos);
  write_bytes(path, with_header(R"({"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", 16));
  EXPECT_NE(error_of([&] { SafetensorsFile::open(path); }).find("non-negative"), std::string::npos);
  write_bytes(path, with_header(R"({"w":{"dtype":"Q9","shape":[1],"data_offsets":[0,4]}})", 16));
  EXPECT_NE(error_of([&] { SafetensorsFile::open(path); }).find("unknown dtype"), std::string::npos);
  write_bytes(path, with_header(R"({"w": not json)", 16));
  EXPECT_NE(error_of([&] { SafetensorsFile::open(path); }).find("not valid JSON"), std::string::npos);
}

TEST(SafetensorsBadInput, IntegerWeightsAreRefusedByName) {
  TempDir temp;
  const auto path = temp.path() / "int.safetensors";
  write_bytes(path, with_header(R"({"ids":{"dtype":"I64","shape":[2],"data_offsets":[0,16]}})", 16));
  auto file = SafetensorsFile::open(path);
  const auto message = error_of([&] { file->tensors()[0].to_floats(); });
  EXPECT_NE(message.find("'ids' has dtype I64"), std::string::npos) << message;
}

class HfFolderBadInput : public ::testing::Test {
 protected:
  void SetUp() override {
    DOCENT_REQUIRE_SHARED("fixtures/models/stories260K.gguf");
    export_hf_model(test::shared_dir() / "fixtures/models/stories260K.gguf", folder());
  }
  std::filesystem::path folder() const { return temp_.path() / "hf"; }
  nlohmann::json config() const { return nlohmann::json::parse(std::ifstream(folder() / "config.json")); }
  void set_config(const nlohmann::json& value) const { std::ofstream(folder() / "config.json") << value.dump(); }
  std::string import_error() const { return error_of([&] { import_hf_model(folder(), temp_.path() / "out.gguf"); }); }
  TempDir temp_;
};

TEST_F(HfFolderBadInput, ShapeThatDisagreesWithConfig) {
  auto value = config();
  value["intermediate_size"] = 100;
  set_config(value);
  const auto message = import_error();
  EXPECT_NE(message.find("model.safetensors"), std::string::npos) << message;
  EXPECT_NE(message.find("mlp.gate_proj.weight' has shape [172, 64] but config.json implies [100, 64]"), std::string::npos) << message;
}

TEST_F(HfFolderBadInput, MissingTensor) {
  auto value = config();
  value["num_hidden_layers"] = 6;
  set_config(value);
  EXPECT_NE(import_error().find("'model.layers.5.input_layernorm.weight' is missing"), std::string::npos);
}

TEST_F(HfFolderBadInput, UntiedModelWithoutLmHead) {
  auto value = config();
  ASSERT_FALSE(value["tie_word_embeddings"].get<bool>());
  const auto weights = SafetensorsFile::open(folder() / "model.safetensors");
  std::vector<SafetensorsOutput> kept;
  for (const auto& tensor : weights->tensors())
    if (tensor.name != "lm_head.weight") kept.push_back({tensor.name, tensor.dtype, tensor.shape, {tensor.data, tensor.data + tensor.bytes}});
  conversion::write_safetensors(temp_.path() / "new.safetensors", kept);
  std::filesystem::rename(temp_.path() / "new.safetensors", folder() / "model.safetensors");
  EXPECT_NE(import_error().find("'lm_head.weight' is missing"), std::string::npos);
}

TEST_F(HfFolderBadInput, MissingOrBrokenFiles) {
  std::filesystem::remove(folder() / "tokenizer.json");
  EXPECT_NE(import_error().find("tokenizer.json: missing"), std::string::npos);
  auto value = config();
  value["model_type"] = "gpt_neox";
  set_config(value);
  EXPECT_NE(import_error().find("model_type 'gpt_neox' is not supported"), std::string::npos);
  std::ofstream(folder() / "config.json") << "{broken";
  EXPECT_NE(import_error().find("config.json: not valid JSON"), std::string::npos);
  std::filesystem::remove(folder() / "config.json");
  EXPECT_NE(import_error().find("config.json: missing"), std::string::npos);
  EXPECT_NE(error_of([&] { import_hf_model(temp_.path() / "nowhere", temp_.path() / "x.gguf"); }).find("not a directory"),
            std::string::npos);
}

}  // namespace
}  // namespace docent::engine
