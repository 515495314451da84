#pragma once
// Builds an ONNX graph node by node: initializers (inline or appended to an external data file),
// Constant nodes for the small shape/scalar values, and the three weight encodings a linear layer
// can take (float MatMul, com.microsoft MatMulNBits, DequantizeLinear -> MatMul).

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <fstream>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "export/onnx_weight_blocks.hpp"

namespace docent::engine::onnx_export {

struct Attribute {
  std::string name;
  std::variant<std::int64_t, float, std::vector<std::int64_t>, std::string> value;
};

// A matrix as exported: PyTorch layout [out, in] floats, plus the source's quantized blocks
// when it had Q4_0/Q8_0 ones (exact re-encoding instead of re-quantizing dequantized floats).
struct SourceMatrix {
  std::string name;  // Hugging Face name without ".weight"
  std::int64_t rows = 0, columns = 0;
  std::vector<float> values;
  std::string dtype;  // "F32", "F16", "BF16": how a float initializer stores it
  std::optional<QuantizedMatrix> blocks;
};

enum class WeightEncoding { float_matmul, matmul_nbits, qdq };

struct WeightFormat {
  WeightEncoding encoding = WeightEncoding::float_matmul;
  int bits = 4;        // matmul_nbits: 4; qdq: 4 or 8
  int block_size = 32; // along the input dimension; 0: one scale per output channel (qdq only)
  bool zero_points = false;
  int accuracy_level = 0;  // MatMulNBits: 0 computes in float; 4 lets ONNX Runtime round activations to int8
};

class GraphBuilder {
 public:
  // `external`: initializers go into this file (named `external_name` in the graph) instead of
  // model.onnx, which keeps large models under protobuf's 2 GB message limit.
  GraphBuilder(onnx::GraphProto& graph, std::ofstream* external, std::string external_name);

  // A float tensor (values row-major, `shape` slowest first) stored as `dtype`; returns a FLOAT
  // value name (a Cast follows half-precision storage).
  std::string float_weight(const std::string& name, const std::vector<float>& values, const std::vector<std::int64_t>& shape,
                           const std::string& dtype);
  // Raw typed initializer (already packed bytes).
  std::string raw_initializer(const std::string& name, int data_type, const std::vector<std::int64_t>& shape, std::string bytes);

  std::string node(const std::string& op, const std::vector<std::string>& inputs, const std::vector<Attribute>& attributes = {},
                   const std::string& domain = "", const std::string& output_name = "");
  std::string constant_ints(const std::vector<std::int64_t>& values, bool scalar = false);
  std::string constant_floats(const std::vector<float>& values, bool scalar = false);

  // y = x W^T (+ bias) for W [out, in] in the chosen encoding.
  std::string linear(const std::string& input, const SourceMatrix& weight, const std::vector<float>* bias,
                     const WeightFormat& format);

 private:
  // A new Constant node; returns its value tensor (type and data still to fill) and sets `output`.
  onnx::TensorProto* add_constant(const std::string& kind, std::size_t length, bool scalar, std::string& output);
  void store(onnx::TensorProto& proto, std::string bytes);

  onnx::GraphProto& graph_;
  std::ofstream* external_;
  std::string external_name_;
  std::uint64_t external_offset_ = 0;
  int constant_count_ = 0;
};

}  // namespace docent::engine::onnx_export
