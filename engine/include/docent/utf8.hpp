#pragma once
// The one UTF-8 codec of docent, shared by the engine's tokenizers and ingest's text clean-up
// (header-only: the docent_utf8 target carries no code of its own).

#include <cstddef>
#include <string>
#include <string_view>

namespace docent::utf8 {

inline constexpr char32_t kReplacement = 0xFFFD;

inline bool is_continuation(unsigned char byte) { return (byte & 0xC0) == 0x80; }

// The length a lead byte announces: 1 for ASCII and for bytes that cannot start a sequence.
inline std::size_t sequence_length(unsigned char lead) {
  if ((lead & 0xE0) == 0xC0) return 2;
  if ((lead & 0xF0) == 0xE0) return 3;
  if ((lead & 0xF8) == 0xF0) return 4;
  return 1;
}

// Decodes the code point starting at text[position] and advances `position`. An invalid,
// overlong or truncated sequence yields U+FFFD and consumes one byte, so every byte is visited
// once and decoding always makes progress.
inline char32_t decode(std::string_view text, std::size_t& position) {
  const auto lead = static_cast<unsigned char>(text[position]);
  if (lead < 0x80) {
    ++position;
    return lead;
  }
  const std::size_t length = sequence_length(lead);
  if (length == 1 || position + length > text.size()) {
    ++position;
    return kReplacement;
  }
  char32_t value = lead & (0x7F >> length);
  for (std::size_t i = 1; i < length; ++i) {
    const auto next = static_cast<unsigned char>(text[position + i]);
    if (!is_continuation(next)) {
      ++position;
      return kReplacement;
    }
    value = (value << 6) | (next & 0x3F);
  }
  // Overlong forms, surrogates and values past U+10FFFF are not valid UTF-8.
  static constexpr char32_t kMinimum[5] = {0, 0, 0x80, 0x800, 0x10000};
  if (value < kMinimum[length] || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) {
    ++position;
    return kReplacement;
  }
  position += length;
  return value;
}

inline void append(std::string& out, char32_t code_point) {
  if (code_point < 0x80) {
    out.push_back(static_cast<char>(code_point));
  } else if (code_point < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (code_point >> 6)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else if (code_point < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (code_point >> 12)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (code_point >> 18)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  }
}

// The largest position <= `position` that does not split a sequence (at most 3 bytes back).
inline std::size_t boundary_before(std::string_view text, std::size_t position) {
  if (position >= text.size()) return text.size();
  std::size_t steps = 0;
  while (position > 0 && steps < 3 && is_continuation(static_cast<unsigned char>(text[position]))) --position, ++steps;
  return position;
}

}  // namespace docent::utf8
