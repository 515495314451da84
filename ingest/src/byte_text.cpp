// UTF-8 validity and a reversible escape for byte strings that are not UTF-8 (file names).
#include <cctype>
#include <cstdio>

#include "ingest_internal.hpp"

namespace docent::ingest {

namespace {

// Bytes of the valid UTF-8 sequence at text[at], or 0 when a byte there is not part of one.
std::size_t valid_length(std::string_view text, std::size_t at) {
  std::size_t next = at;
  const char32_t code_point = utf8::decode(text, next);
  // U+FFFD comes back after one byte for invalid input; an encoded U+FFFD takes three.
  return code_point == utf8::kReplacement && next == at + 1 ? 0 : next - at;
}

bool is_valid_utf8(std::string_view text) {
  for (std::size_t at = 0; at < text.size();) {
    const std::size_t length = valid_length(text, at);
    if (length == 0) return false;
    at += length;
  }
  return true;
}

}  // namespace

std::string escape_bytes(std::string_view bytes, bool when_invalid_only) {
  if (when_invalid_only && is_valid_utf8(bytes)) return std::string(bytes);
  std::string text;
  text.reserve(bytes.size());
  for (std::size_t at = 0; at < bytes.size();) {
    const std::size_t length = valid_length(bytes, at);
    if (bytes[at] == '\\') {
      text += "\\\\";
      ++at;
    } else if (length > 0) {
      text.append(bytes.substr(at, length));
      at += length;
    } else {
      char escape[5];
      std::snprintf(escape, sizeof escape, "\\x%02x", static_cast<unsigned char>(bytes[at]));
      text += escape;
      ++at;
    }
  }
  return text;
}

std::string unescape_bytes(std::string_view text) {
  const auto hex = [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; };
  std::string bytes;
  bytes.reserve(text.size());
  for (std::size_t at = 0; at < text.size(); ++at) {
    const std::string_view rest = text.substr(at);
    if (rest.starts_with("\\\\")) {
      bytes += '\\';
      ++at;
    } else if (rest.size() >= 4 && rest.starts_with("\\x") && hex(rest[2]) && hex(rest[3])) {
      bytes += static_cast<char>(std::stoi(std::string(rest.substr(2, 2)), nullptr, 16));
      at += 3;
    } else {
      bytes += text[at];
    }
  }
  return bytes;
}

}  // namespace docent::ingest
