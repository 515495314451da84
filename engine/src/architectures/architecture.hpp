#pragma once
// The one description of each model family docent runs. Per tensor role: its GGUF name, its
// Hugging Face name, its shape over the hyper-parameters and how its rows are ordered in each
// form; per family: the metadata keys it uses, its Hugging Face config names, its norm and RoPE
// kind. The loader, the Hugging Face import and export, the ONNX export and import, QuaRot and
// the random-model writer all read these tables, so a family is added by adding its entry
// (one file under architectures/) and, when its block computes differently, its compute.

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace docent::engine {

enum class Architecture { llama, qwen2, bert, bitnet };

enum class TensorRole {
  // Whole-model tensors.
  token_embedding, position_embedding, token_type_embedding, embedding_norm, embedding_norm_bias,
  output_norm, output_norm_bias, output,
  // Per-layer tensors (name pattern contains "{layer}").
  attention_norm, attention_norm_bias, attention_query, attention_query_bias, attention_key,
  attention_key_bias, attention_value, attention_value_bias, attention_output, attention_output_bias,
  attention_output_norm, attention_output_norm_bias,  // post-LN encoders
  ffn_norm, ffn_norm_bias, ffn_gate, ffn_up, ffn_up_bias, ffn_down, ffn_down_bias,
  layer_output_norm, layer_output_norm_bias,  // post-LN encoders
  // BitNet b1.58: RMSNorms inside the block (on the attention output before its projection, on
  // the gated FFN product before the down projection) and optional per-tensor output scales.
  attention_sub_norm, ffn_sub_norm,
  attention_query_scale, attention_key_scale, attention_value_scale, attention_output_scale,
  ffn_gate_scale, ffn_up_scale, ffn_down_scale,
};

// A length a tensor dimension has, in terms of the hyper-parameters.
enum class Dim {
  hidden,
  query_width,  // heads * head_dim
  kv_width,     // kv_heads * head_dim
  ffn,
  vocabulary,
  positions,    // rows of a learned position table (GGUF: as stored; HF: max_position_embeddings)
  token_types,  // rows of a token-type table (GGUF: as stored; HF: type_vocab_size)
  one,          // a single value (per-tensor scales)
};

// What a role holds, which decides how writers fill it and which precision importers keep.
enum class RoleKind {
  matrix,      // a linear's weight, or the token embedding
  small_table, // a learned lookup table kept in F32 (positions, token types)
  norm,        // a normalization scale (1 in a fresh model)
  norm_bias,   // a LayerNorm shift (0)
  bias,        // a linear's bias
  scale,       // one factor multiplying a linear's output (1 in a fresh model)
};

struct RoleRule {
  TensorRole role;
  RoleKind kind;
  int dimensions;              // 1 or 2
  std::array<Dim, 2> shape;    // GGUF order: shape[0] is the row length (ne[0])
};
const RoleRule& role_rule(TensorRole role);
// The per-tensor output scale belonging to a linear's weight (attention_query ->
// attention_query_scale, ...); nullopt for roles without one.
std::optional<TensorRole> output_scale_role(TensorRole weight);

// How a tensor's rows are ordered in GGUF relative to the Hugging Face checkpoint. rope_query /
// rope_key: per (query / key) head, GGUF interleaves the rotary pairs (x[2i], x[2i+1]) where the
// checkpoint keeps halves (x[i], x[i + d/2]) — Llama converters permute q/k this way.
enum class RowOrder { same, rope_query, rope_key };

enum class Presence {
  required,  // the loader refuses a file without it
  usual,     // may be absent; a fresh model (random writer) has it
  tied,      // absent means tied to the token embedding (output heads)
  accepted,  // used when present, not part of the family's usual form
};

struct TensorSlot {
  TensorRole role;
  std::string_view gguf;  // e.g. "blk.{layer}.attn_q.weight"
  std::string_view hf;    // e.g. "model.layers.{layer}.self_attn.q_proj.weight"
  Presence presence;
  RowOrder rows = RowOrder::same;
  // The weights are ternary and the linear quantizes its input to int8 per token (BitLinear).
  bool ternary = false;
  bool per_layer() const { return gguf.find("{layer}") != std::string_view::npos; }
};

// Hyper-parameter metadata: GGUF key "<architecture>.<suffix>", config.json key.
enum class HyperKey {
  block_count, embedding_length, feed_forward_length, head_count, head_count_kv, key_length, value_length,
  context_length, rope_freq_base, rope_dimension_count, rms_epsilon, layer_norm_epsilon, causal, pooling_type,
};
struct HyperKeyName {
  HyperKey key;
  std::string_view gguf_suffix;  // after "<architecture>."
  std::string_view hf;           // config.json key ("" when the checkpoint has none)
};
const HyperKeyName& hyper_key_name(HyperKey key);
// The hyper-parameters of a Llama-style decoder block, which every decoder family here reads.
const std::vector<HyperKey>& decoder_hyper_keys();

// Rotary embedding pairing at run time: `interleaved` rotates (x[2i], x[2i+1]) (Llama GGUF, whose
// q/k rows were permuted for it); `halves` rotates (x[i], x[i + d/2]) (Qwen2).
enum class RopeStyle { none, interleaved, halves };
enum class NormKind { rms, layer };
// The feed-forward block: gated with SiLU (SwiGLU) or squared ReLU, or ungated GELU (BERT).
enum class FfnActivation { silu_gated, squared_relu_gated, gelu };
// config.json's hidden_act for each: "silu", "relu2", "gelu".
std::string_view hf_activation(FfnActivation activation);

// A general.architecture value. Writers of one family sometimes disagree on the block's
// activation (llama.cpp's "bitnet" computes SiLU, the b1.58 2B4T names squared ReLU), so it goes
// with the name.
struct GgufName {
  std::string_view name;
  FfnActivation ffn;
};
enum class ModelKind { decoder, encoder };

struct ArchitectureSpec {
  Architecture id;
  // general.architecture values this entry reads; the first is the one written. The metadata
  // prefix is the name the file uses.
  std::vector<GgufName> gguf_names;
  ModelKind kind;
  NormKind norm;
  RopeStyle rope_style;
  std::vector<HyperKey> metadata;  // the keys the family uses
  std::vector<TensorSlot> tensors;
  // Hugging Face form: config.json's model_type and architectures[0], and the prefix task
  // checkpoints (BertForMaskedLM, ...) put before the tensor names.
  std::string_view hf_model_type, hf_class, hf_task_prefix;
  // tokenizer.ggml.pre for a byte-level BPE vocabulary whose pattern does not say ("" = default).
  std::string_view tokenizer_pre;

  std::string_view name() const { return gguf_names.front().name; }
  // The activation of a file with general.architecture `gguf_name` (one of gguf_names).
  FfnActivation activation(std::string_view gguf_name) const;
  // The first name whose activation config.json's hidden_act names, else name().
  std::string_view name_for_hf_activation(std::string_view hidden_act) const;
  bool has_ternary_weights() const;
  bool uses(HyperKey key) const;
  // nullptr when the family has no such role.
  const TensorSlot* slot(TensorRole role) const;
  // The slot whose GGUF pattern gives `gguf_name` for some layer (layer set, -1 for whole-model).
  const TensorSlot* slot_of(std::string_view gguf_name, int* layer = nullptr) const;
};

const ArchitectureSpec& llama_architecture();
const ArchitectureSpec& qwen2_architecture();
const ArchitectureSpec& bert_architecture();
const ArchitectureSpec& bitnet_architecture();

std::span<const ArchitectureSpec* const> architectures();
const ArchitectureSpec& architecture_spec(Architecture id);
// By general.architecture value (any of an entry's names); nullptr when not supported.
const ArchitectureSpec* find_architecture(std::string_view gguf_name);
// By config.json model_type; nullptr when not supported.
const ArchitectureSpec* find_hf_architecture(std::string_view model_type);
// "llama, qwen2, bert" (every GGUF name), or only those of one kind: for error messages.
std::string supported_architectures(std::optional<ModelKind> kind = std::nullopt);
std::string supported_hf_model_types();

// "blk.{layer}.attn_q.weight" with layer 3 -> "blk.3.attn_q.weight".
std::string tensor_name(std::string_view pattern, int layer);
// "<prefix>.<suffix>" for a hyper-parameter key, e.g. ("qwen2", block_count) -> "qwen2.block_count".
std::string metadata_key(std::string_view prefix, HyperKey key);

// The concrete sizes a shape rule resolves to. A size of 0 means any (a table whose row count
// only the tensor knows).
struct ShapeSizes {
  std::int64_t hidden = 0, query_width = 0, kv_width = 0, ffn = 0, vocabulary = 0, positions = 0, token_types = 0;
  std::int64_t one = 1;
  std::int64_t of(Dim dim) const;
};
// The GGUF shape (ne order) of `role`.
std::vector<std::int64_t> gguf_shape(TensorRole role, const ShapeSizes& sizes);
// The Hugging Face (PyTorch) shape: [out, in] for matrices.
std::vector<std::int64_t> hf_shape(TensorRole role, const ShapeSizes& sizes);

}  // namespace docent::engine
