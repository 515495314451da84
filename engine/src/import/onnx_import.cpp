// ONNX model folder (model.onnx + config.json + tokenizer files) -> GGUF. Weights are found by
// the graph's structure, not by initializer names: in node order, each matrix product with a
// weight operand (MatMul on a float, cast, transposed or DequantizeLinear'd initializer, or
// com.microsoft MatMulNBits) takes the next matrix slot of the current layer (q, k, v, o, gate,
// up, down for decoders; q, k, v, o, up, down for BERT), an Add of a 1-D initializer onto such a
// product is its bias, each normalization (a normalization node, or a Mul by a 1-D weight as in
// an RMSNorm spelled out in primitives) takes the next norm slot, and a Gather is an embedding
// named by the graph input it indexes with.
#include <onnx/onnx_pb.h>

#include <fstream>
#include <map>
#include <string_view>

#include "docent/engine.hpp"
#include "import/hf_layout.hpp"
#include "import/onnx_conversion.hpp"
#include "import/onnx_initializers.hpp"
#include "import/onnx_quantized_import.hpp"

namespace docent::engine {
namespace {

using conversion::float_tensor;
using conversion::NamedTensor;
using onnx_import::InitializerReader;

NamedTensor transposed(NamedTensor tensor) {
  if (tensor.shape.size() != 2) return tensor;
  const auto rows = static_cast<std::size_t>(tensor.shape[0]), columns = static_cast<std::size_t>(tensor.shape[1]);
  std::vector<float> out(tensor.values.size());
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t c = 0; c < columns; ++c) out[c * rows + r] = tensor.values[r * columns + c];
  tensor.values.swap(out);
  std::swap(tensor.shape[0], tensor.shape[1]);
  return tensor;
}

std::string describe(const onnx::NodeProto& node, int index) {
  return "node " + std::to_string(index) + " '" + node.name() + "' (" + node.op_type() + ")";
}

// Where a value that carries a weight comes from.
struct WeightSource {
  enum Kind { initializer, transposed_initializer, dequantized } kind = initializer;
  const onnx::TensorProto* tensor = nullptr;  // initializer / transposed_initializer
  const onnx::NodeProto* node = nullptr;      // dequantized: the DequantizeLinear
  int node_index = 0;
};

class GraphMapper {
 public:
  GraphMapper(const onnx::GraphProto& graph, const InitializerReader& reader, const conversion::HfModelShape& shape)
      : graph_(graph), reader_(reader), spec_(*shape.spec) {
    for (const auto& tensor : graph.initializer()) initializers_[tensor.name()] = &tensor;
    // Slots in the order the block computes them (the order exporters emit the nodes in).
    using R = TensorRole;
    auto add = [&](std::vector<std::string>& slots, TensorRole role, int layer) {
      if (const TensorSlot* slot = spec_.slot(role)) {
        std::string name = tensor_name(slot->hf, layer);
        slots.push_back(name.substr(0, name.rfind('.')));  // without ".weight"
      }
    };
    add(norm_slots_, R::embedding_norm, -1);
    for (int layer = 0; layer < shape.layers; ++layer) {
      for (R role : {R::attention_query, R::attention_key, R::attention_value, R::attention_output, R::ffn_gate, R::ffn_up, R::ffn_down})
        add(matrix_slots_, role, layer);
      for (R role : {R::attention_norm, R::attention_output_norm, R::ffn_norm, R::layer_output_norm}) add(norm_slots_, role, layer);
    }
    add(norm_slots_, R::output_norm, -1);
    add(matrix_slots_, R::output, -1);
    optional_head_ = spec_.slot(R::output) != nullptr ? 1 : 0;  // a tied head is no product of its own
  }

  void run() {
    for (int index = 0; index < graph_.node_size(); ++index) visit(graph_.node(index), index);
    if (next_matrix_ + optional_head_ < matrix_slots_.size())
      throw ModelError(source() + ": the graph holds " + std::to_string(next_matrix_) + " weight matrices; config.json's layers need " +
                       std::to_string(matrix_slots_.size() - optional_head_));
  }

  std::map<std::string, NamedTensor>& found() { return found_; }

 private:
  std::string source() const { return reader_.path().string(); }

  const onnx::TensorProto* initializer(const std::string& name) const {
    auto it = initializers_.find(name);
    return it == initializers_.end() ? nullptr : it->second;
  }
  // A weight, as opposed to a scalar constant (epsilon, exponents, shapes) an exporter may also
  // keep as an initializer.
  const WeightSource* weight(const std::string& name) const {
    auto it = weights_.find(name);
    return it == weights_.end() ? nullptr : &it->second;
  }
  void note_initializers(const onnx::NodeProto& node) {
    for (const auto& input : node.input())
      if (const auto* tensor = initializer(input); tensor != nullptr && InitializerReader::is_float(*tensor) &&
                                                  InitializerReader::element_count(*tensor) > 1)
        weights_.try_emplace(input, WeightSource{WeightSource::initializer, tensor, nullptr, 0});
  }

