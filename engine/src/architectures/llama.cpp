// Llama family (Llama 1/2/3, TinyStories, SmolLM...): RMSNorm, no biases, SwiGLU, GQA,
// interleaved-pair RoPE (GGUF converters permute q/k so that this pairing is the right one).
#include "architectures/architecture.hpp"

namespace docent::engine {

const ArchitectureSpec& llama_architecture() {
  using R = TensorRole;
  using P = Presence;
  static const ArchitectureSpec spec{
      .id = Architecture::llama,
      .gguf_names = {{"llama", FfnActivation::silu_gated}},
      .kind = ModelKind::decoder,
      .norm = NormKind::rms,
      .rope_style = RopeStyle::interleaved,
      .metadata = decoder_hyper_keys(),
      .tensors =
          {
              {R::token_embedding, "token_embd.weight", "model.embed_tokens.weight", P::required},
              {R::output_norm, "output_norm.weight", "model.norm.weight", P::required},
              {R::output, "output.weight", "lm_head.weight", P::tied},
              {R::attention_norm, "blk.{layer}.attn_norm.weight", "model.layers.{layer}.input_layernorm.weight", P::required},
              {R::attention_query, "blk.{layer}.attn_q.weight", "model.layers.{layer}.self_attn.q_proj.weight", P::required,
               RowOrder::rope_query},
              {R::attention_key, "blk.{layer}.attn_k.weight", "model.layers.{layer}.self_attn.k_proj.weight", P::required,
               RowOrder::rope_key},
              {R::attention_value, "blk.{layer}.attn_v.weight", "model.layers.{layer}.self_attn.v_proj.weight", P::required},
              {R::attention_query_bias, "blk.{layer}.attn_q.bias", "model.layers.{layer}.self_attn.q_proj.bias", P::accepted,
               RowOrder::rope_query},
              {R::attention_key_bias, "blk.{layer}.attn_k.bias", "model.layers.{layer}.self_attn.k_proj.bias", P::accepted,
               RowOrder::rope_key},
              {R::attention_value_bias, "blk.{layer}.attn_v.bias", "model.layers.{layer}.self_attn.v_proj.bias", P::accepted},
              {R::attention_output, "blk.{layer}.attn_output.weight", "model.layers.{layer}.self_attn.o_proj.weight", P::required},
              {R::ffn_norm, "blk.{layer}.ffn_norm.weight", "model.layers.{layer}.post_attention_layernorm.weight", P::required},
              {R::ffn_gate, "blk.{layer}.ffn_gate.weight", "model.layers.{layer}.mlp.gate_proj.weight", P::required},
              {R::ffn_up, "blk.{layer}.ffn_up.weight", "model.layers.{layer}.mlp.up_proj.weight", P::required},
              {R::ffn_down, "blk.{layer}.ffn_down.weight", "model.layers.{layer}.mlp.down_proj.weight", P::required},
          },
      .hf_model_type = "llama",
      .hf_class = "LlamaForCausalLM",
      .hf_task_prefix = "",
      .tokenizer_pre = "",
  };
  return spec;
}

}  // namespace docent::engine
