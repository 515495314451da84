// Tokenizer behaviour beyond the reference vectors: special tokens, add_special, decoding,
// streaming text, robustness, loading errors.
#include <fstream>
#include <thread>

#include "docent/engine.hpp"
#include "test_support.hpp"

namespace {

using docent::engine::ModelError;
using docent::engine::TokenId;
using docent::engine::Tokenizer;

std::unique_ptr<Tokenizer> load_fixture(const std::string& relative) {
  return Tokenizer::load(docent::test::shared_dir() / "fixtures" / relative);
}

TEST(Tokenizer, KindsSizesAndSpecialIds) {
  DOCENT_REQUIRE_SHARED("fixtures/models/tiny-qwen2-f16.gguf");
  const auto qwen = load_fixture("models/tiny-qwen2-f16.gguf");
  EXPECT_EQ(qwen->kind(), "byte-level BPE (deepseek-r1-qwen)");
  EXPECT_EQ(qwen->vocabulary_size(), 8199u);
  EXPECT_EQ(qwen->bos(), 8195);
  EXPECT_EQ(qwen->eos(), 8192);
  EXPECT_TRUE(qwen->is_end_of_generation(8192));
  EXPECT_FALSE(qwen->is_end_of_generation(8197));

  const auto stories = load_fixture("models/stories260K.gguf");
  EXPECT_EQ(stories->kind(), "SentencePiece BPE");
  EXPECT_EQ(stories->vocabulary_size(), 512u);
  const auto bert = load_fixture("models/tiny-bert-f16.gguf");
  EXPECT_EQ(bert->kind(), "WordPiece");
  EXPECT_EQ(bert->vocabulary_size(), 30522u);
}

TEST(Tokenizer, SpecialTokensOnlyWhenParsingSpecial) {
  DOCENT_REQUIRE_SHARED("fixtures/models/tiny-qwen2-f16.gguf");
  const auto qwen = load_fixture("models/tiny-qwen2-f16.gguf");
  EXPECT_EQ(qwen->encode("<think>", false, true), (std::vector<TokenId>{8197}));
  const auto plain = qwen->encode("<think>", false, false);
  EXPECT_GT(plain.size(), 1u);
  EXPECT_EQ(qwen->decode(plain), "<think>");
  EXPECT_EQ(qwen->count("<think>"), plain.size());  // counting never treats text as control tokens
  // Specials are found anywhere, also glued to text.
  const auto ids = qwen->encode("a<think>b</think>c", false, true);
  ASSERT_EQ(ids.size(), 5u);
  EXPECT_EQ(ids[1], 8197);
  EXPECT_EQ(ids[3], 8198);
  EXPECT_EQ(qwen->decode(ids), "a<think>b</think>c");
  EXPECT_EQ(qwen->decode(ids, true), "abc");
}

TEST(Tokenizer, AddSpecialPerFamily) {
  DOCENT_REQUIRE_SHARED("fixtures/models/stories260K.gguf");
  const auto stories = load_fixture("models/stories260K.gguf");
  const auto with_bos = stories->encode("Once upon a time", true);
  ASSERT_FALSE(with_bos.empty());
  EXPECT_EQ(with_bos.front(), 1);
  EXPECT_EQ(stories->encode("Once upon a time", false).size() + 1, with_bos.size());

  const auto bert = load_fixture("models/tiny-bert-f16.gguf");
  const auto ids = bert->encode("hello", true);
  ASSERT_EQ(ids.size(), 3u);
  EXPECT_EQ(ids.front(), 101);
  EXPECT_EQ(ids.back(), 102);

  const auto qwen = load_fixture("models/tiny-qwen2-f16.gguf");
  EXPECT_EQ(qwen->encode("hello", true), qwen->encode("hello", false));  // Qwen adds no BOS
}

TEST(Tokenizer, DecodeInverts) {
  DOCENT_REQUIRE_SHARED("fixtures/models/stories260K.gguf");
  const auto stories = load_fixture("models/stories260K.gguf");
  const std::string story = "Lily and Ben went to the park.\nThey saw a big dog!";
  EXPECT_EQ(stories->decode(stories->encode(story, true), true), story);

  const auto bert = load_fixture("tokenizers/bert-uncased/tokenizer.json");
  EXPECT_EQ(bert->decode(bert->encode("Hello, world! It's done.", true), true), "hello, world! it's done.");
  const auto bert_gguf = load_fixture("models/tiny-bert-f16.gguf");
  EXPECT_EQ(bert_gguf->decode(bert_gguf->encode("Tokenization works.", true), true), "tokenization works.");
}

TEST(Tokenizer, StreamedTokenTextConcatenatesToTheText) {
  DOCENT_REQUIRE_SHARED("fixtures/models/tiny-qwen2-f16.gguf");
  const auto qwen = load_fixture("models/tiny-qwen2-f16.gguf");
  const std::string text = "Café — naïve 🦙 test";
  std::string streamed;
  for (TokenId id : qwen->encode(text)) streamed += qwen->token_text(id);
  EXPECT_EQ(streamed, text);
  EXPECT_EQ(qwen->token_text(220), " ");
  EXPECT_EQ(qwen->piece(220), "Ġ");
  EXPECT_EQ(qwen->token_text(-1), "");
  EXPECT_EQ(qwen->token_text(1 << 30), "");
}

TEST(Tokenizer, ByteLevelSurvivesInvalidUtf8AndLongRuns) {
  DOCENT_REQUIRE_SHARED("fixtures/models/tiny-qwen2-f16.gguf");
  const auto qwen = load_fixture("models/tiny-qwen2-f16.gguf");
  const std::string broken = "ok \xff\xfe bytes \xc3 end \xe2\x82";
  EXPECT_EQ(qwen->decode(qwen->encode(broken)), broken);
  const std::string spaces(20000, ' ');
  EXPECT_EQ(qwen->decode(qwen->encode(spaces + "x" + spaces)), spaces + "x" + spaces);
  const std::string letters(5000, 'a');
  EXPECT_EQ(qwen->decode(qwen->encode(letters)), letters);
  EXPECT_TRUE(qwen->encode("").empty());
}

TEST(Tokenizer, SentencePieceAndWordPieceSurviveOddInput) {
  DOCENT_REQUIRE_SHARED("fixtures/tokenizers/llama-spm/ggml-vocab-llama-spm.gguf");
  const auto llama = load_fixture("tokenizers/llama-spm/ggml-vocab-llama-spm.gguf");
  const std::string odd = "x\xff\x01y 漢字 \xe2\x82";
  EXPECT_EQ(llama->decode(llama->encode(odd)), odd);  // byte fallback keeps every byte
  const auto bert = load_fixture("tokenizers/bert-uncased/vocab.txt");
  const auto ids = bert->encode(std::string(150, 'q') + " ok \xff");
  ASSERT_GE(ids.size(), 2u);
  EXPECT_EQ(ids[0], 100);  // a word over 100 characters is [UNK]
}

TEST(Tokenizer, EncodingIsSafeFromSeveralThreads) {
  DOCENT_REQUIRE_SHARED("fixtures/models/tiny-qwen2-f16.gguf");
  const auto qwen = load_fixture("models/tiny-qwen2-f16.gguf");
  std::vector<std::string> texts;
  for (int i = 0; i < 200; ++i) texts.push_back("chunk " + std::to_string(i * 7919) + " of the corpus, word" + std::to_string(i));
  std::vector<std::vector<TokenId>> expected;
  for (const auto& text : texts) expected.push_back(qwen->encode(text));
  std::vector<int> mismatches(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int round = 0; round < 5; ++round)
        for (std::size_t i = 0; i < texts.size(); ++i)
          if (qwen->encode(texts[i]) != expected[i]) ++mismatches[t];
    });
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(mismatches, std::vector<int>(4, 0));
}

