// GGUF -> ONNX folder: model.onnx (weights as initializers, optionally in model.onnx.data) plus
// the config and tokenizer files an importer needs. The graph is built from standard ONNX ops
// (opset 21) so ONNX Runtime's CPU provider runs it as exported; only the int4 weight encoding
// uses a contrib op (com.microsoft MatMulNBits). Decoders carry an explicit KV cache so they run
// a prompt, then one token at a time.
#include <onnx/onnx_pb.h>

#include <array>
#include <cctype>
#include <cmath>
#include <fstream>
#include <limits>
#include <optional>

#include "docent/engine.hpp"
#include "export/onnx_graph_builder.hpp"
#include "import/hf_layout.hpp"
#include "import/onnx_conversion.hpp"
#include "import/safetensors.hpp"
#include "model_weights.hpp"
#include "quant/type_traits.hpp"

namespace docent::engine {
namespace {

using onnx_export::Attribute;
using onnx_export::GraphBuilder;
using onnx_export::SourceMatrix;
using onnx_export::WeightEncoding;
using onnx_export::WeightFormat;
using Ints = std::vector<std::int64_t>;
using R = TensorRole;

// Reads GGUF tensors by role, in Hugging Face orientation (q/k rows the table marks as permuted
// back to rotate-halves order).
class TensorSource {
 public:
  TensorSource(const GgufFile& file, const ArchitectureSpec& spec, int heads, int kv_heads)
      : file_(file), spec_(spec), heads_(heads), kv_heads_(kv_heads) {}

  const ArchitectureSpec& spec() const { return spec_; }

  const GgufTensorInfo* find(TensorRole role, int layer = -1) const {
    const TensorSlot* slot = spec_.slot(role);
    return slot == nullptr ? nullptr : file_.find_tensor(tensor_name(slot->gguf, layer));
  }

  const GgufTensorInfo& require(TensorRole role, int layer = -1) const {
    const GgufTensorInfo* tensor = find(role, layer);
    if (tensor == nullptr) throw ModelError(file_.path().string() + ": tensor '" + gguf_name(role, layer) + "' is missing");
    return *tensor;
  }

  // The Hugging Face name, e.g. "model.layers.0.self_attn.q_proj.weight".
  std::string hf_name(TensorRole role, int layer = -1) const { return tensor_name(slot(role).hf, layer); }
  // Without the ".weight" / ".bias" suffix: the module name initializers are named after.
  std::string hf_module(TensorRole role, int layer = -1) const {
    std::string name = hf_name(role, layer);
    return name.substr(0, name.rfind('.'));
  }

  std::vector<float> vector(TensorRole role, int layer = -1) const {
    auto values = conversion::gguf_tensor_floats(require(role, layer), file_.path().string());
    if (const int heads = rope_heads(role); heads > 0)
      values = conversion::rope_rows_to_halves(values, static_cast<std::int64_t>(values.size()), 1, heads);
    return values;
  }

  SourceMatrix matrix(TensorRole role, int layer = -1) const {
    const GgufTensorInfo& tensor = require(role, layer);
    if (tensor.shape.size() != 2) throw ModelError(file_.path().string() + ": tensor '" + tensor.name + "' is not 2-D");
    SourceMatrix matrix;
    matrix.name = hf_module(role, layer);
    matrix.columns = tensor.shape[0];
    matrix.rows = tensor.shape[1];
    matrix.values = conversion::gguf_tensor_floats(tensor, file_.path().string());
    matrix.dtype = tensor.type == static_cast<std::uint32_t>(TensorType::f16)    ? "F16"
                   : tensor.type == static_cast<std::uint32_t>(TensorType::bf16) ? "BF16"
                                                                                  : "F32";
    matrix.blocks = onnx_export::matrix_from_gguf_blocks(tensor.type, tensor.data, matrix.rows, matrix.columns);
    if (const int heads = rope_heads(role); heads > 0) {
      matrix.values = conversion::rope_rows_to_halves(matrix.values, matrix.rows, matrix.columns, heads);
      if (matrix.blocks) {
        // The same permutation applied to row numbers gives the order of the quantized rows.
        std::vector<float> numbers(static_cast<std::size_t>(matrix.rows));
        for (std::size_t i = 0; i < numbers.size(); ++i) numbers[i] = static_cast<float>(i);
        numbers = conversion::rope_rows_to_halves(numbers, matrix.rows, 1, heads);
        onnx_export::reorder_rows(*matrix.blocks, Ints(numbers.begin(), numbers.end()));
      }
    }
    return matrix;
  }

