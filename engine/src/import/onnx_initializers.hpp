#pragma once
// Reading ONNX initializers (inline or in external data files) as floats or integer codes.

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace docent::engine::onnx_import {

class InitializerReader {
 public:
  explicit InitializerReader(std::filesystem::path model_path) : model_path_(std::move(model_path)) {}

  static bool is_float(const onnx::TensorProto& tensor);
  static std::vector<std::int64_t> shape(const onnx::TensorProto& tensor);
  static std::int64_t element_count(const onnx::TensorProto& tensor);

  // FLOAT, FLOAT16 or BFLOAT16 tensors as floats.
  std::vector<float> floats(const onnx::TensorProto& tensor) const;
  // INT4, UINT4, INT8, UINT8 tensors as one integer per element (sign-extended where signed);
  // UINT8 also serves for MatMulNBits' packed bytes.
  std::vector<std::int32_t> integers(const onnx::TensorProto& tensor) const;
  // The stored bytes (inline or external), length checked against `expected`.
  std::string bytes(const onnx::TensorProto& tensor, std::size_t expected) const;

  const std::filesystem::path& path() const { return model_path_; }

 private:
  std::filesystem::path model_path_;
};

}  // namespace docent::engine::onnx_import

namespace docent::engine::onnx_import {
// 4-bit element types (ONNX IR 10); named by number because the installed onnx headers may
// predate them.
inline constexpr int kOnnxUint4 = 21;
inline constexpr int kOnnxInt4 = 22;
}  // namespace docent::engine::onnx_import
