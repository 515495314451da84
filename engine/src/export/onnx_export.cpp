// GGUF -> ONNX folder: model.onnx (weights as initializers, optionally in model.onnx.data) plus
// the config and tokenizer files an importer needs. The graph has a real exporter's layout —
// Gather for embeddings, (Simplified)LayerNormalization, MatMul nodes consuming transposed
// [in, out] weight initializers, Add for biases — with ONNX Runtime contrib attention nodes;
// it is meant for exchanging weights, not tuned for running.
#include <onnx/onnx_pb.h>

#include <cstring>
#include <fstream>

#include "docent/engine.hpp"
#include "import/hf_layout.hpp"
#include "import/onnx_conversion.hpp"
#include "import/safetensors.hpp"

namespace docent::engine {
namespace {

class GraphBuilder {
 public:
  GraphBuilder(onnx::GraphProto& graph, const conversion::SafetensorsSet& weights, std::ofstream* external,
               std::string external_name)
      : graph_(graph), weights_(weights), external_(external), external_name_(std::move(external_name)) {}

  // Adds a weight initializer; `transpose` stores a [out, in] matrix as [in, out] (MatMul's B).
  std::string weight(const std::string& hf_name, bool transpose) {
    const conversion::SafetensorsTensor* tensor = weights_.find(hf_name);
    if (tensor == nullptr) throw ModelError("internal: exported tensor '" + hf_name + "' not found");
    onnx::TensorProto* proto = graph_.add_initializer();
    proto->set_name(hf_name);
    std::vector<std::int64_t> shape = tensor->shape;
    const std::size_t element = tensor->dtype == "F32" ? 4 : 2;
    std::string bytes(reinterpret_cast<const char*>(tensor->data), tensor->bytes);
    if (transpose && shape.size() == 2) {
      const auto rows = static_cast<std::size_t>(shape[0]), columns = static_cast<std::size_t>(shape[1]);
      std::string transposed(bytes.size(), '\0');
      for (std::size_t r = 0; r < rows; ++r)
        for (std::size_t c = 0; c < columns; ++c)
          std::memcpy(&transposed[(c * rows + r) * element], &bytes[(r * columns + c) * element], element);
      bytes.swap(transposed);
      std::swap(shape[0], shape[1]);
    }
    for (auto dimension : shape) proto->add_dims(dimension);
    proto->set_data_type(tensor->dtype == "F32" ? onnx::TensorProto::FLOAT
                         : tensor->dtype == "F16" ? onnx::TensorProto::FLOAT16
                                                  : onnx::TensorProto::BFLOAT16);
    if (external_ != nullptr) {
      proto->set_data_location(onnx::TensorProto::EXTERNAL);
      auto add = [&](const std::string& key, const std::string& value) {
        auto* entry = proto->add_external_data();
        entry->set_key(key);
        entry->set_value(value);
      };
      add("location", external_name_);
      add("offset", std::to_string(external_offset_));
      add("length", std::to_string(bytes.size()));
      external_->write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
      external_offset_ += bytes.size();
    } else {
      proto->set_raw_data(bytes);
    }
    return hf_name;
  }

  std::string node(const std::string& op, std::vector<std::string> inputs, const std::string& domain = "",
                   std::vector<std::pair<std::string, float>> float_attributes = {},
                   std::vector<std::pair<std::string, std::int64_t>> int_attributes = {}) {
    onnx::NodeProto* proto = graph_.add_node();
    const std::string name = "/" + op + "_" + std::to_string(graph_.node_size());
    proto->set_name(name);
    proto->set_op_type(op);
    if (!domain.empty()) proto->set_domain(domain);
    for (const auto& input : inputs) proto->add_input(input);
    proto->add_output(name + "/output_0");
    for (const auto& [key, value] : float_attributes) {
      auto* attribute = proto->add_attribute();
      attribute->set_name(key);
      attribute->set_type(onnx::AttributeProto::FLOAT);
      attribute->set_f(value);
    }
    for (const auto& [key, value] : int_attributes) {
      auto* attribute = proto->add_attribute();
      attribute->set_name(key);
      attribute->set_type(onnx::AttributeProto::INT);
      attribute->set_i(value);
    }
    return proto->output(0);
  }

  std::string linear(const std::string& input, const std::string& hf_prefix) {
    std::string output = node("MatMul", {input, weight(hf_prefix + ".weight", true)});
    if (weights_.find(hf_prefix + ".bias") != nullptr) output = node("Add", {output, weight(hf_prefix + ".bias", false)});
    return output;
  }

