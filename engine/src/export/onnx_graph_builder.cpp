#include "export/onnx_graph_builder.hpp"

#include "import/onnx_initializers.hpp"

#include <cstring>

#include "docent/engine.hpp"
#include "import/safetensors.hpp"

namespace docent::engine::onnx_export {
namespace {

std::string float_bytes(const std::vector<float>& values) {
  return std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float));
}

// ONNX packs 4-bit elements two per byte, the first in the low nibble (flattened order).
std::string pack_nibbles(const std::vector<std::uint8_t>& codes) {
  std::string bytes((codes.size() + 1) / 2, '\0');
  for (std::size_t i = 0; i < codes.size(); ++i)
    bytes[i / 2] = static_cast<char>(static_cast<std::uint8_t>(bytes[i / 2]) | ((codes[i] & 0x0f) << (i % 2 ? 4 : 0)));
  return bytes;
}

}  // namespace

GraphBuilder::GraphBuilder(onnx::GraphProto& graph, std::ofstream* external, std::string external_name)
    : graph_(graph), external_(external), external_name_(std::move(external_name)) {}

void GraphBuilder::store(onnx::TensorProto& proto, std::string bytes) {
  if (external_ == nullptr) {
    proto.set_raw_data(std::move(bytes));
    return;
  }
  proto.set_data_location(onnx::TensorProto::EXTERNAL);
  auto add = [&](const std::string& key, const std::string& value) {
    auto* entry = proto.add_external_data();
    entry->set_key(key);
    entry->set_value(value);
  };
  // ONNX Runtime maps external data; keeping offsets page-aligned lets it do so without copies.
  const std::uint64_t aligned = (external_offset_ + 4095) / 4096 * 4096;
  if (aligned != external_offset_) {
    const std::string padding(aligned - external_offset_, '\0');
    external_->write(padding.data(), static_cast<std::streamsize>(padding.size()));
    external_offset_ = aligned;
  }
  add("location", external_name_);
  add("offset", std::to_string(external_offset_));
  add("length", std::to_string(bytes.size()));
  external_->write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!*external_) throw ModelError(external_name_ + ": write failed");
  external_offset_ += bytes.size();
}

std::string GraphBuilder::raw_initializer(const std::string& name, int data_type, const std::vector<std::int64_t>& shape,
                                          std::string bytes) {
  onnx::TensorProto* proto = graph_.add_initializer();
  proto->set_name(name);
  proto->set_data_type(data_type);
  for (auto dimension : shape) proto->add_dims(dimension);
  store(*proto, std::move(bytes));
  return name;
}

std::string GraphBuilder::float_weight(const std::string& name, const std::vector<float>& values,
                                       const std::vector<std::int64_t>& shape, const std::string& dtype) {
  if (dtype == "F32") return raw_initializer(name, onnx::TensorProto::FLOAT, shape, float_bytes(values));
  const auto encoded = conversion::encode_floats(values, dtype);
  raw_initializer(name, dtype == "F16" ? onnx::TensorProto::FLOAT16 : onnx::TensorProto::BFLOAT16, shape,
                  std::string(encoded.begin(), encoded.end()));
  return node("Cast", {name}, {{"to", std::int64_t{onnx::TensorProto::FLOAT}}});
}

std::string GraphBuilder::node(const std::string& op, const std::vector<std::string>& inputs,
                               const std::vector<Attribute>& attributes, const std::string& domain,
                               const std::string& output_name) {
  onnx::NodeProto* proto = graph_.add_node();
  const std::string name = "/" + op + "_" + std::to_string(graph_.node_size());
  proto->set_name(name);
  proto->set_op_type(op);
  if (!domain.empty()) proto->set_domain(domain);
  for (const auto& input : inputs) proto->add_input(input);
  proto->add_output(output_name.empty() ? name + "/output_0" : output_name);
  for (const auto& attribute : attributes) {
    auto* out = proto->add_attribute();
    out->set_name(attribute.name);
    if (const auto* integer = std::get_if<std::int64_t>(&attribute.value)) {
      out->set_type(onnx::AttributeProto::INT);
      out->set_i(*integer);
    } else if (const auto* real = std::get_if<float>(&attribute.value)) {
      out->set_type(onnx::AttributeProto::FLOAT);
      out->set_f(*real);
    } else if (const auto* integers = std::get_if<std::vector<std::int64_t>>(&attribute.value)) {
      out->set_type(onnx::AttributeProto::INTS);
      for (auto value : *integers) out->add_ints(value);
    } else {
      out->set_type(onnx::AttributeProto::STRING);
      out->set_s(std::get<std::string>(attribute.value));
    }
  }
  return proto->output(0);
}