 private:
  const TensorSlot& slot(TensorRole role) const {
    const TensorSlot* found = spec_.slot(role);
    if (found == nullptr)
      throw ModelError(file_.path().string() + ": architecture '" + std::string(spec_.name()) + "' has no such tensor role");
    return *found;
  }
  std::string gguf_name(TensorRole role, int layer) const { return tensor_name(slot(role).gguf, layer); }
  int rope_heads(TensorRole role) const { return conversion::permuted_heads(slot(role).rows, heads_, kv_heads_); }

  const GgufFile& file_;
  const ArchitectureSpec& spec_;
  int heads_, kv_heads_;
};

struct Shape {
  const ArchitectureSpec* spec = nullptr;
  std::int64_t layers = 0, hidden = 0, heads = 0, kv_heads = 0, head_dim = 0, vocab = 0;
  double norm_epsilon = 0, rope_theta = 10000;
  int pooling = 1;  // BERT: 1 mean, 2 CLS
};

Shape read_shape(const GgufFile& file) {
  Shape s;
  s.spec = &conversion::exportable_architecture(file);
  const ArchitectureSpec& spec = *s.spec;
  if (!conversion::onnx_exportable(spec))
    throw ModelError(file.path().string() + ": architecture '" + std::string(spec.name()) +
                     "' cannot be exported to ONNX (its ternary BitLinear block has no ONNX form here)");
  const std::string p = metadata_prefix(file, spec);
  auto required = [&](HyperKey key) {
    const std::string name = metadata_key(p, key);
    auto value = file.get_int(name);
    if (!value || *value <= 0) throw ModelError(file.path().string() + ": missing or bad '" + name + "'");
    return *value;
  };
  s.layers = required(HyperKey::block_count);
  s.hidden = required(HyperKey::embedding_length);
  s.heads = required(HyperKey::head_count);
  s.kv_heads = spec.uses(HyperKey::head_count_kv) ? file.get_int(metadata_key(p, HyperKey::head_count_kv)).value_or(s.heads) : s.heads;
  s.head_dim = file.get_int(metadata_key(p, HyperKey::key_length)).value_or(s.hidden / s.heads);
  if (spec.norm == NormKind::layer) s.norm_epsilon = file.get_float(metadata_key(p, HyperKey::layer_norm_epsilon)).value_or(1e-12);
  else s.norm_epsilon = file.get_float(metadata_key(p, HyperKey::rms_epsilon)).value_or(1e-5);
  if (spec.uses(HyperKey::pooling_type)) s.pooling = static_cast<int>(file.get_int(metadata_key(p, HyperKey::pooling_type)).value_or(1));
  if (spec.rope_style != RopeStyle::none) s.rope_theta = file.get_float(metadata_key(p, HyperKey::rope_freq_base)).value_or(10000.0);
  return s;
}

void add_tensor_value(google::protobuf::RepeatedPtrField<onnx::ValueInfoProto>* list, const std::string& name, int type,
                      const std::vector<std::string>& dimensions) {
  auto* value = list->Add();
  value->set_name(name);
  auto* tensor = value->mutable_type()->mutable_tensor_type();
  tensor->set_elem_type(type);
  for (const auto& dimension : dimensions) {
    auto* dim = tensor->mutable_shape()->add_dim();
    if (!dimension.empty() && std::isdigit(static_cast<unsigned char>(dimension[0]))) dim->set_dim_value(std::stoll(dimension));
    else dim->set_dim_param(dimension);
  }
}

class Exporter {
 public:
  Exporter(GraphBuilder& builder, const TensorSource& source, const Shape& shape, const WeightFormat& format)
      : b_(builder), source_(source), s_(shape), format_(format) {}

