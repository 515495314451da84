// Search latency on a library built from a BEIR corpus (default: SciFact from ../shared):
// builds an on-disk library once, then times every test query through the same path the
// CLI uses (open read-only + keyword_search). Prints p50/p95 and --json.
#include <algorithm>
#include <chrono>
#include <cstring>
#include <fstream>
#include <iostream>

#include <nlohmann/json.hpp>

#include "docent/retrieval.hpp"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  fs::path dataset = fs::path(DOCENT_SHARED_DIR) / "data/beir/scifact";
  bool json = false;
  int repeats = 3;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--json")) json = true;
    else if (!std::strcmp(argv[i], "--repeats") && i + 1 < argc) repeats = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--help")) {
      std::cout << "usage: bench_search [BEIR_DIR] [--repeats N] [--json]\n";
      return 0;
    } else dataset = argv[i];
  }
  if (!fs::exists(dataset / "corpus.jsonl")) {
    std::cerr << "bench_search: " << dataset << " has no corpus.jsonl\n";
    return 1;
  }
  fs::path home = fs::temp_directory_path() / ("docent-bench-search-" + std::to_string(::getpid()));
  fs::create_directories(home);
  auto corpus_dir = home / "corpus";
  fs::create_directories(corpus_dir);

  // One Markdown file per abstract, ingested through the normal pipeline.
  std::ifstream corpus(dataset / "corpus.jsonl");
  std::string line;
  std::size_t documents = 0;
  while (std::getline(corpus, line)) {
    auto row = nlohmann::json::parse(line, nullptr, false);
    if (!row.is_object()) continue;
    std::ofstream(corpus_dir / (row["_id"].get<std::string>() + ".md"))
        << "# " << row.value("title", "") << "\n\n" << row.value("text", "") << "\n";
    ++documents;
  }
  auto build_started = Clock::now();
  {
    auto library = docent::index::Library::open(home / "library");
    docent::retrieval::ingest_paths(library, {corpus_dir}, {});
  }
  double build_seconds = std::chrono::duration<double>(Clock::now() - build_started).count();

  std::vector<std::string> queries;
  std::ifstream query_file(dataset / "queries.jsonl");
  while (std::getline(query_file, line)) {
    auto row = nlohmann::json::parse(line, nullptr, false);
    if (row.is_object()) queries.push_back(row.value("text", ""));
  }

  auto open_started = Clock::now();
  auto library = docent::index::Library::open(home / "library", docent::index::Library::Mode::read_only);
  double open_ms = std::chrono::duration<double, std::milli>(Clock::now() - open_started).count();
  std::vector<double> latencies;
  for (int r = 0; r < repeats; ++r)
    for (const auto& query : queries) {
      auto started = Clock::now();
      auto hits = docent::retrieval::keyword_search(library, {query, 10});
      latencies.push_back(std::chrono::duration<double, std::milli>(Clock::now() - started).count());
    }
  std::sort(latencies.begin(), latencies.end());
  auto at = [&](double q) { return latencies[static_cast<std::size_t>(q * (latencies.size() - 1))]; };
  fs::remove_all(home);

  if (json) {
    std::cout << nlohmann::json{{"documents", documents},     {"queries", queries.size()},
                                {"repeats", repeats},         {"build_seconds", build_seconds},
                                {"open_ms", open_ms},         {"search_p50_ms", at(0.5)},
                                {"search_p95_ms", at(0.95)}, {"search_max_ms", latencies.back()}}
                     .dump(2)
              << "\n";
  } else {
    std::printf("library: %zu documents ingested in %.1f s; open %.1f ms\n", documents, build_seconds, open_ms);
    std::printf("search (keyword, top 10) over %zu queries x %d: p50 %.2f ms  p95 %.2f ms  max %.2f ms  (target p50 <= 30 ms)\n",
                queries.size(), repeats, at(0.5), at(0.95), latencies.back());
  }
  return 0;
}
