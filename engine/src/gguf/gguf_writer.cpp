#include "gguf/gguf_writer.hpp"

#include <cstring>
#include <fstream>

#include "quant/type_traits.hpp"

namespace docent::engine {

namespace {

class ByteSink {
 public:
  template <typename T>
  void put(T value) {
    auto offset = bytes.size();
    bytes.resize(offset + sizeof(T));
    std::memcpy(bytes.data() + offset, &value, sizeof(T));
  }
  void put_string(const std::string& text) {
    put<std::uint64_t>(text.size());
    bytes.insert(bytes.end(), text.begin(), text.end());
  }
  void pad_to(std::uint64_t alignment) {
    while (bytes.size() % alignment != 0) bytes.push_back(0);
  }
  std::vector<std::uint8_t> bytes;
};

void put_scalar(ByteSink& sink, GgufValueType type, std::int64_t integer, double real) {
  switch (type) {
    case GgufValueType::uint8: sink.put<std::uint8_t>(static_cast<std::uint8_t>(integer)); break;
    case GgufValueType::int8: sink.put<std::int8_t>(static_cast<std::int8_t>(integer)); break;
    case GgufValueType::uint16: sink.put<std::uint16_t>(static_cast<std::uint16_t>(integer)); break;
    case GgufValueType::int16: sink.put<std::int16_t>(static_cast<std::int16_t>(integer)); break;
    case GgufValueType::uint32: sink.put<std::uint32_t>(static_cast<std::uint32_t>(integer)); break;
    case GgufValueType::int32: sink.put<std::int32_t>(static_cast<std::int32_t>(integer)); break;
    case GgufValueType::uint64: sink.put<std::uint64_t>(static_cast<std::uint64_t>(integer)); break;
    case GgufValueType::int64: sink.put<std::int64_t>(integer); break;
    case GgufValueType::boolean: sink.put<std::uint8_t>(integer != 0 ? 1 : 0); break;
    case GgufValueType::float32: sink.put<float>(static_cast<float>(real)); break;
    case GgufValueType::float64: sink.put<double>(real); break;
    default: break;
  }
}

void put_value(ByteSink& sink, const GgufValue& value) {
  sink.put<std::uint32_t>(static_cast<std::uint32_t>(value.type));
  if (value.type == GgufValueType::string) {
    sink.put_string(value.text);
  } else if (value.type == GgufValueType::array) {
    sink.put<std::uint32_t>(static_cast<std::uint32_t>(value.element_type));
    if (value.element_type == GgufValueType::string) {
      sink.put<std::uint64_t>(value.texts.size());
      for (const auto& text : value.texts) sink.put_string(text);
    } else if (value.element_type == GgufValueType::float32 || value.element_type == GgufValueType::float64) {
      sink.put<std::uint64_t>(value.reals.size());
      for (double real : value.reals) put_scalar(sink, value.element_type, 0, real);
    } else {
      sink.put<std::uint64_t>(value.integers.size());
      for (auto integer : value.integers) put_scalar(sink, value.element_type, integer, 0);
    }
  } else {
    put_scalar(sink, value.type, value.integer, value.real);
  }
}

}  // namespace

void GgufWriter::set(std::string key, GgufValue value) {
  for (auto& entry : metadata_) {
    if (entry.first == key) {
      entry.second = std::move(value);
      return;
    }
  }
  metadata_.emplace_back(std::move(key), std::move(value));
}

void GgufWriter::set_string(std::string key, std::string value) {
  GgufValue v;
  v.type = GgufValueType::string;
  v.text = std::move(value);
  set(std::move(key), std::move(v));
}
void GgufWriter::set_uint32(std::string key, std::uint32_t value) {
  GgufValue v;
  v.type = GgufValueType::uint32;
  v.integer = value;
  set(std::move(key), std::move(v));
}
void GgufWriter::set_int32(std::string key, std::int32_t value) {
  GgufValue v;
  v.type = GgufValueType::int32;
  v.integer = value;
  set(std::move(key), std::move(v));
}
void GgufWriter::set_float32(std::string key, float value) {
  GgufValue v;
  v.type = GgufValueType::float32;
  v.real = value;
  set(std::move(key), std::move(v));
}
void GgufWriter::set_bool(std::string key, bool value) {
  GgufValue v;
  v.type = GgufValueType::boolean;
  v.integer = value ? 1 : 0;
  set(std::move(key), std::move(v));
}
void GgufWriter::set_string_array(std::string key, std::vector<std::string> values) {
  GgufValue v;
  v.type = GgufValueType::array;
  v.element_type = GgufValueType::string;
  v.texts = std::move(values);
  set(std::move(key), std::move(v));
}
void GgufWriter::set_int32_array(std::string key, std::vector<std::int64_t> values) {
  GgufValue v;
  v.type = GgufValueType::array;
  v.element_type = GgufValueType::int32;
  v.integers = std::move(values);
  set(std::move(key), std::move(v));
}
void GgufWriter::set_float32_array(std::string key, std::vector<double> values) {
  GgufValue v;
  v.type = GgufValueType::array;
  v.element_type = GgufValueType::float32;
  v.reals = std::move(values);
  set(std::move(key), std::move(v));
}

void GgufWriter::add_tensor(std::string name, std::uint32_t type, std::vector<std::int64_t> shape,
                            std::vector<std::uint8_t> data) {
  auto traits = type_traits(type);
  if (!traits) throw ModelError("GGUF writer: unknown tensor type " + std::to_string(type));
  std::int64_t elements = 1;
  for (auto extent : shape) elements *= extent;
  if (shape.empty() || shape[0] % traits->block_elements != 0 ||
      static_cast<std::int64_t>(data.size()) != tensor_bytes(*traits, shape[0], elements / shape[0]) + traits->tensor_trailer_bytes)
    throw ModelError("GGUF writer: tensor '" + name + "' data size does not match its type and shape");
  tensors_.push_back({std::move(name), type, std::move(shape), std::move(data)});
}

std::vector<std::uint8_t> GgufWriter::to_bytes() const {
  ByteSink sink;
  sink.bytes.insert(sink.bytes.end(), {'G', 'G', 'U', 'F'});
  sink.put<std::uint32_t>(3);
  sink.put<std::uint64_t>(tensors_.size());
  bool has_alignment = false;
  for (const auto& entry : metadata_) has_alignment |= entry.first == "general.alignment";
  sink.put<std::uint64_t>(metadata_.size() + (has_alignment || alignment_ == 32 ? 0 : 1));
  for (const auto& [key, value] : metadata_) {
    sink.put_string(key);
    put_value(sink, value);
  }
  if (!has_alignment && alignment_ != 32) {
    sink.put_string("general.alignment");
    sink.put<std::uint32_t>(static_cast<std::uint32_t>(GgufValueType::uint32));
    sink.put<std::uint32_t>(static_cast<std::uint32_t>(alignment_));
  }
  std::uint64_t offset = 0;
  for (const auto& tensor : tensors_) {
    sink.put_string(tensor.name);
    sink.put<std::uint32_t>(static_cast<std::uint32_t>(tensor.shape.size()));
    for (auto extent : tensor.shape) sink.put<std::uint64_t>(static_cast<std::uint64_t>(extent));
    sink.put<std::uint32_t>(tensor.type);
    sink.put<std::uint64_t>(offset);
    offset += (tensor.data.size() + alignment_ - 1) / alignment_ * alignment_;
  }
  sink.pad_to(alignment_);
  for (const auto& tensor : tensors_) {
    sink.bytes.insert(sink.bytes.end(), tensor.data.begin(), tensor.data.end());
    sink.pad_to(alignment_);
  }
  return sink.bytes;
}

void GgufWriter::write(const std::filesystem::path& path) const {
  auto bytes = to_bytes();
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw ModelError(path.string() + ": cannot create file");
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw ModelError(path.string() + ": write failed");
}

}  // namespace docent::engine
