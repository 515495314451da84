// The ingest pipeline over a real library: skip unchanged, replace changed, sync deletions.
#include <fstream>
#include <thread>

#include "docent/retrieval.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using docent::test::write_file;
using namespace docent;

namespace {
std::string paragraph(const std::string& topic, int sentences) {
  std::string text;
  for (int i = 0; i < sentences; ++i)
    text += "The " + topic + " observation number " + std::to_string(i) + " was recorded in the field notebook. ";
  return text;
}
}  // namespace

class Pipeline : public ::testing::Test {
 protected:
  test::TempDir docs, home;
  index::Library library = index::Library::open(home.path() / "lib");
};

TEST_F(Pipeline, IngestSearchAndSkipUnchanged) {
  write_file(docs.path() / "owls.md", "# Owls\n\n" + paragraph("owl", 40));
  write_file(docs.path() / "bees.txt", paragraph("bee", 5));
  auto first = retrieval::ingest_paths(library, {docs.path()}, {});
  EXPECT_EQ(first.added, 2u);
  EXPECT_EQ(first.failed, 0u);

  auto owls = library.find_document((docs.path() / "owls.md").string());
  ASSERT_TRUE(owls);
  EXPECT_EQ(owls->title, "Owls");
  EXPECT_GT(owls->chunk_count, 1);  // 40 sentences do not fit one chunk

  auto hits = retrieval::keyword_search(library, {"owl notebook", 5});
  ASSERT_FALSE(hits.empty());
  EXPECT_EQ(hits[0].path, (docs.path() / "owls.md").string());
  EXPECT_EQ(hits[0].first_page, 1);

  auto second = retrieval::ingest_paths(library, {docs.path()}, {});
  EXPECT_EQ(second.unchanged, 2u);
  EXPECT_EQ(second.added + second.updated, 0u);
  auto again = library.find_document((docs.path() / "owls.md").string());
  EXPECT_EQ(again->id, owls->id);  // not rewritten
  EXPECT_EQ(again->ingested_at, owls->ingested_at);
}

TEST_F(Pipeline, ChangedFileReplacesItsChunks) {
  auto file = docs.path() / "plan.md";
  write_file(file, "The zeppelin departs at noon.");
  retrieval::ingest_paths(library, {file}, {});
  write_file(file, "The submarine departs at dawn.");
  auto summary = retrieval::ingest_paths(library, {file}, {});
  EXPECT_EQ(summary.updated, 1u);
  EXPECT_TRUE(retrieval::keyword_search(library, {"zeppelin", 5}).empty());
  EXPECT_EQ(retrieval::keyword_search(library, {"submarine", 5}).size(), 1u);
  EXPECT_EQ(library.documents().size(), 1u);
}

TEST_F(Pipeline, SyncFindsNewChangedAndDeletedFiles) {
  write_file(docs.path() / "a.md", "alpha text");
  write_file(docs.path() / "b.md", "bravo text");
  retrieval::ingest_paths(library, {docs.path()}, {});
  fs::remove(docs.path() / "a.md");
  write_file(docs.path() / "b.md", "bravo changed text");
  write_file(docs.path() / "c.md", "charlie text");
  auto summary = retrieval::sync_library(library, {}, {});  // roots remembered from ingest
  EXPECT_EQ(summary.removed, 1u);
  EXPECT_EQ(summary.updated, 1u);
  EXPECT_EQ(summary.added, 1u);
  EXPECT_EQ(library.documents().size(), 2u);
  EXPECT_TRUE(retrieval::keyword_search(library, {"alpha", 5}).empty());
}

TEST_F(Pipeline, OneBadFileDoesNotStopTheBatch) {
  write_file(docs.path() / "good.md", "a perfectly good note about lighthouses");
  write_file(docs.path() / "bad.pdf", "%PDF-1.4 this is not really a pdf");
  auto summary = retrieval::ingest_paths(library, {docs.path()}, {});
  EXPECT_EQ(summary.added, 1u);
  EXPECT_EQ(summary.failed, 1u);
  auto bad = library.find_document((docs.path() / "bad.pdf").string());
  ASSERT_TRUE(bad);  // recorded with its reason
  EXPECT_EQ(bad->status, ingest::DocumentStatus::broken);
  EXPECT_FALSE(bad->error.empty());
  EXPECT_EQ(retrieval::keyword_search(library, {"lighthouses", 5}).size(), 1u);
}

TEST_F(Pipeline, CancelStopsBetweenFilesAndKeepsWhatWasDone) {
  for (int i = 0; i < 5; ++i) write_file(docs.path() / ("n" + std::to_string(i) + ".md"), "note " + std::to_string(i));
  std::atomic<bool> cancel{false};
  retrieval::IngestOptions options;
  options.cancel = &cancel;
  options.on_file = [&](const retrieval::FileReport&) { cancel = true; };
  auto summary = retrieval::ingest_paths(library, {docs.path()}, options);
  EXPECT_TRUE(summary.cancelled);
  EXPECT_EQ(library.documents().size(), 1u);
  auto rest = retrieval::ingest_paths(library, {docs.path()}, {});
  EXPECT_EQ(rest.unchanged, 1u);
  EXPECT_EQ(rest.added, 4u);
}
