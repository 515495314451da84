#include "gguf/gguf_reader.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <limits>
#include <unordered_map>

#include "quant/type_traits.hpp"

namespace docent::engine {

namespace {

constexpr std::uint64_t kDefaultAlignment = 32;
constexpr std::uint32_t kMaxDimensions = 4;
constexpr int kMaxArrayNesting = 2;

// A read-only mapping of a whole file; unmapped on destruction.
struct Mapping {
  void* address = nullptr;
  std::size_t size = 0;
  ~Mapping() {
    if (address != nullptr && address != MAP_FAILED) ::munmap(address, size);
  }
};

// Every read checks the remaining byte count first, so no field can make us read past the end
// or allocate more than the file could possibly describe.
class Cursor {
 public:
  Cursor(std::span<const std::uint8_t> bytes, const std::string& name) : bytes_(bytes), name_(name) {}

  [[noreturn]] void fail(const std::string& reason) const {
    throw ModelError(name_ + ": " + reason);
  }
  std::uint64_t position() const { return position_; }
  std::uint64_t remaining() const { return bytes_.size() - position_; }

  template <typename T>
  T read(const char* what) {
    if (remaining() < sizeof(T))
      fail(std::string("truncated file while reading ") + what + " at byte " + std::to_string(position_));
    T value;
    std::memcpy(&value, bytes_.data() + position_, sizeof(T));
    position_ += sizeof(T);
    return value;
  }

  std::string read_string(const char* what) {
    auto length = read<std::uint64_t>(what);
    if (length > remaining())
      fail(std::string(what) + " claims " + std::to_string(length) + " bytes but only " +
           std::to_string(remaining()) + " remain");
    std::string text(reinterpret_cast<const char*>(bytes_.data() + position_), length);
    position_ += length;
    return text;
  }

  void skip(std::uint64_t count, const char* what) {
    if (count > remaining()) fail(std::string("truncated file while skipping ") + what);
    position_ += count;
  }

