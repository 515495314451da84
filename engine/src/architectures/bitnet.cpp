// BitNet b1.58 (Microsoft's bitnet-b1.58-2B-4T, 1bitLLM's bitnet_b1_58): the Llama block with
// ternary q/k/v/o/gate/up/down weights whose inputs are quantized to int8 per token, an RMSNorm
// on the attention output before its projection and one on the gated product before the down
// projection, rotate-halves RoPE (the checkpoints' order, kept by the GGUF converters), and
// optional per-tensor output scales. llama.cpp writes "bitnet" and computes a SiLU gate there;
// the 2B4T release ("bitnet-b1.58", earlier "bitnet-25") gates with squared ReLU.
#include "architectures/architecture.hpp"

namespace docent::engine {

const ArchitectureSpec& bitnet_architecture() {
  using R = TensorRole;
  using P = Presence;
  constexpr RowOrder same = RowOrder::same;
  static const ArchitectureSpec spec{
      .id = Architecture::bitnet,
      .gguf_names = {{"bitnet-b1.58", FfnActivation::squared_relu_gated},
                     {"bitnet-25", FfnActivation::squared_relu_gated},
                     {"bitnet", FfnActivation::silu_gated}},
      .kind = ModelKind::decoder,
      .norm = NormKind::rms,
      .rope_style = RopeStyle::halves,
      .metadata = decoder_hyper_keys(),
      .tensors =
          {
              {R::token_embedding, "token_embd.weight", "model.embed_tokens.weight", P::required},
              {R::output_norm, "output_norm.weight", "model.norm.weight", P::required},
              {R::output, "output.weight", "lm_head.weight", P::tied},
              {R::attention_norm, "blk.{layer}.attn_norm.weight", "model.layers.{layer}.input_layernorm.weight", P::required},
              {R::attention_query, "blk.{layer}.attn_q.weight", "model.layers.{layer}.self_attn.q_proj.weight", P::required,
               same, true},
              {R::attention_key, "blk.{layer}.attn_k.weight", "model.layers.{layer}.self_attn.k_proj.weight", P::required,
               same, true},
              {R::attention_value, "blk.{layer}.attn_v.weight", "model.layers.{layer}.self_attn.v_proj.weight", P::required,
               same, true},
              {R::attention_query_scale, "blk.{layer}.attn_q.scale", "model.layers.{layer}.self_attn.q_proj.weight_scale",
               P::accepted},
              {R::attention_key_scale, "blk.{layer}.attn_k.scale", "model.layers.{layer}.self_attn.k_proj.weight_scale",
               P::accepted},
              {R::attention_value_scale, "blk.{layer}.attn_v.scale", "model.layers.{layer}.self_attn.v_proj.weight_scale",
               P::accepted},
              {R::attention_sub_norm, "blk.{layer}.attn_sub_norm.weight", "model.layers.{layer}.self_attn.attn_sub_norm.weight",
               P::required},
              {R::attention_output, "blk.{layer}.attn_output.weight", "model.layers.{layer}.self_attn.o_proj.weight", P::required,
               same, true},
              {R::attention_output_scale, "blk.{layer}.attn_output.scale", "model.layers.{layer}.self_attn.o_proj.weight_scale",
               P::accepted},
              {R::ffn_norm, "blk.{layer}.ffn_norm.weight", "model.layers.{layer}.post_attention_layernorm.weight", P::required},
              {R::ffn_gate, "blk.{layer}.ffn_gate.weight", "model.layers.{layer}.mlp.gate_proj.weight", P::required, same, true},
              {R::ffn_up, "blk.{layer}.ffn_up.weight", "model.layers.{layer}.mlp.up_proj.weight", P::required, same, true},
              {R::ffn_gate_scale, "blk.{layer}.ffn_gate.scale", "model.layers.{layer}.mlp.gate_proj.weight_scale", P::accepted},
              {R::ffn_up_scale, "blk.{layer}.ffn_up.scale", "model.layers.{layer}.mlp.up_proj.weight_scale", P::accepted},
              {R::ffn_sub_norm, "blk.{layer}.ffn_sub_norm.weight", "model.layers.{layer}.mlp.ffn_sub_norm.weight", P::required},
              {R::ffn_down, "blk.{layer}.ffn_down.weight", "model.layers.{layer}.mlp.down_proj.weight", P::required, same, true},
              {R::ffn_down_scale, "blk.{layer}.ffn_down.scale", "model.layers.{layer}.mlp.down_proj.weight_scale", P::accepted},
          },
      .hf_model_type = "bitnet",
      .hf_class = "BitNetForCausalLM",
      .hf_task_prefix = "",
      .tokenizer_pre = "",
  };
  return spec;
}

}  // namespace docent::engine
