#include "tokenizer/vocabulary_tokenizer.hpp"

#include <algorithm>

namespace docent::engine::tokenizer {

void Vocabulary::validate(const std::string& source) {
  if (pieces.empty()) throw ModelError(source + ": the tokenizer vocabulary is empty");
  if (types.empty()) types.assign(pieces.size(), TokenType::normal);
  if (types.size() != pieces.size())
    throw ModelError(source + ": token type count " + std::to_string(types.size()) +
                     " does not match the vocabulary size " + std::to_string(pieces.size()));
  if (!scores.empty() && scores.size() != pieces.size())
    throw ModelError(source + ": token score count " + std::to_string(scores.size()) +
                     " does not match the vocabulary size " + std::to_string(pieces.size()));
  // Ids outside the table are dropped rather than trusted: several converters write -1 or
  // 2^32-1 for "none".
  for (auto* id : {&bos, &eos, &unknown, &separator, &padding, &classifier, &end_of_turn})
    if (*id && !valid(**id)) id->reset();
}

VocabularyTokenizer::VocabularyTokenizer(Vocabulary vocabulary)
    : vocabulary_(std::move(vocabulary)), specials_by_first_byte_(256) {
  for (std::size_t id = 0; id < vocabulary_.size(); ++id) {
    const auto type = vocabulary_.types[id];
    const std::string& text = vocabulary_.pieces[id];
    if (text.empty()) continue;
    if (type != TokenType::control && type != TokenType::user_defined) continue;
    specials_by_first_byte_[static_cast<unsigned char>(text[0])].push_back(
        {text, static_cast<TokenId>(id), type == TokenType::control});
  }
  for (auto& group : specials_by_first_byte_)
    std::stable_sort(group.begin(), group.end(),
                     [](const SpecialToken& a, const SpecialToken& b) { return a.text.size() > b.text.size(); });

  for (auto id : {vocabulary_.eos, vocabulary_.end_of_turn})
    if (id) end_of_generation_.push_back(*id);
  // Chat models end a turn with one of these even when eos names another token.
  static const char* const kTurnEnds[] = {"<|im_end|>", "<|eot_id|>", "<|endoftext|>", "<｜end▁of▁sentence｜>",
                                          "<|end_of_text|>", "</s>"};
  for (std::size_t id = 0; id < vocabulary_.size(); ++id) {
    if (vocabulary_.types[id] != TokenType::control) continue;
    for (const char* marker : kTurnEnds)
      if (vocabulary_.pieces[id] == marker) end_of_generation_.push_back(static_cast<TokenId>(id));
  }
}

bool VocabularyTokenizer::is_special(TokenId id) const {
  const auto type = vocabulary_.types[id];
  return type == TokenType::control || type == TokenType::unused;
}

std::vector<TokenId> VocabularyTokenizer::special_prefix() const {
  if (vocabulary_.add_bos && vocabulary_.bos) return {*vocabulary_.bos};
  return {};
}

std::vector<TokenId> VocabularyTokenizer::special_suffix() const {
  if (vocabulary_.add_eos && vocabulary_.eos) return {*vocabulary_.eos};
  return {};
}

std::vector<TokenId> VocabularyTokenizer::encode(std::string_view text, bool add_special,
                                                 bool parse_special) const {
  return encode_segments({{text, parse_special}}, add_special);
}

std::vector<TokenId> VocabularyTokenizer::encode_segments(const std::vector<Segment>& segments,
                                                          bool add_special) const {
  std::size_t total = 0;
  for (const auto& segment : segments) total += segment.text.size();
  std::vector<TokenId> out;
  out.reserve(total / 3 + 4);
  if (add_special) out = special_prefix();

  // Plain text is gathered across segment borders so that the fragments between special tokens
  // are the same as for the concatenated text.
  std::string plain;
  bool after_special = true;
  const auto flush = [&] {
    if (plain.empty()) return;
    encode_fragment(plain, after_special, out);
    plain.clear();
    after_special = false;
  };
  for (const auto& segment : segments) {
    const std::string_view text = segment.text;
    std::size_t fragment_start = 0;
    std::size_t position = 0;
    while (position < text.size()) {
      const auto& candidates = specials_by_first_byte_[static_cast<unsigned char>(text[position])];
      const SpecialToken* match = nullptr;
      for (const auto& candidate : candidates) {
        if (candidate.control && !segment.parse_special) continue;
        if (text.compare(position, candidate.text.size(), candidate.text) == 0) {
          match = &candidate;
          break;
        }
      }
      if (!match) {
        ++position;
        continue;
      }
      plain.append(text.substr(fragment_start, position - fragment_start));
      flush();
      out.push_back(match->id);
      after_special = true;
      position += match->text.size();
      fragment_start = position;
    }
    plain.append(text.substr(fragment_start));
  }
  flush();

  if (add_special) {
    const auto suffix = special_suffix();
    out.insert(out.end(), suffix.begin(), suffix.end());
  }
  return out;
}

std::string VocabularyTokenizer::decode(const std::vector<TokenId>& ids, bool skip_special) const {
  std::string text;
  for (TokenId id : ids) {
    if (!vocabulary_.valid(id)) continue;
    if (is_special(id)) {
      if (!skip_special) text += special_text(id);
      continue;
    }
    text += text_of(id);
  }
  return finish_decode(std::move(text));
}

std::string VocabularyTokenizer::token_text(TokenId id) const {
  if (!vocabulary_.valid(id)) return {};
  return is_special(id) ? vocabulary_.pieces[id] : text_of(id);
}

std::string VocabularyTokenizer::piece(TokenId id) const {
  if (!vocabulary_.valid(id)) return {};
  return vocabulary_.pieces[id];
}

bool VocabularyTokenizer::is_end_of_generation(TokenId id) const {
  return std::find(end_of_generation_.begin(), end_of_generation_.end(), id) != end_of_generation_.end();
}

}  // namespace docent::engine::tokenizer
