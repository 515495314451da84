#pragma once
// The few Unicode facts the tokenizers need (normalization, categories).
// ICU stays inside unicode_text.cpp.

#include <cstdint>
#include <string>
#include <string_view>

#include "docent/utf8.hpp"

namespace docent::engine::tokenizer {

bool is_ascii(std::string_view text);

std::string normalize_nfc(std::string_view text);
std::string normalize_nfd(std::string_view text);

bool is_unicode_whitespace(char32_t c);    // the White_Space property
bool is_other_category(char32_t c);        // general category C* (control, format, unassigned...)
bool is_punctuation_category(char32_t c);  // general category P*
bool is_nonspacing_mark(char32_t c);       // general category Mn
char32_t simple_lowercase(char32_t c);

}  // namespace docent::engine::tokenizer
