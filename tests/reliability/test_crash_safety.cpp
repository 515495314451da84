// Crash safety: `docent ingest` killed with SIGKILL at random moments (fixed seed) never leaves
// the library inconsistent, and running the ingest again completes it exactly as an
// uninterrupted ingest would.
#include <algorithm>
#include <map>
#include <random>

#include <nlohmann/json.hpp>

#include "process.hpp"

namespace fs = std::filesystem;
using docent::test::Child;
using docent::test::run_docent;

namespace {

struct Stored {
  std::string status;
  int pages = 0;
  std::int64_t chunks = 0;
  bool operator==(const Stored&) const = default;
};

std::map<std::string, Stored> stored_documents(const fs::path& library) {
  auto list = run_docent(library, {"--json", "list"});
  EXPECT_EQ(list.exit_code, 0) << list.err;
  std::map<std::string, Stored> result;
  for (const auto& d : nlohmann::json::parse(list.out))
    result[d["path"].get<std::string>()] = {d["status"], d["pages"], d["chunks"]};
  return result;
}

}  // namespace

TEST(CrashSafety, SigkillDuringIngestLeavesAConsistentLibraryThatTheNextIngestCompletes) {
  DOCENT_REQUIRE_SHARED("data/pdfs/MANIFEST.tsv");
  // Canonical, as the library stores it.
  const fs::path pdfs = fs::weakly_canonical(docent::test::shared_dir() / "data/pdfs");

  // Reference: one uninterrupted ingest, timed so kill delays can be spread over its duration.
  docent::test::TempDir reference_home;
  auto started = std::chrono::steady_clock::now();
  auto reference_run = run_docent(reference_home.path() / "lib", {"--json", "ingest", pdfs.string()});
  const double duration = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  ASSERT_EQ(reference_run.exit_code, 3) << "the shared set holds broken and locked PDFs\n" << reference_run.err;
  const auto reference = stored_documents(reference_home.path() / "lib");

  // A run over an already complete library: start-up plus hashing every file, no parsing (the
  // broken and locked files still fail: exit 3).
  started = std::chrono::steady_clock::now();
  ASSERT_EQ(run_docent(reference_home.path() / "lib", {"ingest", pdfs.string()}).exit_code, 3);
  const double startup = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  docent::test::TempDir home;
  const fs::path library = home.path() / "lib";
  std::mt19937 random(20261123);
  std::uniform_real_distribution<double> unit(0, 1);
  constexpr int kKillsWanted = 20;
  // Kill moments spread over the whole run: sorted random points in [0, duration). Each ingest
  // resumes where the killed one stopped, so run i is killed after its start-up plus the gap to
  // the next point; every fourth kill instead lands inside the start-up (scan, hashing).
  std::vector<double> points;
  for (int i = 0; i < kKillsWanted; ++i) points.push_back(duration * unit(random));
  std::sort(points.begin(), points.end());
  std::vector<double> delays;
  for (int i = 0; i < kKillsWanted; ++i) {
    const double gap = points[i] - (i ? points[i - 1] : 0.0);
    delays.push_back(i % 4 == 3 ? startup * unit(random) : startup + gap);
  }

  int kills = 0, completed_before_kill = 0, checks = 0;
  for (std::size_t attempt = 0; kills < kKillsWanted && attempt < 2 * kKillsWanted; ++attempt) {
    const double delay = delays[attempt % delays.size()];
    Child ingest({"--library", library.string(), "--quiet", "ingest", pdfs.string()});
    auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(delay);
    bool finished = false;
    while (std::chrono::steady_clock::now() < until && !(finished = ingest.exited()))
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    if (!finished) {
      ::kill(ingest.pid(), SIGKILL);
      auto result = ingest.wait();
      if (result.signal == SIGKILL) ++kills;
    }
    auto check = run_docent(library, {"check"});
    ++checks;
    ASSERT_EQ(check.exit_code, 0) << "after a kill at " << delay << " s:\n" << check.out << check.err;
    if (finished) {
      // The library caught up: take documents away so the next run has work to be killed in.
      ++completed_before_kill;
      ASSERT_EQ(run_docent(library, {"remove", (pdfs / "pdfjs").string()}).exit_code, 0);
    }
  }
  std::cout << "crash safety: " << kills << " SIGKILLs (run " << duration << " s, start-up " << startup << " s), " << checks
            << " checks consistent, " << completed_before_kill << " runs finished before their kill\n";
  EXPECT_GE(kills, kKillsWanted);

  auto final_run = run_docent(library, {"--json", "ingest", pdfs.string()});
  // The broken and locked files fail again, whether read again or recorded as failed before.
  EXPECT_EQ(final_run.exit_code, 3) << final_run.err;
  auto check = run_docent(library, {"--json", "check"});
  EXPECT_EQ(check.exit_code, 0) << check.out;
  EXPECT_TRUE(nlohmann::json::parse(check.out)["consistent"].get<bool>());

  // Every manifest file is there, with the status, pages and chunks of the uninterrupted run.
  const auto after = stored_documents(library);
  std::ifstream manifest(pdfs / "MANIFEST.tsv");
  std::string line;
  std::getline(manifest, line);
  int rows = 0;
  while (std::getline(manifest, line)) {
    ++rows;
    const std::string path = (pdfs / line.substr(0, line.find('\t'))).string();
    ASSERT_TRUE(reference.count(path)) << path;
    ASSERT_TRUE(after.count(path)) << "missing after the crashes: " << path;
    EXPECT_EQ(after.at(path), reference.at(path)) << path << ": " << after.at(path).status << " vs "
                                                  << reference.at(path).status;
  }
  EXPECT_EQ(after.size(), static_cast<std::size_t>(rows));
}
