// `docent check`: a freshly ingested library is consistent; each kind of damage done behind its
// back is reported (exit 1, one line each, --json); --repair removes incomplete documents and
// rebuilds the search index, and the next ingest brings the removed documents back.
#include <set>

#include <nlohmann/json.hpp>

#include "process.hpp"
#include "sqlite_handle.hpp"

namespace fs = std::filesystem;
using docent::test::run_docent;

namespace {

int count_lines_starting(const std::string& text, const std::string& prefix) {
  int count = 0;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    if (text.compare(start, prefix.size(), prefix) == 0) ++count;
    start = end + 1;
  }
  return count;
}

}  // namespace

TEST(Check, FreshLibraryIsConsistent) {
  docent::test::TempDir home;
  const auto samples = docent::test::source_dir() / "samples";
  ASSERT_EQ(run_docent(home.path(), {"ingest", samples.string()}).exit_code, 0);
  auto check = run_docent(home.path(), {"check"});
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  EXPECT_NE(check.out.find("consistent"), std::string::npos);
  auto json = run_docent(home.path(), {"--json", "check"});
  auto report = nlohmann::json::parse(json.out);
  EXPECT_TRUE(report["consistent"].get<bool>());
  EXPECT_GE(report["documents"].get<int>(), 3);
  EXPECT_TRUE(report["problems"].empty());
}

TEST(Check, MissingLibraryIsAClearErrorAndNothingIsCreated) {
  docent::test::TempDir home;
  auto check = run_docent(home.path() / "none", {"check"});
  EXPECT_EQ(check.exit_code, 1);
  EXPECT_NE(check.err.find("docent ingest"), std::string::npos) << check.err;
  EXPECT_FALSE(fs::exists(home.path() / "none"));
}

TEST(Check, DamageIsReportedAndRepairRemovesIncompleteDocumentsThenIngestRestoresThem) {
  docent::test::TempDir home;
  const auto samples = docent::test::source_dir() / "samples";
  ASSERT_EQ(run_docent(home.path(), {"ingest", samples.string()}).exit_code, 0);
  const std::string light = (samples / "tarrow-point-light.pdf").string();
  const std::string tram = (samples / "brennmoor-tramways.pdf").string();
  {
    docent::test::RawDatabase db(home.path());
    // A page row gone from one document; the first chunk gone from another (its FTS row goes
    // with it through the trigger, so only the ordinal gap shows).
    db.execute("DELETE FROM pages WHERE id = (SELECT min(p.id) FROM pages p JOIN documents d ON d.id = p.document_id "
               "WHERE d.path = '" + light + "')");
    db.execute("DELETE FROM chunks WHERE id = (SELECT c.id FROM chunks c JOIN documents d ON d.id = c.document_id "
               "WHERE d.path = '" + tram + "' ORDER BY c.ordinal LIMIT 1)");
    // The search index loses one chunk's row and gains a row for no chunk.
    db.execute("INSERT INTO chunk_search(chunk_search, rowid, text, title) "
               "SELECT 'delete', c.id, c.text, d.title FROM chunks c JOIN documents d ON d.id = c.document_id "
               "WHERE d.path != '" + light + "' AND d.path != '" + tram + "' ORDER BY c.id LIMIT 1");
    db.execute("INSERT INTO chunk_search(rowid, text, title) VALUES (999999, 'orphan zebra words', 'none')");
  }
  auto check = run_docent(home.path(), {"check"});
  EXPECT_EQ(check.exit_code, 1) << check.out;
  EXPECT_EQ(count_lines_starting(check.out, "pages: " + light + ": "), 1) << check.out;
  EXPECT_EQ(count_lines_starting(check.out, "chunks: " + tram + ": "), 1) << check.out;
  EXPECT_NE(check.out.find("search_index: 1 chunks are not in the FTS5 index"), std::string::npos) << check.out;
  EXPECT_NE(check.out.find("orphans"), std::string::npos) << check.out;

  auto json = nlohmann::json::parse(run_docent(home.path(), {"--json", "check"}).out);
  EXPECT_FALSE(json["consistent"].get<bool>());
  EXPECT_GE(json["problems"].size(), 4u);

  auto repair = run_docent(home.path(), {"--json", "check", "--repair"});
  EXPECT_EQ(repair.exit_code, 0) << repair.out << repair.err;
  auto repaired = nlohmann::json::parse(repair.out);
  EXPECT_TRUE(repaired["consistent"].get<bool>());
  std::set<std::string> removed;
  for (const auto& d : repaired["repair"]["removed_documents"]) removed.insert(d["path"].get<std::string>());
  EXPECT_EQ(removed, (std::set<std::string>{light, tram}));
  EXPECT_EQ(run_docent(home.path(), {"search", "zebra"}).exit_code, 4);  // the orphan is gone

  // The next ingest redoes the removed documents; everything is consistent and findable.
  auto again = nlohmann::json::parse(run_docent(home.path(), {"--json", "ingest", samples.string()}).out);
  EXPECT_EQ(again["added"].get<int>(), 2);
  EXPECT_EQ(run_docent(home.path(), {"check"}).exit_code, 0);
  auto search = run_docent(home.path(), {"--json", "search", "tramway"});
  EXPECT_NE(search.out.find("brennmoor-tramways.pdf"), std::string::npos);
}

TEST(Check, MissingVectorsOfTheBoundModelAreReported) {
  docent::test::TempDir home;
  const auto samples = docent::test::source_dir() / "samples";
  ASSERT_EQ(run_docent(home.path(), {"ingest", samples.string()}).exit_code, 0);
  {
    docent::test::RawDatabase db(home.path());
    db.execute("INSERT INTO embedding_models (name, file_hash, dimension, created_at) VALUES ('tiny', 'x', 2, 'now')");
    db.execute("INSERT INTO settings (key, value) VALUES ('embedding.model', '1')");  // the model's id, as `models add` binds it
    // Every chunk but one gets a vector.
    db.execute("INSERT INTO vectors (chunk_id, model_id, vector) SELECT id, 1, zeroblob(8) FROM chunks "
               "WHERE id != (SELECT max(id) FROM chunks)");
  }
  auto check = run_docent(home.path(), {"check"});
  EXPECT_EQ(check.exit_code, 1);
  EXPECT_NE(check.out.find("vectors: "), std::string::npos) << check.out;
  EXPECT_NE(check.out.find("1 chunks have no 'tiny' vector"), std::string::npos) << check.out;
  {
    docent::test::RawDatabase db(home.path());
    db.execute("INSERT INTO vectors (chunk_id, model_id, vector) SELECT max(id), 1, zeroblob(8) FROM chunks");
  }
  EXPECT_EQ(run_docent(home.path(), {"check"}).exit_code, 0);
}
