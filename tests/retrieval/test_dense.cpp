// Dense and hybrid retrieval on libraries embedded with the tiny random-weight BERT fixture:
// FAISS against exact search, model switching without re-parsing, RRF arithmetic, and
// consistency after a SIGKILL during embedding.
#include <gtest/gtest.h>

#include <atomic>
#include <csignal>
#include <chrono>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <set>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include "docent/retrieval.hpp"
#include "test_support.hpp"

namespace {

using namespace docent;
namespace fs = std::filesystem;
constexpr const char* kModel = "fixtures/models/tiny-bert-f16.gguf";

fs::path model_file() { return test::shared_dir() / kModel; }

std::vector<std::int64_t> ids_of(const std::vector<index::VectorHit>& hits) {
  std::vector<std::int64_t> ids;
  for (const auto& hit : hits) ids.push_back(hit.chunk_id);
  return ids;
}

// Notes with distinct topics, so keyword search has something to find.
void write_notes(const fs::path& dir, int count, int paragraphs) {
  fs::create_directories(dir);
  const char* topics[] = {"lighthouse keepers trimmed the lamp wicks", "tramway cars climbed the steep hill",
                          "harbour pilots guided steamers past the reef", "the mill ground barley every autumn",
                          "telegraph clerks relayed storm warnings"};
  for (int n = 0; n < count; ++n) {
    std::ofstream out(dir / ("note" + std::to_string(n) + ".md"));
    for (int p = 0; p < paragraphs; ++p)
      out << "In year " << 1800 + n * 7 + p << " " << topics[(n + p) % 5] << ". Record " << n << "-" << p
          << " notes that " << topics[(n * 3 + p) % 5] << " while the town council met on day " << p * 13 + n
          << " and argued about budgets, roads, and the price of coal for " << n + p << " weeks.\n\n";
  }
}

TEST(DenseRetrieval, BoundLibraryChunksWithTheModelAndFaissMatchesExactSearch) {
  DOCENT_REQUIRE_SHARED(kModel);
  test::TempDir dir;
  auto library = index::Library::open(dir.path() / "library");
  EXPECT_FALSE(retrieval::bound_embedder(library).has_value());
  auto binding = retrieval::bind_embedding_model(library, model_file());
  EXPECT_EQ(binding.embedder->dimension(), 64);
  auto summary = retrieval::ingest_paths(library, {test::source_dir() / "samples"}, {});
  ASSERT_GT(summary.added, 0u);
  EXPECT_EQ(library.count_chunks_without_vectors(binding.model_id), 0);
  EXPECT_GT(library.vector_count(binding.model_id), 10);
  // Chunks were sized with the model's WordPiece tokenizer, within its input limit.
  for (const auto& document : library.documents())
    for (const auto& chunk : library.chunks(document.id)) {
      // (sentences are counted one by one, so joins may differ by a token)
      EXPECT_NEAR(static_cast<double>(chunk.token_count), static_cast<double>(binding.embedder->count_tokens(chunk.text)), 2);
      EXPECT_LE(chunk.token_count, 256);
    }

  auto index = index::VectorIndex::open(library, binding.model_id);
  auto matrix = library.vectors(binding.model_id);
  retrieval::Searcher dense(library, retrieval::SearchMode::dense);
  for (const char* query : {"lighthouse lamp", "tram fares and routes", "who kept the light", "storm"}) {
    auto vector = binding.embedder->embed({query}).at(0);
    auto exact = ids_of(index::exact_vector_search(matrix, vector, 10));
    EXPECT_EQ(ids_of(index.search(vector, 10)), exact) << query;
    std::vector<std::int64_t> found;
    for (const auto& hit : dense.find(query, 10)) found.push_back(hit.chunk_id);
    EXPECT_EQ(found, exact) << query;
  }
  EXPECT_EQ(retrieval::Searcher(library).mode(), retrieval::SearchMode::hybrid);
}

TEST(DenseRetrieval, HnswRecallAtTenAgainstExactOnATinyBertLibrary) {
  DOCENT_REQUIRE_SHARED(kModel);
  test::TempDir dir;
  write_notes(dir.path() / "notes", 40, 12);
  auto library = index::Library::open(dir.path() / "library");
  auto binding = retrieval::bind_embedding_model(library, model_file());
  ASSERT_GT(retrieval::ingest_paths(library, {dir.path() / "notes"}, {}).added, 0u);
  auto matrix = library.vectors(binding.model_id);
  ASSERT_GT(library.vector_count(binding.model_id), 40);
  index::VectorIndexOptions options;
  options.force_kind = index::VectorIndexKind::hnsw;
  auto index = index::VectorIndex::open(library, binding.model_id, options);
  ASSERT_EQ(index.kind(), index::VectorIndexKind::hnsw);
  std::size_t found = 0, total = 0;
  for (const char* query : {"lighthouse lamp wicks", "tramway up the hill", "harbour pilots and the reef", "barley mill in autumn",
                            "telegraph storm warnings", "town council budgets", "price of coal", "year 1850 record"}) {
    auto vector = binding.embedder->embed({query}).at(0);
    auto exact = ids_of(index::exact_vector_search(matrix, vector, 10));
    std::set<std::int64_t> truth(exact.begin(), exact.end());
    for (auto id : ids_of(index.search(vector, 10))) found += truth.count(id);
    total += truth.size();
  }
  const double recall = static_cast<double>(found) / static_cast<double>(total);
  std::cout << "HNSW recall@10 against exact on " << library.vector_count(binding.model_id) << " tiny-bert vectors: " << recall << "\n";
  EXPECT_GE(recall, 0.95);
}

TEST(DenseRetrieval, KeywordOnlyLibrarySaysSo) {
  auto library = index::Library::open_in_memory();
  EXPECT_EQ(retrieval::Searcher(library).mode(), retrieval::SearchMode::keyword);
  EXPECT_THROW(retrieval::Searcher(library, retrieval::SearchMode::dense), std::runtime_error);
  EXPECT_THROW(retrieval::Searcher(library, retrieval::SearchMode::hybrid), std::runtime_error);
}

TEST(DenseRetrieval, SwitchingModelEmbedsStoredTextWithoutReparsing) {
  DOCENT_REQUIRE_SHARED(kModel);
  test::TempDir dir;
  // A second model: the same weights in a file with another hash (GGUF ignores trailing bytes).
  const fs::path other = dir.path() / "other-bert.gguf";
  fs::copy_file(model_file(), other);
  fs::permissions(other, fs::perms::owner_read | fs::perms::owner_write);
  { std::ofstream(other, std::ios::app | std::ios::binary) << std::string(32, '\0'); }

  auto library = index::Library::open(dir.path() / "library");
  auto first = retrieval::bind_embedding_model(library, model_file());
  retrieval::ingest_paths(library, {test::source_dir() / "samples"}, {});
  auto before = library.documents();
  std::map<std::int64_t, std::vector<index::PageRecord>> pages_before;
  std::map<std::int64_t, std::vector<index::ChunkRecord>> chunks_before;
  for (const auto& d : before) {
    pages_before[d.id] = library.pages(d.id);
    chunks_before[d.id] = library.chunks(d.id);
  }

  auto second = retrieval::bind_embedding_model(library, other);
  ASSERT_NE(second.model_id, first.model_id);
  EXPECT_EQ(retrieval::bound_embedder(library)->model_id, second.model_id);
  EXPECT_GT(library.count_chunks_without_vectors(second.model_id), 0);
  auto summary = retrieval::embed_missing_chunks(library, second);
  EXPECT_GT(summary.embedded, 0);
  EXPECT_EQ(summary.remaining, 0);
  EXPECT_EQ(library.count_chunks_without_vectors(second.model_id), 0);
  EXPECT_EQ(library.count_chunks_without_vectors(first.model_id), 0);  // the old vectors stay

  auto after = library.documents();
  ASSERT_EQ(after.size(), before.size());
  for (std::size_t i = 0; i < after.size(); ++i) {
    EXPECT_EQ(after[i].id, before[i].id);
    EXPECT_EQ(after[i].ingested_at, before[i].ingested_at);
    EXPECT_EQ(after[i].content_hash, before[i].content_hash);
    auto pages = library.pages(after[i].id);
    ASSERT_EQ(pages.size(), pages_before[after[i].id].size());
    for (std::size_t p = 0; p < pages.size(); ++p) EXPECT_EQ(pages[p].text, pages_before[after[i].id][p].text);
    auto chunks = library.chunks(after[i].id);
    ASSERT_EQ(chunks.size(), chunks_before[after[i].id].size());
    for (std::size_t c = 0; c < chunks.size(); ++c) EXPECT_EQ(chunks[c].id, chunks_before[after[i].id][c].id);
  }
  // A second run has nothing left to do.
  EXPECT_EQ(retrieval::embed_missing_chunks(library, second).embedded, 0);
}

TEST(DenseRetrieval, RemovedDocumentLeavesDenseAndHybridResults) {
  DOCENT_REQUIRE_SHARED(kModel);
  test::TempDir dir;
  write_notes(dir.path() / "notes", 6, 6);
  auto library = index::Library::open(dir.path() / "library");
  retrieval::bind_embedding_model(library, model_file());
  retrieval::ingest_paths(library, {dir.path() / "notes"}, {});
  retrieval::Searcher dense(library, retrieval::SearchMode::dense);
  retrieval::Searcher hybrid(library, retrieval::SearchMode::hybrid);
  const std::string victim_path = (dir.path() / "notes" / "note2.md").string();
  auto victim = library.find_document(victim_path);
  ASSERT_TRUE(victim);
  const std::string query = library.chunks(victim->id).at(0).text;  // its own text: found first
  EXPECT_EQ(dense.find(query, 1).at(0).path, victim_path);
  ASSERT_TRUE(library.remove_document(victim->id));
  for (const auto* searcher : {&dense, &hybrid})
    for (const auto& hit : searcher->find(query, 50)) EXPECT_NE(hit.path, victim_path);
}

std::vector<std::int64_t> hit_ids(const std::vector<index::KeywordHit>& hits) {
  std::vector<std::int64_t> ids;
  for (const auto& hit : hits) ids.push_back(hit.chunk_id);
  return ids;
}

// As the server runs them: one Library and Searcher per thread, all sharing one vector index,
// searching while another connection adds and removes documents. Every search returns what a
// lone searcher returns on the same library state, and none fails.
TEST(HybridRetrieval, SearchersOnSeveralThreadsShareOneIndexSafely) {
  DOCENT_REQUIRE_SHARED(kModel);
  test::TempDir dir;
  write_notes(dir.path() / "notes", 6, 6);
  write_notes(dir.path() / "later", 2, 4);
  const auto folder = dir.path() / "library";
  {
    auto library = index::Library::open(folder);
    retrieval::bind_embedding_model(library, model_file());
    retrieval::ingest_paths(library, {dir.path() / "notes"}, {});
  }
  const std::vector<std::string> queries = {"lighthouse lamp wicks", "tramway cars on the hill", "storm warnings",
                                            "price of coal", "barley mill"};
  std::map<std::pair<int, std::string>, std::vector<std::int64_t>> expected;
  {
    auto library = index::Library::open(folder, index::Library::Mode::read_only);
    for (auto mode : {retrieval::SearchMode::dense, retrieval::SearchMode::hybrid}) {
      retrieval::Searcher searcher(library, mode);
      for (const auto& query : queries) expected[{static_cast<int>(mode), query}] = hit_ids(searcher.find(query, 10));
    }
  }
  std::atomic<int> failures{0}, mismatches{0}, searches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t)
    threads.emplace_back([&, t] {
      try {
        auto library = index::Library::open(folder, index::Library::Mode::read_only);
        const auto mode = t % 2 ? retrieval::SearchMode::dense : retrieval::SearchMode::hybrid;
        retrieval::Searcher searcher(library, mode);
        for (int round = 0; round < 6; ++round)
          for (const auto& query : queries) {
            auto ids = hit_ids(searcher.find(query, 10));
            ++searches;
            if (ids != expected[{static_cast<int>(mode), query}]) ++mismatches;
          }
      } catch (const std::exception& error) {
        ADD_FAILURE() << error.what();
        ++failures;
      }
    });
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(mismatches.load(), 0);
  EXPECT_EQ(searches.load(), 6 * 6 * 5);

