// VectorIndex: FAISS results against exact search, the saved file's stamp (stale, missing,
// corrupt -> rebuilt), and removals reaching the results.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <random>
#include <set>
#include <sys/stat.h>
#include <thread>

#include "docent/library.hpp"
#include "test_support.hpp"

namespace {

using namespace docent::index;
namespace fs = std::filesystem;

constexpr int kDimension = 32;

std::vector<float> random_unit(std::mt19937& random) {
  std::normal_distribution<float> normal;
  std::vector<float> v(kDimension);
  float norm = 0;
  for (auto& x : v) {
    x = normal(random);
    norm += x * x;
  }
  for (auto& x : v) x /= std::sqrt(norm);
  return v;
}

std::int64_t add_document(Library& library, std::int64_t model, const std::string& path, int chunks,
                          std::mt19937& random) {
  NewDocument document;
  document.document.path = path;
  document.document.status = docent::ingest::DocumentStatus::ok;
  document.vector_model_id = model;
  for (int i = 0; i < chunks; ++i) {
    ChunkRecord chunk;
    chunk.ordinal = i;
    chunk.text = "chunk " + std::to_string(i) + " of " + path;
    chunk.first_page = chunk.last_page = 1;
    document.chunks.push_back(chunk);
    document.vectors.push_back(random_unit(random));
  }
  return library.put_document(document);
}

std::vector<std::int64_t> ids_of(const std::vector<VectorHit>& hits) {
  std::vector<std::int64_t> ids;
  for (const auto& hit : hits) ids.push_back(hit.chunk_id);
  return ids;
}

class VectorIndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    library_.emplace(Library::open(dir_.path() / "library"));
    model_ = library_->register_embedding_model("random", "hash-1", kDimension, R"({"pooling":"mean"})");
    for (int d = 0; d < 20; ++d) add_document(*library_, model_, "doc" + std::to_string(d), 25, random_);
  }
  Library& library() { return *library_; }
  fs::path file() { return VectorIndex::file_for(*library_, model_); }

  docent::test::TempDir dir_;
  std::optional<Library> library_;
  std::int64_t model_ = 0;
  std::mt19937 random_{42};
};

TEST_F(VectorIndexTest, FlatTopTenEqualsExactSearch) {
  auto index = VectorIndex::open(library(), model_);
  EXPECT_EQ(index.kind(), VectorIndexKind::flat);
  EXPECT_EQ(index.size(), 500);
  auto matrix = library().vectors(model_);
  for (int q = 0; q < 25; ++q) {
    auto query = random_unit(random_);
    auto hits = index.search(query, 10);
    auto exact = exact_vector_search(matrix, query, 10);
    ASSERT_EQ(ids_of(hits), ids_of(exact)) << "query " << q;
    for (std::size_t i = 0; i < hits.size(); ++i) EXPECT_NEAR(hits[i].score, exact[i].score, 1e-5);
  }
}

TEST_F(VectorIndexTest, HnswRecallAtTenAgainstExact) {
  for (int d = 20; d < 120; ++d) add_document(library(), model_, "doc" + std::to_string(d), 25, random_);
  VectorIndexOptions options;
  options.force_kind = VectorIndexKind::hnsw;
  auto index = VectorIndex::open(library(), model_, options);
  EXPECT_EQ(index.kind(), VectorIndexKind::hnsw);
  auto matrix = library().vectors(model_);
  std::size_t found = 0, total = 0;
  for (int q = 0; q < 50; ++q) {
    auto query = random_unit(random_);
    auto exact = ids_of(exact_vector_search(matrix, query, 10));
    std::set<std::int64_t> truth(exact.begin(), exact.end());
    for (auto id : ids_of(index.search(query, 10))) found += truth.count(id);
    total += truth.size();
  }
  EXPECT_GE(static_cast<double>(found) / total, 0.95);
  // The threshold picks HNSW on its own too.
  VectorIndexOptions by_size;
  by_size.hnsw_threshold = 1000;
  EXPECT_EQ(VectorIndex::open(library(), model_, by_size).kind(), VectorIndexKind::hnsw);
}

