// libFuzzer target: the safetensors reader on arbitrary bytes written to a temp file. A bad
// file must end in ModelError, never in a crash or an out-of-bounds read.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>

#include "import/safetensors.hpp"

namespace {
const std::string& temp_file() {
  static const std::string path = [] {
    std::string pattern = (std::filesystem::temp_directory_path() / "docent-fuzz-XXXXXX.safetensors").string();
    int fd = ::mkstemps(pattern.data(), 12);
    if (fd >= 0) ::close(fd);
    return pattern;
  }();
  return path;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string& path = temp_file();
  if (FILE* out = std::fopen(path.c_str(), "wb")) {
    std::fwrite(data, 1, size, out);
    std::fclose(out);
  }
  try {
    auto file = docent::engine::conversion::SafetensorsFile::open(path);
    for (const auto& tensor : file->tensors()) {
      (void)tensor.element_count();
      if (tensor.bytes <= (1u << 20)) (void)tensor.to_floats();
    }
  } catch (const docent::engine::ModelError&) {
  }
  return 0;
}