  // Writes while searching: each search sees one consistent index (old or new), never fails.
  std::atomic<bool> writing{true};
  std::thread writer([&] {
    auto library = index::Library::open(folder);
    for (int i = 0; i < 3; ++i) {
      retrieval::ingest_paths(library, {dir.path() / "later"}, {});
      for (const auto& document : library.documents())
        if (document.path.find("later") != std::string::npos) library.remove_document(document.id);
    }
    writing = false;
  });
  std::vector<std::thread> readers;
  for (int t = 0; t < 4; ++t)
    readers.emplace_back([&] {
      try {
        auto library = index::Library::open(folder, index::Library::Mode::read_only);
        retrieval::Searcher searcher(library, retrieval::SearchMode::hybrid);
        do {
          for (const auto& query : queries) EXPECT_FALSE(searcher.find(query, 10).empty());
        } while (writing.load());
      } catch (const std::exception& error) {
        ADD_FAILURE() << error.what();
      }
    });
  writer.join();
  for (auto& reader : readers) reader.join();
  auto library = index::Library::open(folder, index::Library::Mode::read_only);
  retrieval::Searcher after(library, retrieval::SearchMode::hybrid);
  for (const auto& query : queries)
    EXPECT_EQ(hit_ids(after.find(query, 10)), (expected[{static_cast<int>(retrieval::SearchMode::hybrid), query}])) << query;
}

