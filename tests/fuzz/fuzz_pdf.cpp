// libFuzzer target: PDF ingestion (poppler through ingest::extract, clean-up and chunking) on
// arbitrary bytes written to a temp file. Bad input must come back as a status, never a crash.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>

#include "docent/ingest.hpp"

namespace {
const std::string& temp_pdf() {
  static const std::string path = [] {
    std::string pattern = (std::filesystem::temp_directory_path() / "docent-fuzz-XXXXXX.pdf").string();
    int fd = ::mkstemps(pattern.data(), 4);
    if (fd >= 0) ::close(fd);
    return pattern;
  }();
  return path;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string& path = temp_pdf();
  if (FILE* out = std::fopen(path.c_str(), "wb")) {
    std::fwrite(data, 1, size, out);
    std::fclose(out);
  }
  auto extracted = docent::ingest::extract(path);
  if (extracted.status == docent::ingest::DocumentStatus::ok)
    (void)docent::ingest::chunk_pages(extracted.pages, {}, docent::ingest::approximate_token_count);
  return 0;
}
