#include "architectures/architecture.hpp"

#include <algorithm>
#include <cassert>

namespace docent::engine {

namespace {

using R = TensorRole;
using K = RoleKind;
constexpr Dim kH = Dim::hidden, kQ = Dim::query_width, kKv = Dim::kv_width, kF = Dim::ffn;

// Indexed by TensorRole; the order is checked by role_rule().
constexpr RoleRule kRoles[] = {
    {R::token_embedding, K::matrix, 2, {kH, Dim::vocabulary}},
    {R::position_embedding, K::small_table, 2, {kH, Dim::positions}},
    {R::token_type_embedding, K::small_table, 2, {kH, Dim::token_types}},
    {R::embedding_norm, K::norm, 1, {kH}},
    {R::embedding_norm_bias, K::norm_bias, 1, {kH}},
    {R::output_norm, K::norm, 1, {kH}},
    {R::output_norm_bias, K::norm_bias, 1, {kH}},
    {R::output, K::matrix, 2, {kH, Dim::vocabulary}},
    {R::attention_norm, K::norm, 1, {kH}},
    {R::attention_norm_bias, K::norm_bias, 1, {kH}},
    {R::attention_query, K::matrix, 2, {kH, kQ}},
    {R::attention_query_bias, K::bias, 1, {kQ}},
    {R::attention_key, K::matrix, 2, {kH, kKv}},
    {R::attention_key_bias, K::bias, 1, {kKv}},
    {R::attention_value, K::matrix, 2, {kH, kKv}},
    {R::attention_value_bias, K::bias, 1, {kKv}},
    {R::attention_output, K::matrix, 2, {kQ, kH}},
    {R::attention_output_bias, K::bias, 1, {kH}},
    {R::attention_output_norm, K::norm, 1, {kH}},
    {R::attention_output_norm_bias, K::norm_bias, 1, {kH}},
    {R::ffn_norm, K::norm, 1, {kH}},
    {R::ffn_norm_bias, K::norm_bias, 1, {kH}},
    {R::ffn_gate, K::matrix, 2, {kH, kF}},
    {R::ffn_up, K::matrix, 2, {kH, kF}},
    {R::ffn_up_bias, K::bias, 1, {kF}},
    {R::ffn_down, K::matrix, 2, {kF, kH}},
    {R::ffn_down_bias, K::bias, 1, {kH}},
    {R::layer_output_norm, K::norm, 1, {kH}},
    {R::layer_output_norm_bias, K::norm_bias, 1, {kH}},
    {R::attention_sub_norm, K::norm, 1, {kQ}},
    {R::ffn_sub_norm, K::norm, 1, {kF}},
    {R::attention_query_scale, K::scale, 1, {Dim::one}},
    {R::attention_key_scale, K::scale, 1, {Dim::one}},
    {R::attention_value_scale, K::scale, 1, {Dim::one}},
    {R::attention_output_scale, K::scale, 1, {Dim::one}},
    {R::ffn_gate_scale, K::scale, 1, {Dim::one}},
    {R::ffn_up_scale, K::scale, 1, {Dim::one}},
    {R::ffn_down_scale, K::scale, 1, {Dim::one}},
};

constexpr HyperKeyName kHyperKeys[] = {
    {HyperKey::block_count, "block_count", "num_hidden_layers"},
    {HyperKey::embedding_length, "embedding_length", "hidden_size"},
    {HyperKey::feed_forward_length, "feed_forward_length", "intermediate_size"},
    {HyperKey::head_count, "attention.head_count", "num_attention_heads"},
    {HyperKey::head_count_kv, "attention.head_count_kv", "num_key_value_heads"},
    {HyperKey::key_length, "attention.key_length", "head_dim"},
    {HyperKey::value_length, "attention.value_length", ""},
    {HyperKey::context_length, "context_length", "max_position_embeddings"},
    {HyperKey::rope_freq_base, "rope.freq_base", "rope_theta"},
    {HyperKey::rope_dimension_count, "rope.dimension_count", ""},
    {HyperKey::rms_epsilon, "attention.layer_norm_rms_epsilon", "rms_norm_eps"},
    {HyperKey::layer_norm_epsilon, "attention.layer_norm_epsilon", "layer_norm_eps"},
    {HyperKey::causal, "attention.causal", ""},
    {HyperKey::pooling_type, "pooling_type", ""},
};

std::string joined(const std::vector<std::string_view>& names) {
  std::string text;
  for (std::string_view name : names) text += (text.empty() ? "" : ", ") + std::string(name);
  return text;
}

}  // namespace

const RoleRule& role_rule(TensorRole role) {
  const RoleRule& rule = kRoles[static_cast<std::size_t>(role)];
  assert(rule.role == role);
  return rule;
}

std::optional<TensorRole> output_scale_role(TensorRole weight) {
  switch (weight) {
    case R::attention_query: return R::attention_query_scale;
    case R::attention_key: return R::attention_key_scale;
    case R::attention_value: return R::attention_value_scale;
    case R::attention_output: return R::attention_output_scale;
    case R::ffn_gate: return R::ffn_gate_scale;
    case R::ffn_up: return R::ffn_up_scale;
    case R::ffn_down: return R::ffn_down_scale;
    default: return std::nullopt;
  }
}

const HyperKeyName& hyper_key_name(HyperKey key) {
  const HyperKeyName& name = kHyperKeys[static_cast<std::size_t>(key)];
  assert(name.key == key);
  return name;
}

const std::vector<HyperKey>& decoder_hyper_keys() {
  using H = HyperKey;
  static const std::vector<HyperKey> keys{H::block_count,    H::embedding_length, H::feed_forward_length, H::head_count,
                                          H::context_length, H::head_count_kv,    H::rope_freq_base,      H::rms_epsilon,
                                          H::key_length,     H::value_length,     H::rope_dimension_count};
  return keys;
}

std::string_view hf_activation(FfnActivation activation) {
  switch (activation) {
    case FfnActivation::silu_gated: return "silu";
    case FfnActivation::squared_relu_gated: return "relu2";
    case FfnActivation::gelu: return "gelu";
  }
  return "";
}

FfnActivation ArchitectureSpec::activation(std::string_view gguf_name) const {
  for (const GgufName& entry : gguf_names)
    if (entry.name == gguf_name) return entry.ffn;
  return gguf_names.front().ffn;
}

std::string_view ArchitectureSpec::name_for_hf_activation(std::string_view hidden_act) const {
  for (const GgufName& entry : gguf_names)
    if (hf_activation(entry.ffn) == hidden_act) return entry.name;
  return name();
}

bool ArchitectureSpec::has_ternary_weights() const {
  return std::any_of(tensors.begin(), tensors.end(), [](const TensorSlot& slot) { return slot.ternary; });
}

bool ArchitectureSpec::uses(HyperKey key) const { return std::find(metadata.begin(), metadata.end(), key) != metadata.end(); }

const TensorSlot* ArchitectureSpec::slot(TensorRole role) const {
  for (const TensorSlot& entry : tensors)
    if (entry.role == role) return &entry;
  return nullptr;
}

const TensorSlot* ArchitectureSpec::slot_of(std::string_view gguf_name, int* layer) const {
  constexpr std::string_view placeholder = "{layer}";
  for (const TensorSlot& entry : tensors) {
    const auto at = entry.gguf.find(placeholder);
    if (at == std::string_view::npos) {
      if (entry.gguf != gguf_name) continue;
      if (layer != nullptr) *layer = -1;
      return &entry;
    }
    const std::string_view head = entry.gguf.substr(0, at), tail = entry.gguf.substr(at + placeholder.size());
    if (gguf_name.size() <= head.size() + tail.size() || !gguf_name.starts_with(head) || !gguf_name.ends_with(tail)) continue;
    const std::string_view digits = gguf_name.substr(head.size(), gguf_name.size() - head.size() - tail.size());
    if (digits.size() > 6 || !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) continue;
    if (layer != nullptr) *layer = std::stoi(std::string(digits));
    return &entry;
  }
  return nullptr;
}

std::span<const ArchitectureSpec* const> architectures() {
  // Indexed by Architecture.
  static const ArchitectureSpec* const all[] = {&llama_architecture(), &qwen2_architecture(), &bert_architecture(),
                                                &bitnet_architecture()};
  return all;
}

const ArchitectureSpec& architecture_spec(Architecture id) {
  const ArchitectureSpec& spec = *architectures()[static_cast<std::size_t>(id)];
  assert(spec.id == id);
  return spec;
}

const ArchitectureSpec* find_architecture(std::string_view gguf_name) {
  for (const ArchitectureSpec* spec : architectures())
    for (const GgufName& entry : spec->gguf_names)
      if (entry.name == gguf_name) return spec;
  return nullptr;
}

const ArchitectureSpec* find_hf_architecture(std::string_view model_type) {
  for (const ArchitectureSpec* spec : architectures())
    if (!spec->hf_model_type.empty() && spec->hf_model_type == model_type) return spec;
  return nullptr;
}

std::string supported_architectures(std::optional<ModelKind> kind) {
  std::vector<std::string_view> names;
  for (const ArchitectureSpec* spec : architectures())
    if (!kind || spec->kind == *kind)
      for (const GgufName& entry : spec->gguf_names) names.push_back(entry.name);
  return joined(names);
}

std::string supported_hf_model_types() {
  std::vector<std::string_view> names;
  for (const ArchitectureSpec* spec : architectures())
    if (!spec->hf_model_type.empty()) names.push_back(spec->hf_model_type);
  return joined(names);
}

std::string tensor_name(std::string_view pattern, int layer) {
  std::string name(pattern);
  constexpr std::string_view placeholder = "{layer}";
  if (auto at = name.find(placeholder); at != std::string::npos) name.replace(at, placeholder.size(), std::to_string(layer));
  return name;
}

std::string metadata_key(std::string_view prefix, HyperKey key) {
  return std::string(prefix) + "." + std::string(hyper_key_name(key).gguf_suffix);
}

std::int64_t ShapeSizes::of(Dim dim) const {
  switch (dim) {
    case Dim::hidden: return hidden;
    case Dim::query_width: return query_width;
    case Dim::kv_width: return kv_width;
    case Dim::ffn: return ffn;
    case Dim::vocabulary: return vocabulary;
    case Dim::positions: return positions;
    case Dim::token_types: return token_types;
    case Dim::one: return one;
  }
  return 0;
}

std::vector<std::int64_t> gguf_shape(TensorRole role, const ShapeSizes& sizes) {
  const RoleRule& rule = role_rule(role);
  std::vector<std::int64_t> shape;
  for (int d = 0; d < rule.dimensions; ++d) shape.push_back(sizes.of(rule.shape[static_cast<std::size_t>(d)]));
  return shape;
}

std::vector<std::int64_t> hf_shape(TensorRole role, const ShapeSizes& sizes) {
  auto shape = gguf_shape(role, sizes);
  std::reverse(shape.begin(), shape.end());
  return shape;
}

}  // namespace docent::engine
