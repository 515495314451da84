#include "tensor.hpp"

namespace docent::engine {

TensorView make_view(const void* data, TensorType type, std::array<std::int64_t, 4> shape, int dimensions,
                     std::string name) {
  TensorView view;
  view.data = static_cast<const std::uint8_t*>(data);
  view.type = type;
  view.dimensions = dimensions;
  view.shape = shape;
  auto traits = type_traits(type);
  view.strides[0] = static_cast<std::size_t>(traits->block_bytes);
  view.strides[1] = static_cast<std::size_t>(tensor_bytes(*traits, shape[0], 1));
  view.strides[2] = view.strides[1] * static_cast<std::size_t>(shape[1]);
  view.strides[3] = view.strides[2] * static_cast<std::size_t>(shape[2]);
  view.name = std::move(name);
  return view;
}

OwnedTensor::OwnedTensor(TensorType type, std::array<std::int64_t, 4> shape, int dimensions, std::string name)
    : type_(type), shape_(shape), dimensions_(dimensions), name_(std::move(name)) {
  auto traits = type_traits(type);
  std::int64_t elements = shape[0] * shape[1] * shape[2] * shape[3];
  bytes_.resize(static_cast<std::size_t>(tensor_bytes(*traits, shape[0], elements / shape[0])));
}

}  // namespace docent::engine
