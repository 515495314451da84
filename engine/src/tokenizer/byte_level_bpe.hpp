#pragma once
// Byte-level BPE (GPT-2, Qwen2, Llama-3): text is split by the model's regex, each piece's bytes
// are mapped to printable code points (the GPT-2 byte<->unicode table), then adjacent symbols
// are merged by merge rank until no ranked pair remains.

#include <array>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "tokenizer/pretokenizer_regex.hpp"
#include "tokenizer/vocabulary_tokenizer.hpp"

namespace docent::engine::tokenizer {

// The printable code point GPT-2 uses for a byte, and back.
char32_t byte_to_code_point(unsigned char byte);
// The bytes a byte-level string stands for; false when a code point is outside the table.
bool byte_level_to_bytes(std::string_view byte_level, std::string& out);
std::string bytes_to_byte_level(std::string_view bytes);

struct ByteLevelBpeOptions {
  std::vector<std::string> split_patterns;  // applied in sequence
  std::string pretokenizer_name;            // for kind(): "qwen2", "gpt-2", ...
  bool normalize_nfc = false;
  bool ignore_merges = false;  // look a whole pre-token up before merging (Llama-3)
};

class ByteLevelBpeTokenizer final : public VocabularyTokenizer {
 public:
  // `merges` are pairs of vocabulary strings in rank order. Throws ModelError naming `source`.
  ByteLevelBpeTokenizer(Vocabulary vocabulary, const std::vector<std::pair<std::string, std::string>>& merges,
                        ByteLevelBpeOptions options, const std::string& source);

  std::string kind() const override;

 protected:
  void encode_fragment(std::string_view fragment, bool after_special, std::vector<TokenId>& out) const override;
  std::string text_of(TokenId id) const override { return token_bytes_[id]; }

 private:
  struct Merge {
    std::int32_t rank;
    TokenId result;
  };
  static std::uint64_t pair_key(TokenId left, TokenId right) {
    return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(left)) << 32) | static_cast<std::uint32_t>(right);
  }
  void encode_word(std::string_view word, std::vector<TokenId>& out) const;
  void merge_word(std::string_view word, std::vector<TokenId>& out) const;

  ByteLevelBpeOptions options_;
  std::vector<std::unique_ptr<SplitRegex>> splitters_;
  PieceIndex ids_;                                  // byte-level string -> id
  std::unordered_map<std::uint64_t, Merge> merges_; // (left id, right id) -> rank and result
  std::array<TokenId, 256> byte_tokens_{};          // the single-byte token of each byte, or -1
  std::vector<std::string> token_bytes_;            // decoded bytes of every token

  // Pre-tokens repeat a lot in real text, so their ids are remembered.
  mutable std::shared_mutex cache_mutex_;
  mutable std::unordered_map<std::string, std::vector<TokenId>, StringHash, std::equal_to<>> word_cache_;
};

}  // namespace docent::engine::tokenizer
