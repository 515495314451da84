#pragma once
// SentencePiece BPE (Llama-2 style vocabularies in GGUF): spaces become "▁", a leading "▁" is
// added, characters are merged greedily by the score of the merged piece, and characters the
// vocabulary lacks fall back to <0xXX> byte tokens.

#include <array>

#include "tokenizer/vocabulary_tokenizer.hpp"

namespace docent::engine::tokenizer {

class SentencePieceTokenizer final : public VocabularyTokenizer {
 public:
  SentencePieceTokenizer(Vocabulary vocabulary, bool add_space_prefix, const std::string& source);
  std::string kind() const override { return "SentencePiece BPE"; }

 protected:
  void encode_fragment(std::string_view fragment, bool after_special, std::vector<TokenId>& out) const override;
  std::string text_of(TokenId id) const override { return token_text_[id]; }
  std::string finish_decode(std::string text) const override;

 private:
  void append_symbol(std::string_view symbol, std::vector<TokenId>& out) const;

  bool add_space_prefix_;
  PieceIndex mergeable_;  // pieces a merge may produce (normal and user-defined tokens)
  PieceIndex all_ids_;
  std::array<TokenId, 256> byte_tokens_{};
  std::vector<std::string> token_text_;
};

}  // namespace docent::engine::tokenizer
