#include "library_service.hpp"

#include <map>

#include "api_error.hpp"
#include "library_json.hpp"

namespace docent::cli {

struct LibraryService::Handle {
  explicit Handle(const std::filesystem::path& dir) : library(index::Library::open(dir, index::Library::Mode::read_only)) {}
  index::Library library;
  std::map<std::string, std::unique_ptr<retrieval::Searcher>> searchers;  // by mode ("" = the default)

  const retrieval::Searcher& searcher(const std::string& mode) {
    auto& slot = searchers[mode];
    if (!slot) {
      std::optional<retrieval::SearchMode> chosen;
      if (!mode.empty()) chosen = retrieval::parse_search_mode(mode);
      try {
        slot = std::make_unique<retrieval::Searcher>(library, chosen);
      } catch (const index::LibraryError&) {
        throw;
      } catch (const std::runtime_error& error) {
        throw invalid_request(error.what(), "mode");  // dense or hybrid asked of a keyword-only library
      }
    }
    return *slot;
  }
};

// Gives the handle back to the pool when the request is done with it.
struct LibraryService::Lease {
  const LibraryService* owner;
  std::unique_ptr<Handle> handle;
  Lease(const LibraryService* o, std::unique_ptr<Handle> h) : owner(o), handle(std::move(h)) {}
  Lease(Lease&&) = default;
  ~Lease() {
    if (!handle) return;
    std::lock_guard lock(owner->mutex_);
    owner->idle_.push_back(std::move(handle));
  }
  Handle* operator->() const { return handle.get(); }
};

LibraryService::LibraryService(std::filesystem::path dir) : dir_(std::move(dir)) {
  std::error_code error;
  if (!std::filesystem::exists(dir_ / "library.sqlite3", error))
    throw index::LibraryError("no library at " + dir_.string() + " yet: run `docent ingest PATH` first");
  idle_.push_back(std::make_unique<Handle>(dir_));  // opens now, so a broken library fails at start
}

LibraryService::~LibraryService() = default;

LibraryService::Lease LibraryService::borrow() const {
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      auto handle = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(handle));
    }
  }
  return Lease(this, std::make_unique<Handle>(dir_));
}

nlohmann::json LibraryService::search(const SearchParams& params) const {
  auto lease = borrow();
  const auto& searcher = lease->searcher(params.mode);
  retrieval::SearchRequest request;
  request.query = params.query;
  request.limit = params.limit;
  request.highlight_open = "<<";  // as `search --json` marks matches
  request.highlight_close = ">>";
  auto results = retrieval::search(searcher, request);
  return search_json(params.query, searcher, results, params.full);
}

std::optional<std::filesystem::path> LibraryService::embedder_path() const {
  auto lease = borrow();
  auto binding = retrieval::bound_embedder(lease->library);
  if (!binding) return std::nullopt;
  return binding->embedder->path();
}

nlohmann::json LibraryService::documents() const {
  auto lease = borrow();
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& d : lease->library.documents()) rows.push_back(document_json(d));
  return rows;
}

std::optional<nlohmann::json> LibraryService::passage(std::int64_t chunk_id) const {
  auto lease = borrow();
  return find_passage(lease->library, chunk_id);
}

std::optional<index::DocumentRecord> LibraryService::document(std::int64_t id) const {
  auto lease = borrow();
  return lease->library.document(id);
}

std::vector<index::PageRecord> LibraryService::pages(std::int64_t document_id) const {
  auto lease = borrow();
  return lease->library.pages(document_id);
}

retrieval::Answer LibraryService::ask(const AskParams& params,
                                      const std::optional<retrieval::GenerativeOptions>& generation) const {
  auto lease = borrow();
  retrieval::AnswerOptions options;
  options.context.token_budget = static_cast<std::size_t>(params.budget);
  options.context.neighbours = params.window;
  options.max_sentences = params.sentences;
  options.context.searcher = &lease->searcher(params.mode);
  if (!generation || params.extractive) return retrieval::answer_extractive(lease->library, params.question, options);
  return retrieval::answer_generative(lease->library, params.question, options, *generation);
}

}  // namespace docent::cli
