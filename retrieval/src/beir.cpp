// BEIR-format evaluation: corpus.jsonl, queries.jsonl, qrels/<split>.tsv.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "docent/retrieval.hpp"

namespace docent::retrieval {
namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

std::ifstream open_or_throw(const fs::path& path) {
  std::ifstream stream(path);
  if (!stream) throw std::runtime_error(path.string() + ": cannot open (is this a BEIR dataset folder?)");
  return stream;
}

template <typename Visit>
void for_each_json_line(const fs::path& path, Visit visit) {
  auto stream = open_or_throw(path);
  std::string line;
  std::size_t number = 0;
  while (std::getline(stream, line)) {
    ++number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto parsed = nlohmann::json::parse(line, nullptr, false);
    if (parsed.is_discarded() || !parsed.is_object())
      throw std::runtime_error(path.string() + ":" + std::to_string(number) + ": not a JSON object");
    visit(parsed);
  }
}

std::string string_field(const nlohmann::json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return {};
  if (it->is_string()) return it->get<std::string>();
  return it->dump();
}

// query id -> (document id -> graded relevance)
using Qrels = std::map<std::string, std::unordered_map<std::string, int>>;

Qrels read_qrels(const fs::path& path) {
  auto stream = open_or_throw(path);
  Qrels qrels;
  std::string line;
  bool first = true;
  while (std::getline(stream, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::istringstream fields(line);
    std::string query, document, score;
    if (!std::getline(fields, query, '\t') || !std::getline(fields, document, '\t') ||
        !std::getline(fields, score, '\t'))
      continue;
    if (first && query == "query-id") {
      first = false;
      continue;
    }
    first = false;
    int relevance = std::atoi(score.c_str());
    if (relevance > 0) qrels[query][document] = relevance;
  }
  if (qrels.empty()) throw std::runtime_error(path.string() + ": no relevance judgements found");
  return qrels;
}

double ndcg(const std::vector<std::string>& ranked, const std::unordered_map<std::string, int>& relevant,
            int k) {
  double dcg = 0;
  for (int i = 0; i < k && i < static_cast<int>(ranked.size()); ++i) {
    auto it = relevant.find(ranked[i]);
    if (it != relevant.end()) dcg += it->second / std::log2(i + 2.0);
  }
  std::vector<int> ideal;
  for (const auto& [id, grade] : relevant) ideal.push_back(grade);
  std::sort(ideal.rbegin(), ideal.rend());
  double best = 0;
  for (int i = 0; i < k && i < static_cast<int>(ideal.size()); ++i) best += ideal[i] / std::log2(i + 2.0);
  return best > 0 ? dcg / best : 0;
}

double percentile(std::vector<double> values, double fraction) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  auto index = static_cast<std::size_t>(fraction * (values.size() - 1) + 0.5);
  return values[std::min(index, values.size() - 1)];
}

}  // namespace

BeirReport evaluate_beir(const fs::path& dataset_dir, const BeirOptions& options) {
  BeirReport report;
  report.dataset = dataset_dir.filename().string();
  if (report.dataset.empty()) report.dataset = dataset_dir.parent_path().filename().string();
  auto qrels = read_qrels(dataset_dir / "qrels" / (options.split + ".tsv"));

  std::map<std::string, std::string> queries;
  for_each_json_line(dataset_dir / "queries.jsonl", [&](const nlohmann::json& row) {
    auto id = string_field(row, "_id");
    if (qrels.count(id)) queries[id] = string_field(row, "text");
  });

  auto library = index::Library::open_in_memory();
  if (options.mode != SearchMode::keyword && !options.embedder)
    throw std::runtime_error(std::string(to_string(options.mode)) + " evaluation needs an embedding model (--embedder FILE)");
  report.mode = std::string(to_string(options.mode));
  std::optional<EmbeddingBinding> binding;
  if (options.embedder) {
    binding = bind_embedding_model(library, *options.embedder);
    report.embedder = binding->embedder->name();
  }
  auto count = token_counter_for(library);
  const auto& chunking = options.chunking;
  auto index_started = Clock::now();
  library.begin_bulk();
  std::size_t total_documents = 0;
  for_each_json_line(dataset_dir / "corpus.jsonl", [&](const nlohmann::json& row) {
    index::NewDocument record;
    record.document.path = string_field(row, "_id");
    record.document.title = string_field(row, "title");
    record.document.status = ingest::DocumentStatus::ok;
    record.document.page_count = 1;
    std::vector<ingest::Page> pages{{1, string_field(row, "text"), ingest::PageStatus::ok}};
    record.chunks = chunk_records(pages, chunking, count);
    report.chunks += record.chunks.size();
    record.document.chunk_count = static_cast<std::int64_t>(record.chunks.size());
    record.pages.push_back({1, pages[0].text, "ok"});
    library.put_document(record);
    if (options.on_progress && ++total_documents % 500 == 0)
      options.on_progress(total_documents, 0, "indexing");
  });
  library.end_bulk();
  report.documents = library.stats().documents;
  report.index_seconds = std::chrono::duration<double>(Clock::now() - index_started).count();
  if (binding) {
    auto summary = embed_missing_chunks(library, *binding, [&](const EmbedProgress& progress) {
      if (options.on_progress && progress.done % 512 == 0)
        options.on_progress(static_cast<std::size_t>(progress.done), static_cast<std::size_t>(progress.total), "embedding");
    });
    report.embed_seconds = summary.seconds;
  }
  Searcher searcher(library, options.mode, options.fusion);

  // Chunks are ranked; a document's score is its best chunk's.
  index::SearchOptions search;
  search.limit = options.recall_depth * 3;
  std::vector<double> latencies_ms;
  double ndcg_sum = 0, recall_sum = 0, mrr_sum = 0;
  std::size_t done = 0;
  for (const auto& [query_id, text] : queries) {
    auto started = Clock::now();
    auto hits = searcher.find(text, search.limit, search);
    std::vector<std::string> ranked;
    std::unordered_map<std::string, bool> seen;
    for (const auto& hit : hits) {
      if (seen.emplace(hit.path, true).second) ranked.push_back(hit.path);
      if (static_cast<int>(ranked.size()) >= options.recall_depth) break;
    }
    latencies_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - started).count());

    const auto& relevant = qrels.at(query_id);
    ndcg_sum += ndcg(ranked, relevant, options.k);
    std::size_t found = 0;
    for (const auto& id : ranked)
      if (relevant.count(id)) ++found;
    recall_sum += static_cast<double>(found) / relevant.size();
    for (int i = 0; i < 10 && i < static_cast<int>(ranked.size()); ++i)
      if (relevant.count(ranked[i])) {
        mrr_sum += 1.0 / (i + 1);
        break;
      }
    if (options.on_progress && ++done % 50 == 0) options.on_progress(done, queries.size(), "searching");
  }
  report.queries = queries.size();
  if (report.queries == 0) throw std::runtime_error(dataset_dir.string() + ": no queries match the qrels");
  report.ndcg_at_10 = ndcg_sum / report.queries;
  report.recall_at_100 = recall_sum / report.queries;
  report.mrr_at_10 = mrr_sum / report.queries;
  for (double ms : latencies_ms) report.search_seconds += ms / 1000;
  report.search_p50_ms = percentile(latencies_ms, 0.5);
  report.search_p95_ms = percentile(latencies_ms, 0.95);
  return report;
}

}  // namespace docent::retrieval
