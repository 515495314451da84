// Expanding user-given files and folders into the list of files to ingest.
#include <algorithm>
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

}  // namespace

bool glob_match(std::string_view pattern, std::string_view path) { return glob_at(pattern, 0, path, 0); }

ScanResult scan_paths(const std::vector<fs::path>& roots, const ScanOptions& options) {
  ScanResult result;
  for (const auto& given : roots) {
    std::error_code error;
    fs::path root = fs::absolute(given, error).lexically_normal();
    auto status = fs::status(root, error);
    if (error || !fs::exists(status)) {
      result.missing.push_back(given.string());
      continue;
    }
    if (fs::is_regular_file(status)) {
      // A file named explicitly is taken if we can read its type, whatever the globs say.
      if (ingest::is_supported(root)) result.files.push_back(root);
      else result.missing.push_back(given.string() + " (unsupported file type)");
      continue;
    }
    auto flags = fs::directory_options::skip_permission_denied;
    if (options.follow_symlinks) flags |= fs::directory_options::follow_directory_symlink;
    fs::recursive_directory_iterator it(root, flags, error), end;
    for (; !error && it != end; it.increment(error)) {
      const auto& entry = *it;
      std::string name = entry.path().filename().string();
      // Hidden folders (.git, .cache) are never documents.
      if (!name.empty() && name[0] == '.') {
        if (entry.is_directory()) it.disable_recursion_pending();
        continue;
      }
      std::error_code type_error;
      if (!entry.is_regular_file(type_error)) continue;
      fs::path relative = entry.path().lexically_relative(root);
      if (wanted(entry.path(), relative, options)) result.files.push_back(entry.path());
    }
  }
  std::sort(result.files.begin(), result.files.end());
  result.files.erase(std::unique(result.files.begin(), result.files.end()), result.files.end());
  return result;
}

}  // namespace docent::retrieval