TEST_F(VectorIndexTest, SavedPrivatelyAndLoadedWhenTheStampMatches) {
  EXPECT_EQ(VectorIndex::open(library(), model_).origin(), VectorIndexOrigin::built_missing);
  ASSERT_TRUE(fs::exists(file()));
  struct stat info {};
  ASSERT_EQ(::stat(file().c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  auto again = VectorIndex::open(library(), model_);
  EXPECT_EQ(again.origin(), VectorIndexOrigin::loaded);
  auto query = random_unit(random_);
  EXPECT_EQ(ids_of(again.search(query, 10)), ids_of(exact_vector_search(library().vectors(model_), query, 10)));
}

TEST_F(VectorIndexTest, StaleIndexIsRebuiltAndRefreshSeesNewVectors) {
  auto index = VectorIndex::open(library(), model_);
  auto added = add_document(library(), model_, "late", 5, random_);
  EXPECT_EQ(VectorIndex::open(library(), model_).origin(), VectorIndexOrigin::built_stale);
  EXPECT_TRUE(index.refresh(library()));
  EXPECT_FALSE(index.refresh(library()));
  EXPECT_EQ(index.size(), 505);
  // A query equal to one of the new vectors finds its chunk first.
  auto chunks = library().chunks(added);
  auto matrix = library().vectors(model_);
  auto row = std::find(matrix.chunk_ids.begin(), matrix.chunk_ids.end(), chunks[0].id) - matrix.chunk_ids.begin();
  std::vector<float> query(matrix.values.begin() + row * kDimension, matrix.values.begin() + (row + 1) * kDimension);
  EXPECT_EQ(index.search(query, 1).at(0).chunk_id, chunks[0].id);
}

TEST_F(VectorIndexTest, MissingOrCorruptFileIsRebuiltNeverACrash) {
  VectorIndex::open(library(), model_);
  auto query = random_unit(random_);
  const auto expected = ids_of(exact_vector_search(library().vectors(model_), query, 10));

  fs::remove(file());
  auto rebuilt = VectorIndex::open(library(), model_);
  EXPECT_EQ(rebuilt.origin(), VectorIndexOrigin::built_missing);
  EXPECT_EQ(ids_of(rebuilt.search(query, 10)), expected);

  const auto size = fs::file_size(file());
  {  // flip bytes in the FAISS payload
    std::fstream stream(file(), std::ios::in | std::ios::out | std::ios::binary);
    stream.seekp(static_cast<std::streamoff>(size / 2));
    stream.write("\xde\xad\xbe\xef", 4);
  }
  auto after_flip = VectorIndex::open(library(), model_);
  EXPECT_EQ(after_flip.origin(), VectorIndexOrigin::built_unreadable);
  EXPECT_EQ(ids_of(after_flip.search(query, 10)), expected);

  fs::resize_file(file(), size / 3);
  EXPECT_EQ(VectorIndex::open(library(), model_).origin(), VectorIndexOrigin::built_unreadable);
  { std::ofstream(file(), std::ios::trunc) << "not an index"; }
  auto after_garbage = VectorIndex::open(library(), model_);
  EXPECT_EQ(after_garbage.origin(), VectorIndexOrigin::built_unreadable);
  EXPECT_EQ(ids_of(after_garbage.search(query, 10)), expected);
  EXPECT_EQ(VectorIndex::open(library(), model_).origin(), VectorIndexOrigin::loaded);
}

TEST_F(VectorIndexTest, RemovedDocumentLeavesTheResults) {
  auto index = VectorIndex::open(library(), model_);
  auto victim = library().find_document("doc3")->id;
  std::set<std::int64_t> victim_chunks;
  for (const auto& chunk : library().chunks(victim)) victim_chunks.insert(chunk.id);
  // Queries aimed straight at the victim's vectors.
  auto matrix = library().vectors(model_);
  std::vector<std::vector<float>> queries;
  for (std::size_t row = 0; row < matrix.chunk_ids.size(); ++row)
    if (victim_chunks.count(matrix.chunk_ids[row]))
      queries.emplace_back(matrix.values.begin() + row * kDimension, matrix.values.begin() + (row + 1) * kDimension);
  ASSERT_EQ(queries.size(), 25u);
  EXPECT_TRUE(victim_chunks.count(index.search(queries[0], 1).at(0).chunk_id));

  ASSERT_TRUE(library().remove_document(victim));
  EXPECT_TRUE(index.refresh(library()));
  EXPECT_EQ(index.size(), 475);
  for (const auto& query : queries)
    for (const auto& hit : index.search(query, 10)) EXPECT_FALSE(victim_chunks.count(hit.chunk_id));
  EXPECT_EQ(VectorIndex::open(library(), model_).origin(), VectorIndexOrigin::loaded);
}

// Several threads searching one index at once (as the server's requests do) get exactly the
// results of the same queries run one after another, for both kinds.
TEST_F(VectorIndexTest, ConcurrentSearchesEqualSequentialOnes) {
  for (auto kind : {VectorIndexKind::flat, VectorIndexKind::hnsw}) {
    VectorIndexOptions options;
    options.force_kind = kind;
    options.save = false;
    const auto index = VectorIndex::open(library(), model_, options);
    std::vector<std::vector<float>> queries;
    for (int q = 0; q < 64; ++q) queries.push_back(random_unit(random_));
    std::vector<std::vector<std::int64_t>> expected;
    for (std::size_t q = 0; q < queries.size(); ++q)
      expected.push_back(ids_of(index.search(queries[q], 10, {.hnsw_search_depth = 16 + static_cast<int>(q % 4) * 40})));
    std::vector<std::vector<std::vector<std::int64_t>>> got(8);
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t)
      threads.emplace_back([&, t] {
        for (int round = 0; round < 4; ++round)
          for (std::size_t q = 0; q < queries.size(); ++q)
            got[static_cast<std::size_t>(t)].push_back(
                ids_of(index.search(queries[q], 10, {.hnsw_search_depth = 16 + static_cast<int>(q % 4) * 40})));
      });
    for (auto& thread : threads) thread.join();
    for (const auto& results : got)
      for (std::size_t i = 0; i < results.size(); ++i)
        ASSERT_EQ(results[i], expected[i % queries.size()]) << to_string(kind) << " query " << i % queries.size();
  }
}

// The search depth is a per-call setting: a shallow search finds less of the exact top ten
// than the default, and leaves the default's results as they were.
TEST_F(VectorIndexTest, HnswSearchDepthIsPerCall) {
  for (int d = 20; d < 80; ++d) add_document(library(), model_, "doc" + std::to_string(d), 25, random_);
  VectorIndexOptions options;
  options.force_kind = VectorIndexKind::hnsw;
  options.hnsw_search_depth = 200;
  options.save = false;
  const auto index = VectorIndex::open(library(), model_, options);
  auto matrix = library().vectors(model_);
  std::size_t shallow = 0, deep = 0;
  for (int q = 0; q < 40; ++q) {
    auto query = random_unit(random_);
    auto exact = ids_of(exact_vector_search(matrix, query, 10));
    std::set<std::int64_t> truth(exact.begin(), exact.end());
    auto before = ids_of(index.search(query, 10));
    for (auto id : ids_of(index.search(query, 10, {.hnsw_search_depth = 10}))) shallow += truth.count(id);
    auto after = ids_of(index.search(query, 10));
    EXPECT_EQ(before, after);
    for (auto id : after) deep += truth.count(id);
  }
  EXPECT_LT(shallow, deep);
  EXPECT_GE(deep, 40u * 10u * 95u / 100u);
}

TEST_F(VectorIndexTest, WrongQueryDimensionIsAClearError) {
  auto index = VectorIndex::open(library(), model_);
  std::vector<float> query(kDimension + 1, 0.1f);
  EXPECT_THROW(index.search(query, 10), LibraryError);
}

TEST(VectorIndexEmpty, ModelWithoutVectorsSearchesToNothing) {
  auto library = Library::open_in_memory();
  auto model = library.register_embedding_model("empty", "h", kDimension);
  auto index = VectorIndex::open(library, model);
  EXPECT_EQ(index.origin(), VectorIndexOrigin::built_in_memory);
  std::vector<float> query(kDimension, 0.0f);
  query[0] = 1;
  EXPECT_TRUE(index.search(query, 10).empty());
}

}  // namespace