TEST(Tokenizer, LoadErrorsNameTheFile) {
  docent::test::TempDir folder;
  const auto expect_error = [](const std::filesystem::path& path, const std::string& reason) {
    try {
      Tokenizer::load(path);
      ADD_FAILURE() << "no error for " << path;
    } catch (const ModelError& error) {
      const std::string message = error.what();
      EXPECT_NE(message.find(path.string()), std::string::npos) << message;
      EXPECT_NE(message.find(reason), std::string::npos) << message;
    }
  };
  expect_error(folder.path() / "missing.gguf", "cannot open");
  const auto write = [&](const std::string& name, const std::string& content) {
    std::ofstream(folder.path() / name, std::ios::binary) << content;
    return folder.path() / name;
  };
  expect_error(write("bad.json", "{ not json"), "not valid JSON");
  expect_error(write("unigram.json", R"({"model": {"type": "Unigram", "vocab": []}})"), "unsupported tokenizer model type");
  expect_error(write("nomodel.json", R"({"version": "1.0"})"), "no \"model\"");
  expect_error(write("truncated.gguf", std::string("GGUF\x03\x00\x00\x00", 8)), "truncated");
  expect_error(write("random.bin", "just some bytes"), "not a GGUF file");
  expect_error(folder.path(), "neither tokenizer.json nor vocab.txt");
}

TEST(Tokenizer, IncompleteTokenizerJsonIsAnError) {
  docent::test::TempDir folder;
  const auto path = folder.path() / "tokenizer.json";
  std::ofstream(path) << R"({"model": {"type": "BPE", "vocab": {"a": 0}}, "pre_tokenizer": {"type": "ByteLevel"}})";
  EXPECT_THROW(Tokenizer::load(path), ModelError);  // no merges
  std::ofstream(path) << R"({"model": {"type": "WordPiece", "vocab": {"a": 0}}})";
  EXPECT_THROW(Tokenizer::load(path), ModelError);  // no [UNK]
  for (const char* broken : {R"({"model": {"type": "BPE"}})", R"({"model": {"type": "WordPiece", "vocab": []}})",
                             R"({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": []},
                                 "pre_tokenizer": {"type": "Split"}})",
                             R"({"model": {"type": "BPE", "vocab": {"a": "zero"}, "merges": []}})",
                             R"({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": [7]},
                                 "pre_tokenizer": {"type": "ByteLevel"}})",
                             R"({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}, "added_tokens": [1]})",
                             R"({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": []},
                                 "pre_tokenizer": {"type": "Split", "pattern": {"Regex": "(("}}})"}) {
    std::ofstream(path) << broken;
    EXPECT_THROW(Tokenizer::load(path), ModelError) << broken;
  }
}

TEST(Tokenizer, LoadsAHuggingFaceFolder) {
  DOCENT_REQUIRE_SHARED("fixtures/hf-configs/all-MiniLM-L6-v2/tokenizer.json");
  const auto minilm = load_fixture("hf-configs/all-MiniLM-L6-v2");
  EXPECT_EQ(minilm->kind(), "WordPiece");
  EXPECT_EQ(minilm->encode("The quick brown fox.", true),
            (std::vector<TokenId>{101, 1996, 4248, 2829, 4419, 1012, 102}));
}

}  // namespace
