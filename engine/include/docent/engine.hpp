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

// The chat template families docent renders natively; anything else is `none`.
enum class ChatFamily { none, deepseek_r1, chatml, llama3 };
// "none", "deepseek-r1", "chatml" (Qwen), "llama-3".
std::string_view to_string(ChatFamily family);
// The inverse of to_string; nullopt for an unknown name.
std::optional<ChatFamily> parse_chat_family(std::string_view name);
// Recognised by markers only that family's Jinja template uses.
ChatFamily detect_chat_family(std::string_view template_text);
// The family of a GGUF model's tokenizer.chat_template, or of a Hugging Face folder /
// tokenizer_config.json. Throws ModelError when the file cannot be read.
ChatFamily chat_family_of(const std::filesystem::path& model);
// The prompt text (special tokens spelled out; encode with parse_special). Assistant turns of
// deepseek-r1 lose their reasoning, as the model's own template does. Throws
// std::invalid_argument for family `none` or an unknown role.
std::string render_chat(ChatFamily family, const std::vector<ChatMessage>& messages, bool add_generation_prompt);
// The same conversation as token ids: the template's markers become special tokens, while
// special-token text inside message contents stays plain text (a document cannot inject
// "<|im_end|>"). Equals encode(render_chat(...)) whenever the contents hold no such text.
std::vector<TokenId> encode_chat(const Tokenizer& tokenizer, ChatFamily family, const std::vector<ChatMessage>& messages,
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
  // Ends the span as if </think> had been read (what is held back goes to `thinking`).
  void close();
  bool in_thinking() const { return in_thinking_; }

 private:
  void emit(std::string_view text);
  Sink answer_, thinking_;
  bool in_thinking_;
  bool trimming_answer_start_ = false;
  std::string pending_;  // a suffix that may be the start of a tag
};

// ===== section: models and generation (owner: engine core work) =====

struct SamplingOptions {
  float temperature = 0.0f;     // 0: greedy (argmax); otherwise softmax(logits / temperature)
  int top_k = 40;               // keep the k most likely tokens (0: all)
  float top_p = 0.95f;          // keep the smallest set with this much probability (1: all)
  float min_p = 0.05f;          // drop tokens below min_p * p(best) (0: off)
  float repeat_penalty = 1.0f;  // divide positive / multiply negative logits of recent tokens (1: off)
  int repeat_last_n = 64;       // how many recent tokens the penalty looks at
  std::uint64_t seed = 0;
};

// How a model is meant to be prompted and sampled: its chat family's published
// recommendations, with the file's own general.sampling.* metadata taking precedence.
struct ChatDefaults {
  ChatFamily family = ChatFamily::none;
  SamplingOptions sampling;     // greedy when neither the family nor the file recommends one
  std::string sampling_source;  // where `sampling` comes from, in words (for `models info`)
  bool system_turn = true;      // false: instructions belong in the user turn, no system message
  bool opens_thinking = false;  // the generation prompt opens a <think> span the model continues
  bool reasons = false;         // the output may hold a <think> span (to be split off)
};
// A family's defaults before any file metadata.
ChatDefaults chat_defaults(ChatFamily family);

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
  ChatFamily chat_family = ChatFamily::none;
  ChatDefaults chat_defaults;  // what generation uses unless told otherwise
  std::int64_t kv_cache_bytes_per_token = 0;  // F16 keys and values, all layers
  std::int64_t weight_bytes = 0;              // tensor data (mmapped, not copied)
  std::string file_type;                      // quantization mix, e.g. "Q4_K_M", "F16"
  bool is_encoder = false;
  // Weights plus the KV cache for `context` tokens (0: the default context budget).
  std::int64_t memory_bytes(int context = 0) const;
  int default_context() const;  // min(context_length, 4096)
};
// Reads only the header (fast). Throws ModelError for a bad or unsupported file.
ModelInfo describe_model(const std::filesystem::path& path);

// A loaded model (weights mmapped) with its tokenizer. Decoders (llama, qwen2) are used through
// Generator, encoders (bert) through Embedder; one Model may back several of them.
class Model {
 public:
  // Throws ModelError("<path>: <reason>").
  static std::shared_ptr<const Model> load(const std::filesystem::path& path);
  ~Model();
  const ModelInfo& info() const;
  bool is_encoder() const { return info().is_encoder; }
  const Tokenizer& tokenizer() const;

  struct Impl;
  const Impl& impl() const { return *impl_; }
  explicit Model(std::unique_ptr<Impl> impl);

 private:
  std::unique_ptr<Impl> impl_;
};

// A reasoning model's <think>...</think> span: split off the answer and bounded on its own.
struct ThinkingOptions {
  bool enabled = false;        // route the span apart (to the thinking sink and result.thinking)
  bool starts_inside = false;  // the prompt already opened it (DeepSeek-R1's template does)
  // Thinking tokens after which the engine closes the span: "\n</think>\n\n" and `bridge` join
  // the context (they are not output) and the answer begins. 0 closes it at once; < 0: no limit.
  int budget = -1;
  std::string bridge;
};

