// ONNX model folder (model.onnx + config.json + tokenizer files) -> GGUF. Weights are found by
// the graph's structure, not by initializer names: in node order, each MatMul that consumes a
// weight initializer takes the next matrix slot of the current layer (q, k, v, o, gate, up, down
// for decoders; q, k, v, o, up, down for BERT), an Add of a 1-D initializer onto such a MatMul's
// output is its bias, each normalization node takes the next norm slot, and a Gather is an
// embedding named by the graph input it indexes with.
#include <onnx/onnx_pb.h>

#include <fstream>
#include <cstring>
#include <map>

#include "docent/engine.hpp"
#include "import/hf_layout.hpp"
#include "import/onnx_conversion.hpp"
#include "quant/half.hpp"

namespace docent::engine {
namespace {

using conversion::NamedTensor;

struct InitializerReader {
  std::filesystem::path model_path;

  NamedTensor read(const onnx::TensorProto& tensor) const {
    NamedTensor result;
    result.origin = model_path.string();
    std::int64_t count = 1;
    for (auto dimension : tensor.dims()) {
      if (dimension < 0) throw ModelError(model_path.string() + ": initializer '" + tensor.name() + "' has a negative dimension");
      result.shape.push_back(dimension);
      count *= dimension;
    }
    const int type = tensor.data_type();
    std::size_t element = 0;
    if (type == onnx::TensorProto::FLOAT) result.dtype = "F32", element = 4;
    else if (type == onnx::TensorProto::FLOAT16) result.dtype = "F16", element = 2;
    else if (type == onnx::TensorProto::BFLOAT16) result.dtype = "BF16", element = 2;
    else throw ModelError(model_path.string() + ": initializer '" + tensor.name() + "' has unsupported data type " + std::to_string(type));
    const auto bytes_needed = static_cast<std::size_t>(count) * element;
    std::string bytes;
    if (tensor.data_location() == onnx::TensorProto::EXTERNAL) {
      std::string location;
      std::uint64_t offset = 0, length = bytes_needed;
      for (const auto& entry : tensor.external_data()) {
        if (entry.key() == "location") location = entry.value();
        else if (entry.key() == "offset") offset = std::stoull(entry.value());
        else if (entry.key() == "length") length = std::stoull(entry.value());
      }
      if (location.empty() || location.find("..") != std::string::npos || location.front() == '/')
        throw ModelError(model_path.string() + ": initializer '" + tensor.name() + "' has a bad external data location '" + location + "'");
      const auto data_path = model_path.parent_path() / location;
      std::ifstream in(data_path, std::ios::binary);
      if (!in) throw ModelError(data_path.string() + ": external data file of '" + tensor.name() + "' is missing");
      in.seekg(0, std::ios::end);
      const auto size = static_cast<std::uint64_t>(in.tellg());
      if (length != bytes_needed || offset > size || size - offset < length)
        throw ModelError(data_path.string() + ": too short for initializer '" + tensor.name() + "' (truncated external data)");
      bytes.resize(length);
      in.seekg(static_cast<std::streamoff>(offset));
      in.read(bytes.data(), static_cast<std::streamsize>(length));
    } else if (tensor.has_raw_data()) {
      bytes = tensor.raw_data();
    } else if (type == onnx::TensorProto::FLOAT) {
      bytes.assign(reinterpret_cast<const char*>(tensor.float_data().data()), static_cast<std::size_t>(tensor.float_data_size()) * 4);
    } else {
      bytes.resize(static_cast<std::size_t>(tensor.int32_data_size()) * 2);
      for (int i = 0; i < tensor.int32_data_size(); ++i) {
        const auto value = static_cast<std::uint16_t>(tensor.int32_data(i));
        std::memcpy(&bytes[static_cast<std::size_t>(i) * 2], &value, 2);
      }
    }
    if (bytes.size() != bytes_needed)
      throw ModelError(model_path.string() + ": initializer '" + tensor.name() + "' holds " + std::to_string(bytes.size()) +
                       " bytes, its shape needs " + std::to_string(bytes_needed));
    result.values.resize(static_cast<std::size_t>(count));
    for (std::size_t i = 0; i < result.values.size(); ++i) {
      if (element == 4) {
        std::memcpy(&result.values[i], &bytes[i * 4], 4);
      } else {
        std::uint16_t raw;
        std::memcpy(&raw, &bytes[i * 2], 2);
        result.values[i] = type == onnx::TensorProto::FLOAT16 ? half_to_float(raw) : bfloat16_to_float(raw);
      }
    }
    return result;
  }
};

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
  const onnx::GraphProto& graph = model.graph();
  std::map<std::string, const onnx::TensorProto*> initializers;
  for (const auto& tensor : graph.initializer()) initializers[tensor.name()] = &tensor;
  const InitializerReader reader{onnx_file};

