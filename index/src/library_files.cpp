// Where a library lives on disk and how its files are created private to the user.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <string>

#include "library_impl.hpp"

namespace docent::index {
namespace {

std::string non_empty_env(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? std::string(value) : std::string();
}

}  // namespace

std::filesystem::path resolve_library_dir(const std::optional<std::filesystem::path>& explicit_dir) {
  if (explicit_dir && !explicit_dir->empty()) return *explicit_dir;
  if (std::string home = non_empty_env("DOCENT_HOME"); !home.empty()) return home;
  // The XDG spec says a relative XDG_DATA_HOME is invalid and must be ignored.
  if (std::string data = non_empty_env("XDG_DATA_HOME"); !data.empty() && data.front() == '/')
    return std::filesystem::path(data) / "docent";
  if (std::string home = non_empty_env("HOME"); !home.empty())
    return std::filesystem::path(home) / ".local" / "share" / "docent";
  throw LibraryError(
      "cannot choose a library folder: none of DOCENT_HOME, XDG_DATA_HOME, HOME is set; "
      "pass --library DIR");
}

namespace detail {

int busy_timeout_ms() {
  constexpr int kDefault = 30000;
  std::string text = non_empty_env("DOCENT_BUSY_TIMEOUT_MS");
  if (text.empty()) return kDefault;
  int value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < 0) return kDefault;
  return value;
}

void prepare_private_files(const std::filesystem::path& dir, const std::filesystem::path& database) {
  std::error_code error;
  if (!std::filesystem::exists(dir, error)) {
    // Parents get the usual permissions; the library folder itself is the user's alone.
    if (dir.has_parent_path()) {
      std::filesystem::create_directories(dir.parent_path(), error);
      if (error)
        throw LibraryError("library " + dir.string() + ": cannot create folder " +
                           dir.parent_path().string() + ": " + error.message());
    }
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
      throw LibraryError("library " + dir.string() + ": cannot create folder: " +
                         std::strerror(errno));
    // mkdir honours the umask, which may only remove bits: set the mode explicitly.
    ::chmod(dir.c_str(), 0700);
  } else if (!std::filesystem::is_directory(dir, error)) {
    throw LibraryError("library " + dir.string() + ": exists and is not a folder");
  }
  int fd = ::open(database.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0) {
    ::fchmod(fd, 0600);
    ::close(fd);
  } else if (errno != EEXIST) {
    throw LibraryError("library " + database.string() + ": cannot create database file: " +
                       std::strerror(errno));
  }
}

}  // namespace detail
}  // namespace docent::index
