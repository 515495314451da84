#include "import/hf_layout.hpp"

#include "quant/dequantize.hpp"
#include "quant/type_traits.hpp"

namespace docent::engine::conversion {

const std::vector<HfTensorName>& hf_tensor_names(std::string_view architecture) {
  static const std::vector<HfTensorName> decoder{
      {"token_embd.weight", "model.embed_tokens.weight", false, true, false},
      {"output_norm.weight", "model.norm.weight", false, true, false},
      {"output.weight", "lm_head.weight", false, false, false},
      {"blk.{layer}.attn_norm.weight", "model.layers.{layer}.input_layernorm.weight", true, true, false},
      {"blk.{layer}.attn_q.weight", "model.layers.{layer}.self_attn.q_proj.weight", true, true, true},
      {"blk.{layer}.attn_k.weight", "model.layers.{layer}.self_attn.k_proj.weight", true, true, true},
      {"blk.{layer}.attn_v.weight", "model.layers.{layer}.self_attn.v_proj.weight", true, true, false},
      {"blk.{layer}.attn_q.bias", "model.layers.{layer}.self_attn.q_proj.bias", true, false, true},
      {"blk.{layer}.attn_k.bias", "model.layers.{layer}.self_attn.k_proj.bias", true, false, true},
      {"blk.{layer}.attn_v.bias", "model.layers.{layer}.self_attn.v_proj.bias", true, false, false},
      {"blk.{layer}.attn_output.weight", "model.layers.{layer}.self_attn.o_proj.weight", true, true, false},
      {"blk.{layer}.ffn_norm.weight", "model.layers.{layer}.post_attention_layernorm.weight", true, true, false},
      {"blk.{layer}.ffn_gate.weight", "model.layers.{layer}.mlp.gate_proj.weight", true, true, false},
      {"blk.{layer}.ffn_up.weight", "model.layers.{layer}.mlp.up_proj.weight", true, true, false},
      {"blk.{layer}.ffn_down.weight", "model.layers.{layer}.mlp.down_proj.weight", true, true, false},
  };
  static const std::vector<HfTensorName> bert{
      {"token_embd.weight", "embeddings.word_embeddings.weight", false, true, false},
      {"position_embd.weight", "embeddings.position_embeddings.weight", false, true, false},
      {"token_types.weight", "embeddings.token_type_embeddings.weight", false, false, false},
      {"token_embd_norm.weight", "embeddings.LayerNorm.weight", false, true, false},
      {"token_embd_norm.bias", "embeddings.LayerNorm.bias", false, true, false},
      {"blk.{layer}.attn_q.weight", "encoder.layer.{layer}.attention.self.query.weight", true, true, false},
      {"blk.{layer}.attn_q.bias", "encoder.layer.{layer}.attention.self.query.bias", true, true, false},
      {"blk.{layer}.attn_k.weight", "encoder.layer.{layer}.attention.self.key.weight", true, true, false},
      {"blk.{layer}.attn_k.bias", "encoder.layer.{layer}.attention.self.key.bias", true, true, false},
      {"blk.{layer}.attn_v.weight", "encoder.layer.{layer}.attention.self.value.weight", true, true, false},
      {"blk.{layer}.attn_v.bias", "encoder.layer.{layer}.attention.self.value.bias", true, true, false},
      {"blk.{layer}.attn_output.weight", "encoder.layer.{layer}.attention.output.dense.weight", true, true, false},
      {"blk.{layer}.attn_output.bias", "encoder.layer.{layer}.attention.output.dense.bias", true, true, false},
      {"blk.{layer}.attn_output_norm.weight", "encoder.layer.{layer}.attention.output.LayerNorm.weight", true, true, false},
      {"blk.{layer}.attn_output_norm.bias", "encoder.layer.{layer}.attention.output.LayerNorm.bias", true, true, false},
      {"blk.{layer}.ffn_up.weight", "encoder.layer.{layer}.intermediate.dense.weight", true, true, false},
      {"blk.{layer}.ffn_up.bias", "encoder.layer.{layer}.intermediate.dense.bias", true, true, false},
      {"blk.{layer}.ffn_down.weight", "encoder.layer.{layer}.output.dense.weight", true, true, false},
      {"blk.{layer}.ffn_down.bias", "encoder.layer.{layer}.output.dense.bias", true, true, false},
      {"blk.{layer}.layer_output_norm.weight", "encoder.layer.{layer}.output.LayerNorm.weight", true, true, false},
      {"blk.{layer}.layer_output_norm.bias", "encoder.layer.{layer}.output.LayerNorm.bias", true, true, false},
  };
  if (architecture == "llama" || architecture == "qwen2") return decoder;
  if (architecture == "bert") return bert;
  throw ModelError("unsupported architecture '" + std::string(architecture) + "' (supported: llama, qwen2, bert)");
}

namespace {

std::vector<float> permute_rows(const std::vector<float>& values, std::int64_t rows, std::int64_t columns, int heads,
                                bool to_interleaved) {
  std::vector<float> out(values.size());
  const std::int64_t head_rows = rows / heads, half = head_rows / 2;
  for (int head = 0; head < heads; ++head)
    for (std::int64_t i = 0; i < half; ++i)
      for (int pair = 0; pair < 2; ++pair) {
        const std::int64_t interleaved = head * head_rows + 2 * i + pair;
        const std::int64_t halves = head * head_rows + pair * half + i;
        const std::int64_t from = to_interleaved ? halves : interleaved;
        const std::int64_t to = to_interleaved ? interleaved : halves;
        std::copy(values.begin() + from * columns, values.begin() + (from + 1) * columns, out.begin() + to * columns);
      }
  return out;
}

}  // namespace

std::vector<float> rope_rows_to_interleaved(const std::vector<float>& values, std::int64_t rows, std::int64_t columns, int heads) {
  return permute_rows(values, rows, columns, heads, true);
}
std::vector<float> rope_rows_to_halves(const std::vector<float>& values, std::int64_t rows, std::int64_t columns, int heads) {
  return permute_rows(values, rows, columns, heads, false);
}

std::vector<float> gguf_tensor_floats(const GgufTensorInfo& tensor, const std::string& source) {
  auto traits = type_traits(tensor.type);
  if (!traits || !traits->dequantizable)
    throw ModelError(source + ": tensor '" + tensor.name + "' has type " + std::string(type_name(tensor.type)) +
                     " which cannot be dequantized");
  const std::int64_t row = tensor.shape.empty() ? 1 : tensor.shape[0];
  const std::int64_t rows = tensor.element_count() / row;
  const auto bytes_per_row = row_bytes(static_cast<TensorType>(tensor.type), row);
  if (!bytes_per_row) throw ModelError(source + ": tensor '" + tensor.name + "' rows are not whole blocks");
  std::vector<float> values(static_cast<std::size_t>(tensor.element_count()));
  for (std::int64_t r = 0; r < rows; ++r)
    dequantize_row(static_cast<TensorType>(tensor.type), tensor.data + r * *bytes_per_row, values.data() + r * row, row);
  return values;
}

std::string substitute_layer(std::string_view pattern, int layer) {
  std::string name(pattern);
  constexpr std::string_view placeholder = "{layer}";
  if (auto at = name.find(placeholder); at != std::string::npos) name.replace(at, placeholder.size(), std::to_string(layer));
  return name;
}

}  // namespace docent::engine::conversion
