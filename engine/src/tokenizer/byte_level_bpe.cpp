#include "tokenizer/byte_level_bpe.hpp"

#include <queue>

#include "tokenizer/unicode_text.hpp"

namespace docent::engine::tokenizer {

namespace {

struct ByteTable {
  std::array<char32_t, 256> to_code_point{};
  std::unordered_map<char32_t, unsigned char> to_byte;
  ByteTable() {
    // Printable Latin-1 bytes stand for themselves; the rest are moved to U+0100 onwards in order.
    char32_t next_free = 256;
    for (int byte = 0; byte < 256; ++byte) {
      const bool printable = (byte >= 33 && byte <= 126) || (byte >= 161 && byte <= 172) || (byte >= 174);
      to_code_point[byte] = printable ? static_cast<char32_t>(byte) : next_free++;
      to_byte[to_code_point[byte]] = static_cast<unsigned char>(byte);
    }
  }
};

const ByteTable& byte_table() {
  static const ByteTable table;
  return table;
}

constexpr std::size_t kWordCacheLimit = 1 << 18;

}  // namespace

char32_t byte_to_code_point(unsigned char byte) { return byte_table().to_code_point[byte]; }

bool byte_level_to_bytes(std::string_view byte_level, std::string& out) {
  const auto& table = byte_table().to_byte;
  std::size_t position = 0;
  while (position < byte_level.size()) {
    const char32_t c = utf8::decode(byte_level, position);
    const auto found = table.find(c);
    if (found == table.end()) return false;
    out.push_back(static_cast<char>(found->second));
  }
  return true;
}

std::string bytes_to_byte_level(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes) utf8::append(out, byte_to_code_point(static_cast<unsigned char>(c)));
  return out;
}

ByteLevelBpeTokenizer::ByteLevelBpeTokenizer(Vocabulary vocabulary,
                                             const std::vector<std::pair<std::string, std::string>>& merges,
                                             ByteLevelBpeOptions options, const std::string& source)
    : VocabularyTokenizer(std::move(vocabulary)), options_(std::move(options)) {
  for (const auto& pattern : options_.split_patterns) {
    try {
      splitters_.push_back(std::make_unique<SplitRegex>(pattern));
    } catch (const std::invalid_argument& error) {
      throw ModelError(source + ": " + error.what());
    }
  }
  const auto& pieces = vocabulary_.pieces;
  ids_.reserve(pieces.size());
  token_bytes_.resize(pieces.size());
  for (std::size_t id = 0; id < pieces.size(); ++id) {
    ids_.emplace(pieces[id], static_cast<TokenId>(id));
    std::string bytes;
    // Added tokens are stored as plain text, not in the byte-level alphabet.
    if (vocabulary_.types[id] == TokenType::user_defined || !byte_level_to_bytes(pieces[id], bytes))
      bytes = pieces[id];
    token_bytes_[id] = std::move(bytes);
  }
  for (int byte = 0; byte < 256; ++byte) {
    std::string symbol;
    utf8::append(symbol, byte_to_code_point(static_cast<unsigned char>(byte)));
    const auto found = ids_.find(symbol);
    byte_tokens_[byte] = found == ids_.end() ? -1 : found->second;
  }
  merges_.reserve(merges.size());
  std::string joined;
  for (std::size_t rank = 0; rank < merges.size(); ++rank) {
    const auto& [left, right] = merges[rank];
    const auto left_id = ids_.find(left);
    const auto right_id = ids_.find(right);
    joined = left;
    joined += right;
    const auto result = ids_.find(joined);
    // A merge whose parts or result are missing can never fire (trimmed vocabularies keep them).
    if (left_id == ids_.end() || right_id == ids_.end() || result == ids_.end()) continue;
    merges_.try_emplace(pair_key(left_id->second, right_id->second),
                        Merge{static_cast<std::int32_t>(rank), result->second});
  }
}

