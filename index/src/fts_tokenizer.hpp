#pragma once
// The FTS5 tokenizer of the chunk index, "docent_words": spaceless scripts (Chinese, Japanese,
// Thai, Lao, Khmer, Burmese) are cut into dictionary words with ICU, everything else goes to the
// tokenizer named in its arguments ("porter unicode61 remove_diacritics 2") unchanged. Offsets
// always point into the original text, so snippet() and highlight() mark whole words.

#include <sqlite3.h>

namespace docent::index::detail {

inline constexpr const char* kWordTokenizerName = "docent_words";

// Registers the tokenizer on one connection. Every connection that reads or writes the chunk
// index needs it, including its triggers (a chunk deleted without it fails with "no such
// tokenizer"). Returns an SQLite result code.
int register_word_tokenizer(sqlite3* db);

}  // namespace docent::index::detail
