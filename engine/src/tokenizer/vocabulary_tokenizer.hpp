#pragma once
// The part every tokenizer family shares: the id <-> piece table, token types, special ids,
// splitting the input on special/added tokens, and assembling decode output. A family only
// supplies how a plain-text fragment becomes ids and what text one id stands for.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "docent/engine.hpp"

namespace docent::engine::tokenizer {

// Token types as GGUF stores them (tokenizer.ggml.token_type).
enum class TokenType : int { undefined = 0, normal = 1, unknown = 2, control = 3, user_defined = 4, unused = 5, byte = 6 };

// Hash/equality that let an unordered_map<std::string, ...> be searched with a string_view.
struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
};
using PieceIndex = std::unordered_map<std::string, TokenId, StringHash, std::equal_to<>>;

struct Vocabulary {
  std::vector<std::string> pieces;  // as stored in the file
  std::vector<TokenType> types;     // same length as pieces
  std::vector<float> scores;        // SentencePiece only; may be empty
  std::optional<TokenId> bos, eos, unknown, separator, padding, classifier, end_of_turn;
  bool add_bos = false;
  bool add_eos = false;

  std::size_t size() const { return pieces.size(); }
  bool valid(TokenId id) const { return id >= 0 && static_cast<std::size_t>(id) < pieces.size(); }
  // Checks ids and fills in missing types; `source` names the file in error messages.
  void validate(const std::string& source);
};

class VocabularyTokenizer : public Tokenizer {
 public:
  explicit VocabularyTokenizer(Vocabulary vocabulary);

  std::vector<TokenId> encode(std::string_view text, bool add_special = false,
                              bool parse_special = true) const override;
  std::string decode(const std::vector<TokenId>& ids, bool skip_special = false) const override;
  std::string token_text(TokenId id) const override;
  std::string piece(TokenId id) const override;
  std::size_t vocabulary_size() const override { return vocabulary_.size(); }
  std::optional<TokenId> bos() const override { return vocabulary_.bos; }
  std::optional<TokenId> eos() const override { return vocabulary_.eos; }
  bool is_end_of_generation(TokenId id) const override;

  const Vocabulary& vocabulary() const { return vocabulary_; }

  // A stretch of input and whether control tokens spelled in it become those tokens.
  struct Segment {
    std::string_view text;
    bool parse_special;
  };
  // Encodes the concatenation of the segments exactly as encode() would the whole text, except
  // that control tokens are recognised only inside segments that allow it (a chat template's
  // own markers, not the user's or a document's text).
  std::vector<TokenId> encode_segments(const std::vector<Segment>& segments, bool add_special) const;

 protected:
  // Appends the ids of a fragment that holds no special token. `after_special` is true for
  // the first fragment and for fragments right after a special token (SentencePiece adds its
  // leading space there).
  virtual void encode_fragment(std::string_view fragment, bool after_special,
                               std::vector<TokenId>& out) const = 0;
  // Ids wrapped around the text when add_special is set (BOS; [CLS] ... [SEP]).
  virtual std::vector<TokenId> special_prefix() const;
  virtual std::vector<TokenId> special_suffix() const;
  // The decoded text of one non-special token (bytes for byte-level BPE).
  virtual std::string text_of(TokenId id) const = 0;
  virtual std::string special_text(TokenId id) const { return vocabulary_.pieces[id]; }
  // Last touch on the concatenated text (SentencePiece drops its leading space, WordPiece
  // joins word pieces).
  virtual std::string finish_decode(std::string text) const { return text; }

  bool is_special(TokenId id) const;
  Vocabulary vocabulary_;

 private:
  struct SpecialToken {
    std::string text;
    TokenId id;
    bool control;  // matched only when parse_special; user-defined tokens always match
  };
  // Special tokens grouped by first byte, longest first, for the split scan.
  std::vector<std::vector<SpecialToken>> specials_by_first_byte_;
  std::vector<TokenId> end_of_generation_;
};

}  // namespace docent::engine::tokenizer
