#include "import/onnx_initializers.hpp"

#include <cstring>
#include <fstream>

#include "docent/engine.hpp"
#include "quant/half.hpp"

namespace docent::engine::onnx_import {

bool InitializerReader::is_float(const onnx::TensorProto& tensor) {
  const int type = tensor.data_type();
  return type == onnx::TensorProto::FLOAT || type == onnx::TensorProto::FLOAT16 || type == onnx::TensorProto::BFLOAT16;
}

std::vector<std::int64_t> InitializerReader::shape(const onnx::TensorProto& tensor) {
  return std::vector<std::int64_t>(tensor.dims().begin(), tensor.dims().end());
}

std::int64_t InitializerReader::element_count(const onnx::TensorProto& tensor) {
  // Bounded so that no byte count derived from it can overflow; no real weight comes near it.
  constexpr std::int64_t kMaxElements = std::int64_t{1} << 40;
  std::int64_t count = 1;
  for (auto dimension : tensor.dims()) {
    if (dimension < 0 || (dimension != 0 && count > kMaxElements / dimension))
      throw ModelError("ONNX initializer '" + tensor.name() + "' has a negative or impossibly large shape");
    count *= dimension;
  }
  return count;
}

std::string InitializerReader::bytes(const onnx::TensorProto& tensor, std::size_t expected) const {
  const std::string source = model_path_.string();
  std::string result;
  if (tensor.data_location() == onnx::TensorProto::EXTERNAL) {
    std::string location;
    std::uint64_t offset = 0, length = expected;
    try {
      for (const auto& entry : tensor.external_data()) {
        if (entry.key() == "location") location = entry.value();
        else if (entry.key() == "offset") offset = std::stoull(entry.value());
        else if (entry.key() == "length") length = std::stoull(entry.value());
      }
    } catch (const std::exception&) {
      throw ModelError(source + ": initializer '" + tensor.name() + "' has a malformed external data offset or length");
    }
    if (location.empty() || location.find("..") != std::string::npos || location.front() == '/')
      throw ModelError(source + ": initializer '" + tensor.name() + "' has a bad external data location '" + location + "'");
    const auto data_path = model_path_.parent_path() / location;
    std::ifstream in(data_path, std::ios::binary);
    if (!in) throw ModelError(data_path.string() + ": external data file of '" + tensor.name() + "' is missing");
    in.seekg(0, std::ios::end);
    const auto size = static_cast<std::uint64_t>(in.tellg());
    if (length != expected)
      throw ModelError(source + ": initializer '" + tensor.name() + "' has external length " + std::to_string(length) +
                       ", its shape needs " + std::to_string(expected) + " bytes");
    if (offset > size || size - offset < length)
      throw ModelError(data_path.string() + ": too short for initializer '" + tensor.name() + "' (truncated external data)");
    result.resize(length);
    in.seekg(static_cast<std::streamoff>(offset));
    in.read(result.data(), static_cast<std::streamsize>(length));
  } else if (tensor.has_raw_data()) {
    result = tensor.raw_data();
  } else {
    // Typed fields: FLOAT in float_data; 16-bit floats and small integers in int32_data.
    const int type = tensor.data_type();
    if (type == onnx::TensorProto::FLOAT) {
      result.assign(reinterpret_cast<const char*>(tensor.float_data().data()), static_cast<std::size_t>(tensor.float_data_size()) * 4);
    } else if (type == onnx::TensorProto::FLOAT16 || type == onnx::TensorProto::BFLOAT16) {
      result.resize(static_cast<std::size_t>(tensor.int32_data_size()) * 2);
      for (int i = 0; i < tensor.int32_data_size(); ++i) {
        const auto value = static_cast<std::uint16_t>(tensor.int32_data(i));
        std::memcpy(&result[static_cast<std::size_t>(i) * 2], &value, 2);
      }
    } else if (type == onnx::TensorProto::INT8 || type == onnx::TensorProto::UINT8) {
      for (int i = 0; i < tensor.int32_data_size(); ++i) result.push_back(static_cast<char>(tensor.int32_data(i)));
    } else {  // 4-bit: int32_data holds the packed bytes
      for (int i = 0; i < tensor.int32_data_size(); ++i) result.push_back(static_cast<char>(tensor.int32_data(i)));
    }
  }
  if (result.size() != expected)
    throw ModelError(source + ": initializer '" + tensor.name() + "' holds " + std::to_string(result.size()) +
                     " bytes, its shape needs " + std::to_string(expected));
  return result;
}

std::vector<float> InitializerReader::floats(const onnx::TensorProto& tensor) const {
  const std::string source = model_path_.string();
  for (auto dimension : tensor.dims())
    if (dimension < 0) throw ModelError(source + ": initializer '" + tensor.name() + "' has a negative dimension");
  if (!is_float(tensor))
    throw ModelError(source + ": initializer '" + tensor.name() + "' has unsupported data type " + std::to_string(tensor.data_type()) +
                     " where a float weight was expected");
  const auto count = static_cast<std::size_t>(element_count(tensor));
  const int type = tensor.data_type();
  const std::size_t element = type == onnx::TensorProto::FLOAT ? 4 : 2;
  const std::string raw = bytes(tensor, count * element);
  std::vector<float> values(count);
  for (std::size_t i = 0; i < count; ++i) {
    if (element == 4) {
      std::memcpy(&values[i], &raw[i * 4], 4);
    } else {
      std::uint16_t half;
      std::memcpy(&half, &raw[i * 2], 2);
      values[i] = type == onnx::TensorProto::FLOAT16 ? half_to_float(half) : bfloat16_to_float(half);
    }
  }
  return values;
}

std::vector<std::int32_t> InitializerReader::integers(const onnx::TensorProto& tensor) const {
  const std::string source = model_path_.string();
  for (auto dimension : tensor.dims())
    if (dimension < 0) throw ModelError(source + ": initializer '" + tensor.name() + "' has a negative dimension");
  const auto count = static_cast<std::size_t>(element_count(tensor));
  const int type = tensor.data_type();
  std::vector<std::int32_t> values(count);
  if (type == onnx::TensorProto::INT8 || type == onnx::TensorProto::UINT8) {
    const std::string raw = bytes(tensor, count);
    for (std::size_t i = 0; i < count; ++i)
      values[i] = type == onnx::TensorProto::INT8 ? static_cast<std::int8_t>(raw[i]) : static_cast<std::uint8_t>(raw[i]);
  } else if (type == kOnnxInt4 || type == kOnnxUint4) {
    const std::string raw = bytes(tensor, (count + 1) / 2);
    for (std::size_t i = 0; i < count; ++i) {
      const int nibble = (static_cast<std::uint8_t>(raw[i / 2]) >> (i % 2 ? 4 : 0)) & 0x0f;
      values[i] = type == kOnnxInt4 && nibble >= 8 ? nibble - 16 : nibble;
    }
  } else {
    throw ModelError(source + ": initializer '" + tensor.name() + "' has data type " + std::to_string(type) +
                     " where int4/uint4/int8/uint8 codes were expected");
  }
  return values;
}

}  // namespace docent::engine::onnx_import
