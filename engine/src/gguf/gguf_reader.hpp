#pragma once
// GGUF v2/v3 reader over an mmapped file. Every header field and tensor extent is checked
// against the file size, so a truncated or hostile file is a ModelError, never a crash.
// Interface agreed between the engine-core and tokenizer work; implementation: gguf_reader.cpp.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "docent/engine.hpp"

namespace docent::engine {

enum class GgufValueType : std::uint32_t {
  uint8 = 0, int8 = 1, uint16 = 2, int16 = 3, uint32 = 4, int32 = 5, float32 = 6, boolean = 7,
  string = 8, array = 9, uint64 = 10, int64 = 11, float64 = 12,
};

// A metadata value. Arrays keep their element type; numeric arrays are widened on access.
struct GgufValue {
  GgufValueType type = GgufValueType::uint8;
  GgufValueType element_type = GgufValueType::uint8;  // for arrays
  // Scalars: integers in `integer` (as signed 64-bit; uint64 above INT64_MAX is rejected),
  // floats in `real`, booleans as integer 0/1, strings in `text`.
  std::int64_t integer = 0;
  double real = 0;
  std::string text;
  std::vector<std::int64_t> integers;  // integer/bool arrays
  std::vector<double> reals;           // float arrays
  std::vector<std::string> texts;      // string arrays
};

struct GgufTensorInfo {
  std::string name;
  std::vector<std::int64_t> shape;  // ne[0] fastest-varying
  std::uint32_t type = 0;           // ggml type id (0 F32, 1 F16, 2 Q4_0, ... 30 BF16)
  std::uint64_t offset = 0;         // relative to the data section
  std::uint64_t bytes = 0;          // computed from type and shape, checked against the file
  const std::uint8_t* data = nullptr;  // into the mapping
  std::int64_t element_count() const;
};

class GgufFile {
 public:
  // Maps and validates the file. Throws ModelError("<path>: <reason>").
  static std::shared_ptr<const GgufFile> open(const std::filesystem::path& path);
  // Validates an in-memory image (used by the fuzz test); the bytes must outlive the object.
  static std::shared_ptr<const GgufFile> from_bytes(std::span<const std::uint8_t> bytes,
                                                    std::string display_name);
  ~GgufFile();

  const std::filesystem::path& path() const;
  std::uint32_t version() const;
  std::uint64_t alignment() const;

  const std::vector<std::pair<std::string, GgufValue>>& metadata() const;
  const GgufValue* find(std::string_view key) const;
  std::optional<std::string> get_string(std::string_view key) const;
  std::optional<std::int64_t> get_int(std::string_view key) const;
  std::optional<double> get_float(std::string_view key) const;  // also accepts integer values
  std::optional<bool> get_bool(std::string_view key) const;
  const std::vector<std::string>* get_string_array(std::string_view key) const;
  const std::vector<std::int64_t>* get_int_array(std::string_view key) const;
  const std::vector<double>* get_float_array(std::string_view key) const;

  const std::vector<GgufTensorInfo>& tensors() const;
  const GgufTensorInfo* find_tensor(std::string_view name) const;

  // Tells the kernel that these mapped bytes (a tensor copied elsewhere, e.g. repacked) are
  // not needed now, so they stop counting towards resident memory. Reading them later still
  // works (the pages come back from the file). No effect on an in-memory image.
  void release_pages(const void* data, std::size_t bytes) const;

  struct Impl;
  explicit GgufFile(std::unique_ptr<Impl> impl);

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace docent::engine
