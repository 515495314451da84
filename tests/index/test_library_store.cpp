// Opening, migrating and writing a library: documents, pages, chunks, settings, atomicity.

#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

#include "index_test_helpers.hpp"
#include "schema.hpp"
#include "test_support.hpp"

namespace docent::test {
namespace {

using index::Library;
using index::LibraryError;

std::filesystem::path database_in(const std::filesystem::path& dir) {
  return dir / "library.sqlite3";
}

TEST(LibraryOpen, CreatesMissingFolderAndMigratesToLatest) {
  TempDir temp;
  const auto dir = temp.path() / "nested" / "library";
  Library library = Library::open(dir);
  EXPECT_TRUE(std::filesystem::exists(database_in(dir)));
  EXPECT_EQ(library.schema_version(), index::detail::latest_schema_version());
  EXPECT_GE(library.schema_version(), 1);
  EXPECT_EQ(library.dir(), dir);
  EXPECT_EQ(library.database_path(), database_in(dir));
  EXPECT_EQ(library.stats().schema_version, library.schema_version());
  EXPECT_TRUE(library.documents().empty());
}

TEST(LibraryOpen, MigratesAnEmptyDatabaseFile) {
  TempDir temp;
  std::ofstream(database_in(temp.path())).close();
  ASSERT_EQ(std::filesystem::file_size(database_in(temp.path())), 0u);
  Library library = Library::open(temp.path());
  EXPECT_EQ(library.schema_version(), index::detail::latest_schema_version());
  RawDatabase raw(database_in(temp.path()));
  EXPECT_EQ(raw.integer("PRAGMA user_version"), index::detail::latest_schema_version());
  EXPECT_EQ(raw.integer("SELECT count(*) FROM sqlite_schema WHERE name IN ('documents', 'pages', "
                        "'chunks', 'chunk_search', 'embedding_models', 'vectors', 'settings')"),
            7);
}

TEST(LibraryOpen, UsesWalJournal) {
  TempDir temp;
  Library library = Library::open(temp.path());
  RawDatabase raw(database_in(temp.path()));
  sqlite3_stmt* statement = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(raw.handle(), "PRAGMA journal_mode", -1, &statement, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(statement), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(statement, 0)), "wal");
  sqlite3_finalize(statement);
}

TEST(LibraryOpen, ReopenKeepsData) {
  TempDir temp;
  std::int64_t id = 0;
  {
    Library library = Library::open(temp.path());
    id = library.put_document(make_document("/docs/a.pdf", "Alpha", {"first chunk", "second"}));
    library.set_setting("chunk_tokens", "400");
  }
  Library library = Library::open(temp.path());
  auto document = library.document(id);
  ASSERT_TRUE(document);
  EXPECT_EQ(document->path, "/docs/a.pdf");
  EXPECT_EQ(document->chunk_count, 2);
  EXPECT_EQ(library.setting("chunk_tokens"), "400");
  EXPECT_EQ(library.keyword_search("second", {}).size(), 1u);
}

TEST(LibraryOpen, RefusesNewerSchema) {
  TempDir temp;
  { Library library = Library::open(temp.path()); }
  {
    RawDatabase raw(database_in(temp.path()));
    raw.execute("PRAGMA user_version = 99");
  }
  try {
    Library::open(temp.path());
    FAIL() << "a newer schema must be refused";
  } catch (const LibraryError& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("99"), std::string::npos) << message;
    EXPECT_NE(message.find("newer"), std::string::npos) << message;
    EXPECT_NE(message.find(database_in(temp.path()).string()), std::string::npos) << message;
  }
  EXPECT_THROW(Library::open(temp.path(), Library::Mode::read_only), LibraryError);
}

TEST(LibraryOpen, AVersionOneLibraryKeepsItsDocumentsAsPagesWithoutOcr) {
  TempDir temp;
  {
    RawDatabase raw(database_in(temp.path()), SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    raw.execute(index::detail::schema_step_for_tests(1));
    raw.execute("PRAGMA user_version = 1");
    raw.execute("INSERT INTO documents (path, status, ingested_at, page_count) VALUES ('/old.pdf', 'ok', 'now', 1)");
    raw.execute("INSERT INTO chunks (document_id, ordinal, text, first_page, last_page, start_offset, end_offset, "
                "token_count) VALUES (1, 0, 'lighthouse keeper', 1, 1, 0, 17, 2)");
  }
  Library library = Library::open(temp.path());
  EXPECT_EQ(library.schema_version(), index::detail::latest_schema_version());
  auto document = library.find_document("/old.pdf");
  ASSERT_TRUE(document);
  EXPECT_EQ(document->unit, "page");
  auto hits = library.keyword_search("lighthouse", {});
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].unit, "page");
  EXPECT_FALSE(hits[0].from_ocr);
}

