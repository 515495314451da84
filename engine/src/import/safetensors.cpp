#include "import/safetensors.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>

#include "quant/half.hpp"

namespace docent::engine::conversion {
namespace {

using Json = nlohmann::json;

std::optional<std::uint64_t> dtype_size(const std::string& dtype) {
  static const std::map<std::string, std::uint64_t> sizes{
      {"BOOL", 1}, {"U8", 1}, {"I8", 1}, {"F8_E4M3", 1}, {"F8_E5M2", 1}, {"I16", 2}, {"U16", 2}, {"F16", 2},
      {"BF16", 2}, {"I32", 4}, {"U32", 4}, {"F32", 4}, {"F64", 8}, {"I64", 8}, {"U64", 8}};
  auto found = sizes.find(dtype);
  if (found == sizes.end()) return std::nullopt;
  return found->second;
}

[[noreturn]] void fail(const std::filesystem::path& path, const std::string& reason) {
  throw ModelError(path.string() + ": " + reason);
}

}  // namespace

struct SafetensorsFile::Mapping {
  void* address = MAP_FAILED;
  std::size_t size = 0;
  ~Mapping() {
    if (address != MAP_FAILED) munmap(address, size);
  }
};

SafetensorsFile::~SafetensorsFile() = default;

std::int64_t SafetensorsTensor::element_count() const {
  std::int64_t count = 1;
  for (auto dimension : shape) count *= dimension;
  return count;
}

std::vector<float> SafetensorsTensor::to_floats() const {
  const auto count = static_cast<std::size_t>(element_count());
  std::vector<float> values(count);
  if (dtype == "F32") {
    std::memcpy(values.data(), data, count * 4);
  } else if (dtype == "F16" || dtype == "BF16") {
    for (std::size_t i = 0; i < count; ++i) {
      std::uint16_t raw;
      std::memcpy(&raw, data + 2 * i, 2);
      values[i] = dtype == "F16" ? half_to_float(raw) : bfloat16_to_float(raw);
    }
  } else {
    throw ModelError(file.string() + ": tensor '" + name + "' has dtype " + dtype + "; only F32, F16 and BF16 weights are supported");
  }
  return values;
}

std::shared_ptr<const SafetensorsFile> SafetensorsFile::open(const std::filesystem::path& path) {
  std::shared_ptr<SafetensorsFile> file(new SafetensorsFile());
  file->mapping_ = std::make_unique<Mapping>();
  int descriptor = ::open(path.c_str(), O_RDONLY);
  if (descriptor < 0) fail(path, std::string("cannot open: ") + std::strerror(errno));
  struct stat status {};
  if (fstat(descriptor, &status) != 0 || !S_ISREG(status.st_mode)) {
    ::close(descriptor);
    fail(path, "not a regular file");
  }
  const auto file_size = static_cast<std::uint64_t>(status.st_size);
  if (file_size < 8) {
    ::close(descriptor);
    fail(path, "truncated: " + std::to_string(file_size) + " bytes, a safetensors file starts with an 8-byte header length");
  }
  file->mapping_->size = file_size;
  file->mapping_->address = mmap(nullptr, file_size, PROT_READ, MAP_PRIVATE, descriptor, 0);
  ::close(descriptor);
  if (file->mapping_->address == MAP_FAILED) fail(path, std::string("cannot map: ") + std::strerror(errno));
  const auto* bytes = static_cast<const std::uint8_t*>(file->mapping_->address);

  std::uint64_t header_size = 0;
  for (int i = 7; i >= 0; --i) header_size = (header_size << 8) | bytes[i];
  if (header_size > file_size - 8)
    fail(path, "truncated: the header claims " + std::to_string(header_size) + " bytes but only " +
                   std::to_string(file_size - 8) + " follow");
  Json header;
  try {
    header = Json::parse(bytes + 8, bytes + 8 + header_size);
  } catch (const Json::exception& error) {
    fail(path, std::string("header is not valid JSON (") + error.what() + ")");
  }
  if (!header.is_object()) fail(path, "header is not a JSON object");
  const std::uint64_t data_size = file_size - 8 - header_size;
  const std::uint8_t* data = bytes + 8 + header_size;

  std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges;
  for (const auto& [name, entry] : header.items()) {
    if (name == "__metadata__") {
      if (entry.is_object())
        for (const auto& [key, value] : entry.items())
          if (value.is_string()) file->metadata_[key] = value.get<std::string>();
      continue;
    }
    const std::string where = "tensor '" + name + "'";
    if (!entry.is_object()) fail(path, where + ": header entry is not an object");
    auto dtype_it = entry.find("dtype");
    auto shape_it = entry.find("shape");
    auto offsets_it = entry.find("data_offsets");
    if (dtype_it == entry.end() || !dtype_it->is_string()) fail(path, where + ": missing dtype");
    if (shape_it == entry.end() || !shape_it->is_array()) fail(path, where + ": missing shape");
    if (offsets_it == entry.end() || !offsets_it->is_array() || offsets_it->size() != 2)
      fail(path, where + ": data_offsets must be [begin, end]");
    SafetensorsTensor tensor;
    tensor.name = name;
    tensor.file = path;
    tensor.dtype = dtype_it->get<std::string>();
    auto element_size = dtype_size(tensor.dtype);
    if (!element_size) fail(path, where + ": unknown dtype '" + tensor.dtype + "'");
    std::uint64_t elements = 1;
    for (const Json& dimension : *shape_it) {
      if (!dimension.is_number_unsigned()) fail(path, where + ": shape entries must be non-negative integers");
      auto value = dimension.get<std::uint64_t>();
      if (value != 0 && elements > (std::numeric_limits<std::uint64_t>::max() / 16) / value)
        fail(path, where + ": shape is too large");
      elements *= value;
      tensor.shape.push_back(static_cast<std::int64_t>(value));
    }
    for (const Json& offset : *offsets_it)
      if (!offset.is_number_unsigned()) fail(path, where + ": data_offsets must be non-negative integers");
    const auto begin = (*offsets_it)[0].get<std::uint64_t>();
    const auto end = (*offsets_it)[1].get<std::uint64_t>();
    if (begin > end || end > data_size)
      fail(path, where + ": data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) +
                     "] lie outside the " + std::to_string(data_size) + " data bytes (truncated file or bad header)");
    if (end - begin != elements * *element_size)
      fail(path, where + ": data_offsets span " + std::to_string(end - begin) + " bytes but " + tensor.dtype +
                     " of this shape needs " + std::to_string(elements * *element_size));
    tensor.data = data + begin;
    tensor.bytes = end - begin;
    ranges.emplace_back(begin, end);
    file->tensors_.push_back(std::move(tensor));
  }
  std::sort(ranges.begin(), ranges.end());
  for (std::size_t i = 1; i < ranges.size(); ++i)
    if (ranges[i].first < ranges[i - 1].second) fail(path, "header lists overlapping tensor data ranges");
  return file;
}

SafetensorsSet SafetensorsSet::open_folder(const std::filesystem::path& folder) {
  SafetensorsSet set;
  const auto index_path = folder / "model.safetensors.index.json";
  const auto single_path = folder / "model.safetensors";
  std::map<std::string, std::string> expected;  // tensor -> shard
  if (std::filesystem::exists(index_path)) {
    std::ifstream in(index_path);
    Json index;
    try {
      index = Json::parse(in);
    } catch (const Json::exception& error) {
      fail(index_path, std::string("not valid JSON (") + error.what() + ")");
    }
    if (!index.is_object() || !index.contains("weight_map") || !index["weight_map"].is_object())
      fail(index_path, "has no weight_map object");
    std::vector<std::string> shards;
    for (const auto& [tensor, shard] : index["weight_map"].items()) {
      if (!shard.is_string()) fail(index_path, "weight_map entry '" + tensor + "' is not a file name");
      auto shard_name = shard.get<std::string>();
      if (shard_name.find('/') != std::string::npos || shard_name.find("..") != std::string::npos)
        fail(index_path, "shard name '" + shard_name + "' must be a plain file name");
      expected[tensor] = shard_name;
      if (std::find(shards.begin(), shards.end(), shard_name) == shards.end()) shards.push_back(shard_name);
    }
    for (const auto& shard : shards) {
      if (!std::filesystem::exists(folder / shard)) fail(index_path, "lists shard '" + shard + "' which does not exist");
      set.files_.push_back(SafetensorsFile::open(folder / shard));
    }
  } else if (std::filesystem::exists(single_path)) {
    set.files_.push_back(SafetensorsFile::open(single_path));
  } else {
    fail(folder, "holds neither model.safetensors nor model.safetensors.index.json");
  }
  for (const auto& file : set.files_)
    for (const auto& tensor : file->tensors()) {
      if (!set.by_name_.emplace(tensor.name, &tensor).second)
        fail(tensor.file, "tensor '" + tensor.name + "' appears in more than one shard");
    }
  for (const auto& [tensor, shard] : expected) {
    auto found = set.by_name_.find(tensor);
    if (found == set.by_name_.end() || found->second->file.filename() != shard)
      fail(folder / shard, "does not hold tensor '" + tensor + "' although the index says it does");
  }
  return set;
}

const SafetensorsTensor* SafetensorsSet::find(const std::string& name) const {
  auto found = by_name_.find(name);
  return found == by_name_.end() ? nullptr : found->second;
}

std::vector<std::string> SafetensorsSet::names() const {
  std::vector<std::string> names;
  for (const auto& [name, tensor] : by_name_) names.push_back(name);
  return names;
}

std::vector<std::uint8_t> encode_floats(const std::vector<float>& values, const std::string& dtype) {
  std::vector<std::uint8_t> bytes;
  if (dtype == "F32") {
    bytes.resize(values.size() * 4);
    std::memcpy(bytes.data(), values.data(), bytes.size());
    return bytes;
  }
  bytes.resize(values.size() * 2);
  for (std::size_t i = 0; i < values.size(); ++i) {
    std::uint16_t raw = dtype == "F16" ? float_to_half(values[i]) : float_to_bfloat16(values[i]);
    std::memcpy(bytes.data() + 2 * i, &raw, 2);
  }
  return bytes;
}

void write_safetensors(const std::filesystem::path& path, const std::vector<SafetensorsOutput>& tensors,
                       const std::map<std::string, std::string>& metadata) {
  Json header = Json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::uint64_t offset = 0;
  for (const auto& tensor : tensors) {
    header[tensor.name] = {{"dtype", tensor.dtype}, {"shape", tensor.shape}, {"data_offsets", {offset, offset + tensor.data.size()}}};
    offset += tensor.data.size();
  }
  std::string text = header.dump();
  while ((8 + text.size()) % 8 != 0) text.push_back(' ');  // data stays 8-byte aligned
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw ModelError(path.string() + ": cannot create file");
  std::uint8_t length[8];
  for (int i = 0; i < 8; ++i) length[i] = static_cast<std::uint8_t>(static_cast<std::uint64_t>(text.size()) >> (8 * i));
  out.write(reinterpret_cast<const char*>(length), 8);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  for (const auto& tensor : tensors) out.write(reinterpret_cast<const char*>(tensor.data.data()), static_cast<std::streamsize>(tensor.data.size()));
  if (!out) throw ModelError(path.string() + ": write failed");
}

}  // namespace docent::engine::conversion