TEST(HybridRetrieval, ReciprocalRankFusionArithmetic) {
  // keyword: 1, 2, 3   dense: 3, 4, 1   (k = 60, equal weights)
  auto fused = retrieval::reciprocal_rank_fusion({1, 2, 3}, {3, 4, 1});
  ASSERT_EQ(fused.size(), 4u);
  // 1: 1/61 + 1/63;  3: 1/63 + 1/61 (same, keyword rank breaks the tie: 1 before 3);
  // 2: 1/62;  4: 1/62 (tie, 2 has a keyword rank)
  EXPECT_EQ(fused[0].chunk_id, 1);
  EXPECT_EQ(fused[1].chunk_id, 3);
  EXPECT_EQ(fused[2].chunk_id, 2);
  EXPECT_EQ(fused[3].chunk_id, 4);
  EXPECT_DOUBLE_EQ(fused[0].score, 1.0 / 61 + 1.0 / 63);
  EXPECT_DOUBLE_EQ(fused[2].score, 1.0 / 62);
  EXPECT_EQ(fused[1].keyword_rank, 3);
  EXPECT_EQ(fused[1].dense_rank, 1);
  EXPECT_EQ(fused[3].keyword_rank, 0);

  retrieval::FusionOptions options;
  options.k = 1;
  options.dense_weight = 3;
  fused = retrieval::reciprocal_rank_fusion({1, 2}, {2, 5}, options);
  // 2: 1/3 + 3/2;  5: 3/3;  1: 1/2
  ASSERT_EQ(fused.size(), 3u);
  EXPECT_EQ(fused[0].chunk_id, 2);
  EXPECT_DOUBLE_EQ(fused[0].score, 1.0 / 3 + 3.0 / 2);
  EXPECT_EQ(fused[1].chunk_id, 5);
  EXPECT_DOUBLE_EQ(fused[1].score, 1.0);
  EXPECT_EQ(fused[2].chunk_id, 1);
  EXPECT_TRUE(retrieval::reciprocal_rank_fusion({}, {}).empty());
}