TEST(LibraryStore, KeepsTheDocumentsUnitAndWhichChunksCameFromOcr) {
  TempDir temp;
  Library library = Library::open(temp.path());
  auto record = make_document("/docs/book.epub", "Book", {"first chapter text", "second chapter scanned"});
  record.document.unit = "chapter";
  record.pages[1].status = "ocr";
  record.chunks[1].from_ocr = true;
  const auto id = library.put_document(record);
  EXPECT_EQ(library.document(id)->unit, "chapter");
  auto chunks = library.chunks(id);
  ASSERT_EQ(chunks.size(), 2u);
  EXPECT_FALSE(chunks[0].from_ocr);
  EXPECT_TRUE(chunks[1].from_ocr);
  auto hits = library.keyword_search("scanned", {});
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].unit, "chapter");
  EXPECT_TRUE(hits[0].from_ocr);
  auto described = library.describe_chunks({chunks[0].id});
  ASSERT_EQ(described.size(), 1u);
  EXPECT_EQ(described[0].unit, "chapter");
  EXPECT_FALSE(described[0].from_ocr);
  EXPECT_EQ(library.pages(id)[1].status, "ocr");
}

TEST(LibraryOpen, NotADatabaseIsAClearError) {
  TempDir temp;
  std::ofstream(database_in(temp.path())) << std::string(4096, 'x');
  try {
    Library::open(temp.path());
    FAIL() << "garbage must be refused";
  } catch (const LibraryError& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find(database_in(temp.path()).string()), std::string::npos) << message;
    EXPECT_NE(message.find("not a database"), std::string::npos) << message;
  }
}

TEST(LibraryOpen, FolderThatIsAFileIsAClearError) {
  TempDir temp;
  std::ofstream(temp.path() / "plain-file") << "x";
  EXPECT_THROW(Library::open(temp.path() / "plain-file"), LibraryError);
}

TEST(LibraryOpen, ReadOnlyOfMissingLibraryIsAClearErrorAndCreatesNothing) {
  TempDir temp;
  EXPECT_THROW(Library::open(temp.path() / "absent", Library::Mode::read_only), LibraryError);
  EXPECT_FALSE(std::filesystem::exists(temp.path() / "absent"));
}

TEST(LibraryDocuments, PutAndGetRoundTrip) {
  Library library = Library::open_in_memory();
  auto input = make_document("/docs/paper.pdf", "A Paper", {"alpha beta", "gamma delta", "epsilon"});
  input.document.pages_without_text = 1;
  input.document.ingested_at = "2026-01-02T03:04:05Z";
  input.pages[1].status = "no_text_layer";
  const std::int64_t id = library.put_document(input);
  EXPECT_GT(id, 0);

  auto by_path = library.find_document("/docs/paper.pdf");
  ASSERT_TRUE(by_path);
  EXPECT_EQ(by_path->id, id);
  EXPECT_EQ(by_path->title, "A Paper");
  EXPECT_EQ(by_path->content_hash, "hash-of-/docs/paper.pdf");
  EXPECT_EQ(by_path->size_bytes, 1234);
  EXPECT_EQ(by_path->mtime_ns, input.document.mtime_ns);
  EXPECT_EQ(by_path->page_count, 3);
  EXPECT_EQ(by_path->pages_without_text, 1);
  EXPECT_EQ(by_path->chunk_count, 3);
  EXPECT_EQ(by_path->status, docent::ingest::DocumentStatus::ok);
  EXPECT_EQ(by_path->ingested_at, "2026-01-02T03:04:05Z");

  auto pages = library.pages(id);
  ASSERT_EQ(pages.size(), 3u);
  EXPECT_EQ(pages[1].number, 2);
  EXPECT_EQ(pages[1].text, "gamma delta");
  EXPECT_EQ(pages[1].status, "no_text_layer");

  auto chunks = library.chunks(id);
  ASSERT_EQ(chunks.size(), 3u);
  for (std::size_t i = 0; i < chunks.size(); ++i) {
    EXPECT_GT(chunks[i].id, 0);
    EXPECT_EQ(chunks[i].ordinal, input.chunks[i].ordinal);
    EXPECT_EQ(chunks[i].text, input.chunks[i].text);
    EXPECT_EQ(chunks[i].first_page, input.chunks[i].first_page);
    EXPECT_EQ(chunks[i].last_page, input.chunks[i].last_page);
    EXPECT_EQ(chunks[i].start_offset, input.chunks[i].start_offset);
    EXPECT_EQ(chunks[i].end_offset, input.chunks[i].end_offset);
    EXPECT_EQ(chunks[i].token_count, input.chunks[i].token_count);
    auto single = library.chunk(chunks[i].id);
    ASSERT_TRUE(single);
    EXPECT_EQ(single->text, chunks[i].text);
  }
  EXPECT_FALSE(library.chunk(chunks.back().id + 1000));
  EXPECT_FALSE(library.document(id + 1000));
  EXPECT_FALSE(library.find_document("/docs/other.pdf"));
}

