// File permissions, tried as a user they bind (nobody through setpriv when the tests run as
// root): what cannot be read is named with "permission denied" (exit 3) while the rest goes
// on, and a library that may only be read still lists, searches, answers and checks.
#include <sys/stat.h>

#include <fstream>
#include <set>

#include <nlohmann/json.hpp>

#include "docent_run.hpp"

namespace fs = std::filesystem;
using docent::test::write_file;
using docent::test::DocentRun;
using docent::test::shell_quote;

namespace {

class Unprivileged : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    auto found = docent::test::unprivileged_launcher(why);
    if (!found) GTEST_SKIP() << why;
    launcher_ = *found;
    docent::test::open_to_others(scratch.path());
    fs::create_directories(scratch.path() / "config");
    // The library's parent is the unprivileged user's to write in, as a home folder would be.
    fs::create_directories(scratch.path() / "home");
    fs::permissions(scratch.path() / "home", fs::perms::all);
  }
  fs::path docs() const { return scratch.path() / "docs"; }
  fs::path library() const { return scratch.path() / "home" / "library"; }

  // docent as the unprivileged user, with an empty config of its own.
  DocentRun as_user(const std::string& arguments) {
    return docent::test::run_cli("--library " + shell_quote(library().string()) + " " + arguments,
                                 {{"XDG_CONFIG_HOME", (scratch.path() / "config").string()}, {"DOCENT_MODEL", ""}},
                                 "", launcher_);
  }
  // docent as the user running the tests (root: the owner of the files).
  DocentRun as_owner(const std::string& arguments) {
    return docent::test::run_cli("--library " + shell_quote(library().string()) + " " + arguments,
                                 {{"XDG_CONFIG_HOME", (scratch.path() / "config").string()}, {"DOCENT_MODEL", ""}});
  }
  // Readable only by its owner: as root, that is a file nobody may read.
  void lock(const fs::path& path) {
    if (::geteuid() != 0) fs::permissions(path, fs::perms::none);
    else fs::permissions(path, fs::is_directory(path) ? fs::perms::owner_all : fs::perms::owner_read | fs::perms::owner_write);
  }
  void TearDown() override {
    // TempDir must be able to remove everything again, also without root.
    std::error_code ignored;
    for (auto it = fs::recursive_directory_iterator(scratch.path(), fs::directory_options::skip_permission_denied, ignored);
         it != fs::recursive_directory_iterator(); it.increment(ignored))
      fs::permissions(it->path(), fs::perms::owner_all, fs::perm_options::add, ignored);
  }

  docent::test::TempDir scratch;
  std::string launcher_;
};

using Permissions = Unprivileged;
using ReadOnlyLibrary = Unprivileged;

}  // namespace

TEST_F(Permissions, AnUnreadableFileIsNamedAndTheRestIngested) {
  write_file(docs() / "open.md", "An open note about harbours.");
  write_file(docs() / "secret.md", "A secret note.");
  lock(docs() / "secret.md");
  auto run = as_user("ingest " + shell_quote(docs().string()));
  EXPECT_EQ(run.exit_code, 3) << run.out << run.err;
  EXPECT_NE(run.err.find((docs() / "secret.md").string() + ": permission denied"), std::string::npos) << run.err;
  EXPECT_EQ(as_user("search harbours").exit_code, 0);
  // Named by itself the same.
  auto alone = as_user("ingest " + shell_quote((docs() / "secret.md").string()));
  EXPECT_EQ(alone.exit_code, 3);
  EXPECT_NE(alone.err.find((docs() / "secret.md").string() + ": permission denied"), std::string::npos) << alone.err;
}

TEST_F(Permissions, AnUnreadableFolderIsNamedNotCalledEmpty) {
  write_file(docs() / "locked" / "inside.md", "A note in a locked folder.");
  lock(docs() / "locked");
  auto run = as_user("ingest " + shell_quote((docs() / "locked").string()));
  EXPECT_EQ(run.exit_code, 3) << run.out << run.err;
  EXPECT_NE(run.err.find((docs() / "locked").string() + ": permission denied"), std::string::npos) << run.err;
  EXPECT_EQ(run.err.find("no supported files"), std::string::npos) << run.err;
}