struct GenerationOptions {
  // Answer tokens. With thinking enabled the span does not count: thinking.budget bounds it.
  int max_tokens = 512;
  SamplingOptions sampling;
  std::vector<std::string> stop;  // stop strings, matched in the answer; the match is not output
  bool stop_at_end_of_generation = true;
  ThinkingOptions thinking;
  // Asked before each token, whether or not text came out (a model may write nothing for a
  // while); false stops generation with stop_reason "cancelled". Unset: never cancelled.
  std::function<bool()> keep_going;
};

struct GenerationResult {
  std::vector<TokenId> tokens;  // sampled tokens, thinking included (including one that completed a stop string)
  std::string text;             // the answer (the thinking span split off), cut before a matched stop string
  std::string thinking;         // the thinking span's text, tags removed
  // Why generation ended: "end-of-generation", "stop-string", "max-tokens", "cancelled", "context-full".
  std::string stop_reason;
  // Why thinking ended: "closed" (by the model), "budget" (by the engine), "end-of-generation"
  // (the model ended inside it; the engine closed it and asked for the answer), else the
  // stop_reason that ended generation inside it. Empty when no span was open.
  std::string thinking_stop_reason;
  int prompt_tokens = 0;         // prefilled by this call
  int reused_tokens = 0;         // generate_with_context: cached tokens kept instead of recomputed
  int thinking_tokens = 0, answer_tokens = 0;
  int context_shifts = 0;        // times a full cache dropped old generated tokens
  int discarded_tokens = 0;
  double prefill_seconds = 0;
  double thinking_seconds = 0;      // after the prompt, until the span closed
  double first_answer_seconds = 0;  // from the call to the first answer text (0: none)
  double generation_seconds = 0;    // after the prompt, for all generated tokens
};

struct GeneratorOptions {
  int context_length = 0;   // KV cache budget in tokens; 0: the model's default_context()
  int prefill_window = 256; // the prompt is processed in windows of this many tokens
};

// Runs a decoder: keeps the context (KV cache) between calls, so a conversation can continue.
class Generator {
 public:
  explicit Generator(std::shared_ptr<const Model> model, GeneratorOptions options = {});
  ~Generator();
  Generator(const Generator&) = delete;
  Generator& operator=(const Generator&) = delete;

  // Appends tokens to the context and returns the logits that follow them. Throws ModelError when
  // the context budget would be exceeded or a token is out of range (the context is unchanged).
  const std::vector<float>& prefill(const std::vector<TokenId>& tokens);
  const std::vector<float>& step(TokenId token);
  void reset();
  int context_used() const;
  int context_length() const;
  const std::vector<TokenId>& context() const;  // the tokens in the cache
  // Keeps the longest prefix of `tokens` that the cache holds exactly as a fresh prefill would
  // (never all of `tokens`: the last one is run again for its logits), drops the rest of the
  // context, and returns its length. Prefill tokens from there on.
  int keep_common_prefix(const std::vector<TokenId>& tokens);

  // Receives streamed text (whole UTF-8 characters, never part of a stop string); return false
  // to stop early.
  using TextSink = std::function<bool(std::string_view)>;
  // Encodes `prompt` (special tokens like <|im_start|> are parsed; BOS added when the tokenizer
  // wants it), then samples until a stop condition. Continues from the current context. The
  // answer streams to `on_text`, a thinking span (options.thinking) to `on_thinking`. When the
  // cache fills, the oldest generated tokens are dropped (keys re-rotated to their new
  // positions) and the prompt is kept; only a prompt that fills the cache stops it ("context-full").
  GenerationResult generate(std::string_view prompt, const GenerationOptions& options, const TextSink& on_text = {},
                            const TextSink& on_thinking = {});
  GenerationResult generate_tokens(const std::vector<TokenId>& prompt, const GenerationOptions& options,
                                   const TextSink& on_text = {}, const TextSink& on_thinking = {});
  // The context becomes `context` (its longest cached prefix reused, see keep_common_prefix),
  // then generation as generate_tokens. For a conversation whose turns extend one another.
  GenerationResult generate_with_context(const std::vector<TokenId>& context, const GenerationOptions& options,
                                         const TextSink& on_text = {}, const TextSink& on_thinking = {});

 private:
  struct State;
  std::unique_ptr<State> state_;
};

enum class Pooling { mean, cls };

