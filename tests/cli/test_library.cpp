// What a library keeps through ingest, sync and remove: sync never drops what it cannot see,
// removals and per-folder filters are remembered, ids stay, a file reached twice is one
// document, and a name that is not UTF-8 can be listed and removed.
#include <fstream>
#include <set>

#include <nlohmann/json.hpp>

#include "docent_run.hpp"

namespace fs = std::filesystem;
using docent::test::write_file;
using docent::test::run_docent;
using docent::test::shell_quote;

namespace {

class LibraryFixture : public ::testing::Test {
 protected:
  fs::path docs() const { return scratch.path() / "docs"; }
  fs::path library() const { return scratch.path() / "library"; }
  docent::test::DocentRun docent(const std::string& arguments) { return run_docent(library(), arguments); }

  // Path -> id of every document, from `list --json`.
  std::map<std::string, std::int64_t> listed() {
    auto run = docent("--json list");
    EXPECT_EQ(run.exit_code, 0) << run.err;
    std::map<std::string, std::int64_t> result;
    for (const auto& d : nlohmann::json::parse(run.out)) result[d["path"].get<std::string>()] = d["id"].get<std::int64_t>();
    return result;
  }
  std::set<std::string> names() {
    std::set<std::string> result;
    for (const auto& [path, id] : listed()) result.insert(fs::path(path).lexically_relative(docs()).string());
    return result;
  }

  void write_notes() {
    write_file(docs() / "a.md", "# Alpha\n\nThe alpha note talks about lighthouses.\n");
    write_file(docs() / "b.txt", "The bravo note talks about tramways.\n");
    write_file(docs() / "sub" / "c.md", "# Charlie\n\nThe charlie note talks about canals.\n");
  }

  docent::test::TempDir scratch;
};

using Sync = LibraryFixture;
using Remove = LibraryFixture;
using DocumentIds = LibraryFixture;
using SameFile = LibraryFixture;
using PathBytes = LibraryFixture;

}  // namespace

TEST_F(Sync, AMissingFolderIsReportedAndItsDocumentsKept) {
  write_notes();
  ASSERT_EQ(docent("ingest " + shell_quote(docs().string())).exit_code, 0);
  fs::rename(docs(), scratch.path() / "elsewhere");  // an unmounted drive, a renamed folder

  auto sync = docent("sync");
  EXPECT_EQ(sync.exit_code, 3) << sync.out << sync.err;
  EXPECT_NE(sync.err.find(docs().string() + ": no such file or folder"), std::string::npos) << sync.err;
  EXPECT_NE(sync.err.find("3 documents kept"), std::string::npos) << sync.err;
  EXPECT_EQ(names(), (std::set<std::string>{"a.md", "b.txt", "sub/c.md"}));
  auto json = nlohmann::json::parse(docent("--json sync").out);
  EXPECT_EQ(json["removed"], 0);
  EXPECT_EQ(json["kept"], 3);

  // Back again: nothing was lost, nothing is re-read.
  fs::rename(scratch.path() / "elsewhere", docs());
  auto back = nlohmann::json::parse(docent("--json sync").out);
  EXPECT_EQ(back["unchanged"], 3);
  EXPECT_EQ(back["failed"], 0);
}

TEST_F(Sync, PruneDropsTheDocumentsOfAMissingFolder) {
  write_notes();
  ASSERT_EQ(docent("ingest " + shell_quote(docs().string())).exit_code, 0);
  fs::remove_all(docs());
  auto prune = docent("--json sync --prune");
  auto json = nlohmann::json::parse(prune.out);
  EXPECT_EQ(json["removed"], 3) << prune.out;
  EXPECT_TRUE(listed().empty());
  // Forgotten: the next sync has nothing to report.
  EXPECT_EQ(docent("sync").exit_code, 0);
}