onnx::TensorProto* GraphBuilder::add_constant(const std::string& kind, std::size_t length, bool scalar, std::string& output) {
  onnx::NodeProto* proto = graph_.add_node();
  const std::string name = "/Constant_" + kind + "_" + std::to_string(++constant_count_);
  proto->set_name(name);
  proto->set_op_type("Constant");
  output = name + "/output_0";
  proto->add_output(output);
  auto* attribute = proto->add_attribute();
  attribute->set_name("value");
  attribute->set_type(onnx::AttributeProto::TENSOR);
  auto* tensor = attribute->mutable_t();
  if (!scalar) tensor->add_dims(static_cast<std::int64_t>(length));
  return tensor;
}

std::string GraphBuilder::constant_ints(const std::vector<std::int64_t>& values, bool scalar) {
  std::string output;
  onnx::TensorProto* tensor = add_constant("ints", values.size(), scalar, output);
  tensor->set_data_type(onnx::TensorProto::INT64);
  for (auto value : values) tensor->add_int64_data(value);
  return output;
}

std::string GraphBuilder::constant_floats(const std::vector<float>& values, bool scalar) {
  std::string output;
  onnx::TensorProto* tensor = add_constant("floats", values.size(), scalar, output);
  tensor->set_data_type(onnx::TensorProto::FLOAT);
  for (auto value : values) tensor->add_float_data(value);
  return output;
}

