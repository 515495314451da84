// File privacy, readers beside a writer, and a clear error when another writer holds the lock.

#include <sys/stat.h>

#include <chrono>
#include <thread>

#include "index_test_helpers.hpp"
#include "test_support.hpp"

namespace docent::test {
namespace {

using index::Library;

unsigned permission_bits(const std::filesystem::path& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return 0xffff;
  return info.st_mode & 0777;
}

// Sets an environment variable for the lifetime of the object.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    ::setenv(name, value, 1);
  }
  ~ScopedEnv() {
    if (old_) ::setenv(name_.c_str(), old_->c_str(), 1);
    else ::unsetenv(name_.c_str());
  }

 private:
  std::string name_;
  std::optional<std::string> old_;
};

// Opens the permissions of new files as much as a user's umask might.
class ScopedUmask {
 public:
  explicit ScopedUmask(mode_t mask) : old_(::umask(mask)) {}
  ~ScopedUmask() { ::umask(old_); }

 private:
  mode_t old_;
};

TEST(LibraryPrivacy, FolderDatabaseAndWalFilesArePrivate) {
  TempDir temp;
  ScopedUmask permissive(0);
  const auto dir = temp.path() / "library";
  Library library = Library::open(dir);
  library.put_document(make_document("/a.pdf", "A", {"private words"}));
  const auto database = dir / "library.sqlite3";
  EXPECT_EQ(permission_bits(dir), 0700u);
  EXPECT_EQ(permission_bits(database), 0600u);
  ASSERT_TRUE(std::filesystem::exists(database.string() + "-wal"));
  ASSERT_TRUE(std::filesystem::exists(database.string() + "-shm"));
  EXPECT_EQ(permission_bits(database.string() + "-wal"), 0600u);
  EXPECT_EQ(permission_bits(database.string() + "-shm"), 0600u);
}

TEST(LibraryConcurrency, ReadOnlyReadsCommittedDataWhileAnotherConnectionWrites) {
  TempDir temp;
  Library writer = Library::open(temp.path());
  writer.put_document(make_document("/committed.pdf", "C", {"committed quokka"}));
  writer.begin_bulk();
  writer.put_document(make_document("/pending.pdf", "P", {"pending wombat"}));

  // The writer holds the write lock with an open transaction.
  Library reader = Library::open(temp.path(), Library::Mode::read_only);
  EXPECT_EQ(reader.documents().size(), 1u);
  EXPECT_EQ(reader.keyword_search("quokka", {}).size(), 1u);
  EXPECT_TRUE(reader.keyword_search("wombat", {}).empty());
  EXPECT_EQ(reader.stats().documents, 1);

  writer.end_bulk();
  EXPECT_EQ(reader.documents().size(), 2u);
  EXPECT_EQ(reader.keyword_search("wombat", {}).size(), 1u);
}

TEST(LibraryConcurrency, ReadOnlyOpensAfterEveryWriterClosed) {
  TempDir temp;
  { Library::open(temp.path()).put_document(make_document("/a.pdf", "A", {"alone"})); }
  Library reader = Library::open(temp.path(), Library::Mode::read_only);
  EXPECT_EQ(reader.keyword_search("alone", {}).size(), 1u);
}

TEST(LibraryConcurrency, BusyWriterGivesLibraryBusyAfterTimeout) {
  TempDir temp;
  ScopedEnv timeout("DOCENT_BUSY_TIMEOUT_MS", "50");
  Library library = Library::open(temp.path());
  RawDatabase other(temp.path() / "library.sqlite3");
  other.execute("BEGIN IMMEDIATE");
  try {
    library.put_document(make_document("/a.pdf", "A", {"blocked"}));
    FAIL() << "the write lock is held elsewhere";
  } catch (const index::LibraryBusy& busy) {
    const std::string message = busy.what();
    EXPECT_NE(message.find(temp.path().string()), std::string::npos) << message;
    EXPECT_NE(message.find("busy"), std::string::npos) << message;
  }
  EXPECT_THROW(library.set_setting("k", "v"), index::LibraryBusy);
  // Opening and reading still work while the other writer holds the lock.
  Library second = Library::open(temp.path());
  EXPECT_TRUE(second.documents().empty());
  other.execute("COMMIT");
  library.put_document(make_document("/a.pdf", "A", {"unblocked"}));
  EXPECT_EQ(second.keyword_search("unblocked", {}).size(), 1u);
}

TEST(LibraryConcurrency, WaitsForAShortWriterWithinTheTimeout) {
  TempDir temp;
  Library library = Library::open(temp.path());  // default 30 s timeout
  RawDatabase other(temp.path() / "library.sqlite3");
  other.execute("BEGIN IMMEDIATE");
  std::thread release([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    other.execute("COMMIT");
  });
  EXPECT_NO_THROW(library.put_document(make_document("/a.pdf", "A", {"waited"})));
  release.join();
  EXPECT_EQ(library.documents().size(), 1u);
}

}  // namespace
}  // namespace docent::test
