#include "model_weights.hpp"

#include <cmath>

#include "kernels/kernels.hpp"
#include "quant/ternary.hpp"

namespace docent::engine {

namespace {

[[noreturn]] void fail(const GgufFile& file, const std::string& reason) {
  throw ModelError(file.path().string() + ": " + reason);
}

int bounded_int(const GgufFile& file, const std::string& key, std::optional<std::int64_t> fallback,
                std::int64_t low, std::int64_t high) {
  auto value = file.get_int(key);
  if (!value) {
    if (!fallback) fail(file, "missing metadata '" + key + "'");
    value = fallback;
  }
  if (*value < low || *value > high)
    fail(file, "metadata '" + key + "' = " + std::to_string(*value) + " is out of range [" + std::to_string(low) +
                   ", " + std::to_string(high) + "]");
  return static_cast<int>(*value);
}

double positive_float(const GgufFile& file, const std::string& key, double fallback) {
  auto value = file.get_float(key);
  if (!value) return fallback;
  if (!std::isfinite(*value) || *value <= 0) fail(file, "metadata '" + key + "' must be a positive number");
  return *value;
}

std::string shape_text(const std::vector<std::int64_t>& shape) {
  std::string text = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + "]";
}

// Sizes of the shape rules; tables whose length is known only from the tensor (vocabulary,
// positions, token types) stay 0 = any.
ShapeSizes shape_sizes(const HyperParameters& p) {
  ShapeSizes sizes;
  sizes.hidden = p.hidden;
  sizes.query_width = static_cast<std::int64_t>(p.heads) * p.head_dim;
  sizes.kv_width = static_cast<std::int64_t>(p.kv_heads) * p.head_dim;
  sizes.ffn = p.ffn;
  sizes.vocabulary = p.vocabulary;
  return sizes;
}

}  // namespace

std::string metadata_prefix(const GgufFile& file, const ArchitectureSpec& spec) {
  const auto name = file.get_string("general.architecture");
  if (name && find_architecture(*name) == &spec) return *name;
  return std::string(spec.name());
}

HyperParameters read_hyper_parameters(const GgufFile& file, const ArchitectureSpec& spec) {
  HyperParameters p;
  p.architecture = metadata_prefix(file, spec);
  p.family = spec.id;
  p.ffn_activation = spec.activation(p.architecture);
  auto key = [&](HyperKey k) { return metadata_key(p.architecture, k); };
  p.layers = bounded_int(file, key(HyperKey::block_count), std::nullopt, 1, 1024);
  p.hidden = bounded_int(file, key(HyperKey::embedding_length), std::nullopt, 1, 1 << 16);
  p.heads = bounded_int(file, key(HyperKey::head_count), std::nullopt, 1, 1024);
  p.kv_heads = spec.uses(HyperKey::head_count_kv) ? bounded_int(file, key(HyperKey::head_count_kv), p.heads, 1, p.heads) : p.heads;
  if (p.heads % p.kv_heads != 0)
    fail(file, "attention.head_count " + std::to_string(p.heads) + " is not a multiple of head_count_kv " +
                   std::to_string(p.kv_heads));
  if (p.hidden % p.heads != 0 && !file.get_int(key(HyperKey::key_length)))
    fail(file, "embedding_length is not a multiple of attention.head_count");
  p.head_dim = bounded_int(file, key(HyperKey::key_length), p.hidden / p.heads, 1, 1 << 12);
  if (auto value_length = file.get_int(key(HyperKey::value_length)); value_length && *value_length != p.head_dim)
    fail(file, "attention.value_length different from key_length is not supported");
  p.ffn = bounded_int(file, key(HyperKey::feed_forward_length), std::nullopt, 1, 1 << 20);
  p.context_length = bounded_int(file, key(HyperKey::context_length), 2048, 1, 1 << 24);
  p.rope_theta = positive_float(file, key(HyperKey::rope_freq_base), 10000.0);
  p.rope_dimensions = bounded_int(file, key(HyperKey::rope_dimension_count), p.head_dim, 0, p.head_dim);
  if (p.rope_dimensions % 2 != 0) fail(file, "rope.dimension_count must be even");
  if (spec.norm == NormKind::layer) p.norm_epsilon = positive_float(file, key(HyperKey::layer_norm_epsilon), 1e-12);
  else p.norm_epsilon = positive_float(file, key(HyperKey::rms_epsilon), 1e-5);
  if (spec.uses(HyperKey::pooling_type)) p.pooling_type = bounded_int(file, key(HyperKey::pooling_type), 0, 0, 16);
  return p;
}

ModelWeights::ModelWeights(std::shared_ptr<const GgufFile> file, const ArchitectureSpec& spec)
    : file_(std::move(file)), spec_(&spec), parameters_(read_hyper_parameters(*file_, spec)) {
  const GgufFile& gguf = *file_;
  const std::string embedding_name(spec.slot(TensorRole::token_embedding)->gguf);
  const GgufTensorInfo* embedding = gguf.find_tensor(embedding_name);
  if (embedding == nullptr) fail(gguf, "missing tensor '" + embedding_name + "'");
  if (embedding->shape.size() != 2) fail(gguf, "tensor '" + embedding_name + "' is not a matrix");
  parameters_.vocabulary = embedding->shape[1];
  const ShapeSizes sizes = shape_sizes(parameters_);

  for (const TensorSlot& slot : spec.tensors) {
    const bool per_layer = slot.per_layer();
    int layer_count = per_layer ? parameters_.layers : 1;
    for (int layer = 0; layer < layer_count; ++layer) {
      std::string name = tensor_name(slot.gguf, layer);
      const GgufTensorInfo* info = gguf.find_tensor(name);
      if (info == nullptr) {
        if (slot.presence == Presence::required) fail(gguf, "missing tensor '" + name + "'");
        continue;
      }
      auto traits = type_traits(info->type);
      const std::uint8_t* data = info->data;
      auto type = static_cast<TensorType>(info->type);
      if (type == TensorType::i2_s && info->shape.size() == 2) {
        // One scale for the whole tensor: copied in front of every row so rows stand alone.
        owned_.push_back(i2s_to_rows(info->data, info->shape[0], info->shape[1]));
        data = owned_.back().data();
        type = TensorType::i2_s_rows;
        traits = type_traits(type);
      }
      if (!traits || !traits->dequantizable)
        fail(gguf, "tensor '" + name + "' has type " + std::string(type_name(info->type)) + ", which is not supported");
      auto expected = gguf_shape(slot.role, sizes);
      bool matches = info->shape.size() == expected.size();
      for (std::size_t d = 0; matches && d < expected.size(); ++d)
        matches = expected[d] == 0 || expected[d] == info->shape[d];
      if (!matches)
        fail(gguf, "tensor '" + name + "' has shape " + shape_text(info->shape) + ", expected " + shape_text(expected));
      std::array<std::int64_t, 4> shape{1, 1, 1, 1};
      for (std::size_t d = 0; d < info->shape.size(); ++d) shape[d] = info->shape[d];
      views_[{static_cast<int>(slot.role), per_layer ? layer : -1}] =
          make_view(data, type, shape, static_cast<int>(info->shape.size()), name);
    }
  }
  if (const TensorView& positions = get(TensorRole::position_embedding); !positions.empty())
    parameters_.max_positions = static_cast<int>(std::min<std::int64_t>(positions.shape[1], 1 << 24));
  if (const TensorView& types = get(TensorRole::token_type_embedding); !types.empty())
    parameters_.token_types = static_cast<int>(std::min<std::int64_t>(types.shape[1], 1 << 16));
  pack_matrices();
}

void ModelWeights::pack_matrices() {
  if (kernels::active_kernel_set() == nullptr) return;
  const bool tied_output = spec_->kind == ModelKind::decoder && !has(TensorRole::output);
  for (auto& [key, view] : views_) {
    const auto role = static_cast<TensorRole>(key.first);
    const bool table = role == TensorRole::token_embedding || role == TensorRole::position_embedding ||
                       role == TensorRole::token_type_embedding;
    // A table is only multiplied when it doubles as the output head (tied embeddings).
    if (view.dimensions != 2 || !kernels::packable(view.type, view.row_length()) || (table && !(tied_output && role == TensorRole::token_embedding)))
      continue;
    packed_.push_back(std::make_unique<kernels::PackedMatrix>(view));
    view.packed = packed_.back().get();
    // Weights are now held once, repacked; the mapped copy leaves resident memory. A tied
    // embedding table stays: its rows are still looked up.
    if (!table && view.type != TensorType::i2_s_rows)  // converted copies are not in the mapping
      file_->release_pages(view.data, view.strides[1] * static_cast<std::size_t>(view.row_count()));
  }
}

const TensorView& ModelWeights::get(TensorRole role, int layer) const {
  auto it = views_.find({static_cast<int>(role), layer});
  if (it == views_.end()) it = views_.find({static_cast<int>(role), -1});
  return it == views_.end() ? absent_ : it->second;
}

}  // namespace docent::engine
