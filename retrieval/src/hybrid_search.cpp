// Dense (vector index over the bound model's embeddings), keyword (FTS5 BM25) and hybrid
// (reciprocal rank fusion of both) retrieval behind one Searcher.
#include <algorithm>
#include <cstdio>
#include <map>
#include <mutex>
#include <sys/stat.h>
#include <tuple>
#include <unordered_map>

#include "docent/retrieval.hpp"
#include "text_terms.hpp"

namespace docent::retrieval {

namespace {

// Each side contributes this many candidates per result asked for: fusion needs depth to find
// chunks both lists agree on.
constexpr int kCandidateFactor = 3;

std::string opening_words(const std::string& text, std::size_t words) {
  std::string out;
  std::size_t count = 0;
  bool in_word = false;
  for (char c : one_line(text)) {
    bool space = c == ' ';
    if (!space && !in_word && ++count > words) return out + "…";
    in_word = !space;
    out += c;
  }
  return out;
}

// The vector index of one library's model, shared by every Searcher of that library in this
// process (the server opens one Library per thread; one index must serve them all). When the
// library's vectors change it is replaced, never changed in place, so searches still running on
// the old one finish on it.
struct VectorIndexSlot {
  std::mutex mutex;
  std::shared_ptr<const index::VectorIndex> index;
};

std::shared_ptr<VectorIndexSlot> slot_for(const index::Library& library, std::int64_t model_id) {
  if (library.dir().empty()) return std::make_shared<VectorIndexSlot>();  // in memory: nothing to share
  // The database file's identity, so a library deleted and created again at the same place
  // never inherits the old one's index.
  struct stat info {};
  const auto database = library.database_path();
  if (::stat(database.c_str(), &info) != 0) return std::make_shared<VectorIndexSlot>();
  using Key = std::tuple<std::string, dev_t, ino_t, std::int64_t>;
  static std::mutex mutex;
  static std::map<Key, std::shared_ptr<VectorIndexSlot>> slots;
  std::lock_guard lock(mutex);
  auto& slot = slots[Key{database.string(), info.st_dev, info.st_ino, model_id}];
  if (!slot) slot = std::make_shared<VectorIndexSlot>();
  return slot;
}

}  // namespace

std::string_view to_string(SearchMode mode) {
  switch (mode) {
    case SearchMode::keyword: return "keyword";
    case SearchMode::dense: return "dense";
    case SearchMode::hybrid: return "hybrid";
  }
  return "keyword";
}

std::optional<SearchMode> parse_search_mode(std::string_view text) {
  if (text == "keyword") return SearchMode::keyword;
  if (text == "dense") return SearchMode::dense;
  if (text == "hybrid") return SearchMode::hybrid;
  return std::nullopt;
}

std::vector<FusedChunk> reciprocal_rank_fusion(const std::vector<std::int64_t>& keyword_ranking,
                                               const std::vector<std::int64_t>& dense_ranking,
                                               const FusionOptions& options) {
  std::vector<FusedChunk> fused;
  std::unordered_map<std::int64_t, std::size_t> at;
  auto add = [&](const std::vector<std::int64_t>& ranking, double weight, bool keyword) {
    for (std::size_t i = 0; i < ranking.size(); ++i) {
      auto [it, fresh] = at.emplace(ranking[i], fused.size());
      if (fresh) fused.push_back({ranking[i], 0, 0, 0});
      auto& entry = fused[it->second];
      int& rank = keyword ? entry.keyword_rank : entry.dense_rank;
      if (rank != 0) continue;  // a ranking lists a chunk once; later repeats are ignored
      rank = static_cast<int>(i) + 1;
      entry.score += weight / (options.k + rank);
    }
  };
  add(keyword_ranking, options.keyword_weight, true);
  add(dense_ranking, options.dense_weight, false);
  // Ties (e.g. equal weights, mirrored ranks) go to the better keyword rank, then the lower id,
  // so results are deterministic.
  std::stable_sort(fused.begin(), fused.end(), [](const FusedChunk& a, const FusedChunk& b) {
    if (a.score != b.score) return a.score > b.score;
    int ak = a.keyword_rank ? a.keyword_rank : 1 << 30, bk = b.keyword_rank ? b.keyword_rank : 1 << 30;
    if (ak != bk) return ak < bk;
    return a.chunk_id < b.chunk_id;
  });
  return fused;
}

struct Searcher::State {
  const index::Library* library = nullptr;
  SearchMode mode = SearchMode::keyword;
  FusionOptions fusion;
  std::optional<EmbeddingBinding> binding;
  std::shared_ptr<VectorIndexSlot> vectors;  // set when the mode needs dense search

