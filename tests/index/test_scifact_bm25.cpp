// Retrieval quality of the keyword index alone on BEIR SciFact (5,183 title+abstract documents,
// 300 test claims): one chunk per document, nDCG@10 as BEIR computes it (linear gains).

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "index_test_helpers.hpp"
#include "test_support.hpp"

namespace docent::test {
namespace {

using index::Library;

struct SciFact {
  std::map<std::string, std::string> queries;                     // id -> claim
  std::map<std::string, std::map<std::string, int>> judgements;  // query id -> doc id -> grade
};

void load_corpus(Library& library, const std::filesystem::path& file) {
  std::ifstream corpus(file);
  std::string line;
  library.begin_bulk();
  while (std::getline(corpus, line)) {
    const auto entry = nlohmann::json::parse(line);
    index::NewDocument document;
    document.document.path = entry.at("_id").get<std::string>();
    document.document.title = entry.at("title").get<std::string>();
    document.document.status = docent::ingest::DocumentStatus::ok;
    index::ChunkRecord chunk;
    chunk.text = entry.at("text").get<std::string>();
    chunk.first_page = chunk.last_page = 1;
    chunk.end_offset = static_cast<std::int64_t>(chunk.text.size());
    document.chunks.push_back(std::move(chunk));
    library.put_document(document);
  }
  library.end_bulk();
}

SciFact load_queries(const std::filesystem::path& dir) {
  SciFact data;
  std::ifstream queries(dir / "queries.jsonl");
  std::string line;
  while (std::getline(queries, line)) {
    const auto entry = nlohmann::json::parse(line);
    data.queries[entry.at("_id").get<std::string>()] = entry.at("text").get<std::string>();
  }
  std::ifstream qrels(dir / "qrels" / "test.tsv");
  std::getline(qrels, line);  // header
  std::string query_id, document_id;
  int grade = 0;
  while (qrels >> query_id >> document_id >> grade) data.judgements[query_id][document_id] = grade;
  return data;
}

double ndcg_at_10(const std::vector<index::KeywordHit>& hits, const std::map<std::string, int>& grades) {
  double dcg = 0;
  for (std::size_t rank = 0; rank < hits.size() && rank < 10; ++rank) {
    auto found = grades.find(hits[rank].path);
    if (found != grades.end()) dcg += found->second / std::log2(static_cast<double>(rank) + 2.0);
  }
  std::vector<int> ideal;
  for (const auto& [document, grade] : grades) ideal.push_back(grade);
  std::sort(ideal.rbegin(), ideal.rend());
  double ideal_dcg = 0;
  for (std::size_t rank = 0; rank < ideal.size() && rank < 10; ++rank)
    ideal_dcg += ideal[rank] / std::log2(static_cast<double>(rank) + 2.0);
  return ideal_dcg > 0 ? dcg / ideal_dcg : 0.0;
}

TEST(SciFactKeyword, NdcgAt10MeetsBm25Baseline) {
  DOCENT_REQUIRE_SHARED("data/beir/scifact/corpus.jsonl");
  const auto dir = shared_dir() / "data" / "beir" / "scifact";
  Library library = Library::open_in_memory();
  load_corpus(library, dir / "corpus.jsonl");
  ASSERT_EQ(library.stats().documents, 5183);
  const SciFact data = load_queries(dir);
  ASSERT_EQ(data.judgements.size(), 300u);

  index::SearchOptions options;  // the defaults the product uses
  double total = 0;
  for (const auto& [query_id, grades] : data.judgements) {
    total += ndcg_at_10(library.keyword_search(data.queries.at(query_id), options), grades);
  }
  const double ndcg = total / static_cast<double>(data.judgements.size());
  RecordProperty("ndcg_at_10", std::to_string(ndcg));
  std::cout << "SciFact keyword nDCG@10 = " << ndcg << "\n";
  // Published BM25 on SciFact is 0.665 (flat) to 0.679 (title+text fields); this index
  // measured 0.687 with the default options.
  EXPECT_GE(ndcg, 0.68);
}

}  // namespace
}  // namespace docent::test
