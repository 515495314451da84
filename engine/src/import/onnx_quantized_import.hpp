#pragma once
// Quantized ONNX weights -> importer tensors: com.microsoft MatMulNBits (block-wise 4/8-bit codes,
// optional zero points) and DequantizeLinear on int4/uint4/int8/uint8 initializers (per-tensor,
// per-channel or block-wise scales). Blocks that line up with GGUF Q4_0 / Q8_0 (32 input columns
// of one output row sharing a half-precision scale, codes in range) are kept as those blocks;
// anything else is dequantized to F32 exactly as ONNX defines it, (code - zero point) * scale.

#include <onnx/onnx_pb.h>

#include <map>
#include <string>

#include "import/hf_layout.hpp"
#include "import/onnx_initializers.hpp"

namespace docent::engine::onnx_import {

using Initializers = std::map<std::string, const onnx::TensorProto*>;

// `where` names the node in errors. Results have PyTorch shape [out, in].
conversion::NamedTensor import_matmul_nbits(const onnx::NodeProto& node, const Initializers& initializers,
                                            const InitializerReader& reader, const std::string& where);
// A DequantizeLinear whose output is MatMul's B ([in, out]).
conversion::NamedTensor import_dequantized_matmul_weight(const onnx::NodeProto& node, const Initializers& initializers,
                                                         const InitializerReader& reader, const std::string& where);

}  // namespace docent::engine::onnx_import