  // With the bias `bias_role` when the file has one.
  std::string linear(const std::string& input, TensorRole weight_role, std::optional<TensorRole> bias_role, int layer = -1) {
    const SourceMatrix weight = source_.matrix(weight_role, layer);
    std::vector<float> bias;
    const bool has_bias = bias_role && source_.find(*bias_role, layer) != nullptr;
    if (has_bias) bias = source_.vector(*bias_role, layer);
    return b_.linear(input, weight, has_bias ? &bias : nullptr, format_);
  }

  std::string norm_vector(TensorRole role, int layer) {
    return b_.float_weight(source_.hf_name(role, layer), source_.vector(role, layer), {s_.hidden}, "F32");
  }

  // Embedding lookup on the table as stored (half stays half), cast to float after the gather.
  std::string embedding(TensorRole role, const std::string& indices) {
    const SourceMatrix table = source_.matrix(role);
    std::string name = table.name + ".weight";
    if (table.dtype == "F32") {
      b_.float_weight(name, table.values, {table.rows, table.columns}, "F32");
      return b_.node("Gather", {name, indices});
    }
    const auto encoded = conversion::encode_floats(table.values, table.dtype);
    b_.raw_initializer(name, table.dtype == "F16" ? onnx::TensorProto::FLOAT16 : onnx::TensorProto::BFLOAT16,
                       {table.rows, table.columns}, std::string(encoded.begin(), encoded.end()));
    return b_.node("Cast", {b_.node("Gather", {name, indices})}, {{"to", std::int64_t{onnx::TensorProto::FLOAT}}});
  }

  // [batch, seq, heads * head_dim] -> [batch, heads, seq, head_dim]
  std::string split_heads(const std::string& x, std::int64_t heads) {
    return b_.node("Transpose", {b_.node("Reshape", {x, b_.constant_ints({0, 0, heads, s_.head_dim})})},
                   {{"perm", Ints{0, 2, 1, 3}}});
  }
  std::string merge_heads(const std::string& x) {
    return b_.node("Reshape", {b_.node("Transpose", {x}, {{"perm", Ints{0, 2, 1, 3}}}), b_.constant_ints({0, 0, s_.heads * s_.head_dim})});
  }

  std::string decoder(const OnnxExportOptions& options, onnx::GraphProto& graph);
  std::string encoder(onnx::GraphProto& graph);

 private:
  std::string rms_norm(const std::string& x, TensorRole role, int layer = -1) {
    // Pow -> ReduceMean -> Add -> Sqrt -> Div -> Mul: the pattern ONNX Runtime fuses into its
    // SimplifiedLayerNormalization kernel.
    const auto mean = b_.node("ReduceMean", {b_.node("Pow", {x, b_.constant_floats({2.0f}, true)}), b_.constant_ints({-1})},
                              {{"keepdims", std::int64_t{1}}});
    const auto root = b_.node("Sqrt", {b_.node("Add", {mean, b_.constant_floats({static_cast<float>(s_.norm_epsilon)}, true)})});
    return b_.node("Mul", {b_.node("Div", {x, root}), norm_vector(role, layer)});
  }

  std::string layer_norm(const std::string& x, TensorRole role, TensorRole bias_role, int layer = -1) {
    return b_.node("LayerNormalization", {x, norm_vector(role, layer), norm_vector(bias_role, layer)},
                   {{"epsilon", static_cast<float>(s_.norm_epsilon)}, {"axis", std::int64_t{-1}}});
  }

