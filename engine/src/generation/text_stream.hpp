#pragma once
// Turns streamed token texts into printable text: emits only whole UTF-8 characters, holds back
// anything that could still become a stop string, and cuts at the first stop string.

#include <string>
#include <string_view>
#include <vector>

namespace docent::engine {

class TextStream {
 public:
  explicit TextStream(std::vector<std::string> stops);
  // Adds a token's bytes; returns the newly printable text.
  std::string push(std::string_view bytes);
  // Returns whatever is still held back (at the end of generation).
  std::string finish();
  bool stopped() const { return stopped_; }
  // All generated text, cut before the stop string when one matched.
  const std::string& text() const { return text_; }

 private:
  std::vector<std::string> stops_;
  std::string text_;
  std::size_t emitted_ = 0;
  bool stopped_ = false;
};

// Length of the longest prefix of `text` that does not end inside a UTF-8 sequence.
std::size_t complete_utf8_prefix(std::string_view text);

}  // namespace docent::engine
