// BERT encoders (all-MiniLM, bge-small...): learned absolute positions and token types,
// LayerNorm after each residual (post-LN), GELU feed-forward, biases everywhere.
#include "architectures/architecture.hpp"

namespace docent::engine {

const ArchitectureSpec& bert_architecture() {
  using R = TensorRole;
  using P = Presence;
  using H = HyperKey;
  static const ArchitectureSpec spec{
      .id = Architecture::bert,
      .gguf_names = {{"bert", FfnActivation::gelu}},
      .kind = ModelKind::encoder,
      .norm = NormKind::layer,
      .rope_style = RopeStyle::none,
      .metadata = {H::block_count, H::embedding_length, H::feed_forward_length, H::head_count, H::key_length,
                   H::value_length, H::context_length, H::layer_norm_epsilon, H::causal, H::pooling_type},
      .tensors =
          {
              {R::token_embedding, "token_embd.weight", "embeddings.word_embeddings.weight", P::required},
              {R::position_embedding, "position_embd.weight", "embeddings.position_embeddings.weight", P::required},
              {R::token_type_embedding, "token_types.weight", "embeddings.token_type_embeddings.weight", P::usual},
              {R::embedding_norm, "token_embd_norm.weight", "embeddings.LayerNorm.weight", P::required},
              {R::embedding_norm_bias, "token_embd_norm.bias", "embeddings.LayerNorm.bias", P::required},
              {R::attention_query, "blk.{layer}.attn_q.weight", "encoder.layer.{layer}.attention.self.query.weight", P::required},
              {R::attention_query_bias, "blk.{layer}.attn_q.bias", "encoder.layer.{layer}.attention.self.query.bias", P::required},
              {R::attention_key, "blk.{layer}.attn_k.weight", "encoder.layer.{layer}.attention.self.key.weight", P::required},
              {R::attention_key_bias, "blk.{layer}.attn_k.bias", "encoder.layer.{layer}.attention.self.key.bias", P::required},
              {R::attention_value, "blk.{layer}.attn_v.weight", "encoder.layer.{layer}.attention.self.value.weight", P::required},
              {R::attention_value_bias, "blk.{layer}.attn_v.bias", "encoder.layer.{layer}.attention.self.value.bias", P::required},
              {R::attention_output, "blk.{layer}.attn_output.weight", "encoder.layer.{layer}.attention.output.dense.weight",
               P::required},
              {R::attention_output_bias, "blk.{layer}.attn_output.bias", "encoder.layer.{layer}.attention.output.dense.bias",
               P::required},
              {R::attention_output_norm, "blk.{layer}.attn_output_norm.weight",
               "encoder.layer.{layer}.attention.output.LayerNorm.weight", P::required},
              {R::attention_output_norm_bias, "blk.{layer}.attn_output_norm.bias",
               "encoder.layer.{layer}.attention.output.LayerNorm.bias", P::required},
              {R::ffn_up, "blk.{layer}.ffn_up.weight", "encoder.layer.{layer}.intermediate.dense.weight", P::required},
              {R::ffn_up_bias, "blk.{layer}.ffn_up.bias", "encoder.layer.{layer}.intermediate.dense.bias", P::required},
              {R::ffn_down, "blk.{layer}.ffn_down.weight", "encoder.layer.{layer}.output.dense.weight", P::required},
              {R::ffn_down_bias, "blk.{layer}.ffn_down.bias", "encoder.layer.{layer}.output.dense.bias", P::required},
              {R::layer_output_norm, "blk.{layer}.layer_output_norm.weight", "encoder.layer.{layer}.output.LayerNorm.weight",
               P::required},
              {R::layer_output_norm_bias, "blk.{layer}.layer_output_norm.bias", "encoder.layer.{layer}.output.LayerNorm.bias",
               P::required},
          },
      .hf_model_type = "bert",
      .hf_class = "BertModel",
      .hf_task_prefix = "bert.",
      .tokenizer_pre = "",
  };
  return spec;
}

}  // namespace docent::engine
