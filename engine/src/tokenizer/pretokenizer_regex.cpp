#include "tokenizer/pretokenizer_regex.hpp"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <memory>
#include <new>
#include <stdexcept>

namespace docent::engine::tokenizer {

namespace {

// GPT-2: contractions, letters, digits and other symbols each with an optional leading space.
constexpr const char* kGpt2 =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";
// Llama-3: case-insensitive contractions, digits in groups of up to three.
constexpr const char* kLlama3 =
    R"((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
// Qwen2 (and DeepSeek-R1-Distill-Qwen): like Llama-3 but every digit stands alone.
constexpr const char* kQwen2 =
    R"((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

}  // namespace

std::optional<std::string> pretokenizer_pattern(std::string_view name) {
  if (name == "qwen2" || name == "deepseek-r1-qwen") return std::string(kQwen2);
  if (name == "llama-bpe" || name == "llama3" || name == "llama-v3" || name == "smaug-bpe" ||
      name == "falcon3" || name == "dbrx")
    return std::string(kLlama3);
  if (name == "gpt-2" || name == "gpt2" || name == "default" || name == "phi-2" || name == "roberta-bpe" ||
      name == "jina-es" || name == "jina-de" || name == "jina-v2-es" || name == "jina-v2-de")
    return std::string(kGpt2);
  return std::nullopt;
}

bool pretokenizer_ignores_merges(std::string_view name) {
  return name == "llama-bpe" || name == "llama3" || name == "llama-v3";
}

struct SplitRegex::Compiled {
  pcre2_code* code = nullptr;
  ~Compiled() {
    if (code) pcre2_code_free(code);
  }
};

SplitRegex::SplitRegex(const std::string& pattern) : compiled_(std::make_unique<Compiled>()) {
  int error_code = 0;
  PCRE2_SIZE error_offset = 0;
  compiled_->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                  PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF, &error_code,
                                  &error_offset, nullptr);
  if (!compiled_->code) {
    PCRE2_UCHAR message[256];
    pcre2_get_error_message(error_code, message, sizeof message);
    throw std::invalid_argument("pre-tokenizer regex does not compile at offset " +
                                std::to_string(error_offset) + ": " + reinterpret_cast<const char*>(message));
  }
  // JIT is an optimisation only: without it the interpreter gives the same matches.
  pcre2_jit_compile(compiled_->code, PCRE2_JIT_COMPLETE);
}

SplitRegex::~SplitRegex() = default;

void SplitRegex::split(std::string_view text, const std::function<void(std::string_view)>& piece) const {
  if (text.empty()) return;
  std::unique_ptr<pcre2_match_data, decltype(&pcre2_match_data_free)> match_data(
      pcre2_match_data_create_from_pattern(compiled_->code, nullptr), &pcre2_match_data_free);
  if (!match_data) throw std::bad_alloc();
  pcre2_match_data* match = match_data.get();
  const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  std::size_t emitted = 0;
  std::size_t search_from = 0;
  while (search_from < text.size()) {
    const int result = pcre2_match(compiled_->code, subject, text.size(), search_from, 0, match, nullptr);
    if (result < 0) break;  // no further match (or an internal limit): the rest is one piece
    const PCRE2_SIZE* bounds = pcre2_get_ovector_pointer(match);
    const std::size_t start = bounds[0];
    const std::size_t end = bounds[1];
    if (start > emitted) piece(text.substr(emitted, start - emitted));
    if (end > start) {
      piece(text.substr(start, end - start));
      emitted = end;
      search_from = end;
    } else {
      // An empty match cannot happen with these patterns, but must not loop forever.
      emitted = start;
      search_from = start + 1;
    }
  }
  if (emitted < text.size()) piece(text.substr(emitted));
}

}  // namespace docent::engine::tokenizer
