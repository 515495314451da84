#include "generation/text_stream.hpp"

#include <algorithm>

namespace docent::engine {

std::size_t complete_utf8_prefix(std::string_view text) {
  // Look back at most 3 bytes for the lead byte of a possibly unfinished sequence.
  std::size_t size = text.size();
  for (std::size_t back = 1; back <= std::min<std::size_t>(3, size); ++back) {
    auto byte = static_cast<unsigned char>(text[size - back]);
    if ((byte & 0xc0) == 0x80) continue;  // continuation byte: keep looking for the lead
    std::size_t needed = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return needed > back ? size - back : size;
  }
  return size;
}

TextStream::TextStream(std::vector<std::string> stops) {
  for (auto& stop : stops)
    if (!stop.empty()) stops_.push_back(std::move(stop));
}

std::string TextStream::push(std::string_view bytes) {
  if (stopped_) return {};
  text_.append(bytes);
  std::size_t longest_stop = 0;
  for (const auto& stop : stops_) longest_stop = std::max(longest_stop, stop.size());
  // A stop string can only end in the new bytes, so search from just before them.
  std::size_t search_from = text_.size() - bytes.size() >= longest_stop ? text_.size() - bytes.size() - longest_stop + 1 : 0;
  std::size_t match = std::string::npos;
  for (const auto& stop : stops_) match = std::min(match, text_.find(stop, search_from));
  if (match != std::string::npos) {
    stopped_ = true;
    text_.resize(match);
    std::string out = match > emitted_ ? text_.substr(emitted_) : std::string();
    emitted_ = text_.size();
    return out;
  }
  // Hold back the longest suffix that is a proper prefix of some stop string.
  std::size_t hold = 0;
  for (const auto& stop : stops_)
    for (std::size_t length = std::min(stop.size() - 1, text_.size()); length > hold; --length)
      if (text_.compare(text_.size() - length, length, stop, 0, length) == 0) {
        hold = length;
        break;
      }
  std::size_t safe = complete_utf8_prefix(std::string_view(text_).substr(0, text_.size() - hold));
  if (safe <= emitted_) return {};
  std::string out = text_.substr(emitted_, safe - emitted_);
  emitted_ = safe;
  return out;
}

std::string TextStream::finish() {
  std::string out = emitted_ < text_.size() ? text_.substr(emitted_) : std::string();
  emitted_ = text_.size();
  return out;
}

}  // namespace docent::engine
