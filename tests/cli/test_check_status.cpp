// `check` and `status` on a library bound to an embedding model the way a user binds one
// (`models add`), and status counts that add up.
#include <nlohmann/json.hpp>

#include "docent_run.hpp"
#include "sqlite_handle.hpp"

namespace fs = std::filesystem;
using docent::test::run_docent;
using docent::test::shell_quote;

namespace {
const char* const kEmbedder = "fixtures/models/tiny-bert-f16.gguf";

class Bound : public ::testing::Test {
 protected:
  void SetUp() override {
    DOCENT_REQUIRE_SHARED(kEmbedder);
    const auto samples = docent::test::source_dir() / "samples";
    ASSERT_EQ(docent("ingest " + shell_quote(samples.string())).exit_code, 0);
    auto add = docent("models add " + shell_quote((docent::test::shared_dir() / kEmbedder).string()));
    ASSERT_EQ(add.exit_code, 0) << add.out << add.err;
  }
  docent::test::DocentRun docent(const std::string& arguments) { return run_docent(home.path(), arguments); }
  docent::test::TempDir home;
};

using CheckWithEmbedder = Bound;
using StatusWithEmbedder = Bound;
}  // namespace

TEST_F(CheckWithEmbedder, ABoundLibraryIsConsistentAndAMissingVectorIsFoundAndRepaired) {
  auto check = docent("check");
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  EXPECT_NE(check.out.find("consistent"), std::string::npos) << check.out;

  {
    docent::test::RawDatabase db(home.path());
    db.execute("DELETE FROM vectors WHERE chunk_id = (SELECT max(id) FROM chunks)");
  }
  auto damaged = docent("check");
  EXPECT_EQ(damaged.exit_code, 1) << damaged.out;
  EXPECT_NE(damaged.out.find("vectors: "), std::string::npos) << damaged.out;
  EXPECT_NE(damaged.out.find("1 chunks have no '"), std::string::npos) << damaged.out;

  auto repair = docent("--json check --repair");
  EXPECT_EQ(repair.exit_code, 0) << repair.out << repair.err;
  EXPECT_TRUE(nlohmann::json::parse(repair.out)["consistent"].get<bool>()) << repair.out;
  EXPECT_EQ(docent("check").exit_code, 0);
}

TEST_F(StatusWithEmbedder, NamesTheTokenCounterAndTheModelInUse) {
  auto json = nlohmann::json::parse(docent("--json status").out);
  const std::string counter = json["token_counter"].get<std::string>();
  EXPECT_NE(counter, "approximate");
  EXPECT_NE(counter.find("tokenizer"), std::string::npos) << counter;
  EXPECT_EQ(json["settings"]["chunk.token_counter"], counter);
  EXPECT_EQ(json["search_modes"], (nlohmann::json{"keyword", "dense", "hybrid"}));
  auto text = docent("status");
  EXPECT_NE(text.out.find("(" + counter + " token count)"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("keyword + dense (" + json["embedding_model"].get<std::string>() + ")"), std::string::npos)
      << text.out;
}

TEST(Status, DocumentCountsAddUp) {
  DOCENT_REQUIRE_SHARED("data/pdfs/pdfjs/issue7229.pdf");
  docent::test::TempDir home, docs;
  const auto pdfs = docent::test::shared_dir() / "data/pdfs";
  fs::copy_file(pdfs / "pdfjs/issue7229.pdf", docs.path() / "scanned.pdf");     // no text layer
  fs::copy_file(pdfs / "pdfjs/bug1020226.pdf", docs.path() / "broken.pdf");     // unreadable
  fs::copy_file(docent::test::source_dir() / "samples/tarrow-point-light.pdf", docs.path() / "light.pdf");
  run_docent(home.path(), "ingest " + shell_quote(docs.path().string()));
  auto json = nlohmann::json::parse(run_docent(home.path(), "--json status").out);
  const int documents = json["documents"].get<int>();
  EXPECT_EQ(documents, 3);
  EXPECT_EQ(json["documents_ok"].get<int>() + json["documents_scanned"].get<int>() + json["documents_failed"].get<int>(),
            documents);
  EXPECT_GE(json["documents_failed"].get<int>(), 1);
  auto text = run_docent(home.path(), "status").out;
  const std::string line = "Documents   3 (" + std::to_string(json["documents_ok"].get<int>()) + " readable, " +
                           std::to_string(json["documents_scanned"].get<int>()) + " scanned without a text layer, " +
                           std::to_string(json["documents_failed"].get<int>()) + " failed)";
  EXPECT_NE(text.find(line), std::string::npos) << text;
}