TEST_F(Sync, AFileDeletedFromAFolderThatIsThereIsDropped) {
  write_notes();
  ASSERT_EQ(docent("ingest " + shell_quote(docs().string())).exit_code, 0);
  fs::remove(docs() / "b.txt");
  auto sync = nlohmann::json::parse(docent("--json sync").out);
  EXPECT_EQ(sync["removed"], 1);
  EXPECT_EQ(names(), (std::set<std::string>{"a.md", "sub/c.md"}));
}

TEST_F(Sync, EachFolderKeepsItsOwnFilters) {
  write_notes();
  write_file(scratch.path() / "other" / "d.md", "delta");
  write_file(scratch.path() / "other" / "e.txt", "echo");
  ASSERT_EQ(docent("ingest --include '*.md' " + shell_quote(docs().string())).exit_code, 0);
  ASSERT_EQ(docent("ingest --exclude '*.md' " + shell_quote((scratch.path() / "other").string())).exit_code, 0);
  write_file(docs() / "new.txt", "a new text file the filter leaves out");
  write_file(docs() / "new.md", "a new note the filter takes");

  auto sync = nlohmann::json::parse(docent("--json sync").out);
  EXPECT_EQ(sync["added"], 1);
  std::set<std::string> paths;
  for (const auto& [path, id] : listed()) paths.insert(fs::path(path).lexically_relative(scratch.path()).string());
  EXPECT_EQ(paths, (std::set<std::string>{"docs/a.md", "docs/new.md", "docs/sub/c.md", "other/e.txt"}));
}

TEST_F(Remove, ARemovedFolderOrFileStaysOutOfSync) {
  write_notes();
  write_file(docs() / "sub" / "d.md", "delta");
  ASSERT_EQ(docent("ingest " + shell_quote(docs().string())).exit_code, 0);
  ASSERT_EQ(docent("remove " + shell_quote((docs() / "sub").string())).exit_code, 0);
  ASSERT_EQ(docent("remove " + shell_quote((docs() / "b.txt").string())).exit_code, 0);

  auto sync = nlohmann::json::parse(docent("--json sync").out);
  EXPECT_EQ(sync["added"], 0);
  EXPECT_EQ(names(), (std::set<std::string>{"a.md"}));

  // Ingesting it again is asking for it back.
  ASSERT_EQ(docent("ingest " + shell_quote((docs() / "sub").string())).exit_code, 0);
  EXPECT_EQ(names(), (std::set<std::string>{"a.md", "sub/c.md", "sub/d.md"}));
  EXPECT_EQ(nlohmann::json::parse(docent("--json sync").out)["added"], 0);
}

TEST_F(Remove, ARemovedRootIsNoLongerSynced) {
  write_notes();
  ASSERT_EQ(docent("ingest " + shell_quote(docs().string())).exit_code, 0);
  auto remove = docent("remove " + shell_quote(docs().string()));
  EXPECT_EQ(remove.exit_code, 0) << remove.err;
  EXPECT_NE(remove.out.find("no longer synced: " + docs().string()), std::string::npos) << remove.out;
  auto sync = nlohmann::json::parse(docent("--json sync").out);
  EXPECT_EQ(sync["added"], 0);
  EXPECT_TRUE(listed().empty());
}

TEST_F(DocumentIds, AnIdStaysWhenItsFileChangesOrIsReadAgain) {
  write_notes();
  ASSERT_EQ(docent("ingest " + shell_quote(docs().string())).exit_code, 0);
  const auto before = listed();
  write_file(docs() / "a.md", "# Alpha\n\nThe alpha note now talks about windmills.\n");
  ASSERT_EQ(docent("sync").exit_code, 0);
  write_file(docs() / "b.txt", "The bravo note now talks about ferries.\n");
  ASSERT_EQ(docent("ingest " + shell_quote((docs() / "b.txt").string())).exit_code, 0);
  EXPECT_EQ(listed(), before);
  auto search = docent("--json search windmills");
  EXPECT_NE(search.out.find("a.md"), std::string::npos) << search.out;
  EXPECT_EQ(docent("search lighthouses").exit_code, 4);  // the old text is gone
}

