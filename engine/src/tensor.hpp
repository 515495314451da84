#pragma once
// Non-owning tensor views over mmapped (or otherwise owned) bytes. A view never frees; whoever
// owns the bytes (the GgufFile mapping, a std::vector in a test) must outlive it.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "quant/type_traits.hpp"

namespace docent::engine {

namespace kernels {
class PackedMatrix;
}

struct TensorView {
  const std::uint8_t* data = nullptr;
  TensorType type = TensorType::f32;
  int dimensions = 0;
  std::array<std::int64_t, 4> shape{1, 1, 1, 1};  // ne[0] fastest-varying
  std::array<std::size_t, 4> strides{0, 0, 0, 0};  // bytes between consecutive rows of each dim
  std::string name;
  // The same matrix repacked for the SIMD kernels, when the owner made one (ModelWeights does
  // at load); linear() uses it instead of `data`.
  const kernels::PackedMatrix* packed = nullptr;

  bool empty() const { return data == nullptr; }
  std::int64_t row_length() const { return shape[0]; }
  std::int64_t row_count() const { return shape[1] * shape[2] * shape[3]; }
  // Row i of a tensor whose rows are contiguous (as every GGUF tensor is).
  const void* row(std::int64_t index) const { return data + static_cast<std::size_t>(index) * strides[1]; }
};

// Builds a contiguous view of `shape` over `data` (strides derived from the type's block size).
TensorView make_view(const void* data, TensorType type, std::array<std::int64_t, 4> shape, int dimensions,
                     std::string name = {});

// Owning storage, kept separate from views so that every copy is explicit: build one, then
// hand out view()s that must not outlive it.
class OwnedTensor {
 public:
  OwnedTensor(TensorType type, std::array<std::int64_t, 4> shape, int dimensions, std::string name = {});
  TensorView view() const { return make_view(bytes_.data(), type_, shape_, dimensions_, name_); }
  std::uint8_t* data() { return bytes_.data(); }
  std::size_t size_bytes() const { return bytes_.size(); }

 private:
  TensorType type_;
  std::array<std::int64_t, 4> shape_;
  int dimensions_;
  std::string name_;
  std::vector<std::uint8_t> bytes_;
};

}  // namespace docent::engine