TEST(LibraryDocuments, EmptyIngestedAtBecomesNowInUtc) {
  Library library = Library::open_in_memory();
  const auto id = library.put_document(make_document("/a.txt", "", {"x"}));
  const std::string stamp = library.document(id)->ingested_at;
  ASSERT_EQ(stamp.size(), 20u) << stamp;
  EXPECT_EQ(stamp[4], '-');
  EXPECT_EQ(stamp[10], 'T');
  EXPECT_EQ(stamp.back(), 'Z');
}

TEST(LibraryDocuments, DocumentsAreListedByPath) {
  Library library = Library::open_in_memory();
  library.put_document(make_document("/b.pdf", "B", {"b"}));
  library.put_document(make_document("/a.pdf", "A", {"a"}));
  auto all = library.documents();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].path, "/a.pdf");
  EXPECT_EQ(all[1].path, "/b.pdf");
}

TEST(LibraryDocuments, RePutReplacesChunksKeepsTheIdAndSearchSeesOnlyNewText) {
  TempDir temp;
  Library library = Library::open(temp.path());
  const auto first = library.put_document(
      make_document("/docs/a.pdf", "Notes", {"the old walrus text", "more walrus"}));
  const auto old_chunk = library.chunks(first).back().id;
  const auto second =
      library.put_document(make_document("/docs/a.pdf", "Notes", {"a fresh pelican text"}));
  EXPECT_EQ(first, second);  // the document keeps its id
  ASSERT_TRUE(library.document(first));
  EXPECT_EQ(library.document(first)->chunk_count, 1);
  ASSERT_EQ(library.documents().size(), 1u);
  EXPECT_EQ(library.chunks(second).size(), 1u);
  EXPECT_GT(library.chunks(second)[0].id, old_chunk);  // chunk ids are never reused
  EXPECT_TRUE(library.keyword_search("walrus", {}).empty());
  auto hits = library.keyword_search("pelican", {});
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].document_id, second);
  RawDatabase raw(database_in(temp.path()));
  EXPECT_EQ(raw.integer("SELECT count(*) FROM chunks"), 1);
  EXPECT_EQ(raw.integer("SELECT count(*) FROM pages"), 1);
  EXPECT_EQ(indexed_fts_rows(raw), 1);
}

TEST(LibraryDocuments, TouchUpdatesOnlyMtime) {
  Library library = Library::open_in_memory();
  const auto id = library.put_document(make_document("/a.pdf", "A", {"alpha"}));
  const auto before = *library.document(id);
  library.touch_document(id, 42);
  const auto after = *library.document(id);
  EXPECT_EQ(after.mtime_ns, 42);
  EXPECT_EQ(after.content_hash, before.content_hash);
  EXPECT_EQ(after.ingested_at, before.ingested_at);
  EXPECT_EQ(after.chunk_count, before.chunk_count);
}

TEST(LibraryDocuments, RemoveLeavesNoOrphans) {
  TempDir temp;
  Library library = Library::open(temp.path());
  const auto keep = library.put_document(make_document("/keep.pdf", "Keep", {"kept words"}));
  const auto gone = library.put_document(
      make_document("/gone.pdf", "Gone zebra", {"zebra one", "zebra two", "zebra three"}));
  const auto model = library.register_embedding_model("test-model", "abc", 2);
  std::vector<index::ChunkVector> vectors;
  const float values[2] = {1.0f, 2.0f};
  for (const auto& chunk : library.chunks(gone)) vectors.push_back({chunk.id, values});
  for (const auto& chunk : library.chunks(keep)) vectors.push_back({chunk.id, values});
  library.put_vectors(model, vectors);

  EXPECT_TRUE(library.remove_document(gone));
  EXPECT_FALSE(library.remove_document(gone));
  EXPECT_FALSE(library.document(gone));
  EXPECT_TRUE(library.keyword_search("zebra", {}).empty());

  RawDatabase raw(database_in(temp.path()));
  EXPECT_EQ(raw.integer("SELECT count(*) FROM documents"), 1);
  EXPECT_EQ(raw.integer("SELECT count(*) FROM pages"), 1);
  EXPECT_EQ(raw.integer("SELECT count(*) FROM chunks"), 1);
  EXPECT_EQ(raw.integer("SELECT count(*) FROM vectors"), 1);
  EXPECT_EQ(indexed_fts_rows(raw), 1);
  EXPECT_EQ(raw.integer("SELECT count(*) FROM pages WHERE document_id NOT IN (SELECT id FROM documents)"), 0);
  EXPECT_EQ(raw.integer("SELECT count(*) FROM vectors WHERE chunk_id NOT IN (SELECT id FROM chunks)"), 0);
  // FTS5's own consistency check, including agreement with the content (rank = 1).
  raw.execute("INSERT INTO chunk_search(chunk_search, rank) VALUES ('integrity-check', 1)");
  EXPECT_EQ(library.keyword_search("kept", {}).size(), 1u);
}

