// Two processes on one library: a second writer waits (saying so once on stderr) instead of
// failing, and readers (search, ask) work while a writer holds the lock.
#include <cstdlib>
#include <set>

#include <nlohmann/json.hpp>

#include "process.hpp"
#include "sqlite_handle.hpp"

namespace fs = std::filesystem;
using docent::test::Child;
using docent::test::run_docent;

namespace {

constexpr const char* kBusyMessage = "library busy, waiting for another docent process...";

int occurrences(const std::string& text, const std::string& needle) {
  int count = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++count;
  return count;
}

// Waits until the child's stderr says it is waiting (or it exits, or 20 s pass).
bool wait_for_busy_message(Child& child) {
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < until) {
    if (child.err_so_far().find(kBusyMessage) != std::string::npos) return true;
    if (child.exited()) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

}  // namespace

// Another process holds the write lock (as an ingest does while it stores a document): the
// ingest says once that it waits, search and ask still answer, and the ingest finishes when the
// lock is released.
TEST(Concurrency, IngestWaitsForTheWriteLockWhileSearchAndAskWork) {
  docent::test::TempDir home, docs;
  const auto samples = docent::test::source_dir() / "samples";
  ASSERT_EQ(run_docent(home.path(), {"ingest", samples.string()}).exit_code, 0);
  std::ofstream(docs.path() / "wombat.md") << "# Wombats\n\nThe wombat digs long burrows with its claws.\n";

  docent::test::RawDatabase holder(home.path());
  holder.execute("BEGIN IMMEDIATE");
  Child ingest({"--library", home.path().string(), "--json", "ingest", docs.path().string()});
  ASSERT_TRUE(wait_for_busy_message(ingest)) << ingest.err_so_far();

  auto search = run_docent(home.path(), {"--json", "search", "Tarrow"});
  EXPECT_EQ(search.exit_code, 0) << search.err;
  auto ask = run_docent(home.path(), {"--json", "ask", "When was the Tarrow Point Light first lit?"});
  EXPECT_EQ(ask.exit_code, 0) << ask.err;
  EXPECT_FALSE(ingest.exited()) << "the ingest must wait for the lock, not give up";

  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  holder.execute("COMMIT");
  auto finished = ingest.wait();
  EXPECT_EQ(finished.exit_code, 0) << finished.err;
  EXPECT_EQ(occurrences(finished.err, kBusyMessage), 1) << finished.err;
  auto summary = nlohmann::json::parse(finished.out);  // stdout stays pure JSON
  EXPECT_EQ(summary["added"].get<int>(), 1);
  EXPECT_EQ(run_docent(home.path(), {"search", "wombat"}).exit_code, 0);
}

// With a short $DOCENT_BUSY_TIMEOUT_MS the wait ends with the documented exit code 5.
TEST(Concurrency, BusyTimeoutEndsWithExitFive) {
  docent::test::TempDir home, docs;
  std::ofstream(docs.path() / "a.md") << "alpha words";
  ASSERT_EQ(run_docent(home.path(), {"ingest", docs.path().string()}).exit_code, 0);
  std::ofstream(docs.path() / "b.md") << "beta words";
  docent::test::RawDatabase holder(home.path());
  holder.execute("BEGIN IMMEDIATE");
  ::setenv("DOCENT_BUSY_TIMEOUT_MS", "300", 1);
  auto run = run_docent(home.path(), {"ingest", docs.path().string()});
  ::unsetenv("DOCENT_BUSY_TIMEOUT_MS");
  holder.execute("ROLLBACK");
  EXPECT_EQ(run.exit_code, 5) << run.err;
  EXPECT_EQ(occurrences(run.err, kBusyMessage), 1) << run.err;
  EXPECT_NE(run.err.find("busy"), std::string::npos);
}

// Two real ingests of the shared PDFs at once: both finish (exit 3: the set has broken and
// locked files), the library is consistent and holds each file once; search works meanwhile.
TEST(Concurrency, TwoIngestsOfTheSameFilesBothFinishAndLeaveOneConsistentLibrary) {
  DOCENT_REQUIRE_SHARED("data/pdfs/MANIFEST.tsv");
  docent::test::TempDir home;
  const auto pdfs = docent::test::shared_dir() / "data/pdfs";
  ASSERT_EQ(run_docent(home.path(), {"ingest", (pdfs / "pdfplumber").string()}).exit_code, 3);
  Child first({"--library", home.path().string(), "--json", "ingest", pdfs.string()});
  Child second({"--library", home.path().string(), "--json", "ingest", pdfs.string()});
  auto search = run_docent(home.path(), {"--json", "search", "background checks"});
  EXPECT_EQ(search.exit_code, 0) << search.err;
  auto a = first.wait(), b = second.wait();
  EXPECT_EQ(a.exit_code, 3) << a.err;
  EXPECT_EQ(b.exit_code, 3) << b.err;
  EXPECT_LE(occurrences(a.err, kBusyMessage), 1);
  EXPECT_LE(occurrences(b.err, kBusyMessage), 1);
  auto check = run_docent(home.path(), {"check"});
  EXPECT_EQ(check.exit_code, 0) << check.out;
  auto list = nlohmann::json::parse(run_docent(home.path(), {"--json", "list"}).out);
  std::set<std::string> paths;
  for (const auto& d : list) paths.insert(d["path"].get<std::string>());
  EXPECT_EQ(paths.size(), list.size());
  EXPECT_GE(list.size(), 30u);
}
