#include "tokenizer/sentencepiece_bpe.hpp"

#include <cstdio>
#include <queue>

#include "docent/utf8.hpp"

namespace docent::engine::tokenizer {

namespace {

constexpr std::string_view kSpaceMarker = "\xE2\x96\x81";  // U+2581 "▁"

std::string replace_spaces(std::string_view text, std::string_view from, std::string_view to) {
  std::string out;
  out.reserve(text.size() + text.size() / 2);
  std::size_t position = 0;
  while (position < text.size()) {
    const std::size_t found = text.find(from, position);
    if (found == std::string_view::npos) {
      out.append(text.substr(position));
      break;
    }
    out.append(text.substr(position, found - position));
    out.append(to);
    position = found + from.size();
  }
  return out;
}

// "<0x41>" -> 0x41
int byte_of_piece(std::string_view piece) {
  if (piece.size() != 6 || piece.substr(0, 3) != "<0x" || piece[5] != '>') return -1;
  int value = 0;
  for (char c : piece.substr(3, 2)) {
    value <<= 4;
    if (c >= '0' && c <= '9') value |= c - '0';
    else if (c >= 'A' && c <= 'F') value |= c - 'A' + 10;
    else if (c >= 'a' && c <= 'f') value |= c - 'a' + 10;
    else return -1;
  }
  return value;
}

}  // namespace

SentencePieceTokenizer::SentencePieceTokenizer(Vocabulary vocabulary, bool add_space_prefix, const std::string& source)
    : VocabularyTokenizer(std::move(vocabulary)), add_space_prefix_(add_space_prefix) {
  if (vocabulary_.scores.empty()) throw ModelError(source + ": a SentencePiece vocabulary needs token scores");
  byte_tokens_.fill(-1);
  token_text_.resize(vocabulary_.size());
  for (std::size_t id = 0; id < vocabulary_.size(); ++id) {
    const std::string& piece = vocabulary_.pieces[id];
    const auto type = vocabulary_.types[id];
    all_ids_.emplace(piece, static_cast<TokenId>(id));
    if (type == TokenType::normal || type == TokenType::user_defined) mergeable_.emplace(piece, static_cast<TokenId>(id));
    const int byte = type == TokenType::byte ? byte_of_piece(piece) : -1;
    if (byte >= 0) {
      byte_tokens_[byte] = static_cast<TokenId>(id);
      token_text_[id] = std::string(1, static_cast<char>(byte));
    } else {
      token_text_[id] = replace_spaces(piece, kSpaceMarker, " ");
    }
  }
}

void SentencePieceTokenizer::encode_fragment(std::string_view fragment, bool after_special,
                                             std::vector<TokenId>& out) const {
  std::string text;
  if (add_space_prefix_ && after_special) text = kSpaceMarker;
  text += replace_spaces(fragment, " ", kSpaceMarker);

  struct Symbol {
    std::size_t start, length;
    int previous, next;
  };
  std::vector<Symbol> symbols;
  for (std::size_t position = 0; position < text.size();) {
    const std::size_t length = std::min(utf8::sequence_length(static_cast<unsigned char>(text[position])), text.size() - position);
    const int index = static_cast<int>(symbols.size());
    symbols.push_back({position, length, index - 1, index + 1});
    position += length;
  }
  if (symbols.empty()) return;
  symbols.back().next = -1;

  struct Candidate {
    float score;
    int left;
    std::size_t length;  // of the merged text, to notice a stale pair
    bool operator<(const Candidate& other) const {
      // Highest score first; among equals the leftmost pair.
      return score != other.score ? score < other.score : left > other.left;
    }
  };
  std::priority_queue<Candidate> queue;
  const auto consider = [&](int left) {
    if (left < 0) return;
    const int right = symbols[left].next;
    if (right < 0) return;
    const std::string_view merged(text.data() + symbols[left].start, symbols[left].length + symbols[right].length);
    const auto found = mergeable_.find(merged);
    if (found != mergeable_.end()) queue.push({vocabulary_.scores[found->second], left, merged.size()});
  };
  for (int i = 0; i + 1 < static_cast<int>(symbols.size()); ++i) consider(i);

  while (!queue.empty()) {
    const Candidate candidate = queue.top();
    queue.pop();
    Symbol& left = symbols[candidate.left];
    if (left.length == 0 || left.next < 0) continue;
    Symbol& right = symbols[left.next];
    if (left.length + right.length != candidate.length) continue;
    left.length += right.length;
    left.next = right.next;
    if (right.next >= 0) symbols[right.next].previous = candidate.left;
    right.length = 0;
    consider(left.previous);
    consider(candidate.left);
  }

  for (int i = 0; i >= 0; i = symbols[i].next)
    append_symbol(std::string_view(text.data() + symbols[i].start, symbols[i].length), out);
}

void SentencePieceTokenizer::append_symbol(std::string_view symbol, std::vector<TokenId>& out) const {
  const auto found = all_ids_.find(symbol);
  if (found != all_ids_.end()) {
    out.push_back(found->second);
    return;
  }
  for (char c : symbol) {
    const TokenId byte_token = byte_tokens_[static_cast<unsigned char>(c)];
    if (byte_token >= 0) out.push_back(byte_token);
    else if (vocabulary_.unknown) out.push_back(*vocabulary_.unknown);
  }
}

std::string SentencePieceTokenizer::finish_decode(std::string text) const {
  if (add_space_prefix_ && !text.empty() && text.front() == ' ') text.erase(0, 1);
  return text;
}

}  // namespace docent::engine::tokenizer