 private:
  std::span<const std::uint8_t> bytes_;
  const std::string& name_;
  std::uint64_t position_ = 0;
};

// Smallest encoded size of one value of the type: bounds array counts by remaining bytes.
std::uint64_t minimum_encoded_size(GgufValueType type) {
  switch (type) {
    case GgufValueType::uint8: case GgufValueType::int8: case GgufValueType::boolean: return 1;
    case GgufValueType::uint16: case GgufValueType::int16: return 2;
    case GgufValueType::uint32: case GgufValueType::int32: case GgufValueType::float32: return 4;
    case GgufValueType::uint64: case GgufValueType::int64: case GgufValueType::float64: return 8;
    case GgufValueType::string: return 8;
    case GgufValueType::array: return 12;
  }
  return 1;
}

bool known_value_type(std::uint32_t raw) { return raw <= static_cast<std::uint32_t>(GgufValueType::float64); }
bool is_integer_type(GgufValueType t) {
  return t == GgufValueType::uint8 || t == GgufValueType::int8 || t == GgufValueType::uint16 ||
         t == GgufValueType::int16 || t == GgufValueType::uint32 || t == GgufValueType::int32 ||
         t == GgufValueType::uint64 || t == GgufValueType::int64 || t == GgufValueType::boolean;
}
bool is_float_type(GgufValueType t) { return t == GgufValueType::float32 || t == GgufValueType::float64; }

std::int64_t read_integer(Cursor& in, GgufValueType type, const std::string& key) {
  switch (type) {
    case GgufValueType::uint8: return in.read<std::uint8_t>("uint8 value");
    case GgufValueType::int8: return in.read<std::int8_t>("int8 value");
    case GgufValueType::uint16: return in.read<std::uint16_t>("uint16 value");
    case GgufValueType::int16: return in.read<std::int16_t>("int16 value");
    case GgufValueType::uint32: return in.read<std::uint32_t>("uint32 value");
    case GgufValueType::int32: return in.read<std::int32_t>("int32 value");
    case GgufValueType::int64: return in.read<std::int64_t>("int64 value");
    case GgufValueType::uint64: {
      auto value = in.read<std::uint64_t>("uint64 value");
      if (value > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
        in.fail("metadata '" + key + "' holds a uint64 too large to use");
      return static_cast<std::int64_t>(value);
    }
    case GgufValueType::boolean: {
      auto value = in.read<std::uint8_t>("bool value");
      if (value > 1) in.fail("metadata '" + key + "' holds a bool that is neither 0 nor 1");
      return value;
    }
    default: in.fail("internal: not an integer type");
  }
}

double read_real(Cursor& in, GgufValueType type) {
  if (type == GgufValueType::float32) return in.read<float>("float32 value");
  return in.read<double>("float64 value");
}

void read_array(Cursor& in, GgufValue& value, const std::string& key, int depth);

void read_value(Cursor& in, GgufValue& value, const std::string& key, int depth) {
  if (is_integer_type(value.type)) {
    value.integer = read_integer(in, value.type, key);
  } else if (is_float_type(value.type)) {
    value.real = read_real(in, value.type);
  } else if (value.type == GgufValueType::string) {
    value.text = in.read_string("string value");
  } else {
    read_array(in, value, key, depth);
  }
}

void read_array(Cursor& in, GgufValue& value, const std::string& key, int depth) {
  auto raw_element = in.read<std::uint32_t>("array element type");
  if (!known_value_type(raw_element))
    in.fail("metadata '" + key + "' has unknown array element type " + std::to_string(raw_element));
  value.element_type = static_cast<GgufValueType>(raw_element);
  auto count = in.read<std::uint64_t>("array length");
  if (count > in.remaining() / minimum_encoded_size(value.element_type))
    in.fail("metadata '" + key + "' claims " + std::to_string(count) +
            " array elements, more than the file could hold");
  if (value.element_type == GgufValueType::array) {
    // Nobody writes nested arrays for the keys we use; walk them (bounded) and drop the content.
    if (depth >= kMaxArrayNesting) in.fail("metadata '" + key + "' nests arrays too deeply");
    for (std::uint64_t i = 0; i < count; ++i) {
      GgufValue inner;
      inner.type = GgufValueType::array;
      read_array(in, inner, key, depth + 1);
    }
  } else if (is_integer_type(value.element_type)) {
    value.integers.reserve(count);
    for (std::uint64_t i = 0; i < count; ++i) value.integers.push_back(read_integer(in, value.element_type, key));
  } else if (is_float_type(value.element_type)) {
    value.reals.reserve(count);
    for (std::uint64_t i = 0; i < count; ++i) value.reals.push_back(read_real(in, value.element_type));
  } else {
    value.texts.reserve(count);
    for (std::uint64_t i = 0; i < count; ++i) value.texts.push_back(in.read_string("string array element"));
  }
}

}  // namespace

std::int64_t GgufTensorInfo::element_count() const {
  std::int64_t count = 1;
  for (auto dimension : shape) count *= dimension;  // validated against overflow on load
  return count;
}

struct GgufFile::Impl {
  std::filesystem::path path;
  std::string display_name;
  Mapping mapping;
  std::uint32_t version = 0;
  std::uint64_t alignment = kDefaultAlignment;
  std::vector<std::pair<std::string, GgufValue>> metadata;
  std::unordered_map<std::string, std::size_t> metadata_index;
  std::vector<GgufTensorInfo> tensors;
  std::unordered_map<std::string, std::size_t> tensor_index;

