#pragma once
// The library behind `docent serve` and `docent mcp`: searches, answers, documents and passages
// for requests on many threads at once. A Library (and its Searchers) serves one thread, so each
// request borrows a handle from a pool and gives it back; the handles' Searchers share one
// vector index (retrieval.hpp).
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "api_library.hpp"
#include "docent/retrieval.hpp"

namespace docent::cli {

class LibraryService {
 public:
  // Throws index::LibraryError when the folder holds no library.
  explicit LibraryService(std::filesystem::path dir);
  ~LibraryService();
  const std::filesystem::path& dir() const { return dir_; }
  // The embedding model file the library is bound to (nullopt: keyword-only).
  std::optional<std::filesystem::path> embedder_path() const;

  // The shapes of `search --json`, `list --json` and `passage --json`. Throw ApiError for a
  // request the library cannot serve (dense search without an embedding model).
  nlohmann::json search(const SearchParams& params) const;
  nlohmann::json documents() const;
  std::optional<nlohmann::json> passage(std::int64_t chunk_id) const;
  std::optional<index::DocumentRecord> document(std::int64_t id) const;
  std::vector<index::PageRecord> pages(std::int64_t document_id) const;
  // Extractive without `generation`; generated (with the model it names or holds) otherwise.
  retrieval::Answer ask(const AskParams& params, const std::optional<retrieval::GenerativeOptions>& generation) const;

 private:
  struct Handle;
  struct Lease;
  Lease borrow() const;
  std::filesystem::path dir_;
  mutable std::mutex mutex_;
  mutable std::vector<std::unique_ptr<Handle>> idle_;
};

}  // namespace docent::cli
