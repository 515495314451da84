// DocumentWriter: a document written in parts is one transaction: complete after finish(),
// and the previous version (or nothing) when the writer dies unfinished or fails.

#include "index_test_helpers.hpp"
#include "test_support.hpp"

namespace docent::test {
namespace {

using index::DocumentRecord;
using index::Library;
using index::LibraryError;

TEST(DocumentWriter, PartsBecomeOneDocument) {
  TempDir temp;
  Library library = Library::open(temp.path());
  const auto whole = make_document("/notes/big.txt", "Big", {"alpha one", "beta two", "gamma three", "delta four"});
  DocumentRecord start = whole.document;
  start.page_count = 0;
  auto writer = library.write_document(start);
  writer.add({whole.pages[0], whole.pages[1]}, {whole.chunks[0], whole.chunks[1]});
  writer.add({whole.pages[2], whole.pages[3]}, {whole.chunks[2], whole.chunks[3]});
  const auto id = writer.finish(whole.document);

  const auto stored = library.document(id);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->page_count, 4);
  EXPECT_EQ(stored->chunk_count, 4);
  EXPECT_EQ(library.chunks(id)[3].text, "delta four");
  EXPECT_EQ(library.keyword_search("gamma", {}).size(), 1u);
  EXPECT_TRUE(library.check().consistent());
  EXPECT_THROW(writer.add({}, {}), LibraryError);  // spent after finish
}

TEST(DocumentWriter, UnfinishedWriteLeavesThePreviousVersion) {
  TempDir temp;
  Library library = Library::open(temp.path());
  const auto old_id = library.put_document(make_document("/notes/a.txt", "Old", {"old words"}));
  {
    auto writer = library.write_document(make_document("/notes/a.txt", "New", {}).document);
    const auto part = make_document("/notes/a.txt", "New", {"new words", "more new words"});
    writer.add(part.pages, part.chunks);
    // Destroyed without finish(), as when an exception unwinds the ingest.
  }
  const auto kept = library.find_document("/notes/a.txt");
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->id, old_id);
  EXPECT_EQ(kept->title, "Old");
  EXPECT_EQ(library.keyword_search("new", {}).size(), 0u);
  EXPECT_EQ(library.stats().chunks, 1);
  EXPECT_TRUE(library.check().consistent());
  // The library takes writes again.
  library.put_document(make_document("/notes/b.txt", "B", {"bee"}));
  EXPECT_EQ(library.documents().size(), 2u);
}

TEST(DocumentWriter, BadVectorsFailAndRollBack) {
  TempDir temp;
  Library library = Library::open(temp.path());
  const auto model = library.register_embedding_model("tiny", "hash", 2);
  const auto document = make_document("/notes/v.txt", "V", {"one", "two"});
  {
    auto writer = library.write_document(document.document, model);
    EXPECT_THROW(writer.add(document.pages, document.chunks, {{1.0f, 0.0f}}), LibraryError);  // 2 chunks, 1 vector
    EXPECT_THROW(writer.finish(document.document), LibraryError);                              // spent
  }
  {
    auto writer = library.write_document(document.document, model);
    EXPECT_THROW(writer.add(document.pages, document.chunks, {{1.0f}, {0.0f}}), LibraryError);  // dimension 1
  }
  EXPECT_TRUE(library.documents().empty());
  EXPECT_THROW(library.write_document(document.document, model + 7), LibraryError);
  auto writer = library.write_document(document.document, model);
  writer.add(document.pages, document.chunks, {{1.0f, 0.0f}, {0.0f, 1.0f}});
  writer.finish(document.document);
  EXPECT_EQ(library.vector_count(model), 2);
}

}  // namespace
}  // namespace docent::test
