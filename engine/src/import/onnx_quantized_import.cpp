#include "import/onnx_quantized_import.hpp"

#include <cmath>
#include <cstring>

#include "docent/engine.hpp"
#include "quant/blocks.hpp"
#include "quant/half.hpp"
#include "quant/type_traits.hpp"

namespace docent::engine::onnx_import {
namespace {

// Codes relative to their zero point with the scale of each element, [rows, columns] row-major.
struct DecodedMatrix {
  std::int64_t rows = 0, columns = 0;
  std::vector<std::int32_t> centred;
  std::vector<float> scales;
};

const onnx::TensorProto* initializer_at(const onnx::NodeProto& node, int index, const Initializers& initializers) {
  if (index >= node.input_size() || node.input(index).empty()) return nullptr;
  auto it = initializers.find(node.input(index));
  return it == initializers.end() ? nullptr : it->second;
}

std::int64_t int_attribute(const onnx::NodeProto& node, const std::string& name, std::int64_t fallback) {
  for (const auto& attribute : node.attribute())
    if (attribute.name() == name) return attribute.i();
  return fallback;
}

// Q4_0 / Q8_0 when every 32-column block shares one half-exact scale and its codes fit; else F32.
conversion::NamedTensor to_named_tensor(const DecodedMatrix& m, const std::string& origin) {
  conversion::NamedTensor tensor;
  tensor.shape = {m.rows, m.columns};
  tensor.origin = origin;
  tensor.dtype = "F32";
  bool blocks_align = m.columns % kBlock32 == 0;
  bool fits_four = true;
  for (std::int64_t row = 0; row < m.rows && blocks_align; ++row)
    for (std::int64_t column = 0; column < m.columns && blocks_align; ++column) {
      const std::size_t at = static_cast<std::size_t>(row * m.columns + column);
      const std::size_t first = static_cast<std::size_t>(row * m.columns + column / kBlock32 * kBlock32);
      const float scale = m.scales[first];
      if (m.scales[at] != scale || round_to_half(scale) != scale || m.centred[at] < -128 || m.centred[at] > 127) blocks_align = false;
      if (m.centred[at] < -8 || m.centred[at] > 7) fits_four = false;
    }
  if (!blocks_align) {
    tensor.values.resize(m.centred.size());
    for (std::size_t i = 0; i < m.centred.size(); ++i) tensor.values[i] = static_cast<float>(m.centred[i]) * m.scales[i];
    return tensor;
  }
  const std::int64_t block_count = m.rows * m.columns / kBlock32;
  tensor.block_type = static_cast<std::uint32_t>(fits_four ? TensorType::q4_0 : TensorType::q8_0);
  tensor.blocks.resize(static_cast<std::size_t>(block_count) * (fits_four ? sizeof(BlockQ4_0) : sizeof(BlockQ8_0)));
  for (std::int64_t b = 0; b < block_count; ++b) {
    const std::int32_t* c = &m.centred[static_cast<std::size_t>(b * kBlock32)];
    const std::uint16_t d = float_to_half(m.scales[static_cast<std::size_t>(b * kBlock32)]);
    if (fits_four) {
      BlockQ4_0 block{};
      block.d = d;
      for (int j = 0; j < kBlock32 / 2; ++j)
        block.qs[j] = static_cast<std::uint8_t>((c[j] + 8) | ((c[j + kBlock32 / 2] + 8) << 4));
      std::memcpy(&tensor.blocks[static_cast<std::size_t>(b) * sizeof block], &block, sizeof block);
    } else {
      BlockQ8_0 block{};
      block.d = d;
      for (int j = 0; j < kBlock32; ++j) block.qs[j] = static_cast<std::int8_t>(c[j]);
      std::memcpy(&tensor.blocks[static_cast<std::size_t>(b) * sizeof block], &block, sizeof block);
    }
  }
  return tensor;
}

}  // namespace

conversion::NamedTensor import_matmul_nbits(const onnx::NodeProto& node, const Initializers& initializers,
                                            const InitializerReader& reader, const std::string& where) {
  const std::string context = reader.path().string() + ": " + where;
  const std::int64_t k = int_attribute(node, "K", 0), n = int_attribute(node, "N", 0);
  const std::int64_t bits = int_attribute(node, "bits", 4), block = int_attribute(node, "block_size", 0);
  if (k <= 0 || n <= 0 || block <= 0 || (bits != 4 && bits != 8))
    throw ModelError(context + " could not be mapped: MatMulNBits needs positive K, N, block_size and bits 4 or 8");
  if (node.input_size() > 4 && !node.input(4).empty())
    throw ModelError(context + " could not be mapped: MatMulNBits with g_idx (act-order) is not supported");
  const onnx::TensorProto* packed = initializer_at(node, 1, initializers);
  const onnx::TensorProto* scales = initializer_at(node, 2, initializers);
  const onnx::TensorProto* zeros = initializer_at(node, 3, initializers);
  if (packed == nullptr || scales == nullptr || (node.input_size() > 3 && !node.input(3).empty() && zeros == nullptr))
    throw ModelError(context + " could not be mapped: MatMulNBits weights, scales and zero points must be initializers");
  const std::int64_t blocks = (k + block - 1) / block, blob = block * bits / 8;
  if (packed->data_type() != onnx::TensorProto::UINT8 || InitializerReader::element_count(*packed) != n * blocks * blob)
    throw ModelError(context + " could not be mapped: MatMulNBits weight '" + packed->name() + "' does not hold N x blocks x " +
                     std::to_string(blob) + " bytes for K=" + std::to_string(k) + ", N=" + std::to_string(n));
  const auto codes = reader.integers(*packed);
  const auto scale_values = reader.floats(*scales);
  if (static_cast<std::int64_t>(scale_values.size()) != n * blocks)
    throw ModelError(context + " could not be mapped: MatMulNBits scales '" + scales->name() + "' hold " +
                     std::to_string(scale_values.size()) + " values, N x blocks is " + std::to_string(n * blocks));
  // Zero points: packed codes (uint8, `bits` wide, each row starting on a byte) or one float per block.
  std::vector<float> zero_values(static_cast<std::size_t>(n * blocks), static_cast<float>(1 << (bits - 1)));
  if (zeros != nullptr) {
    if (InitializerReader::is_float(*zeros)) {
      zero_values = reader.floats(*zeros);
      if (static_cast<std::int64_t>(zero_values.size()) != n * blocks)
        throw ModelError(context + " could not be mapped: MatMulNBits float zero points do not hold N x blocks values");
    } else {
      const std::int64_t row_bytes = (blocks * bits + 7) / 8;
      const auto zero_bytes = reader.integers(*zeros);
      if (static_cast<std::int64_t>(zero_bytes.size()) != n * row_bytes)
        throw ModelError(context + " could not be mapped: MatMulNBits zero points '" + zeros->name() + "' hold " +
                         std::to_string(zero_bytes.size()) + " bytes, expected " + std::to_string(n * row_bytes));
      for (std::int64_t row = 0; row < n; ++row)
        for (std::int64_t b = 0; b < blocks; ++b) {
          const int byte = zero_bytes[static_cast<std::size_t>(row * row_bytes + (bits == 4 ? b / 2 : b))];
          zero_values[static_cast<std::size_t>(row * blocks + b)] = static_cast<float>(bits == 4 ? (byte >> (b % 2 ? 4 : 0)) & 0x0f : byte);
        }
    }
  }
  DecodedMatrix m{n, k, std::vector<std::int32_t>(static_cast<std::size_t>(n * k)), std::vector<float>(static_cast<std::size_t>(n * k))};
  bool integral_zeros = true;
  for (float zero : zero_values) integral_zeros = integral_zeros && zero == std::floor(zero);
  std::vector<float> direct;  // fractional float zero points: dequantize straight to floats
  if (!integral_zeros) direct.resize(static_cast<std::size_t>(n * k));
  for (std::int64_t row = 0; row < n; ++row)
    for (std::int64_t column = 0; column < k; ++column) {
      const std::int64_t b = column / block, within = column % block;
      const std::int64_t byte_index = (row * blocks + b) * blob + (bits == 4 ? within / 2 : within);
      const int byte = codes[static_cast<std::size_t>(byte_index)];
      const int code = bits == 4 ? (byte >> (within % 2 ? 4 : 0)) & 0x0f : byte;
      const std::size_t at = static_cast<std::size_t>(row * k + column), block_at = static_cast<std::size_t>(row * blocks + b);
      m.scales[at] = scale_values[block_at];
      if (integral_zeros) m.centred[at] = code - static_cast<std::int32_t>(zero_values[block_at]);
      else direct[at] = (static_cast<float>(code) - zero_values[block_at]) * scale_values[block_at];
    }
  if (!integral_zeros) return conversion::float_tensor({n, k}, std::move(direct), reader.path().string());
  return to_named_tensor(m, reader.path().string());
}

conversion::NamedTensor import_dequantized_matmul_weight(const onnx::NodeProto& node, const Initializers& initializers,
                                                         const InitializerReader& reader, const std::string& where) {
  const std::string context = reader.path().string() + ": " + where;
  const onnx::TensorProto* x = initializer_at(node, 0, initializers);
  const onnx::TensorProto* scale = initializer_at(node, 1, initializers);
  const onnx::TensorProto* zero = initializer_at(node, 2, initializers);
  if (x == nullptr || scale == nullptr || (node.input_size() > 2 && !node.input(2).empty() && zero == nullptr))
    throw ModelError(context + " could not be mapped: DequantizeLinear inputs must be initializers");
  if (x->dims_size() != 2) throw ModelError(context + " could not be mapped: DequantizeLinear of a weight that is not 2-D");
  const std::int64_t in = x->dims(0), out = x->dims(1);
  const auto codes = reader.integers(*x);
  const auto scales = reader.floats(*scale);
  std::vector<std::int32_t> zeros;
  if (zero != nullptr) {
    if (zero->data_type() != x->data_type()) throw ModelError(context + " could not be mapped: zero point type differs from the weight's");
    zeros = reader.integers(*zero);
    if (zeros.size() != scales.size()) throw ModelError(context + " could not be mapped: zero point and scale shapes differ");
  }
  std::int64_t axis = int_attribute(node, "axis", 1);
  if (axis < 0) axis += 2;
  const std::int64_t block = int_attribute(node, "block_size", 0);
  if (axis < 0 || axis > 1) throw ModelError(context + " could not be mapped: DequantizeLinear axis out of range");
  const std::int64_t along = axis == 0 ? in : out;
  // Which scale each element (i, o) of x [in, out] uses.
  std::function<std::size_t(std::int64_t, std::int64_t)> scale_index;
  if (scales.size() == 1) {
    scale_index = [](std::int64_t, std::int64_t) { return std::size_t{0}; };
  } else if (block == 0) {
    if (static_cast<std::int64_t>(scales.size()) != along)
      throw ModelError(context + " could not be mapped: per-axis scale '" + scale->name() + "' has " + std::to_string(scales.size()) +
                       " values, axis " + std::to_string(axis) + " has " + std::to_string(along));
    scale_index = [axis](std::int64_t i, std::int64_t o) { return static_cast<std::size_t>(axis == 0 ? i : o); };
  } else {
    const std::int64_t blocks = (along + block - 1) / block;
    if (scale->dims_size() != 2 || (axis == 0 ? scale->dims(0) != blocks || scale->dims(1) != out : scale->dims(0) != in || scale->dims(1) != blocks))
      throw ModelError(context + " could not be mapped: block-wise scale '" + scale->name() + "' does not match the weight's shape and block size " +
                       std::to_string(block));
    scale_index = [axis, block, blocks, out](std::int64_t i, std::int64_t o) {
      return static_cast<std::size_t>(axis == 0 ? (i / block) * out + o : i * blocks + o / block);
    };
  }
  DecodedMatrix m{out, in, std::vector<std::int32_t>(static_cast<std::size_t>(in * out)), std::vector<float>(static_cast<std::size_t>(in * out))};
  for (std::int64_t i = 0; i < in; ++i)
    for (std::int64_t o = 0; o < out; ++o) {
      const std::size_t s = scale_index(i, o), at = static_cast<std::size_t>(o * in + i);
      m.centred[at] = codes[static_cast<std::size_t>(i * out + o)] - (zeros.empty() ? 0 : zeros[s]);
      m.scales[at] = scales[s];
    }
  return to_named_tensor(m, reader.path().string());
}

}  // namespace docent::engine::onnx_import
