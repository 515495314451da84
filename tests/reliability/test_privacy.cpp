// Privacy: every file of a library (database, -wal, -shm) is the user's alone while it is in use,
// and a PDF password given on the command line is never written anywhere or printed.
#include <nlohmann/json.hpp>

#include "process.hpp"
#include "sqlite_handle.hpp"

namespace fs = std::filesystem;
using docent::test::read_all;
using docent::test::run_docent;

namespace {

// While the test holds a connection open, SQLite keeps -wal and -shm after docent exits.
void expect_private(const fs::path& library) {
  EXPECT_EQ(fs::status(library).permissions() & fs::perms::all, fs::perms::owner_all);
  for (const char* suffix : {"", "-wal", "-shm"}) {
    const fs::path file = library / (std::string("library.sqlite3") + suffix);
    ASSERT_TRUE(fs::exists(file)) << file;
    EXPECT_EQ(fs::status(file).permissions() & (fs::perms::group_all | fs::perms::others_all), fs::perms::none)
        << file;
  }
}

}  // namespace

TEST(Privacy, DatabaseWalAndShmArePrivateAfterActivity) {
  docent::test::TempDir home;
  const auto library = home.path() / "lib";
  const auto samples = docent::test::source_dir() / "samples";
  ASSERT_EQ(run_docent(library, {"ingest", (samples / "notes").string()}).exit_code, 0);
  docent::test::RawDatabase keep_open(library);
  keep_open.integer("SELECT count(*) FROM documents");  // maps -shm, keeps the WAL
  ASSERT_EQ(run_docent(library, {"ingest", samples.string()}).exit_code, 0);
  ASSERT_EQ(run_docent(library, {"search", "Tarrow"}).exit_code, 0);
  expect_private(library);
}

TEST(Privacy, PasswordsNeverReachTheDatabaseTheWalOrAnyOutput) {
  DOCENT_REQUIRE_SHARED("data/pdfs/pdfjs/issue21579.pdf");
  const auto pdfs = docent::test::shared_dir() / "data/pdfs";
  docent::test::TempDir home, docs;
  // One file the right password opens (AES-256, per the manifest), one it does not.
  fs::copy_file(pdfs / "pdfjs/issue21579.pdf", docs.path() / "locked.pdf");
  fs::copy_file(pdfs / "pdfjs/print_protection.pdf", docs.path() / "other.pdf");
  const auto library = home.path() / "lib";
  ASSERT_EQ(run_docent(library, {"ingest", (docent::test::source_dir() / "samples/notes").string()}).exit_code, 0);
  docent::test::RawDatabase keep_open(library);  // so the WAL written below stays to be read
  keep_open.integer("SELECT count(*) FROM documents");

  const std::string password = "p\xC3\xA4sssw\xC3\xB6rt";  // not the real one: a wrong password
  const std::string right_again = "p\xC3\xA4ssw\xC3\xB6rt";  // the manifest's 'pässwört'
  std::string everything;
  for (const std::string& given : {password, right_again}) {
    for (bool json : {false, true}) {
      std::vector<std::string> arguments;
      if (json) arguments.push_back("--json");
      arguments.insert(arguments.end(), {"ingest", "--password", given, docs.path().string()});
      auto run = run_docent(library, arguments);
      EXPECT_NE(run.exit_code, 1) << run.err;
      everything += run.out + run.err;
      for (const char* command : {"status", "list"}) {
        auto shown = run_docent(library, {json ? "--json" : "-q", command});
        everything += shown.out + shown.err;
      }
    }
  }
  // The right password really opened the file (so it went all the way through ingestion).
  auto list = nlohmann::json::parse(run_docent(library, {"--json", "list"}).out);
  bool opened = false;
  for (const auto& d : list)
    if (d["path"] == (docs.path() / "locked.pdf").string()) opened = d["status"] == "ok";
  EXPECT_TRUE(opened) << list.dump();

  const std::string database = read_all(library / "library.sqlite3");
  const std::string wal = read_all(library / "library.sqlite3-wal");
  EXPECT_GT(database.size() + wal.size(), 0u);
  for (const std::string& secret : {password, right_again}) {
    EXPECT_EQ(database.find(secret), std::string::npos) << "password in the database";
    EXPECT_EQ(wal.find(secret), std::string::npos) << "password in the WAL";
    EXPECT_EQ(everything.find(secret), std::string::npos) << "password printed";
  }
}