TEST_F(DocumentIds, AnEncryptedPdfKeepsItsIdWhenItsPasswordIsGiven) {
  DOCENT_REQUIRE_SHARED("data/pdfs/pdfplumber/password-example.pdf");
  fs::create_directories(docs());
  fs::copy_file(docent::test::shared_dir() / "data/pdfs/pdfplumber/password-example.pdf", docs() / "locked.pdf");
  write_file(docs() / "a.md", "A note beside it.");
  EXPECT_EQ(docent("ingest " + shell_quote(docs().string())).exit_code, 3);  // needs a password
  const auto before = listed();
  ASSERT_EQ(before.size(), 2u);
  // The MANIFEST gives this file's user password: "test".
  auto opened = docent("--json ingest --password test " + shell_quote(docs().string()));
  ASSERT_EQ(opened.exit_code, 0) << opened.out << opened.err;
  EXPECT_EQ(nlohmann::json::parse(opened.out)["updated"], 1);
  EXPECT_EQ(listed(), before);
}

TEST_F(SameFile, ALinkOrHardLinkToAFileIsOneDocument) {
  write_notes();
  fs::create_symlink("a.md", docs() / "link.md");
  fs::create_hard_link(docs() / "b.txt", docs() / "hard.txt");
  auto ingest = nlohmann::json::parse(docent("--json ingest " + shell_quote(docs().string())).out);
  EXPECT_EQ(ingest["added"], 3);
  EXPECT_EQ(names().size(), 3u);
  // Named on its own later, the link still leads to the document there is.
  auto again = nlohmann::json::parse(docent("--json ingest " + shell_quote((docs() / "link.md").string())).out);
  EXPECT_EQ(again["added"], 0);
  EXPECT_EQ(again["unchanged"], 1);
  EXPECT_EQ(names().size(), 3u);
}

TEST_F(SameFile, ALinkedFolderIsFollowedAndALoopEnds) {
  write_notes();
  write_file(scratch.path() / "shelf" / "e.md", "The echo note lives on another shelf.");
  fs::create_directory_symlink(scratch.path() / "shelf", docs() / "shelf");
  fs::create_directory_symlink("..", docs() / "sub" / "up");  // a loop back to docs
  auto ingest = docent("--json ingest " + shell_quote(docs().string()));
  ASSERT_EQ(ingest.exit_code, 0) << ingest.err;
  EXPECT_EQ(names(), (std::set<std::string>{"a.md", "b.txt", "shelf/e.md", "sub/c.md"}));
}

TEST_F(PathBytes, ANameThatIsNotUtf8IsListedAndRemovedAsPrinted) {
  const std::string name = "caf\xe9 notes.md";  // Latin-1 é: not UTF-8
  write_file(docs() / name, "The cafe note talks about espresso.");
  write_file(docs() / "plain.md", "A plain note.");
  ASSERT_EQ(docent("ingest " + shell_quote(docs().string())).exit_code, 0);
  auto list = docent("--json list");
  ASSERT_EQ(list.exit_code, 0) << list.err;
  std::string printed;
  for (const auto& d : nlohmann::json::parse(list.out))  // valid JSON: nlohmann would throw otherwise
    if (d["path"].get<std::string>().find("caf") != std::string::npos) printed = d["path"].get<std::string>();
  EXPECT_EQ(printed, (docs() / "caf\\xe9 notes.md").string());
  auto remove = docent("remove " + shell_quote(printed));
  EXPECT_EQ(remove.exit_code, 0) << remove.err;
  EXPECT_EQ(names(), (std::set<std::string>{"plain.md"}));
  // The raw bytes name it too, and the removal is remembered by sync.
  EXPECT_EQ(nlohmann::json::parse(docent("--json sync").out)["added"], 0);
  ASSERT_EQ(docent("ingest " + shell_quote((docs() / name).string())).exit_code, 0);
  EXPECT_EQ(docent("remove " + shell_quote((docs() / name).string())).exit_code, 0);
  EXPECT_EQ(names(), (std::set<std::string>{"plain.md"}));
}