std::string GraphBuilder::linear(const std::string& input, const SourceMatrix& weight, const std::vector<float>* bias,
                                 const WeightFormat& format) {
  const std::string name = weight.name + ".weight";
  const std::int64_t out = weight.rows, in = weight.columns;
  std::string output;
  // As `docent models quantize` does, a matrix whose rows are not whole blocks stays float
  // (unless its source blocks already cover it).
  const bool whole_blocks = format.block_size == 0 || in % format.block_size == 0;
  if (format.encoding == WeightEncoding::float_matmul || (!whole_blocks && !weight.blocks)) {
    // MatMul's B is [in, out].
    std::vector<float> transposed(weight.values.size());
    for (std::int64_t r = 0; r < out; ++r)
      for (std::int64_t c = 0; c < in; ++c) transposed[static_cast<std::size_t>(c * out + r)] = weight.values[static_cast<std::size_t>(r * in + c)];
    output = node("MatMul", {input, float_weight(name, transposed, {in, out}, weight.dtype)});
  } else {
    std::optional<QuantizedMatrix> blocks;
    if (weight.blocks) blocks = reencode_exactly(*weight.blocks, format.bits, format.block_size, format.zero_points);
    if (!blocks) blocks = quantize_matrix(weight.values, out, in, format.bits, format.block_size, format.zero_points);
    const std::int64_t per_row = blocks->blocks_per_row();
    if (format.encoding == WeightEncoding::matmul_nbits) {
      // B [out, blocks, block_size / 2]: each row padded to whole blocks with codes that decode to 0.
      const std::int64_t padded = per_row * blocks->block_size;
      std::vector<std::uint8_t> codes(static_cast<std::size_t>(out * padded));
      for (std::int64_t r = 0; r < out; ++r)
        for (std::int64_t c = 0; c < padded; ++c)
          codes[static_cast<std::size_t>(r * padded + c)] =
              c < in ? blocks->codes[static_cast<std::size_t>(r * in + c)]
                     : blocks->zero_points[static_cast<std::size_t>(r * per_row + c / blocks->block_size)];
      std::vector<std::string> inputs{
          input, raw_initializer(name, onnx::TensorProto::UINT8, {out, per_row, blocks->block_size / 2}, pack_nibbles(codes)),
          raw_initializer(name + ".scales", onnx::TensorProto::FLOAT, {out * per_row}, float_bytes(blocks->scales))};
      if (blocks->explicit_zero_points) {
        // Zero points: per row, ceil(blocks / 2) bytes, low nibble first.
        const std::int64_t zero_bytes = (per_row + 1) / 2;
        std::string packed(static_cast<std::size_t>(out * zero_bytes), '\0');
        for (std::int64_t r = 0; r < out; ++r)
          for (std::int64_t b = 0; b < per_row; ++b) {
            auto& byte = packed[static_cast<std::size_t>(r * zero_bytes + b / 2)];
            byte = static_cast<char>(static_cast<std::uint8_t>(byte) |
                                     (blocks->zero_points[static_cast<std::size_t>(r * per_row + b)] << (b % 2 ? 4 : 0)));
          }
        inputs.push_back(raw_initializer(name + ".zero_points", onnx::TensorProto::UINT8, {out * zero_bytes}, packed));
      }
      std::vector<Attribute> attributes{{"K", in}, {"N", out}, {"bits", std::int64_t{4}}, {"block_size", std::int64_t{blocks->block_size}}};
      if (format.accuracy_level > 0) attributes.push_back({"accuracy_level", std::int64_t{format.accuracy_level}});
      output = node("MatMulNBits", inputs, attributes, "com.microsoft");
    } else {
      // DequantizeLinear on x [in, out]: signed codes without zero points, unsigned with them.
      const bool four = format.bits == 4;
      const int type = blocks->explicit_zero_points ? (four ? onnx_import::kOnnxUint4 : onnx::TensorProto::UINT8)
                                                    : (four ? onnx_import::kOnnxInt4 : onnx::TensorProto::INT8);
      std::vector<std::uint8_t> codes(static_cast<std::size_t>(in * out));
      for (std::int64_t r = 0; r < out; ++r)
        for (std::int64_t c = 0; c < in; ++c) {
          int code = blocks->codes[static_cast<std::size_t>(r * in + c)];
          if (!blocks->explicit_zero_points) code -= blocks->middle();
          codes[static_cast<std::size_t>(c * out + r)] = static_cast<std::uint8_t>(code);
        }
      const bool per_channel = format.block_size == 0;
      // Scales [blocks, out] (block-wise along axis 0) or [out] (per channel, axis 1).
      std::vector<float> scales(static_cast<std::size_t>(per_row * out));
      std::vector<std::uint8_t> zeros(scales.size());
      for (std::int64_t r = 0; r < out; ++r)
        for (std::int64_t b = 0; b < per_row; ++b) {
          scales[static_cast<std::size_t>(b * out + r)] = blocks->scales[static_cast<std::size_t>(r * per_row + b)];
          zeros[static_cast<std::size_t>(b * out + r)] = blocks->zero_points[static_cast<std::size_t>(r * per_row + b)];
        }
      const std::vector<std::int64_t> scale_shape = per_channel ? std::vector<std::int64_t>{out} : std::vector<std::int64_t>{per_row, out};
      auto packed = [&](const std::vector<std::uint8_t>& values) {
        return four ? pack_nibbles(values) : std::string(values.begin(), values.end());
      };
      std::vector<std::string> inputs{raw_initializer(name, type, {in, out}, packed(codes)),
                                      raw_initializer(name + ".scales", onnx::TensorProto::FLOAT, scale_shape, float_bytes(scales))};
      if (blocks->explicit_zero_points) inputs.push_back(raw_initializer(name + ".zero_points", type, scale_shape, packed(zeros)));
      std::vector<Attribute> attributes{{"axis", std::int64_t{per_channel ? 1 : 0}}};
      if (!per_channel) attributes.push_back({"block_size", std::int64_t{blocks->block_size}});
      output = node("MatMul", {input, node("DequantizeLinear", inputs, attributes)});
    }
  }
  if (bias != nullptr) output = node("Add", {output, float_weight(weight.name + ".bias", *bias, {out}, "F32")});
  return output;
}

}  // namespace docent::engine::onnx_export