 private:
  onnx::GraphProto& graph_;
  const conversion::SafetensorsSet& weights_;
  std::ofstream* external_;
  std::string external_name_;
  std::uint64_t external_offset_ = 0;
};

void add_input(onnx::GraphProto& graph, const std::string& name) {
  auto* input = graph.add_input();
  input->set_name(name);
  auto* type = input->mutable_type()->mutable_tensor_type();
  type->set_elem_type(onnx::TensorProto::INT64);
  type->mutable_shape()->add_dim()->set_dim_param("batch");
  type->mutable_shape()->add_dim()->set_dim_param("sequence");
}

}  // namespace

void export_onnx_model(const std::filesystem::path& gguf, const std::filesystem::path& output_folder, bool external_data) {
  export_hf_model(gguf, output_folder);  // config.json, tokenizer files, and the weights in HF layout
  const auto config = conversion::read_hf_shape(output_folder);
  {
    const auto weights = conversion::SafetensorsSet::open_folder(output_folder);
    onnx::ModelProto model;
    model.set_ir_version(8);
    model.set_producer_name("docent");
    auto* opset = model.add_opset_import();
    opset->set_domain("");
    opset->set_version(17);
    auto* contrib = model.add_opset_import();
    contrib->set_domain("com.microsoft");
    contrib->set_version(1);
    onnx::GraphProto& graph = *model.mutable_graph();
    graph.set_name(config.architecture);
    std::ofstream external;
    if (external_data) {
      external.open(output_folder / "model.onnx.data", std::ios::binary | std::ios::trunc);
      if (!external) throw ModelError((output_folder / "model.onnx.data").string() + ": cannot create file");
    }
    GraphBuilder builder(graph, weights, external_data ? &external : nullptr, "model.onnx.data");
    add_input(graph, "input_ids");
    std::string hidden;
    if (config.architecture == "bert") {
      add_input(graph, "position_ids");
      add_input(graph, "token_type_ids");
      hidden = builder.node("Gather", {builder.weight("embeddings.word_embeddings.weight", false), "input_ids"});
      hidden = builder.node("Add", {hidden, builder.node("Gather", {builder.weight("embeddings.position_embeddings.weight", false), "position_ids"})});
      if (weights.find("embeddings.token_type_embeddings.weight") != nullptr)
        hidden = builder.node("Add", {hidden, builder.node("Gather", {builder.weight("embeddings.token_type_embeddings.weight", false), "token_type_ids"})});
      auto layer_norm = [&](const std::string& input, const std::string& prefix) {
        return builder.node("LayerNormalization", {input, builder.weight(prefix + ".weight", false), builder.weight(prefix + ".bias", false)},
                            "", {{"epsilon", static_cast<float>(config.norm_epsilon)}}, {{"axis", -1}});
      };
      hidden = layer_norm(hidden, "embeddings.LayerNorm");
      for (int layer = 0; layer < config.layers; ++layer) {
        const std::string p = "encoder.layer." + std::to_string(layer) + ".";
        const auto q = builder.linear(hidden, p + "attention.self.query");
        const auto k = builder.linear(hidden, p + "attention.self.key");
        const auto v = builder.linear(hidden, p + "attention.self.value");
        const auto attention = builder.node("MultiHeadAttention", {q, k, v}, "com.microsoft", {}, {{"num_heads", config.heads}});
        const auto attended = builder.linear(attention, p + "attention.output.dense");
        hidden = layer_norm(builder.node("Add", {hidden, attended}), p + "attention.output.LayerNorm");
        const auto up = builder.node("Gelu", {builder.linear(hidden, p + "intermediate.dense")}, "com.microsoft");
        const auto down = builder.linear(up, p + "output.dense");
        hidden = layer_norm(builder.node("Add", {hidden, down}), p + "output.LayerNorm");
      }
    } else {
      hidden = builder.node("Gather", {builder.weight("model.embed_tokens.weight", false), "input_ids"});
      auto rms_norm = [&](const std::string& input, const std::string& name) {
        return builder.node("SimplifiedLayerNormalization", {input, builder.weight(name, false)}, "com.microsoft",
                            {{"epsilon", static_cast<float>(config.norm_epsilon)}}, {{"axis", -1}});
      };
      for (int layer = 0; layer < config.layers; ++layer) {
        const std::string p = "model.layers." + std::to_string(layer) + ".";
        const auto normed = rms_norm(hidden, p + "input_layernorm.weight");
        const auto q = builder.linear(normed, p + "self_attn.q_proj");
        const auto k = builder.linear(normed, p + "self_attn.k_proj");
        const auto v = builder.linear(normed, p + "self_attn.v_proj");
        const auto attention = builder.node("GroupQueryAttention", {q, k, v}, "com.microsoft", {},
                                            {{"num_heads", config.heads}, {"kv_num_heads", config.kv_heads}});
        hidden = builder.node("Add", {hidden, builder.linear(attention, p + "self_attn.o_proj")});
        const auto normed2 = rms_norm(hidden, p + "post_attention_layernorm.weight");
        const auto gate = builder.linear(normed2, p + "mlp.gate_proj");
        const auto silu = builder.node("Mul", {gate, builder.node("Sigmoid", {gate})});
        const auto up = builder.linear(normed2, p + "mlp.up_proj");
        hidden = builder.node("Add", {hidden, builder.linear(builder.node("Mul", {silu, up}), p + "mlp.down_proj")});
      }
      const auto normed = rms_norm(hidden, "model.norm.weight");
      if (weights.find("lm_head.weight") != nullptr) hidden = builder.linear(normed, "lm_head");
      else hidden = builder.node("MatMul", {normed, builder.node("Transpose", {"model.embed_tokens.weight"})});
    }
    auto* output = graph.add_output();
    output->set_name(hidden);
    output->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
    std::ofstream out(output_folder / "model.onnx", std::ios::binary | std::ios::trunc);
    if (!out || !model.SerializeToOstream(&out)) throw ModelError((output_folder / "model.onnx").string() + ": write failed");
  }
  std::filesystem::remove(output_folder / "model.safetensors");
}

}  // namespace docent::engine
