// Expanding user-given files and folders into the list of files to ingest.
#include <sys/stat.h>

#include <algorithm>
#include <map>
#include <set>
#include <system_error>

#include "docent/retrieval.hpp"

namespace docent::retrieval {
namespace fs = std::filesystem;

namespace {

bool match_class(std::string_view pattern, std::size_t& p, char c) {
  // pattern[p] == '['; on return p is past ']'.
  std::size_t i = p + 1;
  bool negate = i < pattern.size() && (pattern[i] == '!' || pattern[i] == '^');
  if (negate) ++i;
  bool matched = false;
  bool first = true;
  while (i < pattern.size() && (pattern[i] != ']' || first)) {
    first = false;
    if (i + 2 < pattern.size() && pattern[i + 1] == '-' && pattern[i + 2] != ']') {
      if (c >= pattern[i] && c <= pattern[i + 2]) matched = true;
      i += 3;
    } else {
      if (c == pattern[i]) matched = true;
      ++i;
    }
  }
  p = i < pattern.size() ? i + 1 : i;
  return matched != negate;
}

bool glob_at(std::string_view pattern, std::size_t p, std::string_view text, std::size_t t) {
  while (p < pattern.size()) {
    char pc = pattern[p];
    if (pc == '*') {
      bool crosses_folders = p + 1 < pattern.size() && pattern[p + 1] == '*';
      std::size_t next = p + (crosses_folders ? 2 : 1);
      // "**/" also matches zero folders.
      if (crosses_folders && next < pattern.size() && pattern[next] == '/' &&
          glob_at(pattern, next + 1, text, t))
        return true;
      for (std::size_t k = t;; ++k) {
        if (glob_at(pattern, next, text, k)) return true;
        if (k >= text.size()) return false;
        if (!crosses_folders && text[k] == '/') return false;
      }
    }
    if (t >= text.size()) return false;
    if (pc == '?') {
      if (text[t] == '/') return false;
      ++p, ++t;
    } else if (pc == '[') {
      if (!match_class(pattern, p, text[t])) return false;
      ++t;
    } else {
      if (pc != text[t]) return false;
      ++p, ++t;
    }
  }
  return t == text.size();
}

// A pattern without '/' applies to the file name alone, like .gitignore.
bool matches_any(const std::vector<std::string>& patterns, const fs::path& relative) {
  std::string rel = relative.generic_string();
  std::string name = relative.filename().string();
  for (const auto& pattern : patterns) {
    bool has_slash = pattern.find('/') != std::string::npos;
    if (glob_match(pattern, has_slash ? rel : name)) return true;
    // A folder pattern like "drafts" or "drafts/" excludes everything below it.
    if (!has_slash || pattern.back() == '/') {
      std::string folder = pattern.back() == '/' ? pattern.substr(0, pattern.size() - 1) : pattern;
      for (const auto& part : relative.parent_path())
        if (glob_match(folder, part.string())) return true;
    }
  }
  return false;
}

bool wanted(const fs::path& file, const fs::path& relative, const ScanOptions& options) {
  if (!ingest::is_supported(file)) return false;
  if (!options.include_globs.empty() && !matches_any(options.include_globs, relative)) return false;
  return !matches_any(options.exclude_globs, relative);
}

// A folder an exclude pattern names ("drafts", "drafts/", "draft*") is not entered at all, so
// nothing in it is read, reported or counted.
bool excluded_folder(const fs::path& folder, const ScanOptions& options) {
  const std::string name = folder.filename().string();
  for (const auto& pattern : options.exclude_globs) {
    if (pattern.empty()) continue;
    const bool trailing = pattern.back() == '/';
    const std::string body = trailing ? pattern.substr(0, pattern.size() - 1) : pattern;
    if (body.find('/') == std::string::npos && glob_match(body, name)) return true;
  }
  return false;
}

bool is_under(const fs::path& path, const fs::path& folder) {
  const std::string& p = path.native();
  const std::string& f = folder.native();
  return p.size() > f.size() && p.compare(0, f.size(), f) == 0 && (f.back() == '/' || p[f.size()] == '/');
}

std::string reason_for(const std::error_code& error) {
  if (error == std::errc::permission_denied || error == std::errc::operation_not_permitted) return "permission denied";
  if (error == std::errc::no_such_file_or_directory) return "no such file or folder";
  return error.message();
}

ScanProblemKind kind_for(const std::error_code& error) {
  if (error == std::errc::permission_denied || error == std::errc::operation_not_permitted)
    return ScanProblemKind::permission_denied;
  if (error == std::errc::no_such_file_or_directory) return ScanProblemKind::missing;
  return ScanProblemKind::unreadable;
}

struct Identity {
  dev_t device = 0;
  ino_t inode = 0;
  auto operator<=>(const Identity&) const = default;
};

std::optional<Identity> identity_of(const fs::path& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return std::nullopt;
  return Identity{info.st_dev, info.st_ino};
}

// One root's walk. Symbolic links to folders are followed; a folder already entered (a link
// back up, or a second link to the same place) is not entered again, so loops end.
class Walk {
 public:
  Walk(ScanResult& result, std::vector<fs::path>& candidates, std::set<Identity>& entered)
      : result_(result), candidates_(candidates), entered_(entered) {}

