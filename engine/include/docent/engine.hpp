#pragma once
// docent::engine — the public face of the inference engine. Knows nothing of documents.
// Internals (GGUF reader, quant blocks, kernels, architectures) live under engine/src and are
// reachable only by tests and benchmarks (target docent_engine_internal).
//
// Sections are owned by different people while the engine is being built: edit your own
// section with small replacements, never rewrite the whole file.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace docent::engine {

// A bad, truncated or unsupported model/tokenizer file. The message names the file and reason.
struct ModelError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// ===== section: tokenizer (owner: tokenizer work) =====

using TokenId = std::int32_t;

struct TokenPiece {
  TokenId id = 0;
  std::string piece;  // the vocabulary entry as stored (e.g. "Ġthe", "▁the", "##ing")
};

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;
  // Loads from a GGUF file's tokenizer.* metadata or from a Hugging Face tokenizer.json
  // (chosen by extension / content). Throws ModelError.
  static std::unique_ptr<Tokenizer> load(const std::filesystem::path& path);

  // `parse_special`: text like "<|im_start|>" becomes the special token instead of plain text.
  virtual std::vector<TokenId> encode(std::string_view text, bool add_special = false,
                                      bool parse_special = true) const = 0;
  virtual std::string decode(const std::vector<TokenId>& ids, bool skip_special = false) const = 0;
  // The text one token contributes when streamed (may be a partial UTF-8 sequence).
  virtual std::string token_text(TokenId id) const = 0;
  virtual std::string piece(TokenId id) const = 0;
  virtual std::size_t vocabulary_size() const = 0;
  virtual std::string kind() const = 0;  // "byte-level BPE (qwen2)", "SentencePiece BPE", "WordPiece"
  virtual std::optional<TokenId> bos() const = 0;
  virtual std::optional<TokenId> eos() const = 0;
  virtual bool is_end_of_generation(TokenId id) const = 0;
  std::size_t count(std::string_view text) const { return encode(text, false, false).size(); }
};

struct ChatMessage {
  std::string role;  // "system" | "user" | "assistant"
  std::string content;
};

// Chat templates are rendered natively for the families docent knows:
// "deepseek-r1", "chatml" (Qwen), "llama-3". Anything else is "none".
std::string detect_chat_family(std::string_view template_text);
// The family of a GGUF model's tokenizer.chat_template, or of a Hugging Face folder /
// tokenizer_config.json. Throws ModelError when the file cannot be read.
std::string chat_family_of(const std::filesystem::path& model);
// The prompt text (special tokens spelled out; encode with parse_special). Assistant turns of
// deepseek-r1 lose their reasoning, as the model's own template does. Throws
// std::invalid_argument for an unknown family or role.
std::string render_chat(std::string_view family, const std::vector<ChatMessage>& messages,
                        bool add_generation_prompt);

// Routes streamed text: what lies inside <think>...</think> goes to `thinking`, the rest to
// `answer`. Tags may be split across pieces. DeepSeek-R1's prompt already opens <think>, so
// its output starts inside (`starts_in_thinking`). Whitespace right after </think> is dropped.
class ThinkSplitter {
 public:
  using Sink = std::function<void(std::string_view)>;
  ThinkSplitter(Sink answer, Sink thinking, bool starts_in_thinking = false);
  void feed(std::string_view piece);
  void finish();  // flushes text held back as a possible partial tag
  bool in_thinking() const { return in_thinking_; }

 private:
  void emit(std::string_view text);
  Sink answer_, thinking_;
  bool in_thinking_;
  bool trimming_answer_start_ = false;
  std::string pending_;  // a suffix that may be the start of a tag
};

// ===== section: models and generation (owner: engine core work) =====

// What `docent models info` prints.
struct ModelInfo {
  std::string path;
  std::string architecture;  // "qwen2", "llama", "bert"
  std::string name;
  std::int64_t parameter_count = 0;
  std::int64_t file_bytes = 0;
  int layers = 0, hidden = 0, heads = 0, kv_heads = 0, head_dim = 0, ffn = 0;
  int context_length = 0;
  std::int64_t vocabulary_size = 0;
  double rope_theta = 0;
  std::vector<std::pair<std::string, std::int64_t>> tensor_types;  // type name -> tensor count
  std::string tokenizer_kind;
  std::string chat_template_family;  // "deepseek-r1", "chatml", "llama-3", "none"
  std::int64_t kv_cache_bytes_per_token = 0;
};
ModelInfo describe_model(const std::filesystem::path& path);

}  // namespace docent::engine
