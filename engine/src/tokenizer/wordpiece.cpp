#include "tokenizer/wordpiece.hpp"

#include "tokenizer/unicode_text.hpp"

namespace docent::engine::tokenizer {

namespace {

constexpr std::string_view kWordStartMarker = "\xE2\x96\x81";  // U+2581 "▁"
constexpr std::string_view kContinuationMarker = "##";
constexpr std::size_t kWordCacheLimit = 1 << 18;

bool is_cjk(char32_t c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x20000 && c <= 0x2A6DF) ||
         (c >= 0x2A700 && c <= 0x2B73F) || (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B820 && c <= 0x2CEAF) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

bool is_whitespace(char32_t c) {
  if (c == ' ' || c == '\t' || c == '\n' || c == '\r') return true;
  return c >= 0x80 && is_unicode_whitespace(c);
}

bool is_control(char32_t c) {
  if (c == '\t' || c == '\n' || c == '\r') return false;
  if (c < 0x80) return c < 0x20 || c == 0x7F;
  return is_other_category(c);
}

// BERT counts all non-alphanumeric printable ASCII as punctuation ("$", "^", "`" included).
bool is_punctuation(char32_t c) {
  if ((c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126)) return true;
  return c >= 0x80 && is_punctuation_category(c);
}

std::string cleanup_spaces(std::string text) {
  // The Hugging Face WordPiece decoder's clean-up of tokenization spaces.
  static const std::pair<std::string_view, std::string_view> kReplacements[] = {
      {" .", "."}, {" ?", "?"}, {" !", "!"}, {" ,", ","}, {" ' ", "'"}, {" n't", "n't"},
      {" 'm", "'m"}, {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"}};
  for (const auto& [from, to] : kReplacements) {
    std::string out;
    out.reserve(text.size());
    std::size_t position = 0;
    while (true) {
      const std::size_t found = text.find(from, position);
      if (found == std::string::npos) break;
      out.append(text, position, found - position);
      out.append(to);
      position = found + from.size();
    }
    out.append(text, position);
    text = std::move(out);
  }
  return text;
}

}  // namespace

WordPieceTokenizer::WordPieceTokenizer(Vocabulary vocabulary, WordPieceOptions options, const std::string& source)
    : VocabularyTokenizer(std::move(vocabulary)), options_(options) {
  if (!vocabulary_.unknown) throw ModelError(source + ": a WordPiece vocabulary needs an unknown token ([UNK])");
  unknown_ = *vocabulary_.unknown;
  token_text_.resize(vocabulary_.size());
  for (std::size_t index = 0; index < vocabulary_.size(); ++index) {
    const auto id = static_cast<TokenId>(index);
    const std::string& piece = vocabulary_.pieces[index];
    const bool special = vocabulary_.types[index] == TokenType::control;
    std::string_view text = piece;
    bool continues = false;
    if (options_.spelling == WordPieceSpelling::hugging_face) {
      continues = text.size() > kContinuationMarker.size() && text.starts_with(kContinuationMarker);
      if (continues) text.remove_prefix(kContinuationMarker.size());
    } else if (text.starts_with(kWordStartMarker)) {
      text.remove_prefix(kWordStartMarker.size());
    } else {
      continues = !special;
    }
    if (continues) {
      continuation_.try_emplace(std::string(text), id);
      token_text_[index] = std::string(text);
    } else {
      word_start_.try_emplace(std::string(text), id);
      std::string spaced(1, ' ');
      spaced.append(text);
      token_text_[index] = std::move(spaced);
    }
  }
}

std::vector<TokenId> WordPieceTokenizer::special_prefix() const {
  if (vocabulary_.classifier) return {*vocabulary_.classifier};
  return VocabularyTokenizer::special_prefix();
}

std::vector<TokenId> WordPieceTokenizer::special_suffix() const {
  if (vocabulary_.separator) return {*vocabulary_.separator};
  return VocabularyTokenizer::special_suffix();
}

// Clean-up, CJK isolation, accent stripping and lowercasing, in the order BERT applies them.
std::string WordPieceTokenizer::normalize(std::string_view text) const {
  std::string out;
  out.reserve(text.size() + 8);
  if (is_ascii(text)) {
    for (char c : text) {
      const auto code = static_cast<unsigned char>(c);
      if (code == 0 || is_control(code)) continue;
      if (is_whitespace(code)) out.push_back(' ');
      else out.push_back(options_.lowercase && c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c);
    }
    return out;
  }
  std::string cleaned;
  cleaned.reserve(text.size() + 8);
  for (std::size_t position = 0; position < text.size();) {
    const char32_t c = utf8::decode(text, position);
    if (c == 0 || c == 0xFFFD || is_control(c)) continue;
    if (is_whitespace(c)) {
      cleaned.push_back(' ');
    } else if (options_.isolate_cjk && is_cjk(c)) {
      cleaned.push_back(' ');
      utf8::append(cleaned, c);
      cleaned.push_back(' ');
    } else {
      utf8::append(cleaned, c);
    }
  }
  if (options_.strip_accents) cleaned = normalize_nfd(cleaned);
  for (std::size_t position = 0; position < cleaned.size();) {
    char32_t c = utf8::decode(cleaned, position);
    if (options_.strip_accents && is_nonspacing_mark(c)) continue;
    if (options_.lowercase) c = simple_lowercase(c);
    utf8::append(out, c);
  }
  return out;
}

void WordPieceTokenizer::encode_fragment(std::string_view fragment, bool, std::vector<TokenId>& out) const {
  const std::string text = normalize(fragment);
  std::size_t word_start = 0;
  const auto flush = [&](std::size_t end) {
    if (end > word_start) encode_word(std::string_view(text).substr(word_start, end - word_start), out);
  };
  for (std::size_t position = 0; position < text.size();) {
    const std::size_t start = position;
    const char32_t c = utf8::decode(text, position);
    if (is_whitespace(c)) {
      flush(start);
      word_start = position;
    } else if (is_punctuation(c)) {
      flush(start);
      encode_word(std::string_view(text).substr(start, position - start), out);
      word_start = position;
    }
  }
  flush(text.size());
}

void WordPieceTokenizer::encode_word(std::string_view word, std::vector<TokenId>& out) const {
  {
    std::shared_lock lock(cache_mutex_);
    const auto found = word_cache_.find(word);
    if (found != word_cache_.end()) {
      out.insert(out.end(), found->second.begin(), found->second.end());
      return;
    }
  }
  std::vector<TokenId> ids;
  match_word(word, ids);
  out.insert(out.end(), ids.begin(), ids.end());
  std::unique_lock lock(cache_mutex_);
  if (word_cache_.size() >= kWordCacheLimit) word_cache_.clear();
  word_cache_.try_emplace(std::string(word), std::move(ids));
}

void WordPieceTokenizer::match_word(std::string_view word, std::vector<TokenId>& out) const {
  // Character boundaries, so matches never split a UTF-8 sequence.
  std::vector<std::size_t> boundaries;
  for (std::size_t position = 0; position < word.size();) {
    boundaries.push_back(position);
    utf8::decode(word, position);
  }
  boundaries.push_back(word.size());
  const std::size_t characters = boundaries.size() - 1;
  if (characters > options_.max_chars_per_word) {
    out.push_back(unknown_);
    return;
  }
  std::vector<TokenId> pieces;
  std::size_t start = 0;
  while (start < characters) {
    const PieceIndex& table = start == 0 ? word_start_ : continuation_;
    std::size_t end = characters;
    TokenId found_id = -1;
    for (; end > start; --end) {
      const auto found = table.find(word.substr(boundaries[start], boundaries[end] - boundaries[start]));
      if (found != table.end()) {
        found_id = found->second;
        break;
      }
    }
    if (found_id < 0) {
      out.push_back(unknown_);  // one unmatched stretch makes the whole word unknown
      return;
    }
    pieces.push_back(found_id);
    start = end;
  }
  out.insert(out.end(), pieces.begin(), pieces.end());
}

std::string WordPieceTokenizer::finish_decode(std::string text) const {
  if (!text.empty() && text.front() == ' ') text.erase(0, 1);
  return cleanup_spaces(std::move(text));
}

}  // namespace docent::engine::tokenizer