  GraphBuilder& b_;
  const TensorSource& source_;
  const Shape& s_;
  WeightFormat format_;
};

std::string Exporter::decoder(const OnnxExportOptions& options, onnx::GraphProto& graph) {
  const std::int64_t group = s_.heads / s_.kv_heads;
  add_tensor_value(graph.mutable_input(), "input_ids", onnx::TensorProto::INT64, {"batch", "sequence"});
  add_tensor_value(graph.mutable_input(), "position_ids", onnx::TensorProto::INT64, {"batch", "sequence"});
  for (int layer = 0; layer < s_.layers; ++layer)
    for (const char* part : {"key", "value"})
      add_tensor_value(graph.mutable_input(), "past_key_values." + std::to_string(layer) + "." + part, onnx::TensorProto::FLOAT,
                       {"batch", std::to_string(s_.kv_heads), "past_sequence", std::to_string(s_.head_dim)});

  // Causal mask [seq, past + seq]: query i (absolute past + i) sees keys 0 .. past + i.
  const auto past = b_.node("Shape", {"past_key_values.0.key"}, {{"start", std::int64_t{2}}, {"end", std::int64_t{3}}});
  const auto sequence = b_.node("Shape", {"input_ids"}, {{"start", std::int64_t{1}}, {"end", std::int64_t{2}}});
  const auto past_scalar = b_.node("Squeeze", {past});
  const auto total_scalar = b_.node("Squeeze", {b_.node("Add", {past, sequence})});
  const auto one = b_.constant_ints({1}, true);
  const auto query_positions = b_.node("Unsqueeze", {b_.node("Range", {past_scalar, total_scalar, one}), b_.constant_ints({1})});
  const auto key_positions = b_.node("Range", {b_.constant_ints({0}, true), total_scalar, one});
  const auto mask = b_.node("Where", {b_.node("Greater", {key_positions, query_positions}),
                                      b_.constant_floats({-std::numeric_limits<float>::infinity()}, true),
                                      b_.constant_floats({0.0f}, true)});

  // Rotary tables [batch, 1, seq, head_dim] from the position ids (rotate-halves pairing).
  std::vector<float> inverse_frequencies(static_cast<std::size_t>(s_.head_dim / 2));
  for (std::size_t i = 0; i < inverse_frequencies.size(); ++i)
    inverse_frequencies[i] = static_cast<float>(std::pow(s_.rope_theta, -2.0 * static_cast<double>(i) / static_cast<double>(s_.head_dim)));
  const auto positions = b_.node("Unsqueeze", {b_.node("Cast", {"position_ids"}, {{"to", std::int64_t{onnx::TensorProto::FLOAT}}}),
                                               b_.constant_ints({-1})});
  const auto angles = b_.node("Mul", {positions, b_.constant_floats(inverse_frequencies)});
  const auto both = b_.node("Unsqueeze", {b_.node("Concat", {angles, angles}, {{"axis", std::int64_t{-1}}}), b_.constant_ints({1})});
  const auto cosine = b_.node("Cos", {both}), sine = b_.node("Sin", {both});
  const auto first_half = std::array{b_.constant_ints({0}), b_.constant_ints({s_.head_dim / 2}), b_.constant_ints({-1})};
  const auto second_half = std::array{b_.constant_ints({s_.head_dim / 2}), b_.constant_ints({s_.head_dim}), b_.constant_ints({-1})};
  auto rotate = [&](const std::string& x) {
    const auto x1 = b_.node("Slice", {x, first_half[0], first_half[1], first_half[2]});
    const auto x2 = b_.node("Slice", {x, second_half[0], second_half[1], second_half[2]});
    const auto rotated = b_.node("Concat", {b_.node("Neg", {x2}), x1}, {{"axis", std::int64_t{-1}}});
    return b_.node("Add", {b_.node("Mul", {x, cosine}), b_.node("Mul", {rotated, sine})});
  };
  const auto scale = b_.constant_floats({static_cast<float>(1.0 / std::sqrt(static_cast<double>(s_.head_dim)))}, true);

  std::string hidden = embedding(R::token_embedding, "input_ids");
  for (int layer = 0; layer < s_.layers; ++layer) {
    const std::string past_name = "past_key_values." + std::to_string(layer), present_name = "present." + std::to_string(layer);
    const auto normed = rms_norm(hidden, R::attention_norm, layer);
    const auto q = rotate(split_heads(linear(normed, R::attention_query, R::attention_query_bias, layer), s_.heads));
    const auto k = rotate(split_heads(linear(normed, R::attention_key, R::attention_key_bias, layer), s_.kv_heads));
    const auto v = split_heads(linear(normed, R::attention_value, R::attention_value_bias, layer), s_.kv_heads);
    const auto keys = b_.node("Concat", {past_name + ".key", k}, {{"axis", std::int64_t{2}}}, "", present_name + ".key");
    const auto values = b_.node("Concat", {past_name + ".value", v}, {{"axis", std::int64_t{2}}}, "", present_name + ".value");
    // Grouped-query attention by broadcasting: queries [b, kv, group, s, d] against keys
    // [b, kv, 1, d, t] (query head kv * group + i uses key/value head kv).
    const auto grouped = b_.node("Reshape", {b_.node("Mul", {q, scale}), b_.constant_ints({0, s_.kv_heads, group, -1, s_.head_dim})});
    const auto keys_t = b_.node("Unsqueeze", {b_.node("Transpose", {keys}, {{"perm", Ints{0, 1, 3, 2}}}), b_.constant_ints({2})});
    const auto scores = b_.node("Add", {b_.node("MatMul", {grouped, keys_t}), mask});
    const auto weights = b_.node("Softmax", {scores}, {{"axis", std::int64_t{-1}}});
    const auto attended = b_.node("MatMul", {weights, b_.node("Unsqueeze", {values, b_.constant_ints({2})})});
    const auto merged = merge_heads(b_.node("Reshape", {attended, b_.constant_ints({0, s_.heads, -1, s_.head_dim})}));
    hidden = b_.node("Add", {hidden, linear(merged, R::attention_output, R::attention_output_bias, layer)});
    const auto normed2 = rms_norm(hidden, R::ffn_norm, layer);
    const auto gate = linear(normed2, R::ffn_gate, std::nullopt, layer);
    const auto up = linear(normed2, R::ffn_up, R::ffn_up_bias, layer);
    const auto silu = b_.node("Mul", {gate, b_.node("Sigmoid", {gate})});
    hidden = b_.node("Add", {hidden, linear(b_.node("Mul", {silu, up}), R::ffn_down, R::ffn_down_bias, layer)});
    for (const char* part : {".key", ".value"})
      add_tensor_value(graph.mutable_output(), present_name + part, onnx::TensorProto::FLOAT,
                       {"batch", std::to_string(s_.kv_heads), "total_sequence", std::to_string(s_.head_dim)});
  }
  std::string normed = rms_norm(hidden, R::output_norm);
  if (options.last_logits_only)
    normed = b_.node("Slice", {normed, b_.constant_ints({-1}), b_.constant_ints({std::numeric_limits<std::int64_t>::max()}), b_.constant_ints({1})});
  std::string logits;
  if (source_.find(R::output) != nullptr) {
    logits = linear(normed, R::output, std::nullopt);
  } else {
    // Tied output: the embedding table, transposed (kept in float whatever the weight format).
    std::string transposed = b_.node("Transpose", {source_.hf_name(R::token_embedding)}, {{"perm", Ints{1, 0}}});
    if (source_.require(R::token_embedding).type == static_cast<std::uint32_t>(TensorType::f16) ||
        source_.require(R::token_embedding).type == static_cast<std::uint32_t>(TensorType::bf16))
      transposed = b_.node("Cast", {transposed}, {{"to", std::int64_t{onnx::TensorProto::FLOAT}}});
    logits = b_.node("MatMul", {normed, transposed});
  }
  logits = b_.node("Identity", {logits}, {}, "", "logits");
  add_tensor_value(graph.mutable_output(), "logits", onnx::TensorProto::FLOAT,
                   {"batch", options.last_logits_only ? "1" : "sequence", std::to_string(s_.vocab)});
  return logits;
}

std::string Exporter::encoder(onnx::GraphProto& graph) {
  for (const char* name : {"input_ids", "attention_mask", "token_type_ids"})
    add_tensor_value(graph.mutable_input(), name, onnx::TensorProto::INT64, {"batch", "sequence"});
  const auto sequence = b_.node("Squeeze", {b_.node("Shape", {"input_ids"}, {{"start", std::int64_t{1}}, {"end", std::int64_t{2}}})});
  const auto position_ids = b_.node("Range", {b_.constant_ints({0}, true), sequence, b_.constant_ints({1}, true)});
  std::string hidden = embedding(R::token_embedding, "input_ids");
  hidden = b_.node("Add", {hidden, embedding(R::position_embedding, position_ids)});
  if (source_.find(R::token_type_embedding) != nullptr)
    hidden = b_.node("Add", {hidden, embedding(R::token_type_embedding, "token_type_ids")});
  hidden = layer_norm(hidden, R::embedding_norm, R::embedding_norm_bias);
  // Padding positions get -inf before the softmax: [batch, 1, 1, seq].
  const auto mask_float = b_.node("Cast", {"attention_mask"}, {{"to", std::int64_t{onnx::TensorProto::FLOAT}}});
  const auto padding = b_.node("Where", {b_.node("Equal", {"attention_mask", b_.constant_ints({0}, true)}),
                                         b_.constant_floats({-std::numeric_limits<float>::infinity()}, true), b_.constant_floats({0.0f}, true)});
  const auto mask = b_.node("Unsqueeze", {padding, b_.constant_ints({1, 2})});
  const auto scale = b_.constant_floats({static_cast<float>(1.0 / std::sqrt(static_cast<double>(s_.head_dim)))}, true);
  for (int layer = 0; layer < s_.layers; ++layer) {
    const auto q = split_heads(linear(hidden, R::attention_query, R::attention_query_bias, layer), s_.heads);
    const auto k = split_heads(linear(hidden, R::attention_key, R::attention_key_bias, layer), s_.heads);
    const auto v = split_heads(linear(hidden, R::attention_value, R::attention_value_bias, layer), s_.heads);
    const auto scores = b_.node("Add", {b_.node("MatMul", {b_.node("Mul", {q, scale}), b_.node("Transpose", {k}, {{"perm", Ints{0, 1, 3, 2}}})}), mask});
    const auto attended = merge_heads(b_.node("MatMul", {b_.node("Softmax", {scores}, {{"axis", std::int64_t{-1}}}), v}));
    hidden = layer_norm(b_.node("Add", {hidden, linear(attended, R::attention_output, R::attention_output_bias, layer)}),
                        R::attention_output_norm, R::attention_output_norm_bias, layer);
    // GELU (erf form, as Hugging Face's "gelu").
    const auto up = linear(hidden, R::ffn_up, R::ffn_up_bias, layer);
    const auto erf = b_.node("Erf", {b_.node("Mul", {up, b_.constant_floats({0.70710678118654752f}, true)})});
    const auto gelu = b_.node("Mul", {b_.node("Mul", {up, b_.constant_floats({0.5f}, true)}), b_.node("Add", {erf, b_.constant_floats({1.0f}, true)})});
    hidden = layer_norm(b_.node("Add", {hidden, linear(gelu, R::ffn_down, R::ffn_down_bias, layer)}),
                        R::layer_output_norm, R::layer_output_norm_bias, layer);
  }
  b_.node("Identity", {hidden}, {}, "", "last_hidden_state");
  add_tensor_value(graph.mutable_output(), "last_hidden_state", onnx::TensorProto::FLOAT, {"batch", "sequence", std::to_string(s_.hidden)});
  std::string pooled;
  if (s_.pooling == 2) {
    pooled = b_.node("Gather", {hidden, b_.constant_ints({0}, true)}, {{"axis", std::int64_t{1}}});
  } else {
    const auto weights = b_.node("Unsqueeze", {mask_float, b_.constant_ints({-1})});
    const auto sum = b_.node("ReduceSum", {b_.node("Mul", {hidden, weights}), b_.constant_ints({1})}, {{"keepdims", std::int64_t{0}}});
    const auto count = b_.node("ReduceSum", {weights, b_.constant_ints({1})}, {{"keepdims", std::int64_t{0}}});
    pooled = b_.node("Div", {sum, count});
  }
  b_.node("LpNormalization", {pooled}, {{"axis", std::int64_t{-1}}, {"p", std::int64_t{2}}}, "", "sentence_embedding");
  add_tensor_value(graph.mutable_output(), "sentence_embedding", onnx::TensorProto::FLOAT, {"batch", std::to_string(s_.hidden)});
  return hidden;
}

WeightFormat weight_format(const OnnxExportOptions& options) {
  WeightFormat format;
  format.block_size = options.block_size;
  format.zero_points = options.zero_points;
  format.accuracy_level = options.int4_accuracy_level;
  if (options.int4_accuracy_level < 0 || options.int4_accuracy_level > 4)
    throw ModelError("ONNX export: MatMulNBits accuracy level must be 0..4 (got " + std::to_string(options.int4_accuracy_level) + ")");
  if (options.weights == "float") format.encoding = WeightEncoding::float_matmul;
  else if (options.weights == "int4") format.encoding = WeightEncoding::matmul_nbits, format.bits = 4;
  else if (options.weights == "qdq-int4") format.encoding = WeightEncoding::qdq, format.bits = 4;
  else if (options.weights == "qdq-int8") format.encoding = WeightEncoding::qdq, format.bits = 8;
  else throw ModelError("ONNX export: unknown weight format '" + options.weights + "' (float, int4, qdq-int4, qdq-int8)");
  const int block = options.block_size;
  if (format.encoding == WeightEncoding::matmul_nbits && (block < 16 || (block & (block - 1)) != 0))
    throw ModelError("ONNX export: MatMulNBits needs a block size that is a power of two, at least 16 (got " + std::to_string(block) + ")");
  if (format.encoding == WeightEncoding::qdq && block < 0)
    throw ModelError("ONNX export: block size must be 0 (per channel) or positive (got " + std::to_string(block) + ")");
  return format;
}

}  // namespace

bool conversion::onnx_exportable(const ArchitectureSpec& spec) {
  for (const TensorSlot& slot : spec.tensors)
    if (slot.ternary || slot.role == TensorRole::attention_sub_norm || slot.role == TensorRole::ffn_sub_norm) return false;
  for (const GgufName& name : spec.gguf_names)
    if (name.ffn == FfnActivation::squared_relu_gated) return false;
  return true;
}

void export_onnx_model(const std::filesystem::path& gguf, const std::filesystem::path& output_folder, bool external_data) {
  OnnxExportOptions options;
  options.external_data = external_data;
  export_onnx_model(gguf, output_folder, options);
}

void export_onnx_model(const std::filesystem::path& gguf, const std::filesystem::path& output_folder, const OnnxExportOptions& options) {
  const WeightFormat format = weight_format(options);
  const auto file = GgufFile::open(gguf);
  Shape shape = read_shape(*file);
  conversion::export_hf_metadata(*file, output_folder, false);  // config.json, tokenizer files; checks the architecture
  const GgufTensorInfo* embedding = file->find_tensor(std::string(shape.spec->slot(TensorRole::token_embedding)->gguf));
  shape.vocab = embedding->shape[1];
  TensorSource source(*file, *shape.spec, static_cast<int>(shape.heads), static_cast<int>(shape.kv_heads));

  onnx::ModelProto model;
  model.set_ir_version(10);  // int4 initializers need IR 10
  model.set_producer_name("docent");
  auto* opset = model.add_opset_import();
  opset->set_domain("");
  opset->set_version(21);
  auto* contrib = model.add_opset_import();
  contrib->set_domain("com.microsoft");
  contrib->set_version(1);
  onnx::GraphProto& graph = *model.mutable_graph();
  graph.set_name(std::string(shape.spec->name()));
  std::ofstream external;
  if (options.external_data) {
    external.open(output_folder / "model.onnx.data", std::ios::binary | std::ios::trunc);
    if (!external) throw ModelError((output_folder / "model.onnx.data").string() + ": cannot create file");
  } else {
    std::filesystem::remove(output_folder / "model.onnx.data");
  }
  GraphBuilder builder(graph, options.external_data ? &external : nullptr, "model.onnx.data");
  Exporter exporter(builder, source, shape, format);
  if (shape.spec->kind == ModelKind::encoder) exporter.encoder(graph);
  else exporter.decoder(options, graph);
  if (options.external_data) {
    external.close();
    if (!external) throw ModelError((output_folder / "model.onnx.data").string() + ": write failed");
  }
  if (model.ByteSizeLong() > (std::size_t{1} << 31) - 1)
    throw ModelError(gguf.string() + ": the weights exceed ONNX's 2 GB model limit; export with external data");
  std::ofstream out(output_folder / "model.onnx", std::ios::binary | std::ios::trunc);
  if (!out || !model.SerializeToOstream(&out)) throw ModelError((output_folder / "model.onnx").string() + ": write failed");
}

}  // namespace docent::engine