TEST(HybridRetrieval, ContextAndAnswersUseTheRequestedMode) {
  DOCENT_REQUIRE_SHARED(kModel);
  test::TempDir dir;
  auto library = index::Library::open(dir.path() / "library");
  retrieval::bind_embedding_model(library, model_file());
  retrieval::ingest_paths(library, {test::source_dir() / "samples"}, {});
  retrieval::ContextOptions options;
  options.mode = retrieval::SearchMode::dense;
  // Dense search always returns something (nearest vectors), even for words in no document,
  // where keyword search finds nothing: the mode really reaches context assembly.
  const std::string nonsense = "zzqx vvbnm";
  auto dense_context = retrieval::assemble_context(library, nonsense, options, retrieval::token_counter_for(library));
  EXPECT_FALSE(dense_context.windows.empty());
  options.mode = retrieval::SearchMode::keyword;
  EXPECT_TRUE(retrieval::assemble_context(library, nonsense, options, retrieval::token_counter_for(library)).windows.empty());
}

// Child: embeds (or ingests with the embedder) until killed. Only the engine and SQLite run in
// the child, never FAISS/OpenMP, so forking a test process is safe.
[[noreturn]] void child_work(const fs::path& library_dir, const fs::path& notes, bool ingest) {
  try {
    auto library = index::Library::open(library_dir);
    if (ingest) {
      retrieval::ingest_paths(library, {notes}, {});
    } else {
      auto binding = retrieval::bind_embedding_model(library, model_file());
      retrieval::embed_missing_chunks(library, binding);
    }
  } catch (...) {
    ::_exit(3);
  }
  ::_exit(0);
}

