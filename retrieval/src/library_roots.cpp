// Roots, their filters and removals, stored as JSON in the library's settings. Paths are
// stored escaped (ingest::escape_bytes), so a file name that is not UTF-8 survives the JSON.
#include <algorithm>
#include <charconv>

#include <nlohmann/json.hpp>

#include "library_roots.hpp"

namespace docent::retrieval {
namespace fs = std::filesystem;
using index::setting_key::kIngestRemoved;
using index::setting_key::kIngestRoots;

namespace detail {

fs::path normal_path(const fs::path& path) {
  std::error_code error;
  fs::path normal = fs::absolute(path, error).lexically_normal();
  if (!normal.has_filename() && normal.has_parent_path() && normal != normal.root_path()) normal = normal.parent_path();
  return normal;
}

bool at_or_under(const std::string& path, const std::string& folder) {
  if (path.size() < folder.size() || path.compare(0, folder.size(), folder) != 0) return false;
  return path.size() == folder.size() || folder.back() == '/' || path[folder.size()] == '/';
}

namespace {

nlohmann::json text_list(const std::vector<std::string>& items) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& item : items) list.push_back(ingest::escape_bytes(item, /*when_invalid_only=*/false));
  return list;
}

std::vector<std::string> read_text_list(const nlohmann::json& list) {
  std::vector<std::string> items;
  if (list.is_array())
    for (const auto& item : list)
      if (item.is_string()) items.push_back(ingest::unescape_bytes(item.get<std::string>()));
  return items;
}

void add_unique(std::vector<fs::path>& paths, const fs::path& path) {
  if (std::find(paths.begin(), paths.end(), path) == paths.end()) paths.push_back(path);
}

}  // namespace

void write_roots(index::Library& library, const LibraryRoots& stored) {
  nlohmann::json roots = nlohmann::json::array();
  for (const auto& root : stored.roots)
    roots.push_back({{"path", ingest::escape_bytes(root.path.native(), false)},
                     {"include", text_list(root.filters.include_globs)},
                     {"exclude", text_list(root.filters.exclude_globs)}});
  std::vector<std::string> removed;
  for (const auto& path : stored.removed) removed.push_back(path.native());
  library.set_setting(kIngestRoots, roots.dump());
  library.set_setting(kIngestRemoved, text_list(removed).dump());
}

void remember_roots(index::Library& library, const std::vector<ScanRoot>& given, bool wanted_again) {
  LibraryRoots stored = library_roots(library);
  for (const auto& root : given) {
    auto same = std::find_if(stored.roots.begin(), stored.roots.end(), [&](const ScanRoot& r) { return r.path == root.path; });
    if (same != stored.roots.end()) same->filters = root.filters;
    else stored.roots.push_back(root);
    if (wanted_again)
      std::erase_if(stored.removed, [&](const fs::path& removed) { return at_or_under(removed.native(), root.path.native()); });
  }
  std::sort(stored.roots.begin(), stored.roots.end(), [](const ScanRoot& a, const ScanRoot& b) { return a.path < b.path; });
  write_roots(library, stored);
}

void forget_roots(index::Library& library, const std::vector<fs::path>& roots) {
  LibraryRoots stored = library_roots(library);
  std::erase_if(stored.roots, [&](const ScanRoot& r) { return std::find(roots.begin(), roots.end(), r.path) != roots.end(); });
  write_roots(library, stored);
}

}  // namespace detail

LibraryRoots library_roots(const index::Library& library) {
  LibraryRoots stored;
  if (auto text = library.setting(kIngestRoots)) {
    auto parsed = nlohmann::json::parse(*text, nullptr, false);
    if (parsed.is_array())
      for (const auto& item : parsed) {
        if (item.is_string()) {
          stored.roots.push_back({fs::path(item.get<std::string>()), {}});  // older libraries: paths only
        } else if (item.is_object() && item.contains("path") && item["path"].is_string()) {
          ScanRoot root;
          root.path = ingest::unescape_bytes(item["path"].get<std::string>());
          if (item.contains("include")) root.filters.include_globs = detail::read_text_list(item["include"]);
          if (item.contains("exclude")) root.filters.exclude_globs = detail::read_text_list(item["exclude"]);
          stored.roots.push_back(std::move(root));
        }
      }
  }
  if (auto text = library.setting(kIngestRemoved))
    for (auto& path : detail::read_text_list(nlohmann::json::parse(*text, nullptr, false))) stored.removed.emplace_back(path);
  return stored;
}

RemoveSummary remove_from_library(index::Library& library, const std::vector<std::string>& targets) {
  RemoveSummary summary;
  LibraryRoots stored = library_roots(library);
  const auto documents = library.documents();
  std::vector<index::DocumentRecord> chosen;
  std::vector<fs::path> covered;  // the files and folders taken out
  for (const auto& target : targets) {
    bool found = false;
    std::int64_t id = 0;
    auto [end, error] = std::from_chars(target.data(), target.data() + target.size(), id);
    if (error == std::errc() && end == target.data() + target.size())
      for (const auto& d : documents)
        if (d.id == id) {
          chosen.push_back(d);
          detail::add_unique(covered, d.path);
          found = true;
        }
    // As given first; a name printed with escapes (not UTF-8) stands for its bytes.
    std::vector<fs::path> forms = {detail::normal_path(target)};
    if (target.find('\\') != std::string::npos) forms.push_back(detail::normal_path(ingest::unescape_bytes(target)));
    for (const auto& form : forms) {
      bool matched = false;
      for (const auto& d : documents)
        if (detail::at_or_under(d.path, form.native())) {
          chosen.push_back(d);
          matched = true;
        }
      for (const auto& root : stored.roots) matched |= detail::at_or_under(root.path.native(), form.native());
      if (matched) {
        detail::add_unique(covered, form);
        found = true;
        break;
      }
    }
    if (!found) summary.not_found.push_back(target);
  }
  std::sort(chosen.begin(), chosen.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  chosen.erase(std::unique(chosen.begin(), chosen.end(), [](const auto& a, const auto& b) { return a.id == b.id; }),
               chosen.end());
  for (const auto& d : chosen)
    if (library.remove_document(d.id)) summary.removed.push_back(d);

  // Remembered: a root taken out is no longer scanned; a part of a root stays out of it.
  for (const auto& path : covered) {
    std::erase_if(stored.roots, [&](const ScanRoot& root) {
      const bool gone = detail::at_or_under(root.path.native(), path.native());
      if (gone) summary.forgotten_roots.push_back(root.path.string());
      return gone;
    });
    const bool inside_a_root = std::any_of(stored.roots.begin(), stored.roots.end(), [&](const ScanRoot& root) {
      return detail::at_or_under(path.native(), root.path.native());
    });
    if (!inside_a_root) continue;
    std::erase_if(stored.removed, [&](const fs::path& removed) { return detail::at_or_under(removed.native(), path.native()); });
    stored.removed.push_back(path);
  }
  detail::write_roots(library, stored);
  return summary;
}

}  // namespace docent::retrieval
