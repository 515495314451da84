#pragma once
// Where words begin and end in scripts written without spaces between words (Chinese, Japanese,
// Thai, Lao, Khmer, Burmese). ICU's word break iterator finds them with its dictionaries; every
// other script keeps FTS5's own unicode61 rules, so English text is tokenized exactly as before.
// Shared by the FTS5 tokenizer (indexed text) and the query parser, so both cut alike.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace docent::index::detail {

struct ByteRange {
  std::size_t begin = 0;
  std::size_t end = 0;
  std::string_view of(std::string_view text) const { return text.substr(begin, end - begin); }
};

// Part of a word: a letter, a digit or a combining mark.
bool is_word_code_point(int code_point);

// A stretch of `text`: either plain (no word in it needs a dictionary; FTS5's unicode61 handles
// it) or one maximal run of word code points holding at least one code point of a spaceless
// script. Stretches cover `text` in order without gaps. Invalid UTF-8 bytes are plain.
struct Stretch {
  ByteRange range;
  bool spaceless = false;
};
std::vector<Stretch> stretches(std::string_view text);

// Cheap test: false means stretches(text) is one plain stretch.
bool may_hold_spaceless_script(std::string_view text);

// True if the piece holds a code point of a spaceless script.
bool holds_spaceless_script(std::string_view piece);

// The words ICU's dictionary finds in `run` (a spaceless stretch), as byte ranges of `run`.
std::vector<ByteRange> dictionary_words(std::string_view run);

// A dictionary word cut further wherever the script changes (Common and Inherited code points,
// such as the prolonged sound mark, belong to their neighbours): ICU keeps compounds such as
// 東京タワー (Han + Katakana) whole, and a search for 東京 should still find them.
std::vector<ByteRange> script_pieces(std::string_view word);

// NFKC with case folding: half-width katakana meet full-width, full-width Latin meets ASCII.
std::string fold_spaceless(std::string_view piece);

}  // namespace docent::index::detail
