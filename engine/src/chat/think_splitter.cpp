#include <algorithm>

#include "docent/engine.hpp"

namespace docent::engine {

namespace {

constexpr std::string_view kOpen = "<think>";
constexpr std::string_view kClose = "</think>";

// Length of the longest end of `text` that could begin `tag` (but is not all of it).
std::size_t partial_tag_length(std::string_view text, std::string_view tag) {
  for (std::size_t length = std::min(text.size(), tag.size() - 1); length > 0; --length)
    if (text.substr(text.size() - length) == tag.substr(0, length)) return length;
  return 0;
}

}  // namespace

ThinkSplitter::ThinkSplitter(Sink answer, Sink thinking, bool starts_in_thinking)
    : answer_(std::move(answer)), thinking_(std::move(thinking)), in_thinking_(starts_in_thinking) {}

void ThinkSplitter::emit(std::string_view text) {
  if (text.empty()) return;
  if (in_thinking_) {
    if (thinking_) thinking_(text);
    return;
  }
  if (trimming_answer_start_) {
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) return;
    text.remove_prefix(first);
    trimming_answer_start_ = false;
  }
  if (answer_) answer_(text);
}

void ThinkSplitter::feed(std::string_view piece) {
  std::string buffer = std::move(pending_);
  pending_.clear();
  buffer.append(piece);
  std::string_view rest = buffer;
  while (!rest.empty()) {
    // Inside, only </think> matters. Outside, <think> opens and a stray </think> (a model
    // that began reasoning without the opening tag) is dropped.
    const std::size_t close = rest.find(kClose);
    const std::size_t open = in_thinking_ ? std::string_view::npos : rest.find(kOpen);
    const std::size_t tag_at = std::min(close, open);
    if (tag_at == std::string_view::npos) {
      std::size_t held = partial_tag_length(rest, kClose);
      if (!in_thinking_) held = std::max(held, partial_tag_length(rest, kOpen));
      emit(rest.substr(0, rest.size() - held));
      pending_.assign(rest.substr(rest.size() - held));
      return;
    }
    emit(rest.substr(0, tag_at));
    if (tag_at == close) {
      in_thinking_ = false;
      trimming_answer_start_ = true;
      rest.remove_prefix(tag_at + kClose.size());
    } else {
      in_thinking_ = true;
      rest.remove_prefix(tag_at + kOpen.size());
    }
  }
}

void ThinkSplitter::close() {
  if (!in_thinking_) return;
  const std::string held = std::move(pending_);
  pending_.clear();
  emit(held);
  in_thinking_ = false;
  trimming_answer_start_ = true;
}

void ThinkSplitter::finish() {
  const std::string held = std::move(pending_);
  pending_.clear();
  emit(held);
}

}  // namespace docent::engine