TEST(LibraryDocuments, FailedPutLeavesPreviousVersionIntact) {
  TempDir temp;
  Library library = Library::open(temp.path());
  const auto original =
      library.put_document(make_document("/a.pdf", "Original", {"original heron", "second"}));
  // Two chunks with one ordinal violate UNIQUE(document_id, ordinal) on the last insert, after
  // the old version was deleted and the new document, its pages and first chunk were written.
  auto broken = make_document("/a.pdf", "Broken", {"broken ibis", "also ibis"});
  broken.chunks[1].ordinal = broken.chunks[0].ordinal;
  try {
    library.put_document(broken);
    FAIL() << "a duplicate ordinal must be refused";
  } catch (const LibraryError& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("UNIQUE constraint failed"), std::string::npos) << message;
    EXPECT_NE(message.find("/a.pdf"), std::string::npos) << message;
    EXPECT_NE(message.find(database_in(temp.path()).string()), std::string::npos) << message;
  }

  auto document = library.find_document("/a.pdf");
  ASSERT_TRUE(document);
  EXPECT_EQ(document->id, original);
  EXPECT_EQ(document->title, "Original");
  EXPECT_EQ(library.chunks(original).size(), 2u);
  EXPECT_TRUE(library.keyword_search("ibis", {}).empty());
  EXPECT_EQ(library.keyword_search("heron", {}).size(), 1u);
  RawDatabase raw(database_in(temp.path()));
  EXPECT_EQ(raw.integer("SELECT count(*) FROM documents"), 1);
  EXPECT_EQ(raw.integer("SELECT count(*) FROM pages"), 2);
  EXPECT_EQ(raw.integer("SELECT count(*) FROM chunks"), 2);
  EXPECT_EQ(indexed_fts_rows(raw), 2);
  // The library still accepts writes afterwards.
  library.put_document(make_document("/b.pdf", "B", {"b"}));
  EXPECT_EQ(library.documents().size(), 2u);
}

TEST(LibraryDocuments, FailedPutOfNewDocumentLeavesNothing) {
  Library library = Library::open_in_memory();
  auto broken = make_document("/a.pdf", "Broken", {"broken", "chunk"});
  broken.chunks[1].last_page = 0;  // violates last_page >= first_page
  EXPECT_THROW(library.put_document(broken), LibraryError);
  EXPECT_FALSE(library.find_document("/a.pdf"));
  EXPECT_EQ(library.stats().chunks, 0);
  EXPECT_EQ(library.stats().pages, 0);
}

TEST(LibraryDocuments, ProcessDeathMidWriteLeavesNothing) {
  TempDir temp;
  { Library library = Library::open(temp.path()); }
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // A process that dies while its transaction is open, as after a crash or kill -9.
    try {
      Library library = Library::open(temp.path());
      library.begin_bulk();
      library.put_document(make_document("/a.pdf", "A", {"uncommitted"}));
    } catch (...) {
      _exit(2);
    }
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0);
  Library library = Library::open(temp.path());
  EXPECT_FALSE(library.find_document("/a.pdf"));
  EXPECT_EQ(library.stats().chunks, 0);
}

TEST(LibraryDocuments, WritesAreRefusedInReadOnlyMode) {
  TempDir temp;
  { Library::open(temp.path()).put_document(make_document("/a.pdf", "A", {"a"})); }
  Library library = Library::open(temp.path(), Library::Mode::read_only);
  EXPECT_EQ(library.documents().size(), 1u);
  EXPECT_THROW(library.put_document(make_document("/b.pdf", "B", {"b"})), LibraryError);
  EXPECT_THROW(library.set_setting("k", "v"), LibraryError);
  EXPECT_THROW(library.remove_document(1), LibraryError);
}

