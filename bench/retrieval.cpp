// Retrieval benchmarks.
//   bench_retrieval threshold [sizes...]   flat vs HNSW: build time, query time, recall@10 on
//                                          random unit vectors of dimension 384 (picks the
//                                          HNSW threshold in index/src/vector_index.cpp)
//   bench_retrieval scifact [EMBEDDER]     search p50/p95 per mode and extractive `ask` time to
//                                          first token on SciFact (EMBEDDER default: the
//                                          tiny-bert fixture — random weights, so dense quality
//                                          is noise, but latency is real for its dimension)
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <vector>
#include <fstream>

#include <nlohmann/json.hpp>

#include "docent/library.hpp"
#include "docent/retrieval.hpp"

namespace {

using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

double percentile(std::vector<double> values, double fraction) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  return values[std::min(values.size() - 1, static_cast<std::size_t>(fraction * (values.size() - 1) + 0.5))];
}

std::vector<float> random_unit(std::mt19937& random, int dimension) {
  std::normal_distribution<float> normal;
  std::vector<float> v(static_cast<std::size_t>(dimension));
  float norm = 0;
  for (auto& x : v) {
    x = normal(random);
    norm += x * x;
  }
  for (auto& x : v) x /= std::sqrt(norm);
  return v;
}

int threshold(const std::vector<long>& sizes) {
  using namespace docent::index;
  constexpr int kDimension = 384;
  constexpr int kQueries = 200;
  std::printf("dimension %d, %d queries, M=32 efConstruction=80 efSearch=96\n", kDimension, kQueries);
  std::printf("%9s %11s %11s %11s %11s %10s\n", "vectors", "flat build", "flat query", "HNSW build", "HNSW query",
              "recall@10");
  for (long size : sizes) {
    auto library = Library::open_in_memory();
    std::mt19937 random(7);
    auto model = library.register_embedding_model("random", "none", kDimension);
    library.begin_bulk();
    constexpr long kPerDocument = 500;
    for (long start = 0; start < size; start += kPerDocument) {
      NewDocument document;
      document.document.path = "doc" + std::to_string(start);
      document.document.status = docent::ingest::DocumentStatus::ok;
      document.vector_model_id = model;
      for (long i = start; i < std::min(size, start + kPerDocument); ++i) {
        ChunkRecord chunk;
        chunk.ordinal = static_cast<int>(i - start);
        chunk.text = "c";
        chunk.first_page = chunk.last_page = 1;
        document.chunks.push_back(chunk);
        document.vectors.push_back(random_unit(random, kDimension));
      }
      library.put_document(document);
    }
    library.end_bulk();
    std::vector<std::vector<float>> queries;
    for (int q = 0; q < kQueries; ++q) queries.push_back(random_unit(random, kDimension));
    auto matrix = library.vectors(model);

    double build_ms[2], query_ms[2], recall = 0;
    for (int kind = 0; kind < 2; ++kind) {
      VectorIndexOptions options;
      options.force_kind = kind == 0 ? VectorIndexKind::flat : VectorIndexKind::hnsw;
      auto started = Clock::now();
      auto index = VectorIndex::open(library, model, options);
      build_ms[kind] = ms_since(started);
      started = Clock::now();
      std::size_t found = 0;
      for (const auto& query : queries) {
        auto hits = index.search(query, 10);
        if (kind == 1) {
          auto exact = exact_vector_search(matrix, query, 10);
          for (const auto& hit : hits)
            for (const auto& truth : exact)
              if (hit.chunk_id == truth.chunk_id) ++found;
        }
      }
      query_ms[kind] = ms_since(started) / kQueries;
      if (kind == 1) recall = static_cast<double>(found) / (10.0 * kQueries);
    }
    // The HNSW query time above includes the exact reference search; measure it alone.
    VectorIndexOptions options;
    options.force_kind = VectorIndexKind::hnsw;
    auto index = VectorIndex::open(library, model, options);
    auto started = Clock::now();
    for (const auto& query : queries) index.search(query, 10);
    query_ms[1] = ms_since(started) / kQueries;
    std::printf("%9ld %9.0f ms %8.2f ms %9.1f s %8.2f ms %10.3f\n", size, build_ms[0], query_ms[0], build_ms[1] / 1000,
                query_ms[1], recall);
    std::fflush(stdout);
  }
  return 0;
}

}  // namespace

int scifact(const std::string& embedder);

