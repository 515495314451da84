// BERT encoders (all-MiniLM, bge-small...): learned absolute positions and token types,
// LayerNorm after each residual (post-LN), GELU feed-forward, biases everywhere.
#include "architectures/architecture.hpp"

namespace docent::engine {

const ArchitectureSpec& bert_architecture() {
  static const ArchitectureSpec spec{
      "bert",
      ModelKind::encoder,
      RopeStyle::none,
      {
          {TensorRole::token_embedding, "token_embd.weight", false, true},
          {TensorRole::position_embedding, "position_embd.weight", false, true},
          {TensorRole::token_type_embedding, "token_types.weight", false, false},
          {TensorRole::embedding_norm, "token_embd_norm.weight", false, true},
          {TensorRole::embedding_norm_bias, "token_embd_norm.bias", false, true},
          {TensorRole::attention_query, "blk.{layer}.attn_q.weight", true, true},
          {TensorRole::attention_query_bias, "blk.{layer}.attn_q.bias", true, true},
          {TensorRole::attention_key, "blk.{layer}.attn_k.weight", true, true},
          {TensorRole::attention_key_bias, "blk.{layer}.attn_k.bias", true, true},
          {TensorRole::attention_value, "blk.{layer}.attn_v.weight", true, true},
          {TensorRole::attention_value_bias, "blk.{layer}.attn_v.bias", true, true},
          {TensorRole::attention_output, "blk.{layer}.attn_output.weight", true, true},
          {TensorRole::attention_output_bias, "blk.{layer}.attn_output.bias", true, true},
          {TensorRole::attention_output_norm, "blk.{layer}.attn_output_norm.weight", true, true},
          {TensorRole::attention_output_norm_bias, "blk.{layer}.attn_output_norm.bias", true, true},
          {TensorRole::ffn_up, "blk.{layer}.ffn_up.weight", true, true},
          {TensorRole::ffn_up_bias, "blk.{layer}.ffn_up.bias", true, true},
          {TensorRole::ffn_down, "blk.{layer}.ffn_down.weight", true, true},
          {TensorRole::ffn_down_bias, "blk.{layer}.ffn_down.bias", true, true},
          {TensorRole::layer_output_norm, "blk.{layer}.layer_output_norm.weight", true, true},
          {TensorRole::layer_output_norm_bias, "blk.{layer}.layer_output_norm.bias", true, true},
      },
  };
  return spec;
}

}  // namespace docent::engine
