// Qwen2 / Qwen2.5 / DeepSeek-R1-Distill-Qwen: the Llama block with q/k/v biases and
// rotate-halves ("NEOX") RoPE; output.weight absent means tied to token_embd.
#include "architectures/architecture.hpp"

namespace docent::engine {

const ArchitectureSpec& qwen2_architecture() {
  static const ArchitectureSpec spec{
      "qwen2",
      ModelKind::decoder,
      RopeStyle::halves,
      {
          {TensorRole::token_embedding, "token_embd.weight", false, true},
          {TensorRole::output_norm, "output_norm.weight", false, true},
          {TensorRole::output, "output.weight", false, false},
          {TensorRole::attention_norm, "blk.{layer}.attn_norm.weight", true, true},
          {TensorRole::attention_query, "blk.{layer}.attn_q.weight", true, true},
          {TensorRole::attention_key, "blk.{layer}.attn_k.weight", true, true},
          {TensorRole::attention_value, "blk.{layer}.attn_v.weight", true, true},
          {TensorRole::attention_query_bias, "blk.{layer}.attn_q.bias", true, true},
          {TensorRole::attention_key_bias, "blk.{layer}.attn_k.bias", true, true},
          {TensorRole::attention_value_bias, "blk.{layer}.attn_v.bias", true, true},
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
