// Llama family (Llama 1/2/3, TinyStories, SmolLM...): RMSNorm, no biases, SwiGLU, GQA,
// interleaved-pair RoPE (GGUF converters permute q/k so that this pairing is the right one).
#include "architectures/architecture.hpp"

namespace docent::engine {

const ArchitectureSpec& llama_architecture() {
  static const ArchitectureSpec spec{
      "llama",
      ModelKind::decoder,
      RopeStyle::interleaved,
      {
          {TensorRole::token_embedding, "token_embd.weight", false, true},
          {TensorRole::output_norm, "output_norm.weight", false, true},
          {TensorRole::output, "output.weight", false, false},  // absent: tied to token_embd
          {TensorRole::attention_norm, "blk.{layer}.attn_norm.weight", true, true},
          {TensorRole::attention_query, "blk.{layer}.attn_q.weight", true, true},
          {TensorRole::attention_key, "blk.{layer}.attn_k.weight", true, true},
          {TensorRole::attention_value, "blk.{layer}.attn_v.weight", true, true},
          {TensorRole::attention_query_bias, "blk.{layer}.attn_q.bias", true, false},
          {TensorRole::attention_key_bias, "blk.{layer}.attn_k.bias", true, false},
          {TensorRole::attention_value_bias, "blk.{layer}.attn_v.bias", true, false},
          {TensorRole::attention_output, "blk.{layer}.attn_output.weight", true, true},
          {TensorRole::ffn_norm, "blk.{layer}.ffn_norm.weight", true, true},
          {TensorRole::ffn_gate, "blk.{layer}.ffn_gate.weight", true, true},
          {TensorRole::ffn_up, "blk.{layer}.ffn_up.weight", true, true},
          {TensorRole::ffn_down, "blk.{layer}.ffn_down.weight", true, true},
      },
  };
  return spec;
}

}  // namespace docent::engine