std::string ByteLevelBpeTokenizer::kind() const {
  return "byte-level BPE (" + (options_.pretokenizer_name.empty() ? std::string("gpt-2") : options_.pretokenizer_name) + ")";
}

void ByteLevelBpeTokenizer::encode_fragment(std::string_view fragment, bool, std::vector<TokenId>& out) const {
  std::string normalized;
  if (options_.normalize_nfc && !is_ascii(fragment)) {
    normalized = normalize_nfc(fragment);
    fragment = normalized;
  }
  const std::function<void(std::string_view, std::size_t)> split_level = [&](std::string_view text, std::size_t level) {
    if (level == splitters_.size()) {
      encode_word(text, out);
      return;
    }
    splitters_[level]->split(text, [&](std::string_view piece) { split_level(piece, level + 1); });
  };
  split_level(fragment, 0);
}

void ByteLevelBpeTokenizer::encode_word(std::string_view word, std::vector<TokenId>& out) const {
  {
    std::shared_lock lock(cache_mutex_);
    const auto found = word_cache_.find(word);
    if (found != word_cache_.end()) {
      out.insert(out.end(), found->second.begin(), found->second.end());
      return;
    }
  }
  const std::size_t first = out.size();
  merge_word(word, out);
  std::vector<TokenId> ids(out.begin() + static_cast<std::ptrdiff_t>(first), out.end());
  std::unique_lock lock(cache_mutex_);
  if (word_cache_.size() >= kWordCacheLimit) word_cache_.clear();
  word_cache_.try_emplace(std::string(word), std::move(ids));
}

void ByteLevelBpeTokenizer::merge_word(std::string_view word, std::vector<TokenId>& out) const {
  if (word.empty()) return;
  if (options_.ignore_merges) {
    const auto whole = ids_.find(bytes_to_byte_level(word));
    if (whole != ids_.end()) {
      out.push_back(whole->second);
      return;
    }
  }
  struct Symbol {
    TokenId id;
    int previous;
    int next;
  };
  const int count = static_cast<int>(word.size());
  std::vector<Symbol> symbols(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i)
    symbols[i] = {byte_tokens_[static_cast<unsigned char>(word[i])], i - 1, i + 1 < count ? i + 1 : -1};

  struct Candidate {
    std::int32_t rank;
    int left;
    TokenId left_id, right_id, result;
    bool operator>(const Candidate& other) const {
      return rank != other.rank ? rank > other.rank : left > other.left;
    }
  };
  std::priority_queue<Candidate, std::vector<Candidate>, std::greater<>> queue;
  const auto consider = [&](int left) {
    if (left < 0) return;
    const int right = symbols[left].next;
    if (right < 0 || symbols[left].id < 0 || symbols[right].id < 0) return;
    const auto merge = merges_.find(pair_key(symbols[left].id, symbols[right].id));
    if (merge != merges_.end()) queue.push({merge->second.rank, left, symbols[left].id, symbols[right].id, merge->second.result});
  };
  for (int i = 0; i + 1 < count; ++i) consider(i);

  constexpr TokenId kMerged = -2;
  while (!queue.empty()) {
    const Candidate candidate = queue.top();
    queue.pop();
    Symbol& left = symbols[candidate.left];
    // Symbols only grow, so an unchanged id means the pair is still the one that was ranked.
    if (left.id != candidate.left_id || left.next < 0 || symbols[left.next].id != candidate.right_id) continue;
    Symbol& right = symbols[left.next];
    left.id = candidate.result;
    left.next = right.next;
    if (right.next >= 0) symbols[right.next].previous = candidate.left;
    right.id = kMerged;
    consider(left.previous);
    consider(candidate.left);
  }

  for (int i = 0; i >= 0; i = symbols[i].next) {
    if (symbols[i].id >= 0) {
      out.push_back(symbols[i].id);
    } else if (vocabulary_.unknown) {
      out.push_back(*vocabulary_.unknown);
    }
  }
}

}  // namespace docent::engine::tokenizer