  std::string next_matrix(const onnx::NodeProto& node, int index) {
    if (next_matrix_ >= matrix_slots_.size())
      throw ModelError(source() + ": " + describe(node, index) + " could not be mapped: more weight matrices than config.json's layers hold");
    return matrix_slots_[next_matrix_++];
  }
  std::string next_norm(const onnx::NodeProto& node, int index) {
    if (next_norm_ >= norm_slots_.size())
      throw ModelError(source() + ": " + describe(node, index) + " could not be mapped: more normalizations than config.json's layers hold");
    return norm_slots_[next_norm_++];
  }

  void visit(const onnx::NodeProto& node, int index);

  const onnx::GraphProto& graph_;
  const InitializerReader& reader_;
  const ArchitectureSpec& spec_;
  std::size_t optional_head_ = 0;
  std::map<std::string, const onnx::TensorProto*> initializers_;
  std::map<std::string, WeightSource> weights_;
  std::vector<std::string> matrix_slots_, norm_slots_;
  std::size_t next_matrix_ = 0, next_norm_ = 0;
  std::map<std::string, NamedTensor> found_;
  std::map<std::string, std::string> product_of_output_;  // matrix product output -> HF prefix
};

void GraphMapper::visit(const onnx::NodeProto& node, int index) {
  const std::string& op = node.op_type();
  note_initializers(node);
  auto input_weight = [&](int i) -> const WeightSource* { return i < node.input_size() ? weight(node.input(i)) : nullptr; };
  bool consumes_weight = false;
  for (int i = 0; i < node.input_size(); ++i) consumes_weight = consumes_weight || weight(node.input(i)) != nullptr;
  const std::string where = describe(node, index);
  if (node.input_size() == 0 || node.output_size() == 0) {  // every mapping below reads input 0 and output 0
    if (consumes_weight) throw ModelError(source() + ": " + where + " could not be mapped: it consumes a weight but has no output");
    return;
  }

  if (op == "Cast" && input_weight(0) != nullptr) {
    weights_[node.output(0)] = *input_weight(0);  // precision change only
  } else if (op == "Transpose" && input_weight(0) != nullptr && input_weight(0)->kind == WeightSource::initializer &&
             node.input_size() == 1) {
    weights_[node.output(0)] = WeightSource{WeightSource::transposed_initializer, input_weight(0)->tensor, nullptr, 0};
  } else if (op == "DequantizeLinear" && initializer(node.input(0)) != nullptr) {
    weights_[node.output(0)] = WeightSource{WeightSource::dequantized, nullptr, &node, index};
  } else if (op == "Gather" && input_weight(0) != nullptr && input_weight(0)->kind == WeightSource::initializer && node.input_size() == 2) {
    // By the input the indices are: positions are computed in the graph (or an input of their own).
    const std::string& indices = node.input(1);
    auto hf_name = [&](TensorRole role) { return spec_.slot(role) ? std::string(spec_.slot(role)->hf) : std::string(); };
    const std::string positions = hf_name(TensorRole::position_embedding);
    std::string name;
    if (indices == "input_ids") name = hf_name(TensorRole::token_embedding);
    else if (indices == "token_type_ids") name = hf_name(TensorRole::token_type_embedding);
    else if (!positions.empty() && found_.count(positions) == 0) name = positions;
    if (name.empty()) throw ModelError(source() + ": " + where + " could not be mapped: it gathers a weight by '" + indices + "'");
    const auto* tensor = input_weight(0)->tensor;
    found_[name] = float_tensor(InitializerReader::shape(*tensor), reader_.floats(*tensor), source());
    if (tensor->data_type() != onnx::TensorProto::FLOAT) found_[name].dtype = tensor->data_type() == onnx::TensorProto::FLOAT16 ? "F16" : "BF16";
  } else if (op == "MatMul" && node.input_size() == 2 && input_weight(1) != nullptr) {
    const std::string slot = next_matrix(node, index);
    const WeightSource& b = *input_weight(1);
    NamedTensor tensor;
    if (b.kind == WeightSource::dequantized) {
      tensor = onnx_import::import_dequantized_matmul_weight(*b.node, initializers_, reader_, describe(*b.node, b.node_index));
    } else {
      if (b.tensor->dims_size() != 2)
        throw ModelError(source() + ": " + where + " could not be mapped: its weight '" + b.tensor->name() + "' is not 2-D");
      tensor = float_tensor(InitializerReader::shape(*b.tensor), reader_.floats(*b.tensor), source());
      if (b.tensor->data_type() == onnx::TensorProto::FLOAT16) tensor.dtype = "F16";
      if (b.tensor->data_type() == onnx::TensorProto::BFLOAT16) tensor.dtype = "BF16";
      // MatMul's B is [in, out]; Hugging Face stores [out, in] (what a transposed initializer holds).
      if (b.kind == WeightSource::initializer) tensor = transposed(std::move(tensor));
    }
    found_[slot + ".weight"] = std::move(tensor);
    product_of_output_[node.output(0)] = slot;
  } else if (op == "MatMulNBits") {
    const std::string slot = next_matrix(node, index);
    found_[slot + ".weight"] = onnx_import::import_matmul_nbits(node, initializers_, reader_, where);
    if (node.input_size() > 5 && !node.input(5).empty()) {
      const auto* bias = initializer(node.input(5));
      if (bias == nullptr) throw ModelError(source() + ": " + where + " could not be mapped: its bias is not an initializer");
      found_[slot + ".bias"] = float_tensor(InitializerReader::shape(*bias), reader_.floats(*bias), source());
    }
    product_of_output_[node.output(0)] = slot;
  } else if (op == "Add" && consumes_weight) {
    if (node.input_size() != 2)
      throw ModelError(source() + ": " + where + " could not be mapped: an Add of a weight needs exactly two inputs");
    const int weight_input = input_weight(1) != nullptr ? 1 : 0;
    const WeightSource& bias = *input_weight(weight_input);
    auto producer = product_of_output_.find(node.input(1 - weight_input));
    if (producer == product_of_output_.end() || bias.kind != WeightSource::initializer || bias.tensor->dims_size() != 1)
      throw ModelError(source() + ": " + where + " could not be mapped: it adds a weight that is not a matrix product's bias");
    found_[producer->second + ".bias"] = float_tensor(InitializerReader::shape(*bias.tensor), reader_.floats(*bias.tensor), source());
  } else if (op == "LayerNormalization" || op == "SimplifiedLayerNormalization" || op == "RMSNormalization" ||
             op == "SkipLayerNormalization" || op == "SkipSimplifiedLayerNormalization") {
    const int gamma = op.rfind("Skip", 0) == 0 ? 2 : 1;  // Skip variants take (input, skip, gamma, beta)
    const WeightSource* scale = input_weight(gamma);
    if (scale == nullptr || scale->kind != WeightSource::initializer)
      throw ModelError(source() + ": " + where + " could not be mapped: its scale is not a weight initializer");
    const std::string slot = next_norm(node, index);
    found_[slot + ".weight"] = float_tensor(InitializerReader::shape(*scale->tensor), reader_.floats(*scale->tensor), source());
    if (const WeightSource* shift = input_weight(gamma + 1); shift != nullptr && shift->kind == WeightSource::initializer)
      found_[slot + ".bias"] = float_tensor(InitializerReader::shape(*shift->tensor), reader_.floats(*shift->tensor), source());
  } else if (op == "Mul" && consumes_weight) {
    const WeightSource* scale = input_weight(1) != nullptr ? input_weight(1) : input_weight(0);
    if (scale->kind != WeightSource::initializer || scale->tensor->dims_size() != 1)
      throw ModelError(source() + ": " + where + " could not be mapped: it multiplies by a weight that is not a normalization scale");
    const std::string slot = next_norm(node, index);
    found_[slot + ".weight"] = float_tensor(InitializerReader::shape(*scale->tensor), reader_.floats(*scale->tensor), source());
  } else if (consumes_weight) {
    throw ModelError(source() + ": " + where + " could not be mapped: unsupported operator consuming a weight");
  }
}

}  // namespace

