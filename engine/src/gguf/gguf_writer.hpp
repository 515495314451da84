#pragma once
// Minimal GGUF v3 writer: tests and benchmarks use it to build model files (random weights,
// hand-made hostile files). Keeps everything in memory until write().

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "gguf/gguf_reader.hpp"

namespace docent::engine {

class GgufWriter {
 public:
  explicit GgufWriter(std::uint64_t alignment = 32) : alignment_(alignment) {}

  void set(std::string key, GgufValue value);
  void set_string(std::string key, std::string value);
  void set_uint32(std::string key, std::uint32_t value);
  void set_int32(std::string key, std::int32_t value);
  void set_float32(std::string key, float value);
  void set_bool(std::string key, bool value);
  void set_string_array(std::string key, std::vector<std::string> values);
  void set_int32_array(std::string key, std::vector<std::int64_t> values);
  void set_float32_array(std::string key, std::vector<double> values);

  // `shape` is ne[0] fastest; `data` must hold exactly the bytes of that type and shape.
  void add_tensor(std::string name, std::uint32_t type, std::vector<std::int64_t> shape,
                  std::vector<std::uint8_t> data);

  std::vector<std::uint8_t> to_bytes() const;
  void write(const std::filesystem::path& path) const;  // throws ModelError on I/O failure

 private:
  struct Tensor {
    std::string name;
    std::uint32_t type;
    std::vector<std::int64_t> shape;
    std::vector<std::uint8_t> data;
  };
  std::uint64_t alignment_;
  std::vector<std::pair<std::string, GgufValue>> metadata_;
  std::vector<Tensor> tensors_;
};

}  // namespace docent::engine