// Sentence embeddings from an encoder: batch of texts -> L2-normalised vectors.
class Embedder {
 public:
  // `pooling` defaults to what the model file asks for (mean when unspecified).
  explicit Embedder(std::shared_ptr<const Model> model, std::optional<Pooling> pooling = std::nullopt);
  ~Embedder();
  // Texts longer than max_tokens() are truncated (keeping the closing separator).
  std::vector<std::vector<float>> embed(const std::vector<std::string>& texts) const;
  std::vector<std::vector<float>> embed_tokens(const std::vector<std::vector<TokenId>>& sequences) const;
  int dimension() const;
  int max_tokens() const;
  Pooling pooling() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Number of threads the engine's parallel loops use (default: $DOCENT_THREADS, else every
// hardware thread). Set it before loading models; changing it while the engine runs is unsafe.
void set_engine_threads(int threads);
int engine_threads();

// ===== section: model conversion (owner: import/export work) =====

// A Hugging Face model folder (config.json; model.safetensors or shards listed in
// model.safetensors.index.json; tokenizer.json; optional tokenizer_config.json and
// 1_Pooling/config.json) of a Llama, Qwen2 or BERT model -> one GGUF file the engine loads.
// Shapes are checked against config.json. Throws ModelError naming the file and the reason.
void import_hf_model(const std::filesystem::path& folder, const std::filesystem::path& output_gguf);
// The reverse: a GGUF model -> a Hugging Face folder (quantized tensors are written dequantized
// as F32, F16 stays F16). Throws ModelError.
void export_hf_model(const std::filesystem::path& gguf, const std::filesystem::path& output_folder);
// The same folder with the weights in model.onnx instead (float initializers consumed by Gather,
// MatMul and normalization nodes; `external_data`: kept in model.onnx.data). Throws ModelError.
void export_onnx_model(const std::filesystem::path& gguf, const std::filesystem::path& output_folder,
                       bool external_data = false);
// The graph ONNX Runtime (CPU) runs. Decoders: inputs input_ids, position_ids [batch, seq] and
// past_key_values.{layer}.key/value [batch, kv_heads, past, head_dim]; outputs logits
// [batch, seq or 1, vocab] and present.{layer}.key/value. BERT: input_ids, attention_mask,
// token_type_ids -> last_hidden_state and sentence_embedding (the model's pooling, L2-normalised).
struct OnnxExportOptions {
  bool external_data = false;
  // "float" (MatMul on the source's float/half weights), "int4" (com.microsoft MatMulNBits),
  // "qdq-int4" / "qdq-int8" (DequantizeLinear on int4/int8 initializers feeding MatMul).
  std::string weights = "float";
  int block_size = 32;          // quantized: input columns per scale; 0: one scale per output channel (qdq only)
  bool zero_points = false;     // quantized: asymmetric blocks with explicit zero points
  bool last_logits_only = false;  // decoders: logits of the last position only
  // int4: MatMulNBits accuracy_level; 0 computes in float (exact), 4 lets ONNX Runtime round
  // activations to int8 (its fast CPU path, as real int4 exports for CPU use).
  int int4_accuracy_level = 0;
};
void export_onnx_model(const std::filesystem::path& gguf, const std::filesystem::path& output_folder,
                       const OnnxExportOptions& options);
// model.onnx (+ config.json and tokenizer files beside it) -> GGUF. Weights are mapped by graph
// structure; an unsupported graph fails naming the first node that could not be mapped.
void import_onnx_model(const std::filesystem::path& onnx_file, const std::filesystem::path& output_gguf);

// What quantize_model wrote.
struct QuantizeReport {
  std::string file_type;  // the general.file_type it was labelled with ("Q8_0", ...); empty: no label
  std::vector<std::pair<std::string, std::int64_t>> tensor_types;  // type name -> tensor count, as written
  // Matrices not written in the type asked for, one line per kept type: "12 matrices written as
  // Q8_0 (rows of 64, 128 values are not whole Q4_K blocks of 256)".
  std::vector<std::string> fallbacks;
};

// Re-encodes a GGUF model's matrices as "q8_0", "q4_0" or "q4_k" (a matrix whose rows are not
// whole blocks falls back to q8_0, then stays as it is; vectors stay F32), and labels the file
// (general.file_type) with the type most of its matrix weights really hold. Throws ModelError.
// "int4-channel": matrices 4-bit per output channel (a docent-only tensor type), embedding and
// output head Q4_0; "npu": QuaRot Hadamard rotation folded into the weights, then as
// "int4-channel"; "npu-float": the rotation only (F32; same logits as the input). "tq1_0",
// "tq2_0", "i2_s": the ternary linears of a BitNet model (other tensors kept).
QuantizeReport quantize_model(const std::filesystem::path& input, const std::filesystem::path& output,
                              std::string_view type);
std::vector<std::string> supported_quantization_types();

// How a candidate model's next-token distributions differ from a reference's over one text
// (tokenized by the reference; positions beyond the context restart in a fresh window).
struct ModelComparison {
  std::int64_t positions = 0;
  double mean_kl = 0;          // mean KL(reference || candidate), nats
  double max_kl = 0;
  double top1_agreement = 0;   // share of positions with the same argmax
  double perplexity_reference = 0, perplexity_candidate = 0;  // on the text's own next tokens
};
ModelComparison compare_models(const std::shared_ptr<const Model>& reference, const std::shared_ptr<const Model>& candidate,
                               std::string_view text, int max_tokens = 0);

}  // namespace docent::engine
