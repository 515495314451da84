#include "quantize/quarot.hpp"

#include <algorithm>

#include "docent/engine.hpp"
#include "architectures/architecture.hpp"
#include "import/hf_layout.hpp"

namespace docent::engine {
namespace {

enum class Role { reads_residual, writes_residual, residual_bias, norm, norm_bias, unchanged };

struct Classified {
  Role role = Role::unchanged;
  std::string norm;  // reads_residual: the norm whose scale folds in ("" for the embedding)
  bool ffn_down = false;  // also takes the online Hadamard transform
};

// What the rotation does to a tensor, from its role in the architecture table.
Classified classify(const ArchitectureSpec& spec, const std::string& name) {
  int layer = -1;
  const TensorSlot* slot = spec.slot_of(name, &layer);
  if (slot == nullptr) return {};
  auto norm = [&](TensorRole role) {
    const TensorSlot* norm_slot = spec.slot(role);
    return norm_slot == nullptr ? std::string() : tensor_name(norm_slot->gguf, layer);
  };
  using R = TensorRole;
  switch (slot->role) {
    case R::token_embedding: return {Role::reads_residual, ""};
    case R::output: return {Role::reads_residual, norm(R::output_norm)};
    case R::attention_query: case R::attention_key: case R::attention_value:
      return {Role::reads_residual, norm(R::attention_norm)};
    case R::ffn_gate: case R::ffn_up: return {Role::reads_residual, norm(R::ffn_norm)};
    case R::attention_output: return {Role::writes_residual, ""};
    case R::ffn_down: return {Role::writes_residual, "", true};
    case R::attention_output_bias: case R::ffn_down_bias: return {Role::residual_bias, ""};
    case R::output_norm: case R::attention_norm: case R::ffn_norm: return {Role::norm, ""};
    default: break;
  }
  if (role_rule(slot->role).kind == RoleKind::norm_bias) return {Role::norm_bias, ""};
  return {};
}

const ArchitectureSpec& rotatable_architecture(const GgufFile& file) {
  const auto architecture = file.get_string("general.architecture");
  const ArchitectureSpec* spec = architecture ? find_architecture(*architecture) : nullptr;
  auto rotatable = [](const ArchitectureSpec& entry) {
    // Rotated ternary weights are no longer ternary.
    return entry.kind == ModelKind::decoder && entry.norm == NormKind::rms && !entry.has_ternary_weights();
  };
  if (spec == nullptr || !rotatable(*spec)) {
    std::string supported;
    for (const ArchitectureSpec* entry : architectures())
      if (rotatable(*entry))
        for (const GgufName& name : entry->gguf_names) supported += (supported.empty() ? "" : ", ") + std::string(name.name);
    throw ModelError(file.path().string() + ": QuaRot rotation supports RMSNorm decoders (" + supported + "), not '" +
                     architecture.value_or("unknown") + "'");
  }
  return *spec;
}

std::int64_t hidden_width(const GgufFile& file, const ArchitectureSpec& spec) {
  const std::string name(spec.slot(TensorRole::token_embedding)->gguf);
  const GgufTensorInfo* embedding = file.find_tensor(name);
  if (embedding == nullptr || embedding->shape.size() != 2)
    throw ModelError(file.path().string() + ": missing matrix '" + name + "'");
  return embedding->shape[0];
}

}  // namespace

QuarotRotation::QuarotRotation(const GgufFile& file, std::uint64_t seed)
    : source_(file.path().string()), spec_(&rotatable_architecture(file)), hidden_(hidden_width(file, *spec_)), seed_(seed),
      residual_(hidden_, seed) {
  const TensorSlot* output = spec_->slot(TensorRole::output);
  tied_output_ = output != nullptr && file.find_tensor(std::string(output->gguf)) == nullptr;
  output_norm_ = std::string(spec_->slot(TensorRole::output_norm)->gguf);
  if (file.find_tensor(output_norm_) == nullptr) throw ModelError(source_ + ": missing tensor '" + output_norm_ + "'");
  for (const auto& tensor : file.tensors()) {
    const Classified kind = classify(*spec_, tensor.name);
    // A LayerNorm bias would need the centring QuaRot's RMSNorm argument does not cover.
    if (kind.role == Role::norm_bias)
      throw ModelError(source_ + ": tensor '" + tensor.name + "' (a norm bias) cannot be rotated");
    if (kind.role == Role::norm) {
      if (tensor.element_count() != hidden_)
        throw ModelError(source_ + ": norm '" + tensor.name + "' does not have the hidden width " + std::to_string(hidden_));
      norms_[tensor.name] = conversion::gguf_tensor_floats(tensor, source_);
    } else if (kind.role == Role::unchanged && tensor.shape.size() >= 2) {
      throw ModelError(source_ + ": do not know how to rotate matrix '" + tensor.name + "'");
    }
    if (kind.ffn_down) {
      const std::int64_t block = largest_power_of_two_divisor(tensor.shape[0]);
      if (ffn_block_ != 0 && ffn_block_ != block)
        throw ModelError(source_ + ": layers have different FFN widths; cannot use one online transform");
      ffn_block_ = block;
    }
  }
}

void QuarotRotation::rotate_rows(std::vector<float>& values, const std::vector<float>* scale) const {
  for (std::size_t start = 0; start < values.size(); start += static_cast<std::size_t>(hidden_)) {
    float* row = values.data() + start;
    if (scale != nullptr)
      for (std::int64_t i = 0; i < hidden_; ++i) row[i] *= (*scale)[static_cast<std::size_t>(i)];
    residual_.rotate(row);
  }
}

void QuarotRotation::rotate_columns(std::vector<float>& values, std::int64_t columns) const {
  std::vector<float> column(static_cast<std::size_t>(hidden_));
  for (std::int64_t c = 0; c < columns; ++c) {
    for (std::int64_t r = 0; r < hidden_; ++r) column[static_cast<std::size_t>(r)] = values[static_cast<std::size_t>(r * columns + c)];
    residual_.rotate(column.data());
    for (std::int64_t r = 0; r < hidden_; ++r) values[static_cast<std::size_t>(r * columns + c)] = column[static_cast<std::size_t>(r)];
  }
}

std::vector<float> QuarotRotation::rotate(const GgufTensorInfo& tensor, std::vector<float> values) const {
  const Classified kind = classify(*spec_, tensor.name);
  const std::int64_t row = tensor.shape.empty() ? 1 : tensor.shape[0];
  const auto fail_shape = [&] {
    throw ModelError(source_ + ": tensor '" + tensor.name + "' does not fit the hidden width " + std::to_string(hidden_));
  };
  switch (kind.role) {
    case Role::reads_residual: {
      if (row != hidden_) fail_shape();
      const std::vector<float>* scale = nullptr;
      if (!kind.norm.empty()) {
        auto it = norms_.find(kind.norm);
        if (it == norms_.end()) throw ModelError(source_ + ": missing norm '" + kind.norm + "' for '" + tensor.name + "'");
        scale = &it->second;
      }
      rotate_rows(values, scale);
      return values;
    }
    case Role::writes_residual: {
      if (tensor.shape.size() != 2 || tensor.shape[1] != hidden_) fail_shape();
      if (kind.ffn_down)
        walsh_hadamard_blocks(values.data(), static_cast<std::int64_t>(values.size()), ffn_block_);
      rotate_columns(values, row);
      return values;
    }
    case Role::residual_bias:
      if (static_cast<std::int64_t>(values.size()) != hidden_) fail_shape();
      residual_.rotate(values.data());
      return values;
    case Role::norm:
      std::fill(values.begin(), values.end(), 1.0f);
      return values;
    case Role::norm_bias:
    case Role::unchanged: return values;
  }
  return values;
}

std::vector<float> QuarotRotation::output_head(const std::vector<float>& embedding_values) const {
  std::vector<float> head = embedding_values;
  rotate_rows(head, &norms_.at(output_norm_));
  return head;
}

}  // namespace docent::engine