void import_onnx_model(const std::filesystem::path& onnx_file, const std::filesystem::path& output_gguf) {
  const std::string source = onnx_file.string();
  onnx::ModelProto model;
  {
    std::ifstream in(onnx_file, std::ios::binary);
    if (!in) throw ModelError(source + ": cannot open");
    if (!model.ParseFromIstream(&in)) throw ModelError(source + ": not a valid ONNX model (protobuf parse failed)");
  }
  const auto folder = onnx_file.parent_path().empty() ? std::filesystem::path(".") : onnx_file.parent_path();
  const conversion::HfModelShape shape = conversion::read_hf_shape(folder);
  const InitializerReader reader{onnx_file};
  GraphMapper mapper(model.graph(), reader, shape);
  try {
    mapper.run();
  } catch (const ModelError& error) {  // a few helpers cannot know the file: name it here
    if (std::string_view(error.what()).find(source) == std::string_view::npos)
      throw ModelError(source + ": " + error.what());
    throw;
  }
  auto& found = mapper.found();
  write_gguf_from_hf_tensors(
      folder,
      [&](const std::string& name) -> std::optional<NamedTensor> {
        auto it = found.find(name);
        if (it == found.end()) return std::nullopt;
        return it->second;
      },
      output_gguf);
}

}  // namespace docent::engine
