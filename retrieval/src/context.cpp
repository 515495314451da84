// Sliding-window context assembly: hits widened to neighbouring chunks, merged per document,
// overlap text kept once, fitted to a token budget.
#include <algorithm>
#include <map>

#include "docent/retrieval.hpp"

namespace docent::retrieval {

namespace {

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

// Page boundaries inside multi-page windows, from the stored page lengths.
void locate_pages(const index::Library& library, std::map<std::int64_t, std::vector<std::size_t>>& starts_of,
                  ContextWindow& window) {
  if (window.first_page == window.last_page) return;
  auto& starts = starts_of[window.document_id];
  if (starts.empty()) {
    std::vector<ingest::Page> pages;
    for (auto& page : library.pages(window.document_id)) pages.push_back({page.number, std::move(page.text)});
    starts = ingest::page_start_offsets(pages);
  }
  for (int page = window.first_page + 1; page <= window.last_page; ++page)
    if (page - 1 < static_cast<int>(starts.size())) window.page_starts.emplace_back(page, starts[page - 1]);
}

}  // namespace

int ContextWindow::page_at(std::size_t offset_in_text) const {
  std::size_t absolute = start_offset + offset_in_text;
  int page = first_page;
  for (const auto& [number, start] : page_starts)
    if (absolute >= start) page = number;
  return page;
}

AssembledContext assemble_context(const index::Library& library, const std::string& query,
                                  const ContextOptions& options, const ingest::TokenCounter& count) {
  std::optional<Searcher> own_searcher;
  if (!options.searcher) own_searcher.emplace(library, options.mode);
  const Searcher& searcher = options.searcher ? *options.searcher : *own_searcher;
  auto hits = searcher.find(query, options.candidates);

  // Chunks of each document touched, by ordinal (ordinals are dense from 0).
  std::map<std::int64_t, std::vector<index::ChunkRecord>> chunks_of;
  std::map<std::int64_t, const index::KeywordHit*> first_hit_of;
  for (const auto& hit : hits) {
    auto& chunks = chunks_of[hit.document_id];
    if (!chunks.empty()) continue;
    chunks = library.chunks(hit.document_id);
    std::sort(chunks.begin(), chunks.end(), [](const auto& a, const auto& b) { return a.ordinal < b.ordinal; });
    first_hit_of[hit.document_id] = &hit;
  }

  // The selection: per document, chosen ordinals and the rank that brought each in.
  std::map<std::int64_t, std::map<int, int>> chosen;
  std::map<std::int64_t, std::size_t> tokens_of;  // per document, tokens of its windows
  std::size_t total = 0;

  auto windows_of = [&](std::int64_t document_id, const std::map<int, int>& ordinals) {
    std::vector<ContextWindow> windows;
    for (auto it = ordinals.begin(); it != ordinals.end();) {
      ContextWindow window;
      window.document_id = document_id;
      window.path = first_hit_of[document_id]->path;
      window.title = first_hit_of[document_id]->title;
      window.first_ordinal = it->first;
      window.best_rank = it->second;
      int last = it->first;
      for (++it; it != ordinals.end() && it->first == last + 1; ++it) {
        last = it->first;
        window.best_rank = std::min(window.best_rank, it->second);
      }
      window.last_ordinal = last;
      build_text(chunks_of[document_id], window);
      window.tokens = count(window.text);
      windows.push_back(std::move(window));
    }
    return windows;
  };
  // Adds an ordinal if the budget allows; overlap with neighbours already chosen costs nothing.
  auto try_add = [&](std::int64_t document_id, int ordinal, int rank) {
    auto& ordinals = chosen[document_id];
    if (ordinals.count(ordinal)) return;
    auto trial = ordinals;
    trial.emplace(ordinal, rank);
    std::size_t tokens = 0;
    for (const auto& window : windows_of(document_id, trial)) tokens += window.tokens;
    if (total - tokens_of[document_id] + tokens > options.token_budget) return;
    total = total - tokens_of[document_id] + tokens;
    tokens_of[document_id] = tokens;
    ordinals = std::move(trial);
  };

  // Breadth first: every hit on its own, in rank order, so more distinct places fit; then,
  // with what is left, hits widen to their neighbours, nearest first, best hits first.
  for (std::size_t rank = 0; rank < hits.size(); ++rank)
    try_add(hits[rank].document_id, hits[rank].ordinal, static_cast<int>(rank));
  for (int distance = 1; distance <= options.neighbours; ++distance)
    for (std::size_t rank = 0; rank < hits.size(); ++rank) {
      const auto& hit = hits[rank];
      if (!chosen[hit.document_id].count(hit.ordinal)) continue;  // the hit itself did not fit
      int last = static_cast<int>(chunks_of[hit.document_id].size()) - 1;
      for (int ordinal : {hit.ordinal - distance, hit.ordinal + distance})
        if (ordinal >= 0 && ordinal <= last) try_add(hit.document_id, ordinal, static_cast<int>(rank));
    }

  AssembledContext context;
  std::map<std::int64_t, std::vector<std::size_t>> page_starts_of;
  for (const auto& [document_id, ordinals] : chosen) {
    if (ordinals.empty()) continue;
    for (auto& window : windows_of(document_id, ordinals)) {
      for (const auto& hit : hits)
        if (hit.document_id == document_id && hit.ordinal >= window.first_ordinal && hit.ordinal <= window.last_ordinal)
          window.hit_chunk_ids.push_back(hit.chunk_id);
      locate_pages(library, page_starts_of, window);
      context.tokens += window.tokens;
      context.windows.push_back(std::move(window));
    }
  }
  // By relevance, then position.
  std::stable_sort(context.windows.begin(), context.windows.end(), [](const auto& a, const auto& b) {
    return a.best_rank < b.best_rank;
  });
  return context;
}

}  // namespace docent::retrieval
