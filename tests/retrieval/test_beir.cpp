#include <cmath>
#include <fstream>

#include "docent/retrieval.hpp"
#include "test_support.hpp"

using docent::test::write_file;

// A hand-made dataset whose metrics can be worked out on paper.
TEST(Beir, MetricsOnATinyDataset) {
  docent::test::TempDir dir;
  write_file(dir.path() / "corpus.jsonl",
        R"({"_id": "d1", "title": "Volcanoes", "text": "Basalt lava flows from shield volcanoes."})" "\n"
        R"({"_id": "d2", "title": "Glaciers", "text": "Glaciers carve valleys over millennia."})" "\n"
        R"({"_id": "d3", "title": "Rivers", "text": "Rivers deposit silt in deltas."})" "\n");
  write_file(dir.path() / "queries.jsonl",
        R"({"_id": "q1", "text": "shield volcano lava"})" "\n"
        R"({"_id": "q2", "text": "glacier valleys"})" "\n"
        R"({"_id": "q3", "text": "unjudged query"})" "\n");
  write_file(dir.path() / "qrels" / "test.tsv", "query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td2\t1\nq2\td3\t1\n");
  auto report = docent::retrieval::evaluate_beir(dir.path(), {});
  EXPECT_EQ(report.documents, 3u);
  EXPECT_EQ(report.queries, 2u);  // only judged queries count
  // q1: d1 first -> nDCG 1, recall 1. q2: d2 first, d3 never retrieved ->
  // DCG = 1, IDCG = 1 + 1/log2(3); recall 0.5.
  double q2 = 1.0 / (1.0 + 1.0 / std::log2(3.0));
  EXPECT_NEAR(report.ndcg_at_10, (1.0 + q2) / 2, 1e-9);
  EXPECT_NEAR(report.recall_at_100, 0.75, 1e-9);
}

TEST(Beir, MissingFilesAreClearErrors) {
  docent::test::TempDir dir;
  try {
    docent::retrieval::evaluate_beir(dir.path(), {});
    FAIL() << "expected an error";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find("qrels"), std::string::npos) << error.what();
  }
}

// The foundation's acceptance figure: BM25 over SciFact (title + abstract) must reach 0.68.
TEST(Beir, SciFactKeywordNdcgAtLeast068) {
  DOCENT_REQUIRE_SHARED("data/beir/scifact/corpus.jsonl");
  auto report = docent::retrieval::evaluate_beir(docent::test::shared_dir() / "data/beir/scifact", {});
  std::cout << "SciFact BM25: nDCG@10 " << report.ndcg_at_10 << ", Recall@100 " << report.recall_at_100
            << ", docs " << report.documents << ", chunks " << report.chunks << ", queries " << report.queries << "\n";
  EXPECT_EQ(report.queries, 300u);
  EXPECT_EQ(report.documents, 5183u);
  EXPECT_GE(report.ndcg_at_10, 0.68);
}
