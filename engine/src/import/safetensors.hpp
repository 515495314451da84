#pragma once
// Safetensors files (Hugging Face weights): an 8-byte little-endian header length, a JSON header
// naming every tensor's dtype, shape (slowest dimension first) and byte range, then the data.
// Every range is checked against the file before any tensor is exposed, so a truncated file or
// a header that lies about offsets is a ModelError, never an out-of-bounds read.

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "docent/engine.hpp"

namespace docent::engine::conversion {

struct SafetensorsTensor {
  std::string name;
  std::string dtype;                // "F32", "F16", "BF16", "I64", ...
  std::vector<std::int64_t> shape;  // PyTorch order: slowest first
  const std::uint8_t* data = nullptr;
  std::uint64_t bytes = 0;
  std::filesystem::path file;
  std::int64_t element_count() const;
  // Float dtypes only (F32, F16, BF16); throws ModelError naming the tensor otherwise.
  std::vector<float> to_floats() const;
};

class SafetensorsFile {
 public:
  static std::shared_ptr<const SafetensorsFile> open(const std::filesystem::path& path);
  ~SafetensorsFile();
  const std::vector<SafetensorsTensor>& tensors() const { return tensors_; }
  const std::map<std::string, std::string>& metadata() const { return metadata_; }

 private:
  SafetensorsFile() = default;
  struct Mapping;
  std::unique_ptr<Mapping> mapping_;
  std::vector<SafetensorsTensor> tensors_;
  std::map<std::string, std::string> metadata_;
};

// All tensors of a Hugging Face folder: model.safetensors, or the shards listed by
// model.safetensors.index.json (every listed shard must exist and hold the tensors it is said to).
class SafetensorsSet {
 public:
  static SafetensorsSet open_folder(const std::filesystem::path& folder);
  const SafetensorsTensor* find(const std::string& name) const;
  std::vector<std::string> names() const;

 private:
  std::vector<std::shared_ptr<const SafetensorsFile>> files_;
  std::map<std::string, const SafetensorsTensor*> by_name_;
};

struct SafetensorsOutput {
  std::string name;
  std::string dtype;                // "F32" or "F16" or "BF16"
  std::vector<std::int64_t> shape;  // slowest first
  std::vector<std::uint8_t> data;
};
// Writes one safetensors file (tensors in the given order). Throws ModelError on I/O failure.
void write_safetensors(const std::filesystem::path& path, const std::vector<SafetensorsOutput>& tensors,
                       const std::map<std::string, std::string>& metadata = {});

// Helpers for building outputs.
std::vector<std::uint8_t> encode_floats(const std::vector<float>& values, const std::string& dtype);

}  // namespace docent::engine::conversion
