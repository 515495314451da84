// The reference tokenizer test vectors (tokenizer-tests/ggml-vocab-*.gguf.inp/.out) and the
// golden prompts of the fixture models: our ids must equal the reference ids exactly.
#include <fstream>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "docent/engine.hpp"
#include "test_support.hpp"

namespace {

using docent::engine::TokenId;
using docent::engine::Tokenizer;

struct VectorCase {
  std::string text;
  std::vector<TokenId> expected;
};

std::string read_all(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// .inp: every string is followed by "\n__ggml_vocab_test__\n"; .out: one line of ids per string.
std::vector<VectorCase> read_vectors(const std::string& suite) {
  const auto folder = docent::test::shared_dir() / "fixtures/tokenizer-tests";
  const std::string inputs = read_all(folder / (suite + ".inp"));
  const std::string outputs = read_all(folder / (suite + ".out"));
  const std::string separator = "\n__ggml_vocab_test__\n";
  std::vector<VectorCase> cases;
  for (std::size_t position = 0; position < inputs.size();) {
    const std::size_t end = inputs.find(separator, position);
    if (end == std::string::npos) break;
    cases.push_back({inputs.substr(position, end - position), {}});
    position = end + separator.size();
  }
  std::istringstream lines(outputs);
  std::string line;
  for (auto& test_case : cases) {
    if (!std::getline(lines, line)) break;
    std::istringstream ids(line);
    TokenId id = 0;
    while (ids >> id) test_case.expected.push_back(id);
  }
  return cases;
}

std::string show(const std::vector<TokenId>& ids) {
  std::string text;
  for (TokenId id : ids) text += std::to_string(id) + " ";
  return text;
}

void check_suite(const std::string& suite, const std::string& tokenizer_path, bool round_trip) {
  const auto cases = read_vectors(suite);
  ASSERT_GE(cases.size(), 40u) << suite;
  const auto tokenizer = Tokenizer::load(docent::test::shared_dir() / tokenizer_path);
  std::size_t passed = 0;
  for (const auto& test_case : cases) {
    const auto ids = tokenizer->encode(test_case.text, false, false);
    EXPECT_EQ(ids, test_case.expected) << suite << " input: '" << test_case.text << "'\n got:      " << show(ids)
                                       << "\n expected: " << show(test_case.expected);
    if (ids == test_case.expected) ++passed;
    if (round_trip) {
      EXPECT_EQ(tokenizer->decode(ids), test_case.text) << suite;
    }
  }
  std::cout << "[ suite    ] " << suite << ": " << passed << "/" << cases.size() << " cases match\n";
}

TEST(TokenizerVectors, Qwen2FromTokenizerJson) {
  DOCENT_REQUIRE_SHARED("fixtures/tokenizers/qwen2/tokenizer.json");
  check_suite("ggml-vocab-qwen2.gguf", "fixtures/tokenizers/qwen2/tokenizer.json", true);
}

TEST(TokenizerVectors, DeepSeekR1QwenFromTokenizerJson) {
  DOCENT_REQUIRE_SHARED("fixtures/tokenizers/qwen2/tokenizer.json");
  check_suite("ggml-vocab-deepseek-r1-qwen.gguf", "fixtures/tokenizers/qwen2/tokenizer.json", true);
}

TEST(TokenizerVectors, Gpt2FromGguf) {
  DOCENT_REQUIRE_SHARED("fixtures/tokenizers/gpt2/ggml-vocab-gpt-2.gguf");
  check_suite("ggml-vocab-gpt-2.gguf", "fixtures/tokenizers/gpt2/ggml-vocab-gpt-2.gguf", true);
}

TEST(TokenizerVectors, LlamaSentencePieceFromGguf) {
  DOCENT_REQUIRE_SHARED("fixtures/tokenizers/llama-spm/ggml-vocab-llama-spm.gguf");
  check_suite("ggml-vocab-llama-spm.gguf", "fixtures/tokenizers/llama-spm/ggml-vocab-llama-spm.gguf", true);
}

TEST(TokenizerVectors, BertFromTokenizerJson) {
  DOCENT_REQUIRE_SHARED("fixtures/tokenizers/bert-uncased/tokenizer.json");
  check_suite("ggml-vocab-bert-bge.gguf", "fixtures/tokenizers/bert-uncased/tokenizer.json", false);
}

TEST(TokenizerVectors, BertFromVocabTxt) {
  DOCENT_REQUIRE_SHARED("fixtures/tokenizers/bert-uncased/vocab.txt");
  check_suite("ggml-vocab-bert-bge.gguf", "fixtures/tokenizers/bert-uncased/vocab.txt", false);
}

TEST(TokenizerVectors, BertFromTinyBertGguf) {
  DOCENT_REQUIRE_SHARED("fixtures/models/tiny-bert-f16.gguf");
  check_suite("ggml-vocab-bert-bge.gguf", "fixtures/models/tiny-bert-f16.gguf", false);
}

// Golden prompts of the decoder models: `tokens` is the reference tokenization of `prompt`.
void check_golden_decoder(const std::string& model) {
  const auto golden = nlohmann::json::parse(read_all(docent::test::shared_dir() / "fixtures/golden" / (model + ".json")));
  const auto tokenizer = Tokenizer::load(docent::test::shared_dir() / "fixtures/models" / (model + ".gguf"));
  std::size_t passed = 0;
  for (const auto& test_case : golden) {
    const std::string prompt = test_case["prompt"];
    const auto expected = test_case["tokens"].get<std::vector<TokenId>>();
    const auto ids = tokenizer->encode(prompt, test_case["add_bos"].get<bool>(), true);
    EXPECT_EQ(ids, expected) << model << " prompt: " << prompt;
    if (ids == expected) ++passed;
    // The prompt comes back from the ids when specials are kept.
    auto text_ids = ids;
    if (test_case["add_bos"].get<bool>() && !text_ids.empty()) text_ids.erase(text_ids.begin());
    EXPECT_EQ(tokenizer->decode(text_ids), prompt) << model;
  }
  std::cout << "[ golden   ] " << model << ": " << passed << "/" << golden.size() << " prompts match\n";
}

TEST(TokenizerGolden, TinyQwen2) {
  DOCENT_REQUIRE_SHARED("fixtures/golden/tiny-qwen2-f16.json");
  check_golden_decoder("tiny-qwen2-f16");
}

TEST(TokenizerGolden, TinyQwen2Quantized) {
  DOCENT_REQUIRE_SHARED("fixtures/golden/tiny-qwen2-q8_0.json");
  check_golden_decoder("tiny-qwen2-q8_0");
  check_golden_decoder("tiny-qwen2-q4_0");
}

TEST(TokenizerGolden, SmallQwen2) {
  DOCENT_REQUIRE_SHARED("fixtures/golden/small-qwen2-q4_k_m.json");
  check_golden_decoder("small-qwen2-q4_k_m");
}

TEST(TokenizerGolden, Stories260K) {
  DOCENT_REQUIRE_SHARED("fixtures/golden/stories260K.json");
  check_golden_decoder("stories260K");
}

TEST(TokenizerGolden, TinyBert) {
  DOCENT_REQUIRE_SHARED("fixtures/golden/tiny-bert-f16.json");
  const auto golden = nlohmann::json::parse(read_all(docent::test::shared_dir() / "fixtures/golden/tiny-bert-f16.json"));
  const auto tokenizer = Tokenizer::load(docent::test::shared_dir() / "fixtures/models/tiny-bert-f16.gguf");
  const auto& texts = golden["texts"];
  const auto& tokens = golden["tokens"];
  ASSERT_EQ(texts.size(), tokens.size());
  std::size_t passed = 0;
  for (std::size_t i = 0; i < texts.size(); ++i) {
    const auto ids = tokenizer->encode(texts[i].get<std::string>(), true, true);
    const auto expected = tokens[i].get<std::vector<TokenId>>();
    EXPECT_EQ(ids, expected) << texts[i];
    if (ids == expected) ++passed;
  }
  std::cout << "[ golden   ] tiny-bert-f16: " << passed << "/" << texts.size() << " texts match\n";
}

}  // namespace
