#pragma once
// The roots a library re-scans on sync (with their filters) and what `remove` took out of them,
// kept in the library's settings; shared by ingest_pipeline.cpp and library_roots.cpp.

#include <filesystem>
#include <string>

#include "docent/retrieval.hpp"

namespace docent::retrieval::detail {

// Absolute and lexically normal, without a trailing slash: the form paths are stored in.
std::filesystem::path normal_path(const std::filesystem::path& path);
// `path` is `folder` itself or inside it.
bool at_or_under(const std::string& path, const std::string& folder);

void write_roots(index::Library& library, const LibraryRoots& roots);

// Each root is scanned with these filters from now on. `wanted_again` (ingest): nothing at or
// under it stays removed.
void remember_roots(index::Library& library, const std::vector<ScanRoot>& roots, bool wanted_again);
// sync --prune: these roots are no longer scanned.
void forget_roots(index::Library& library, const std::vector<std::filesystem::path>& roots);

}  // namespace docent::retrieval::detail
