// `docent eval beir DIR`: retrieval quality on a BEIR-format dataset (throw-away library).
#include <iostream>

#include "command.hpp"
#include "docent/retrieval.hpp"
#include "output.hpp"

namespace docent::cli {
namespace {

struct BeirFlags {
  std::string dir;
  std::string split = "test";
  std::string mode = "keyword";
};

int run_beir(const GlobalOptions& globals, const BeirFlags& flags) {
  if (flags.mode != "keyword") {
    print_error("--mode " + flags.mode + " needs an embedding model; only 'keyword' is available so far");
    return kUsage;
  }
  retrieval::BeirOptions options;
  options.split = flags.split;
  ProgressBar bar(stderr_is_terminal() && !globals.quiet && !globals.json);
  options.on_progress = [&](std::size_t done, std::size_t total, const char* phase) {
    std::string counts = std::to_string(done) + (total ? "/" + std::to_string(total) : "") + " " + phase;
    bar.update(total ? double(done) / total : 0, counts, 0, "", "");
  };
  auto report = retrieval::evaluate_beir(flags.dir, options);
  bar.finish();
  if (globals.json) {
    print_json({{"dataset", report.dataset},       {"mode", report.mode},
                {"documents", report.documents},   {"chunks", report.chunks},
                {"queries", report.queries},       {"ndcg@10", report.ndcg_at_10},
                {"recall@100", report.recall_at_100}, {"mrr@10", report.mrr_at_10},
                {"index_seconds", report.index_seconds}, {"search_seconds", report.search_seconds},
                {"search_p50_ms", report.search_p50_ms}, {"search_p95_ms", report.search_p95_ms}});
    return kOk;
  }
  std::printf("BEIR %s (%s split), mode %s\n", report.dataset.c_str(), flags.split.c_str(), report.mode.c_str());
  std::printf("  documents  %zu (%zu chunks), indexed in %.1f s\n", report.documents, report.chunks, report.index_seconds);
  std::printf("  queries    %zu, search p50 %.2f ms, p95 %.2f ms\n", report.queries, report.search_p50_ms,
              report.search_p95_ms);
  std::printf("  nDCG@10    %.4f\n  Recall@100 %.4f\n  MRR@10     %.4f\n", report.ndcg_at_10, report.recall_at_100,
              report.mrr_at_10);
  return kOk;
}

const bool registered = register_command(80, [](CLI::App& app, GlobalOptions& globals, int& exit_code) {
  auto* eval = app.add_subcommand("eval", "Measure retrieval quality on standard datasets");
  eval->require_subcommand(1);
  auto flags = std::make_shared<BeirFlags>();
  auto* beir = eval->add_subcommand("beir", "nDCG@10 and Recall@100 on a BEIR folder (corpus.jsonl, queries.jsonl, qrels/)");
  beir->add_option("dir", flags->dir, "BEIR dataset folder, e.g. ../shared/data/beir/scifact")->required()->check(CLI::ExistingDirectory);
  beir->add_option("--split", flags->split, "Which qrels file to score (qrels/<split>.tsv)")->capture_default_str();
  beir->add_option("--mode", flags->mode, "Retrieval mode")->check(CLI::IsMember({"keyword", "dense", "hybrid"}))->capture_default_str();
  beir->footer("The dataset is indexed into a throw-away in-memory library; your library is not touched.");
  beir->fallthrough();
  beir->callback([&globals, &exit_code, flags] { exit_code = run_beir(globals, *flags); });
});

}  // namespace
}  // namespace docent::cli