  void root(const ScanRoot& given, const std::vector<fs::path>& skip) {
    std::error_code error;
    const fs::path root = fs::absolute(given.path, error).lexically_normal();
    const fs::path shown = root.has_filename() ? root : root.parent_path();
    const auto status = fs::status(shown, error);
    if (error || !fs::exists(status)) {
      if (!error) error = std::make_error_code(std::errc::no_such_file_or_directory);
      problem(shown, kind_for(error), reason_for(error));
      result_.unseen.push_back(shown);
      return;
    }
    if (fs::is_regular_file(status)) {
      // A file named explicitly is taken whatever the globs say, if it is of a type docent reads.
      if (ingest::is_supported(shown)) candidates_.push_back(shown);
      else problem(shown, ScanProblemKind::unsupported, "unsupported file type" + describe_extension(shown));
      return;
    }
    if (!fs::is_directory(status)) {
      problem(shown, ScanProblemKind::unreadable, "not a regular file or folder");
      return;
    }
    root_ = shown;
    options_ = &given.filters;
    skip_.clear();
    // Only what `remove` took out from inside this root applies; an explicit root is wanted.
    for (const auto& path : skip)
      if (is_under(path, root_)) skip_.push_back(path);
    if (auto id = identity_of(root_)) entered_.insert(*id);
    folder(root_);
  }

 private:
  static std::string describe_extension(const fs::path& file) {
    const std::string extension = file.extension().string();
    return extension.empty() ? " (no extension)" : " '" + extension + "'";
  }

  void problem(const fs::path& path, ScanProblemKind kind, std::string reason) {
    result_.problems.push_back({path.string(), kind, std::move(reason)});
  }

  bool skipped(const fs::path& path) const {
    for (const auto& removed : skip_)
      if (path == removed || is_under(path, removed)) return true;
    return false;
  }

  void folder(const fs::path& dir) {
    std::error_code error;
    fs::directory_iterator it(dir, error), end;
    if (error) {
      problem(dir, kind_for(error), reason_for(error));
      result_.unseen.push_back(dir);
      return;
    }
    std::vector<fs::path> subfolders;
    for (; it != end; it.increment(error)) {
      const fs::path path = it->path();
      const std::string name = path.filename().string();
      // Hidden files and folders (.git, .cache) are never documents.
      if (name.empty() || name[0] == '.' || skipped(path)) continue;
      std::error_code type_error;
      const auto status = it->status(type_error);  // follows symbolic links
      if (type_error) {
        // A dangling link is no document; a link we may not follow is worth saying.
        if (type_error != std::errc::no_such_file_or_directory) problem(path, kind_for(type_error), reason_for(type_error));
        continue;
      }
      if (fs::is_directory(status)) {
        subfolders.push_back(path);
      } else if (fs::is_regular_file(status)) {
        if (wanted(path, path.lexically_relative(root_), *options_)) candidates_.push_back(path);
      }
    }
    if (error) {
      problem(dir, kind_for(error), "could not be read to the end: " + reason_for(error));
      result_.unseen.push_back(dir);
    }
    std::sort(subfolders.begin(), subfolders.end());
    for (const auto& sub : subfolders) {
      if (excluded_folder(sub, *options_)) continue;
      auto id = identity_of(sub);
      if (id && !entered_.insert(*id).second) continue;  // entered before: a loop or a second route
      folder(sub);
    }
  }

  ScanResult& result_;
  std::vector<fs::path>& candidates_;
  std::set<Identity>& entered_;
  fs::path root_;
  const ScanOptions* options_ = nullptr;
  std::vector<fs::path> skip_;
};

// The same file reached by two routes (a symbolic link, a hard link, two overlapping roots)
// is one file: the route without symbolic links is kept when there is one, else the first.
std::vector<fs::path> one_path_per_file(std::vector<fs::path> candidates) {
  std::sort(candidates.begin(), candidates.end());
  candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
  std::map<Identity, std::size_t> chosen;  // identity -> index into `kept`
  std::vector<fs::path> kept;
  for (const auto& path : candidates) {
    auto id = identity_of(path);
    if (!id) {
      kept.push_back(path);
      continue;
    }
    auto [it, inserted] = chosen.try_emplace(*id, kept.size());
    if (inserted) {
      kept.push_back(path);
      continue;
    }
    std::error_code error;
    const bool direct = fs::canonical(path, error) == path;
    const bool kept_direct = fs::canonical(kept[it->second], error) == kept[it->second];
    if (direct && !kept_direct) kept[it->second] = path;
  }
  std::sort(kept.begin(), kept.end());
  return kept;
}

}  // namespace

bool glob_match(std::string_view pattern, std::string_view path) { return glob_at(pattern, 0, path, 0); }

ScanResult scan_paths(const std::vector<ScanRoot>& roots, const std::vector<fs::path>& skip) {
  ScanResult result;
  std::vector<fs::path> candidates;
  std::set<Identity> entered;
  for (const auto& root : roots) {
    // Each root walks its own tree: a folder seen under another root is still this root's,
    // with this root's filters.
    entered.clear();
    Walk(result, candidates, entered).root(root, skip);
  }
  result.files = one_path_per_file(std::move(candidates));
  return result;
}

ScanResult scan_paths(const std::vector<fs::path>& roots, const ScanOptions& options) {
  std::vector<ScanRoot> scan_roots;
  for (const auto& root : roots) scan_roots.push_back({root, options});
  return scan_paths(scan_roots);
}

std::string_view to_string(ScanProblemKind kind) {
  switch (kind) {
    case ScanProblemKind::missing: return "missing";
    case ScanProblemKind::permission_denied: return "permission_denied";
    case ScanProblemKind::unsupported: return "unsupported";
    case ScanProblemKind::unreadable: return "unreadable";
  }
  return "unknown";
}

}  // namespace docent::retrieval
