#pragma once
// What differs between model families: which GGUF tensor plays which role, which metadata
// prefix holds the hyper-parameters, and how rotary embeddings pair dimensions. One file per
// family (llama.cpp, qwen2.cpp, bert.cpp) fills an ArchitectureSpec; the shared transformer and
// encoder read weights only through these tables.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace docent::engine {

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
};

struct TensorSlot {
  TensorRole role;
  std::string_view name_pattern;  // e.g. "blk.{layer}.attn_q.weight"
  bool per_layer;
  bool required;
};

// Rotary embedding pairing: `interleaved` rotates (x[2i], x[2i+1]) — what Llama GGUF files expect
// (their converter permutes q/k rows for it); `halves` rotates (x[i], x[i + d/2]) (Qwen2).
enum class RopeStyle { none, interleaved, halves };

enum class ModelKind { decoder, encoder };

struct ArchitectureSpec {
  std::string_view name;  // general.architecture value
  ModelKind kind;
  RopeStyle rope_style;
  std::vector<TensorSlot> tensors;
};

const ArchitectureSpec& llama_architecture();
const ArchitectureSpec& qwen2_architecture();
const ArchitectureSpec& bert_architecture();

// nullptr when the architecture is not supported.
const ArchitectureSpec* find_architecture(std::string_view name);
std::vector<std::string_view> supported_architectures();

// "blk.{layer}.attn_q.weight" with layer 3 -> "blk.3.attn_q.weight".
std::string tensor_name(std::string_view pattern, int layer);

}  // namespace docent::engine
