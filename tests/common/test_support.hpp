#pragma once
// Helpers shared by every test executable: where ../shared is, and a skip when it is absent.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace docent::test {

inline std::filesystem::path shared_dir() {
  if (const char* env = std::getenv("DOCENT_SHARED")) return env;
  return DOCENT_SHARED_DIR;
}
inline std::filesystem::path source_dir() { return DOCENT_SOURCE_DIR; }
// $DOCENT_TEST_BINARY runs the tests against another build (e.g. to see a test fail on main).
inline std::filesystem::path docent_binary() {
  if (const char* env = std::getenv("DOCENT_TEST_BINARY")) return env;
  return DOCENT_BINARY;
}

// Writes `bytes` to `path` (replacing it), creating its folders first.
inline void write_file(const std::filesystem::path& path, const std::string& bytes) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

// A fresh private folder under the system temp dir, removed when the object dies.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "docent-test-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace docent::test

// Skips the current test with a clear message when the shared fixtures are missing.
#define DOCENT_REQUIRE_SHARED(relative)                                                      \
  do {                                                                                       \
    if (!std::filesystem::exists(docent::test::shared_dir() / (relative)))                   \
      GTEST_SKIP() << "shared data not found: " << (docent::test::shared_dir() / (relative)) \
                   << " (clone the shared folder beside the repo as ../shared)";             \
  } while (0)
