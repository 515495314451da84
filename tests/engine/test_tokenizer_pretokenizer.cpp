// The pre-tokenizer regexes chosen by GGUF name: how each family splits text before merging.
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "test_support.hpp"
#include "tokenizer/pretokenizer_regex.hpp"

namespace {

using docent::engine::tokenizer::pretokenizer_pattern;
using docent::engine::tokenizer::SplitRegex;

std::vector<std::string> split(const std::string& pattern, std::string_view text) {
  SplitRegex regex(pattern);
  std::vector<std::string> pieces;
  regex.split(text, [&](std::string_view piece) { pieces.emplace_back(piece); });
  return pieces;
}

using Pieces = std::vector<std::string>;

TEST(Pretokenizer, DigitsPerFamily) {
  EXPECT_EQ(split(*pretokenizer_pattern("qwen2"), "year 2024"), (Pieces{"year", " ", "2", "0", "2", "4"}));
  EXPECT_EQ(split(*pretokenizer_pattern("deepseek-r1-qwen"), "12"), (Pieces{"1", "2"}));
  EXPECT_EQ(split(*pretokenizer_pattern("llama-bpe"), "year 12345"), (Pieces{"year", " ", "123", "45"}));
  EXPECT_EQ(split(*pretokenizer_pattern("gpt-2"), "year 12345"), (Pieces{"year", " 12345"}));
}

TEST(Pretokenizer, ContractionsSpacesAndNewlines) {
  EXPECT_EQ(split(*pretokenizer_pattern("gpt-2"), "I'M here"), (Pieces{"I", "'", "M", " here"}));
  EXPECT_EQ(split(*pretokenizer_pattern("llama-bpe"), "I'M here"), (Pieces{"I", "'M", " here"}));
  EXPECT_EQ(split(*pretokenizer_pattern("qwen2"), "a  b\n\n c!!\n"), (Pieces{"a", " ", " b", "\n\n", " c", "!!\n"}));
  EXPECT_EQ(split(*pretokenizer_pattern("gpt-2"), "a   b"), (Pieces{"a", "  ", " b"}));
}

TEST(Pretokenizer, UnknownNameAndBadPattern) {
  EXPECT_FALSE(pretokenizer_pattern("no-such-model").has_value());
  EXPECT_THROW(SplitRegex("(unclosed"), std::invalid_argument);
}

TEST(Pretokenizer, PiecesAlwaysConcatenateBack) {
  const std::string text = "ok \xff\xfe bad \xc3 utf8 \xe2\x82";
  for (const char* name : {"qwen2", "llama-bpe", "gpt-2"}) {
    std::string joined;
    for (const auto& piece : split(*pretokenizer_pattern(name), text)) joined += piece;
    EXPECT_EQ(joined, text) << name;
  }
}

// The GGUF name "qwen2" must split exactly like the regex Qwen's own tokenizer.json carries.
TEST(Pretokenizer, Qwen2NameMatchesTokenizerJsonRegex) {
  DOCENT_REQUIRE_SHARED("fixtures/tokenizers/qwen2/tokenizer.json");
  std::ifstream in(docent::test::shared_dir() / "fixtures/tokenizers/qwen2/tokenizer.json");
  const auto document = nlohmann::json::parse(in);
  const std::string json_pattern = document["pre_tokenizer"]["pretokenizers"][0]["pattern"]["Regex"];
  std::ifstream inputs(docent::test::shared_dir() / "fixtures/tokenizer-tests/ggml-vocab-qwen2.gguf.inp");
  std::stringstream text;
  text << inputs.rdbuf();
  text << "It'S 3.14159 — Ünïcödé ١٢٣ 漢字かな\u00a0nbsp\u2003em\r\n\r\nend  ";
  EXPECT_EQ(split(*pretokenizer_pattern("qwen2"), text.str()), split(json_pattern, text.str()));
}

}  // namespace