  void parse(std::span<const std::uint8_t> bytes);
};

void GgufFile::Impl::parse(std::span<const std::uint8_t> bytes) {
  Cursor in(bytes, display_name);
  auto magic = in.read<std::uint32_t>("magic");
  if (std::memcmp(&magic, "GGUF", 4) != 0) in.fail("not a GGUF file (bad magic)");
  version = in.read<std::uint32_t>("version");
  if (version == 1) in.fail("GGUF version 1 is not supported (re-convert the model)");
  if (version != 2 && version != 3)
    in.fail("unsupported GGUF version " + std::to_string(version) + " (expected 2 or 3)");
  auto tensor_count = in.read<std::uint64_t>("tensor count");
  auto metadata_count = in.read<std::uint64_t>("metadata count");
  // Each metadata entry needs at least a key length and a type; each tensor info at least
  // a name length, n_dims, type and offset. This caps reservations by the file size.
  if (metadata_count > in.remaining() / 12)
    in.fail("header claims " + std::to_string(metadata_count) + " metadata entries, more than the file could hold");
  if (tensor_count > in.remaining() / 24)
    in.fail("header claims " + std::to_string(tensor_count) + " tensors, more than the file could hold");

  metadata.reserve(metadata_count);
  for (std::uint64_t i = 0; i < metadata_count; ++i) {
    std::string key = in.read_string("metadata key");
    auto raw_type = in.read<std::uint32_t>("metadata value type");
    if (!known_value_type(raw_type))
      in.fail("metadata '" + key + "' has unknown value type " + std::to_string(raw_type));
    GgufValue value;
    value.type = static_cast<GgufValueType>(raw_type);
    read_value(in, value, key, 0);
    if (!metadata_index.emplace(key, metadata.size()).second)
      in.fail("metadata key '" + key + "' appears twice");
    metadata.emplace_back(std::move(key), std::move(value));
  }

  if (auto it = metadata_index.find("general.alignment"); it != metadata_index.end()) {
    const GgufValue& value = metadata[it->second].second;
    if (!is_integer_type(value.type) || value.type == GgufValueType::boolean)
      in.fail("general.alignment is not an integer");
    auto requested = value.integer;
    if (requested <= 0 || requested > (1 << 20) || (requested & (requested - 1)) != 0)
      in.fail("general.alignment " + std::to_string(requested) + " is not a power of two up to 1 MiB");
    alignment = static_cast<std::uint64_t>(requested);
  }

  tensors.reserve(tensor_count);
  for (std::uint64_t i = 0; i < tensor_count; ++i) {
    GgufTensorInfo info;
    info.name = in.read_string("tensor name");
    auto dimensions = in.read<std::uint32_t>("tensor dimension count");
    if (dimensions == 0 || dimensions > kMaxDimensions)
      in.fail("tensor '" + info.name + "' has " + std::to_string(dimensions) + " dimensions (1 to 4 allowed)");
    std::int64_t elements = 1;
    for (std::uint32_t d = 0; d < dimensions; ++d) {
      auto extent = in.read<std::uint64_t>("tensor dimension");
      if (extent == 0 || extent > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
        in.fail("tensor '" + info.name + "' has a dimension of " + std::to_string(extent));
      auto signed_extent = static_cast<std::int64_t>(extent);
      if (elements > std::numeric_limits<std::int64_t>::max() / signed_extent)
        in.fail("tensor '" + info.name + "' has more elements than fit in 64 bits");
      elements *= signed_extent;
      info.shape.push_back(signed_extent);
    }
    info.type = in.read<std::uint32_t>("tensor type");
    auto traits = type_traits(info.type);
    if (!traits) in.fail("tensor '" + info.name + "' has unknown type id " + std::to_string(info.type));
    if (info.shape[0] % traits->block_elements != 0)
      in.fail("tensor '" + info.name + "' row of " + std::to_string(info.shape[0]) + " elements is not a whole number of " +
              std::string(traits->name) + " blocks");
    auto blocks = static_cast<std::uint64_t>(elements / traits->block_elements);
    if (blocks > bytes.size() / static_cast<std::uint64_t>(traits->block_bytes))
      in.fail("tensor '" + info.name + "' is larger than the file");
    // Rows never outnumber blocks, so the per-row headers cannot overflow here.
    const auto rows = static_cast<std::uint64_t>(elements / info.shape[0]);
    info.bytes = blocks * static_cast<std::uint64_t>(traits->block_bytes) +
                 rows * static_cast<std::uint64_t>(traits->row_header_bytes) +
                 static_cast<std::uint64_t>(traits->tensor_trailer_bytes);
    info.offset = in.read<std::uint64_t>("tensor offset");
    if (info.offset % alignment != 0)
      in.fail("tensor '" + info.name + "' offset " + std::to_string(info.offset) + " is not a multiple of the alignment " +
              std::to_string(alignment));
    if (!tensor_index.emplace(info.name, tensors.size()).second)
      in.fail("tensor '" + info.name + "' appears twice");
    tensors.push_back(std::move(info));
  }

  std::uint64_t data_start = (in.position() + alignment - 1) / alignment * alignment;
  if (!tensors.empty() && data_start > bytes.size())
    in.fail("truncated file: the tensor data section is missing");
  for (auto& info : tensors) {
    std::uint64_t available = data_start <= bytes.size() ? bytes.size() - data_start : 0;
    if (info.offset > available || info.bytes > available - info.offset)
      in.fail("tensor '" + info.name + "' data (" + std::to_string(info.bytes) + " bytes at offset " +
              std::to_string(info.offset) + ") extends past the end of the file (truncated?)");
    info.data = bytes.data() + data_start + info.offset;
  }
}

GgufFile::GgufFile(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

void GgufFile::release_pages(const void* data, std::size_t bytes) const {
  if (impl_->mapping.address == nullptr || impl_->mapping.address == MAP_FAILED) return;
  const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  const auto begin = reinterpret_cast<std::uintptr_t>(data), end = begin + bytes;
  const auto base = reinterpret_cast<std::uintptr_t>(impl_->mapping.address);
  if (begin < base || end > base + impl_->mapping.size) return;
  // Whole pages inside the range only: neighbouring tensors keep theirs.
  const std::uintptr_t first = (begin + page - 1) / page * page, last = end / page * page;
  if (last > first) ::madvise(reinterpret_cast<void*>(first), last - first, MADV_DONTNEED);
}
GgufFile::~GgufFile() = default;

std::shared_ptr<const GgufFile> GgufFile::open(const std::filesystem::path& path) {
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  impl->display_name = path.string();
  int descriptor = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (descriptor < 0) throw ModelError(impl->display_name + ": cannot open (" + std::strerror(errno) + ")");
  struct stat status {};
  if (::fstat(descriptor, &status) != 0 || !S_ISREG(status.st_mode)) {
    ::close(descriptor);
    throw ModelError(impl->display_name + ": not a regular file");
  }
  std::size_t size = static_cast<std::size_t>(status.st_size);
  if (size == 0) {
    ::close(descriptor);
    throw ModelError(impl->display_name + ": empty file");
  }
  void* address = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, descriptor, 0);
  int map_error = errno;
  ::close(descriptor);
  if (address == MAP_FAILED)
    throw ModelError(impl->display_name + ": cannot map file (" + std::strerror(map_error) + ")");
  impl->mapping.address = address;
  impl->mapping.size = size;
  impl->parse({static_cast<const std::uint8_t*>(address), size});
  return std::make_shared<const GgufFile>(std::move(impl));
}

std::shared_ptr<const GgufFile> GgufFile::from_bytes(std::span<const std::uint8_t> bytes,
                                                     std::string display_name) {
  auto impl = std::make_unique<Impl>();
  impl->path = display_name;
  impl->display_name = std::move(display_name);
  impl->parse(bytes);
  return std::make_shared<const GgufFile>(std::move(impl));
}

const std::filesystem::path& GgufFile::path() const { return impl_->path; }
std::uint32_t GgufFile::version() const { return impl_->version; }
std::uint64_t GgufFile::alignment() const { return impl_->alignment; }
const std::vector<std::pair<std::string, GgufValue>>& GgufFile::metadata() const { return impl_->metadata; }

const GgufValue* GgufFile::find(std::string_view key) const {
  auto it = impl_->metadata_index.find(std::string(key));
  return it == impl_->metadata_index.end() ? nullptr : &impl_->metadata[it->second].second;
}

std::optional<std::string> GgufFile::get_string(std::string_view key) const {
  const GgufValue* value = find(key);
  if (value == nullptr || value->type != GgufValueType::string) return std::nullopt;
  return value->text;
}

std::optional<std::int64_t> GgufFile::get_int(std::string_view key) const {
  const GgufValue* value = find(key);
  if (value == nullptr || !is_integer_type(value->type)) return std::nullopt;
  return value->integer;
}

std::optional<double> GgufFile::get_float(std::string_view key) const {
  const GgufValue* value = find(key);
  if (value == nullptr) return std::nullopt;
  if (is_float_type(value->type)) return value->real;
  if (is_integer_type(value->type) && value->type != GgufValueType::boolean)
    return static_cast<double>(value->integer);
  return std::nullopt;
}

std::optional<bool> GgufFile::get_bool(std::string_view key) const {
  const GgufValue* value = find(key);
  if (value == nullptr || !is_integer_type(value->type)) return std::nullopt;
  return value->integer != 0;
}

const std::vector<std::string>* GgufFile::get_string_array(std::string_view key) const {
  const GgufValue* value = find(key);
  if (value == nullptr || value->type != GgufValueType::array || value->element_type != GgufValueType::string)
    return nullptr;
  return &value->texts;
}

const std::vector<std::int64_t>* GgufFile::get_int_array(std::string_view key) const {
  const GgufValue* value = find(key);
  if (value == nullptr || value->type != GgufValueType::array || !is_integer_type(value->element_type))
    return nullptr;
  return &value->integers;
}

const std::vector<double>* GgufFile::get_float_array(std::string_view key) const {
  const GgufValue* value = find(key);
  if (value == nullptr || value->type != GgufValueType::array || !is_float_type(value->element_type))
    return nullptr;
  return &value->reals;
}

const std::vector<GgufTensorInfo>& GgufFile::tensors() const { return impl_->tensors; }

const GgufTensorInfo* GgufFile::find_tensor(std::string_view name) const {
  auto it = impl_->tensor_index.find(std::string(name));
  return it == impl_->tensor_index.end() ? nullptr : &impl_->tensors[it->second];
}

}  // namespace docent::engine
