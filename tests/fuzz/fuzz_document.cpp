// libFuzzer target: one structured format (DOCX, ODT, EPUB, HTML or MHTML, chosen at build time
// by DOCENT_FUZZ_EXTENSION) through ingest::extract, then chunking, on arbitrary bytes written to
// a temp file. libzip, libxml2 and our walkers must turn any input into a status, never a crash,
// and stay within the expansion budget (lowered here so inputs that expand run fast).
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>

#include "docent/ingest.hpp"

namespace {
const std::string& temp_file() {
  static const std::string path = [] {
    const std::string suffix = DOCENT_FUZZ_EXTENSION;
    std::string pattern = (std::filesystem::temp_directory_path() / ("docent-fuzz-XXXXXX" + suffix)).string();
    int fd = ::mkstemps(pattern.data(), static_cast<int>(suffix.size()));
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
  docent::ingest::ExtractOptions options;
  options.max_expanded_bytes = 8u << 20;
  auto extracted = docent::ingest::extract(path, options);
  if (extracted.status == docent::ingest::DocumentStatus::ok)
    (void)docent::ingest::chunk_pages(extracted.pages, {}, docent::ingest::approximate_token_count);
  return 0;
}