int main(int argc, char** argv) {
  std::string what = argc > 1 ? argv[1] : "scifact";
  try {
    if (what == "threshold") {
      std::vector<long> sizes;
      for (int i = 2; i < argc; ++i) sizes.push_back(std::stol(argv[i]));
      if (sizes.empty()) sizes = {10'000, 25'000, 50'000, 100'000};
      return threshold(sizes);
    }
    if (what == "scifact") return scifact(argc > 2 ? argv[2] : "");
  } catch (const std::exception& error) {
    std::fprintf(stderr, "bench_retrieval: %s\n", error.what());
    return 1;
  }
  std::fprintf(stderr, "usage: bench_retrieval threshold [sizes...] | scifact [EMBEDDER]\n");
  return 2;
}

// SciFact as a library (one document per abstract), then every query in each mode.
int scifact(const std::string& embedder_arg) {
  namespace fs = std::filesystem;
  using namespace docent;
  const fs::path dataset = fs::path(DOCENT_SHARED_DIR) / "data/beir/scifact";
  const fs::path embedder = embedder_arg.empty() ? fs::path(DOCENT_SHARED_DIR) / "fixtures/models/tiny-bert-f16.gguf"
                                                 : fs::path(embedder_arg);
  auto library = index::Library::open_in_memory();
  auto binding = retrieval::bind_embedding_model(library, embedder);
  auto count = retrieval::token_counter_for(library);
  auto started = Clock::now();
  library.begin_bulk();
  std::ifstream corpus(dataset / "corpus.jsonl");
  if (!corpus) throw std::runtime_error((dataset / "corpus.jsonl").string() + ": cannot open");
  std::string line;
  while (std::getline(corpus, line)) {
    auto row = nlohmann::json::parse(line);
    index::NewDocument record;
    record.document.path = row["_id"].get<std::string>();
    record.document.title = row.value("title", "");
    record.document.status = ingest::DocumentStatus::ok;
    record.document.page_count = 1;
    std::vector<ingest::Page> pages{{1, row.value("text", ""), ingest::PageStatus::ok}};
    record.chunks = docent::retrieval::chunk_records(pages, {}, count);
    record.pages.push_back({1, pages[0].text, "ok"});
    library.put_document(record);
  }
  library.end_bulk();
  const double index_s = ms_since(started) / 1000;
  auto embedded = retrieval::embed_missing_chunks(library, binding);
  std::vector<std::string> queries;
  std::ifstream query_file(dataset / "queries.jsonl");
  while (std::getline(query_file, line) && queries.size() < 300)
    queries.push_back(nlohmann::json::parse(line)["text"].get<std::string>());
  std::printf("SciFact: %lld documents, %lld chunks; indexed in %.1f s, embedded with %s (dim %d) in %.1f s "
              "(%.0f chunks/s)\n", static_cast<long long>(library.stats().documents),
              static_cast<long long>(library.stats().chunks), index_s, binding.embedder->name().c_str(),
              binding.embedder->dimension(), embedded.seconds, embedded.embedded / std::max(1e-9, embedded.seconds));
  std::printf("%zu queries, top 10; dense quality with a random-weight fixture is noise, latency is real\n",
              queries.size());
  std::printf("%-8s %12s %12s %12s %16s %16s\n", "mode", "search p50", "search p95", "embed p50", "ask(TTFT) p50",
              "ask(TTFT) p95");
  for (auto mode : {retrieval::SearchMode::keyword, retrieval::SearchMode::dense, retrieval::SearchMode::hybrid}) {
    retrieval::Searcher searcher(library, mode);
    searcher.find("warm up", 10);  // builds the vector index once, as a session would
    std::vector<double> search_ms, embed_ms, ask_ms;
    for (const auto& query : queries) {
      auto t = Clock::now();
      retrieval::SearchRequest request;
      request.query = query;
      retrieval::search(searcher, request);
      search_ms.push_back(ms_since(t));
      t = Clock::now();
      binding.embedder->embed({query});
      embed_ms.push_back(ms_since(t));
    }
    retrieval::AnswerOptions answer_options;
    answer_options.context.searcher = &searcher;
    for (std::size_t i = 0; i < queries.size() && i < 100; ++i) {
      auto t = Clock::now();
      retrieval::answer_extractive(library, queries[i], answer_options);  // the whole answer arrives at once
      ask_ms.push_back(ms_since(t));
    }
    std::printf("%-8s %9.2f ms %9.2f ms %9.2f ms %13.2f ms %13.2f ms\n", std::string(retrieval::to_string(mode)).c_str(),
                percentile(search_ms, 0.5), percentile(search_ms, 0.95),
                mode == retrieval::SearchMode::keyword ? 0.0 : percentile(embed_ms, 0.5), percentile(ask_ms, 0.5),
                percentile(ask_ms, 0.95));
    std::fflush(stdout);
  }
  return 0;
}
