#pragma once
// WordPiece (BERT uncased): the BERT basic tokenizer (clean control characters, isolate CJK
// characters, strip accents, lowercase, split on whitespace and punctuation) followed by greedy
// longest-match-first with continuation pieces.

#include <mutex>
#include <shared_mutex>

#include "tokenizer/vocabulary_tokenizer.hpp"

namespace docent::engine::tokenizer {

// How the vocabulary marks the two kinds of piece.
enum class WordPieceSpelling {
  hugging_face,  // "the" starts a word, "##ing" continues one
  gguf,          // "▁the" starts a word, "ing" continues one (GGUF converters' form)
};

struct WordPieceOptions {
  WordPieceSpelling spelling = WordPieceSpelling::hugging_face;
  bool lowercase = true;
  bool strip_accents = true;
  bool isolate_cjk = true;
  std::size_t max_chars_per_word = 100;
};

class WordPieceTokenizer final : public VocabularyTokenizer {
 public:
  WordPieceTokenizer(Vocabulary vocabulary, WordPieceOptions options, const std::string& source);
  std::string kind() const override { return "WordPiece"; }

 protected:
  void encode_fragment(std::string_view fragment, bool after_special, std::vector<TokenId>& out) const override;
  std::vector<TokenId> special_prefix() const override;
  std::vector<TokenId> special_suffix() const override;
  std::string text_of(TokenId id) const override { return token_text_[id]; }
  std::string special_text(TokenId id) const override { return " " + vocabulary_.pieces[id]; }
  std::string finish_decode(std::string text) const override;

 private:
  std::string normalize(std::string_view text) const;
  void encode_word(std::string_view word, std::vector<TokenId>& out) const;
  void match_word(std::string_view word, std::vector<TokenId>& out) const;

  WordPieceOptions options_;
  PieceIndex word_start_;    // pieces that begin a word, without any marker
  PieceIndex continuation_;  // pieces that continue a word, without any marker
  std::vector<std::string> token_text_;  // " word" for a word start, "ing" for a continuation
  TokenId unknown_ = 0;

  mutable std::shared_mutex cache_mutex_;
  mutable std::unordered_map<std::string, std::vector<TokenId>, StringHash, std::equal_to<>> word_cache_;
};

}  // namespace docent::engine::tokenizer