TEST(LibrarySettings, SetGetOverwrite) {
  Library library = Library::open_in_memory();
  EXPECT_FALSE(library.setting("embedder"));
  library.set_setting("embedder", "minilm");
  library.set_setting("embedder", "bge-small");
  EXPECT_EQ(library.setting("embedder"), "bge-small");
}

TEST(LibraryStats, CountsDocumentsByStatus) {
  Library library = Library::open_in_memory();
  auto ok = make_document("/ok.pdf", "", {"a", "b"});
  ok.document.pages_without_text = 1;
  library.put_document(ok);
  auto broken = make_document("/broken.pdf", "", {});
  broken.document.status = docent::ingest::DocumentStatus::broken;
  broken.document.error = "bad xref";
  library.put_document(broken);
  auto scanned = make_document("/scan.pdf", "", {});
  scanned.document.status = docent::ingest::DocumentStatus::scanned;
  scanned.document.page_count = 3;
  scanned.document.pages_without_text = 3;
  library.put_document(scanned);

  const auto stats = library.stats();
  EXPECT_EQ(stats.documents, 3);
  EXPECT_EQ(stats.documents_ok, 1);
  EXPECT_EQ(stats.documents_failed, 1);
  EXPECT_EQ(stats.documents_scanned, 1);
  EXPECT_EQ(stats.pages, 5);
  EXPECT_EQ(stats.pages_without_text, 4);
  EXPECT_EQ(stats.chunks, 2);
  EXPECT_GT(stats.database_bytes, 0);
  EXPECT_EQ(library.find_document("/broken.pdf")->error, "bad xref");
}

TEST(LibraryBulk, BulkCommitsEverythingAndSurvivesAFailedDocument) {
  TempDir temp;
  Library library = Library::open(temp.path());
  library.begin_bulk();
  EXPECT_THROW(library.begin_bulk(), LibraryError);
  library.put_document(make_document("/a.pdf", "A", {"aardvark"}));
  auto broken = make_document("/b.pdf", "B", {"x", "y"});
  broken.chunks[1].ordinal = 0;
  EXPECT_THROW(library.put_document(broken), LibraryError);
  library.put_document(make_document("/c.pdf", "C", {"capybara"}));
  {
    // Not yet visible to another connection.
    RawDatabase raw(database_in(temp.path()));
    EXPECT_EQ(raw.integer("SELECT count(*) FROM documents"), 0);
  }
  library.end_bulk();
  EXPECT_THROW(library.end_bulk(), LibraryError);
  RawDatabase raw(database_in(temp.path()));
  EXPECT_EQ(raw.integer("SELECT count(*) FROM documents"), 2);
  EXPECT_EQ(raw.integer("SELECT count(*) FROM chunks"), 2);
  EXPECT_EQ(indexed_fts_rows(raw), 2);
  EXPECT_EQ(library.keyword_search("capybara", {}).size(), 1u);
}

TEST(LibraryPaths, ResolveOrder) {
  struct SavedEnv {
    std::string name;
    std::optional<std::string> value;
    explicit SavedEnv(std::string n) : name(std::move(n)) {
      if (const char* v = std::getenv(name.c_str())) value = v;
    }
    ~SavedEnv() {
      if (value) ::setenv(name.c_str(), value->c_str(), 1);
      else ::unsetenv(name.c_str());
    }
  };
  SavedEnv docent_home("DOCENT_HOME"), xdg("XDG_DATA_HOME"), home("HOME");
  ::setenv("DOCENT_HOME", "/d/home", 1);
  ::setenv("XDG_DATA_HOME", "/x/data", 1);
  ::setenv("HOME", "/h", 1);
  EXPECT_EQ(index::resolve_library_dir(std::filesystem::path("/explicit")), "/explicit");
  EXPECT_EQ(index::resolve_library_dir(std::nullopt), "/d/home");
  ::unsetenv("DOCENT_HOME");
  EXPECT_EQ(index::resolve_library_dir(std::nullopt), "/x/data/docent");
  ::setenv("XDG_DATA_HOME", "relative/ignored", 1);
  EXPECT_EQ(index::resolve_library_dir(std::nullopt), "/h/.local/share/docent");
  ::unsetenv("XDG_DATA_HOME");
  EXPECT_EQ(index::resolve_library_dir(std::nullopt), "/h/.local/share/docent");
  ::unsetenv("HOME");
  EXPECT_THROW(index::resolve_library_dir(std::nullopt), LibraryError);
}

}  // namespace
}  // namespace docent::test