  // The slots in the order a layer uses them.
  std::vector<std::string> matrix_slots, norm_slots;
  const bool bert = shape.architecture == "bert";
  if (bert) norm_slots.push_back("embeddings.LayerNorm");
  for (int layer = 0; layer < shape.layers; ++layer) {
    const std::string l = std::to_string(layer);
    if (bert) {
      const std::string p = "encoder.layer." + l + ".";
      for (const char* name : {"attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense",
                               "intermediate.dense", "output.dense"})
        matrix_slots.push_back(p + name);
      norm_slots.push_back(p + "attention.output.LayerNorm");
      norm_slots.push_back(p + "output.LayerNorm");
    } else {
      const std::string p = "model.layers." + l + ".";
      for (const char* name : {"self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj", "mlp.gate_proj",
                               "mlp.up_proj", "mlp.down_proj"})
        matrix_slots.push_back(p + name);
      norm_slots.push_back(p + "input_layernorm");
      norm_slots.push_back(p + "post_attention_layernorm");
    }
  }
  if (!bert) {
    norm_slots.push_back("model.norm");
    matrix_slots.push_back("lm_head");
  }

  std::map<std::string, NamedTensor> found;
  std::map<std::string, std::string> matmul_of_output;  // node output -> HF prefix of its weight
  std::map<std::string, std::string> transposed_initializer;  // Transpose output -> initializer
  std::size_t next_matrix = 0, next_norm = 0;
  auto initializer_input = [&](const onnx::NodeProto& node, int index) -> const onnx::TensorProto* {
    if (index >= node.input_size()) return nullptr;
    auto it = initializers.find(node.input(index));
    return it == initializers.end() ? nullptr : it->second;
  };
  for (int index = 0; index < graph.node_size(); ++index) {
    const onnx::NodeProto& node = graph.node(index);
    const std::string& op = node.op_type();
    bool consumes_weight = false;
    for (int i = 0; i < node.input_size(); ++i) consumes_weight = consumes_weight || initializers.count(node.input(i)) != 0;
    if (op == "Gather" && initializer_input(node, 0) != nullptr && node.input_size() == 2) {
      const std::string& indices = node.input(1);
      const std::string name = indices == "input_ids" ? (bert ? "embeddings.word_embeddings.weight" : "model.embed_tokens.weight")
                               : indices == "position_ids" && bert     ? "embeddings.position_embeddings.weight"
                               : indices == "token_type_ids" && bert   ? "embeddings.token_type_embeddings.weight"
                                                                       : "";
      if (name.empty()) throw ModelError(source + ": " + describe(node, index) + " could not be mapped: it gathers by '" + indices + "'");
      found[name] = reader.read(*initializer_input(node, 0));
    } else if (op == "MatMul" && node.input_size() == 2 &&
               (initializer_input(node, 1) != nullptr || transposed_initializer.count(node.input(1)) != 0)) {
      if (next_matrix >= matrix_slots.size())
        throw ModelError(source + ": " + describe(node, index) + " could not be mapped: more weight matrices than config.json's layers hold");
      const std::string slot = matrix_slots[next_matrix++];
      if (auto tied = transposed_initializer.find(node.input(1)); tied != transposed_initializer.end()) {
        if (slot != "lm_head") throw ModelError(source + ": " + describe(node, index) + " could not be mapped: a transposed weight outside the output head");
        continue;  // output tied to the embedding
      }
      // MatMul's B is [in, out]; HF stores [out, in].
      found[slot + ".weight"] = transposed(reader.read(*initializer_input(node, 1)));
      matmul_of_output[node.output(0)] = slot;
    } else if (op == "Add" && consumes_weight) {
      const onnx::TensorProto* bias = initializer_input(node, 1) != nullptr ? initializer_input(node, 1) : initializer_input(node, 0);
      const std::string& other = initializer_input(node, 1) != nullptr ? node.input(0) : node.input(1);
      auto producer = matmul_of_output.find(other);
      if (producer == matmul_of_output.end() || bias->dims_size() != 1)
        throw ModelError(source + ": " + describe(node, index) + " could not be mapped: it adds a weight that is not a MatMul's bias");
      found[producer->second + ".bias"] = reader.read(*bias);
    } else if ((op == "LayerNormalization" || op == "SimplifiedLayerNormalization" || op == "RMSNormalization" ||
                op == "SkipSimplifiedLayerNormalization") && initializer_input(node, 1) != nullptr) {
      if (next_norm >= norm_slots.size())
        throw ModelError(source + ": " + describe(node, index) + " could not be mapped: more normalizations than config.json's layers hold");
      const std::string slot = norm_slots[next_norm++];
      found[slot + ".weight"] = reader.read(*initializer_input(node, 1));
      if (const onnx::TensorProto* bias = initializer_input(node, 2)) found[slot + ".bias"] = reader.read(*bias);
    } else if (op == "Transpose" && initializer_input(node, 0) != nullptr && node.input_size() == 1) {
      transposed_initializer[node.output(0)] = node.input(0);
    } else if (consumes_weight) {
      throw ModelError(source + ": " + describe(node, index) + " could not be mapped: unsupported operator consuming a weight");
    }
  }
  if (next_matrix + (bert ? 0 : 1) < matrix_slots.size())
    throw ModelError(source + ": the graph holds " + std::to_string(next_matrix) + " weight matrices; config.json's " +
                     std::to_string(shape.layers) + " layers need " + std::to_string(matrix_slots.size() - (bert ? 0 : 1)));
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