TEST_F(Permissions, AnUnreadableSubfolderIsNamedAndTheRestIngested) {
  write_file(docs() / "open.md", "An open note about harbours.");
  write_file(docs() / "locked" / "inside.md", "A note in a locked folder.");
  lock(docs() / "locked");
  auto run = as_user("--json ingest " + shell_quote(docs().string()));
  EXPECT_EQ(run.exit_code, 3) << run.out << run.err;
  EXPECT_NE(run.err.find((docs() / "locked").string() + ": permission denied"), std::string::npos) << run.err;
  EXPECT_EQ(nlohmann::json::parse(run.out)["added"], 1);

  // Sync keeps saying so, and keeps what it cannot see.
  fs::permissions(docs() / "locked", fs::perms::all);
  ASSERT_EQ(as_user("ingest " + shell_quote(docs().string())).exit_code, 0);
  lock(docs() / "locked");
  auto sync = as_user("--json sync");
  EXPECT_EQ(sync.exit_code, 3) << sync.out << sync.err;
  EXPECT_EQ(nlohmann::json::parse(sync.out)["removed"], 0);
  EXPECT_EQ(nlohmann::json::parse(as_user("--json list").out).size(), 2u);
}

TEST_F(ReadOnlyLibrary, ListStatusSearchAskAndCheckWorkWithoutWriting) {
  write_file(docs() / "lighthouse.md", "# Tarrow Point\n\nThe Tarrow Point lighthouse was first lit in 1861 by the harbour board.\n");
  write_file(docs() / "tram.md", "# Trams\n\nThe Brennmoor tramway closed in 1957 after sixty years of service.\n");
  ASSERT_EQ(as_owner("ingest " + shell_quote(docs().string())).exit_code, 0);
  // Shared read-only: folder 0555, database 0444 (a read-only mount behaves the same to docent).
  fs::permissions(library() / "library.sqlite3", fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);
  fs::permissions(library(), fs::perms::owner_read | fs::perms::owner_exec | fs::perms::group_read |
                                 fs::perms::group_exec | fs::perms::others_read | fs::perms::others_exec);
  std::set<std::string> before;
  for (const auto& entry : fs::directory_iterator(library())) before.insert(entry.path().filename().string());
  const std::string database = docent::test::read_text(library() / "library.sqlite3");

  for (const std::string command : {"list", "--json list", "status", "--json status", "search lighthouse",
                                    "ask 'when was the lighthouse first lit?'", "check", "--json check"}) {
    auto run = as_user(command);
    EXPECT_EQ(run.exit_code, 0) << command << ": " << run.out << run.err;
    EXPECT_EQ(run.err.find("readonly"), std::string::npos) << command << ": " << run.err;
  }
  EXPECT_NE(as_user("search lighthouse").out.find("lighthouse.md"), std::string::npos);
  EXPECT_NE(as_user("ask 'when was the lighthouse first lit?'").out.find("1861"), std::string::npos);
  auto check = nlohmann::json::parse(as_user("--json check").out);
  EXPECT_TRUE(check["consistent"].get<bool>());

  std::set<std::string> after;
  for (const auto& entry : fs::directory_iterator(library())) after.insert(entry.path().filename().string());
  EXPECT_EQ(after, before);  // no -wal, -shm or index file appeared
  EXPECT_TRUE(docent::test::read_text(library() / "library.sqlite3") == database);
  // Writing is refused with a clear line, not a crash.
  auto ingest = as_user("ingest " + shell_quote(docs().string()));
  EXPECT_NE(ingest.exit_code, 0);
  EXPECT_NE(ingest.err.find(library().string()), std::string::npos) << ingest.err;
}