void kill_when(pid_t child, const std::function<bool()>& ready) {
  for (int i = 0; i < 2000 && !ready(); ++i) {
    int status = 0;
    if (::waitpid(child, &status, WNOHANG) == child) return;  // finished before the kill
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
}

TEST(DenseRetrieval, KillDuringEmbeddingLeavesAConsistentLibrary) {
  DOCENT_REQUIRE_SHARED(kModel);
  test::TempDir dir;
  write_notes(dir.path() / "notes", 40, 30);
  const auto library_dir = dir.path() / "library";
  std::int64_t chunks = 0;
  {
    auto library = index::Library::open(library_dir);
    retrieval::ingest_paths(library, {dir.path() / "notes"}, {});  // keyword-only first
    chunks = library.stats().chunks;
    ASSERT_GT(chunks, 200);
  }
  // 1. SIGKILL during `models add` embedding.
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) child_work(library_dir, dir.path() / "notes", false);
  auto observer = index::Library::open(library_dir, index::Library::Mode::read_only);
  kill_when(child, [&] {
    auto models = observer.embedding_models();
    return !models.empty() && observer.vector_count(models[0].id) >= 32;
  });
  {
    auto library = index::Library::open(library_dir);
    auto binding = retrieval::bound_embedder(library);
    ASSERT_TRUE(binding);
    const auto done = library.vector_count(binding->model_id);
    EXPECT_TRUE(done == chunks || done % static_cast<std::int64_t>(retrieval::kEmbeddingBatch) == 0)
        << "batches are atomic: " << done;
    EXPECT_EQ(done + library.count_chunks_without_vectors(binding->model_id), chunks);
    EXPECT_EQ(library.stats().chunks, chunks);
    // The re-run completes it; FTS still finds everything.
    auto summary = retrieval::embed_missing_chunks(library, *binding);
    EXPECT_EQ(summary.embedded, chunks - done);
    EXPECT_EQ(library.count_chunks_without_vectors(binding->model_id), 0);
    EXPECT_FALSE(library.keyword_search("telegraph clerks", {}).empty());
  }

  // 2. SIGKILL during an ingest with the embedder bound: every stored document has all its vectors.
  write_notes(dir.path() / "more", 40, 30);
  child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) child_work(library_dir, dir.path() / "more", true);
  kill_when(child, [&] { return observer.stats().documents >= 42; });
  {
    auto library = index::Library::open(library_dir);
    auto binding = retrieval::bound_embedder(library);
    EXPECT_EQ(library.count_chunks_without_vectors(binding->model_id), 0);
    EXPECT_EQ(library.vector_count(binding->model_id), library.stats().chunks);
    // 3. The FAISS file, deleted, is rebuilt when the index is next opened (by the next
    // process: this one's Searchers keep sharing the index they hold, which is still current).
    retrieval::Searcher searcher(library, retrieval::SearchMode::dense);
    EXPECT_FALSE(searcher.find("storm warnings", 5).empty());
    auto file = index::VectorIndex::file_for(library, binding->model_id);
    ASSERT_TRUE(fs::exists(file));
    fs::remove(file);
    retrieval::Searcher fresh(library, retrieval::SearchMode::dense);
    EXPECT_FALSE(fresh.find("storm warnings", 5).empty());
    EXPECT_EQ(index::VectorIndex::open(library, binding->model_id).origin(), index::VectorIndexOrigin::built_missing);
    EXPECT_TRUE(fs::exists(file));
    // Re-running the ingest completes the interrupted batch.
    retrieval::ingest_paths(library, {dir.path() / "more"}, {});
    EXPECT_EQ(library.stats().documents, 80);
    EXPECT_EQ(library.count_chunks_without_vectors(binding->model_id), 0);
  }
}

}  // namespace
