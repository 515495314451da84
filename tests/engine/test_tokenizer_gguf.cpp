// Tokenizers from small hand-made GGUF vocabularies: the merge rules, the vocabulary spellings
// converters use, and the errors a broken tokenizer section gives.
#include <cstdio>

#include "docent/engine.hpp"
#include "gguf/gguf_writer.hpp"
#include "test_support.hpp"

namespace {

using docent::engine::GgufWriter;
using docent::engine::ModelError;
using docent::engine::TokenId;
using docent::engine::Tokenizer;

std::string expect_load_error(const std::filesystem::path& path) {
  try {
    Tokenizer::load(path);
  } catch (const ModelError& error) {
    EXPECT_NE(std::string(error.what()).find(path.string()), std::string::npos) << error.what();
    return error.what();
  }
  ADD_FAILURE() << "no error for " << path;
  return {};
}

TEST(GgufTokenizer, WordPieceInBothSpellings) {
  docent::test::TempDir folder;
  const auto write = [&](const std::string& name, std::vector<std::string> tokens) {
    GgufWriter writer;
    writer.set_string("tokenizer.ggml.model", "bert");
    writer.set_string_array("tokenizer.ggml.tokens", std::move(tokens));
    writer.set_int32_array("tokenizer.ggml.token_type", {3, 3, 3, 1, 1, 1, 1});
    writer.set_uint32("tokenizer.ggml.unknown_token_id", 0);
    writer.set_uint32("tokenizer.ggml.cls_token_id", 1);
    writer.set_uint32("tokenizer.ggml.seperator_token_id", 2);
    writer.write(folder.path() / name);
    return Tokenizer::load(folder.path() / name);
  };
  const auto marked = write("marked.gguf", {"[UNK]", "[CLS]", "[SEP]", "\xE2\x96\x81play", "ing", "\xE2\x96\x81in", "g"});
  const auto hashed = write("hashed.gguf", {"[UNK]", "[CLS]", "[SEP]", "play", "##ing", "in", "##g"});
  for (const auto* tokenizer : {marked.get(), hashed.get()}) {
    EXPECT_EQ(tokenizer->encode("Playing in ingx", true), (std::vector<TokenId>{1, 3, 4, 5, 0, 2}));
    EXPECT_EQ(tokenizer->decode({3, 4, 5}), "playing in");
  }
}

TEST(GgufTokenizer, ByteLevelMergesFollowRank) {
  docent::test::TempDir folder;
  std::vector<std::string> tokens;
  for (int byte = 0; byte < 256; ++byte) {
    std::string symbol;
    const bool printable = (byte >= 33 && byte <= 126) || (byte >= 161 && byte <= 172) || byte >= 174;
    if (printable) {
      symbol = byte < 128 ? std::string(1, static_cast<char>(byte))
                          : std::string{static_cast<char>(0xC0 | (byte >> 6)), static_cast<char>(0x80 | (byte & 0x3F))};
      tokens.push_back(symbol);
    }
  }
  // Non-printable bytes live at U+0100 onwards; only the space (U+0120, "Ġ") is needed here.
  tokens.push_back("\xC4\xA0");
  const auto id_of = [&](const std::string& piece) {
    return static_cast<TokenId>(std::find(tokens.begin(), tokens.end(), piece) - tokens.begin());
  };
  tokens.insert(tokens.end(), {"bc", "ab", "abc", "\xC4\xA0" "a"});
  GgufWriter writer;
  writer.set_string("tokenizer.ggml.model", "gpt2");
  writer.set_string("tokenizer.ggml.pre", "qwen2");
  writer.set_string_array("tokenizer.ggml.tokens", tokens);
  // "b c" outranks "a b", so "abc" becomes a + bc ("a bc" is not a merge); "Ġ a" outranks
  // "a b", so " ab" becomes Ġa + b.
  writer.set_string_array("tokenizer.ggml.merges", {"b c", "\xC4\xA0 a", "a b", "ab c"});
  writer.write(folder.path() / "bpe.gguf");
  const auto tokenizer = Tokenizer::load(folder.path() / "bpe.gguf");
  EXPECT_EQ(tokenizer->encode("abc"), (std::vector<TokenId>{id_of("a"), id_of("bc")}));
  EXPECT_EQ(tokenizer->encode("ab ab"), (std::vector<TokenId>{id_of("ab"), id_of("\xC4\xA0" "a"), id_of("b")}));
  EXPECT_EQ(tokenizer->decode(tokenizer->encode("ab ab")), "ab ab");
}

TEST(GgufTokenizer, SentencePieceMergesByScoreAndFallsBackToBytes) {
  docent::test::TempDir folder;
  std::vector<std::string> tokens = {"<unk>", "<s>", "</s>"};
  std::vector<std::int64_t> types = {2, 3, 3};
  for (int byte = 0; byte < 256; ++byte) {
    char name[8];
    std::snprintf(name, sizeof name, "<0x%02X>", byte);
    tokens.push_back(name);
    types.push_back(6);
  }
  const std::vector<std::pair<std::string, double>> pieces = {
      {"\xE2\x96\x81", -1}, {"a", -1}, {"b", -1}, {"\xE2\x96\x81" "a", -3}, {"ab", -2}, {"\xE2\x96\x81" "ab", -4}};
  std::vector<double> scores(tokens.size(), 0.0);
  for (const auto& [piece, score] : pieces) {
    tokens.push_back(piece);
    types.push_back(1);
    scores.push_back(score);
  }
  const auto id_of = [&](const std::string& piece) {
    return static_cast<TokenId>(std::find(tokens.begin(), tokens.end(), piece) - tokens.begin());
  };
  GgufWriter writer;
  writer.set_string("tokenizer.ggml.model", "llama");
  writer.set_string_array("tokenizer.ggml.tokens", tokens);
  writer.set_int32_array("tokenizer.ggml.token_type", types);
  writer.set_float32_array("tokenizer.ggml.scores", scores);
  writer.set_uint32("tokenizer.ggml.bos_token_id", 1);
  writer.set_uint32("tokenizer.ggml.eos_token_id", 2);
  writer.set_uint32("tokenizer.ggml.unknown_token_id", 0);
  writer.write(folder.path() / "spm.gguf");
  const auto tokenizer = Tokenizer::load(folder.path() / "spm.gguf");
  // "▁ab": a+b (score -2) merges before ▁+a (-3), then ▁+ab gives "▁ab".
  EXPECT_EQ(tokenizer->encode("ab", true), (std::vector<TokenId>{1, id_of("\xE2\x96\x81" "ab")}));
  // "c" is not in the vocabulary: its byte token stands in.
  EXPECT_EQ(tokenizer->encode("ac"), (std::vector<TokenId>{id_of("\xE2\x96\x81" "a"), id_of("<0x63>")}));
  EXPECT_EQ(tokenizer->decode(tokenizer->encode("ab c", true), true), "ab c");
}

TEST(GgufTokenizer, BrokenTokenizerSectionsAreErrors) {
  docent::test::TempDir folder;
  int counter = 0;
  const auto write = [&](const std::function<void(GgufWriter&)>& fill) {
    GgufWriter writer;
    fill(writer);
    const auto path = folder.path() / ("broken" + std::to_string(counter++) + ".gguf");
    writer.write(path);
    return path;
  };
  EXPECT_NE(expect_load_error(write([](GgufWriter&) {})).find("no tokenizer.ggml.model"), std::string::npos);
  EXPECT_NE(expect_load_error(write([](GgufWriter& w) {
              w.set_string("tokenizer.ggml.model", "rwkv");
              w.set_string_array("tokenizer.ggml.tokens", {"a"});
            })).find("unsupported tokenizer model 'rwkv'"),
            std::string::npos);
  EXPECT_NE(expect_load_error(write([](GgufWriter& w) {
              w.set_string("tokenizer.ggml.model", "gpt2");
              w.set_string_array("tokenizer.ggml.tokens", {"a", "b"});
            })).find("merges"),
            std::string::npos);
  EXPECT_NE(expect_load_error(write([](GgufWriter& w) {
              w.set_string("tokenizer.ggml.model", "llama");
              w.set_string_array("tokenizer.ggml.tokens", {"a", "b"});
              w.set_int32_array("tokenizer.ggml.token_type", {1});
              w.set_float32_array("tokenizer.ggml.scores", {0, 0});
            })).find("token type count"),
            std::string::npos);
  EXPECT_NE(expect_load_error(write([](GgufWriter& w) {
              w.set_string("tokenizer.ggml.model", "llama");
              w.set_string_array("tokenizer.ggml.tokens", {"a", "b"});
            })).find("scores"),
            std::string::npos);
  EXPECT_NE(expect_load_error(write([](GgufWriter& w) {
              w.set_string("tokenizer.ggml.model", "bert");
              w.set_string_array("tokenizer.ggml.tokens", {"a", "b"});
            })).find("[UNK]"),
            std::string::npos);
  EXPECT_NE(expect_load_error(write([](GgufWriter& w) {
              w.set_string("tokenizer.ggml.model", "gpt2");
              w.set_string_array("tokenizer.ggml.tokens", {});
              w.set_string_array("tokenizer.ggml.merges", {});
            })).find("empty"),
            std::string::npos);
}

}  // namespace
