#include "quantize/quarot.hpp"

#include <algorithm>

#include "docent/engine.hpp"
#include "import/hf_layout.hpp"

namespace docent::engine {
namespace {

enum class Role { reads_residual, writes_residual, residual_bias, norm, unchanged };

struct Classified {
  Role role = Role::unchanged;
  std::string norm;  // reads_residual: the norm whose scale folds in ("" for the embedding)
};

// "blk.3.attn_q.weight" -> ("blk.3.", "attn_q.weight"); other names -> ("", name).
std::pair<std::string, std::string> split_layer(const std::string& name) {
  if (name.rfind("blk.", 0) != 0) return {"", name};
  const auto dot = name.find('.', 4);
  if (dot == std::string::npos) return {"", name};
  return {name.substr(0, dot + 1), name.substr(dot + 1)};
}

Classified classify(const std::string& name) {
  const auto [prefix, suffix] = split_layer(name);
  if (prefix.empty()) {
    if (name == "token_embd.weight") return {Role::reads_residual, ""};
    if (name == "output.weight") return {Role::reads_residual, "output_norm.weight"};
    if (name == "output_norm.weight") return {Role::norm, ""};
    return {};
  }
  for (const char* reader : {"attn_q.weight", "attn_k.weight", "attn_v.weight"})
    if (suffix == reader) return {Role::reads_residual, prefix + "attn_norm.weight"};
  for (const char* reader : {"ffn_gate.weight", "ffn_up.weight"})
    if (suffix == reader) return {Role::reads_residual, prefix + "ffn_norm.weight"};
  if (suffix == "attn_output.weight" || suffix == "ffn_down.weight") return {Role::writes_residual, ""};
  if (suffix == "attn_output.bias" || suffix == "ffn_down.bias") return {Role::residual_bias, ""};
  if (suffix == "attn_norm.weight" || suffix == "ffn_norm.weight") return {Role::norm, ""};
  return {};
}

std::int64_t hidden_width(const GgufFile& file) {
  const auto architecture = file.get_string("general.architecture");
  if (!architecture || (*architecture != "llama" && *architecture != "qwen2"))
    throw ModelError(file.path().string() + ": QuaRot rotation supports llama and qwen2 decoders, not '" +
                     architecture.value_or("unknown") + "'");
  const GgufTensorInfo* embedding = file.find_tensor("token_embd.weight");
  if (embedding == nullptr || embedding->shape.size() != 2)
    throw ModelError(file.path().string() + ": missing matrix 'token_embd.weight'");
  return embedding->shape[0];
}

}  // namespace

QuarotRotation::QuarotRotation(const GgufFile& file, std::uint64_t seed)
    : source_(file.path().string()), hidden_(hidden_width(file)), seed_(seed), residual_(hidden_, seed) {
  tied_output_ = file.find_tensor("output.weight") == nullptr;
  if (file.find_tensor("output_norm.weight") == nullptr) throw ModelError(source_ + ": missing tensor 'output_norm.weight'");
  for (const auto& tensor : file.tensors()) {
    const auto [prefix, suffix] = split_layer(tensor.name);
    // A LayerNorm bias would need the centring QuaRot's RMSNorm argument does not cover.
    if (suffix.ends_with("norm.bias"))
      throw ModelError(source_ + ": tensor '" + tensor.name + "' (a norm bias) cannot be rotated");
    const Classified kind = classify(tensor.name);
    if (kind.role == Role::norm) {
      if (tensor.element_count() != hidden_)
        throw ModelError(source_ + ": norm '" + tensor.name + "' does not have the hidden width " + std::to_string(hidden_));
      norms_[tensor.name] = conversion::gguf_tensor_floats(tensor, source_);
    } else if (kind.role == Role::unchanged && tensor.shape.size() >= 2) {
      throw ModelError(source_ + ": do not know how to rotate matrix '" + tensor.name + "'");
    }
    if (suffix == "ffn_down.weight") {
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
  const Classified kind = classify(tensor.name);
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
      if (tensor.name.ends_with("ffn_down.weight"))
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
    case Role::unchanged: return values;
  }
  return values;
}

std::vector<float> QuarotRotation::output_head(const std::vector<float>& embedding_values) const {
  std::vector<float> head = embedding_values;
  rotate_rows(head, &norms_.at("output_norm.weight"));
  return head;
}

}  // namespace docent::engine
