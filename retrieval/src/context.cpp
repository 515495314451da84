// Sliding-window context assembly: hits widened to neighbouring chunks, merged per document,
// overlap text kept once, fitted to a token budget.
#include <algorithm>
#include <map>

#include "docent/retrieval.hpp"

namespace docent::retrieval {

namespace {

struct Range {
  int low = 0, high = 0;  // ordinals, inclusive
  int best_rank = 0;
  std::vector<std::int64_t> hits;
};

// Chunk text between [low, high] with each overlap kept once. Chunk offsets index the same
// joined document text, so the part of a chunk already covered by its predecessor is exactly
// the bytes before the predecessor's end offset.
void build_text(const std::vector<index::ChunkRecord>& chunks, ContextWindow& window) {
  std::int64_t covered_until = -1;
  window.text.clear();
  for (int ordinal = window.first_ordinal; ordinal <= window.last_ordinal; ++ordinal) {
    const auto& chunk = chunks[static_cast<std::size_t>(ordinal)];
    if (covered_until < 0) {
      window.start_offset = static_cast<std::size_t>(chunk.start_offset);
      window.text = chunk.text;
    } else if (chunk.end_offset > covered_until) {
      auto skip = static_cast<std::size_t>(std::max<std::int64_t>(0, covered_until - chunk.start_offset));
      if (chunk.start_offset > covered_until) window.text += "\n";  // a gap (should not happen)
      window.text.append(chunk.text, std::min(skip, chunk.text.size()));
    }
    covered_until = std::max(covered_until, chunk.end_offset);
  }
  window.first_page = chunks[static_cast<std::size_t>(window.first_ordinal)].first_page;
  window.last_page = window.first_page;
  for (int ordinal = window.first_ordinal; ordinal <= window.last_ordinal; ++ordinal)
    window.last_page = std::max(window.last_page, chunks[static_cast<std::size_t>(ordinal)].last_page);
}

}  // namespace

AssembledContext assemble_context(const index::Library& library, const std::string& query,
                                  const ContextOptions& options, const ingest::TokenCounter& count) {
  index::SearchOptions search;
  search.limit = options.candidates;
  auto hits = library.keyword_search(query, search);

  // Chunks of each document touched, by ordinal (ordinals are dense from 0).
  std::map<std::int64_t, std::vector<index::ChunkRecord>> chunks_of;
  std::map<std::int64_t, std::vector<Range>> ranges_of;
  std::map<std::int64_t, const index::KeywordHit*> first_hit_of;
  for (std::size_t rank = 0; rank < hits.size(); ++rank) {
    const auto& hit = hits[rank];
    auto& chunks = chunks_of[hit.document_id];
    if (chunks.empty()) {
      chunks = library.chunks(hit.document_id);
      std::sort(chunks.begin(), chunks.end(), [](const auto& a, const auto& b) { return a.ordinal < b.ordinal; });
      first_hit_of[hit.document_id] = &hit;
    }
    int last = static_cast<int>(chunks.size()) - 1;
    Range range{std::max(0, hit.ordinal - options.neighbours), std::min(last, hit.ordinal + options.neighbours),
                static_cast<int>(rank), {hit.chunk_id}};
    auto& ranges = ranges_of[hit.document_id];
    // Merge with every range it touches (adjacent ranges read as one passage).
    for (auto it = ranges.begin(); it != ranges.end();) {
      if (range.low <= it->high + 1 && it->low <= range.high + 1) {
        range.low = std::min(range.low, it->low);
        range.high = std::max(range.high, it->high);
        range.best_rank = std::min(range.best_rank, it->best_rank);
        range.hits.insert(range.hits.end(), it->hits.begin(), it->hits.end());
        it = ranges.erase(it);
      } else {
        ++it;
      }
    }
    ranges.push_back(std::move(range));
  }

  std::vector<ContextWindow> candidates;
  for (auto& [document_id, ranges] : ranges_of) {
    const auto& chunks = chunks_of[document_id];
    const auto* hit = first_hit_of[document_id];
    for (auto& range : ranges) {
      ContextWindow window;
      window.document_id = document_id;
      window.path = hit->path;
      window.title = hit->title;
      window.first_ordinal = range.low;
      window.last_ordinal = range.high;
      window.best_rank = range.best_rank;
      window.hit_chunk_ids = range.hits;
      build_text(chunks, window);
      window.tokens = count(window.text);
      candidates.push_back(std::move(window));
    }
  }
  std::sort(candidates.begin(), candidates.end(), [](const auto& a, const auto& b) { return a.best_rank < b.best_rank; });

  // Breadth first: the hit chunks of every window in relevance order, so more distinct places
  // fit the budget; then, with what is left, each taken window widens to its neighbours.
  struct Planned {
    ContextWindow window;  // core: its hits only
    int wide_first = 0, wide_last = 0;
  };
  std::vector<Planned> taken;
  AssembledContext context;
  for (auto& candidate : candidates) {
    const auto& chunks = chunks_of[candidate.document_id];
    int core_first = candidate.last_ordinal, core_last = candidate.first_ordinal;
    for (const auto& chunk : chunks)
      if (std::find(candidate.hit_chunk_ids.begin(), candidate.hit_chunk_ids.end(), chunk.id) !=
          candidate.hit_chunk_ids.end()) {
        core_first = std::min(core_first, chunk.ordinal);
        core_last = std::max(core_last, chunk.ordinal);
      }
    Planned plan{candidate, candidate.first_ordinal, candidate.last_ordinal};
    plan.window.first_ordinal = core_first;
    plan.window.last_ordinal = core_last;
    build_text(chunks, plan.window);
    plan.window.tokens = count(plan.window.text);
    if (context.tokens + plan.window.tokens > options.token_budget) continue;
    context.tokens += plan.window.tokens;
    taken.push_back(std::move(plan));
  }
  for (auto& plan : taken) {
    if (plan.wide_first == plan.window.first_ordinal && plan.wide_last == plan.window.last_ordinal) continue;
    ContextWindow wide = plan.window;
    wide.first_ordinal = plan.wide_first;
    wide.last_ordinal = plan.wide_last;
    build_text(chunks_of[wide.document_id], wide);
    wide.tokens = count(wide.text);
    if (context.tokens - plan.window.tokens + wide.tokens > options.token_budget) continue;
    context.tokens = context.tokens - plan.window.tokens + wide.tokens;
    plan.window = std::move(wide);
  }
  for (auto& plan : taken) context.windows.push_back(std::move(plan.window));
  return context;
}

}  // namespace docent::retrieval