  // The shared index if it still matches the library's vectors, else a fresh one in its place.
  std::shared_ptr<const index::VectorIndex> current_vectors() const {
    std::shared_ptr<const index::VectorIndex> seen;
    {
      std::lock_guard lock(vectors->mutex);
      seen = vectors->index;
    }
    if (seen && seen->is_current(*library)) return seen;
    std::lock_guard lock(vectors->mutex);  // one thread rebuilds; the others wait for its result
    if (vectors->index && vectors->index != seen && vectors->index->is_current(*library)) return vectors->index;
    vectors->index = std::make_shared<const index::VectorIndex>(index::VectorIndex::open(*library, binding->model_id));
    return vectors->index;
  }

  std::vector<index::VectorHit> dense(const std::string& query, int limit) const {
    const auto index = current_vectors();
    auto embedded = binding->embedder->embed({query});
    return index->search(embedded.at(0), limit);
  }
};

Searcher::Searcher(const index::Library& library, std::optional<SearchMode> mode, FusionOptions fusion)
    : state_(std::make_unique<State>()) {
  state_->library = &library;
  state_->fusion = fusion;
  state_->binding = bound_embedder(library);
  state_->mode = mode.value_or(state_->binding ? SearchMode::hybrid : SearchMode::keyword);
  if (state_->mode != SearchMode::keyword && !state_->binding)
    throw std::runtime_error(std::string(to_string(state_->mode)) +
                             " search needs an embedding model: this library is keyword-only (bind one with "
                             "`docent models add FILE`)");
  if (state_->mode != SearchMode::keyword) state_->vectors = slot_for(library, state_->binding->model_id);
}

Searcher::~Searcher() = default;
Searcher::Searcher(Searcher&&) noexcept = default;
SearchMode Searcher::mode() const { return state_->mode; }
const std::optional<EmbeddingBinding>& Searcher::binding() const { return state_->binding; }

std::int64_t Searcher::missing_vectors() const {
  if (!state_->binding) return 0;
  return state_->library->count_chunks_without_vectors(state_->binding->model_id);
}

std::vector<index::KeywordHit> Searcher::find(const std::string& query, int limit,
                                              const index::SearchOptions& keyword_options) const {
  if (limit <= 0) return {};
  const auto& library = *state_->library;
  // Question words are dropped for BM25 only; the dense side embeds the whole question.
  const std::string keyword_query = without_question_words(query);
  if (state_->mode == SearchMode::keyword) {
    auto options = keyword_options;
    options.limit = limit;
    return library.keyword_search(keyword_query, options);
  }
  auto dense_hits = state_->dense(query, state_->mode == SearchMode::dense ? limit : limit * kCandidateFactor);
  if (state_->mode == SearchMode::dense) {
    std::vector<std::int64_t> ids;
    for (const auto& hit : dense_hits) ids.push_back(hit.chunk_id);
    auto hits = library.describe_chunks(ids);
    std::unordered_map<std::int64_t, float> score_of;
    for (const auto& hit : dense_hits) score_of[hit.chunk_id] = hit.score;
    for (auto& hit : hits) {
      hit.score = score_of[hit.chunk_id];
      hit.snippet = opening_words(hit.text, 24);
    }
    return hits;
  }

  auto options = keyword_options;
  options.limit = limit * kCandidateFactor;
  auto keyword_hits = library.keyword_search(keyword_query, options);
  std::vector<std::int64_t> keyword_ids, dense_ids;
  for (const auto& hit : keyword_hits) keyword_ids.push_back(hit.chunk_id);
  for (const auto& hit : dense_hits) dense_ids.push_back(hit.chunk_id);
  auto fused = reciprocal_rank_fusion(keyword_ids, dense_ids, state_->fusion);
  if (static_cast<int>(fused.size()) > limit) fused.resize(static_cast<std::size_t>(limit));

  std::unordered_map<std::int64_t, const index::KeywordHit*> keyword_hit_of;
  for (const auto& hit : keyword_hits) keyword_hit_of[hit.chunk_id] = &hit;
  std::vector<std::int64_t> dense_only;
  for (const auto& entry : fused)
    if (!keyword_hit_of.count(entry.chunk_id)) dense_only.push_back(entry.chunk_id);
  std::unordered_map<std::int64_t, index::KeywordHit> described;
  for (auto& hit : library.describe_chunks(dense_only)) described.emplace(hit.chunk_id, std::move(hit));

  std::vector<index::KeywordHit> hits;
  for (const auto& entry : fused) {
    index::KeywordHit hit;
    if (auto it = keyword_hit_of.find(entry.chunk_id); it != keyword_hit_of.end()) {
      hit = *it->second;
    } else if (auto found = described.find(entry.chunk_id); found != described.end()) {
      hit = std::move(found->second);
      hit.snippet = opening_words(hit.text, 24);
    } else {
      continue;  // removed by another process since the index was read
    }
    hit.score = entry.score;
    hits.push_back(std::move(hit));
  }
  return hits;
}

}  // namespace docent::retrieval
