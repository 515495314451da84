#pragma once
// UTF-8 walking and the few Unicode facts the tokenizers need (normalization, categories).
// ICU stays inside unicode_text.cpp.

#include <cstdint>
#include <string>
#include <string_view>

namespace docent::engine::tokenizer {

// Decodes the code point starting at text[position]; advances `position`. An invalid or
// truncated sequence yields U+FFFD and consumes one byte, so every byte is visited once.
char32_t next_code_point(std::string_view text, std::size_t& position);
void append_utf8(std::string& out, char32_t code_point);
bool is_ascii(std::string_view text);

std::string normalize_nfc(std::string_view text);
std::string normalize_nfd(std::string_view text);

bool is_unicode_whitespace(char32_t c);    // the White_Space property
bool is_other_category(char32_t c);        // general category C* (control, format, unassigned...)
bool is_punctuation_category(char32_t c);  // general category P*
bool is_nonspacing_mark(char32_t c);       // general category Mn
char32_t simple_lowercase(char32_t c);

}  // namespace docent::engine::tokenizer
