#pragma once
// The regular expressions byte-level BPE models split text with before merging, run by PCRE2
// in UTF + Unicode-property mode. GGUF files only name the pre-tokenizer
// (tokenizer.ggml.pre); the patterns themselves are facts of each model family's tokenizer.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace docent::engine::tokenizer {

// The pattern for a GGUF pre-tokenizer name ("qwen2", "deepseek-r1-qwen", "gpt-2",
// "llama-bpe", ...), or nothing when the name is unknown.
std::optional<std::string> pretokenizer_pattern(std::string_view name);
// Whether that family looks a whole pre-token up in the vocabulary before merging.
bool pretokenizer_ignores_merges(std::string_view name);

class SplitRegex {
 public:
  // Throws std::invalid_argument with PCRE2's message when the pattern does not compile.
  explicit SplitRegex(const std::string& pattern);
  ~SplitRegex();
  SplitRegex(const SplitRegex&) = delete;
  SplitRegex& operator=(const SplitRegex&) = delete;

  // Calls `piece` for every match and for every stretch between matches, in order, so the
  // pieces always concatenate back to `text` (also for ill-formed UTF-8, which never matches).
  void split(std::string_view text, const std::function<void(std::string_view)>& piece) const;

 private:
  struct Compiled;
  std::unique_ptr<Compiled> compiled_;
};

}  // namespace docent::engine::tokenizer
