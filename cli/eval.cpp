// `docent eval beir DIR`: retrieval quality on a BEIR-format dataset (throw-away library).
#include <iostream>

#include "command.hpp"
#include "docent/retrieval.hpp"
#include "output.hpp"

namespace docent::cli {
namespace {

// --chunk-tokens T sets target T, hard limit 1.28 T and overlap T/5 (the defaults' proportions).
ingest::ChunkOptions chunking_for(std::size_t target) {
  ingest::ChunkOptions options;
  if (target == 0) return options;
  options.target_tokens = target;
  options.max_tokens = target * 32 / 25;
  options.overlap_tokens = target / 5;
  return options;
}

struct BeirFlags {
  std::size_t chunk_tokens = 0;
  std::string dir;
  std::string split = "test";
  std::string mode = "keyword";
  std::string embedder;
  double rrf_k = 60, keyword_weight = 1, dense_weight = 1;
};

int run_beir(const GlobalOptions& globals, const BeirFlags& flags) {
  if (flags.mode != "keyword" && flags.embedder.empty()) {
    print_error("--mode " + flags.mode + " needs an embedding model: give --embedder FILE");
    return kUsage;
  }
  retrieval::BeirOptions options;
  options.mode = *retrieval::parse_search_mode(flags.mode);
  if (!flags.embedder.empty()) options.embedder = flags.embedder;
  options.fusion = {flags.rrf_k, flags.keyword_weight, flags.dense_weight};
  if (!flags.embedder.empty() && flags.mode != "keyword")
    print_error("note: dense and hybrid scores depend entirely on the embedding model; a random-weight test fixture "
                "(such as tiny-bert-f16.gguf) gives noise");
  options.split = flags.split;
  options.chunking = chunking_for(flags.chunk_tokens);
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
                {"search_p50_ms", report.search_p50_ms}, {"search_p95_ms", report.search_p95_ms},
                {"embedder", report.embedder}, {"embed_seconds", report.embed_seconds}});
    return kOk;
  }
  std::printf("BEIR %s (%s split), mode %s\n", report.dataset.c_str(), flags.split.c_str(), report.mode.c_str());
  std::printf("  documents  %zu (%zu chunks), indexed in %.1f s\n", report.documents, report.chunks, report.index_seconds);
  if (!report.embedder.empty())
    std::printf("  embedder   %s, corpus embedded in %.1f s\n", report.embedder.c_str(), report.embed_seconds);
  std::printf("  queries    %zu, search p50 %.2f ms, p95 %.2f ms\n", report.queries, report.search_p50_ms,
              report.search_p95_ms);
  std::printf("  nDCG@10    %.4f\n  Recall@100 %.4f\n  MRR@10     %.4f\n", report.ndcg_at_10, report.recall_at_100,
              report.mrr_at_10);
  return kOk;
}

struct SquadFlags {
  std::size_t chunk_tokens = 0;
  int neighbours = 1;
  std::string file;
  std::size_t budget = 1500;
  std::size_t limit = 0;
  std::size_t stride = 1;
  std::size_t articles = 0;
  bool from_files = false;
  bool article_removed = true;
  std::string baseline = "paragraphs";
  std::string misses;
};

int run_squad(const GlobalOptions& globals, const SquadFlags& flags) {
  retrieval::SquadOptions options;
  options.token_budget = flags.budget;
  options.limit = flags.limit;
  options.stride = flags.stride;
  options.articles = flags.articles;
  options.from_files = flags.from_files;
  options.article_removed = flags.article_removed;
  options.paragraph_baseline = flags.baseline == "paragraphs";
  options.chunking = chunking_for(flags.chunk_tokens);
  options.neighbours = flags.neighbours;
  if (!flags.misses.empty()) options.misses = flags.misses;
  ProgressBar bar(stderr_is_terminal() && !globals.quiet && !globals.json);
  options.on_progress = [&](std::size_t done, std::size_t total, const char* phase) {
    bar.update(total ? double(done) / total : 0, std::to_string(done) + "/" + std::to_string(total) + " " + phase, 0, "", "");
  };
  auto report = retrieval::evaluate_squad(flags.file, options);
  bar.finish();
  if (globals.json) {
    nlohmann::json json{{"contexts", report.contexts},
                        {"questions", report.questions},
                        {"unanswerable", report.unanswerable},
                        {"token_budget", flags.budget},
                        {"library", flags.from_files ? "files" : "in-memory"},
                        {"context_recall", report.context_recall},
                        {"paragraph_bm25_recall",
                         options.paragraph_baseline ? nlohmann::json(report.paragraph_bm25_recall) : nlohmann::json()},
                        {"answer_recall", {{"1", report.answer_recall_1}, {"2", report.answer_recall_2}, {"3", report.answer_recall_3}}},
                        {"cited_paragraph", {{"1", report.cited_paragraph_1}, {"3", report.cited_paragraph_3}}},
                        {"false_abstention", report.false_abstention},
                        {"exact_match", report.exact_match},
                        {"f1", report.f1},
                        {"abstention_rate", report.abstention_rate},
                        {"seconds", report.seconds}};
    if (options.article_removed)
      json["article_removed"] = {{"questions", report.article_removed_questions},
                                 {"abstention", report.abstention_article_removed}};
    print_json(json);
    return kOk;
  }
  std::printf("SQuAD %s: %zu paragraphs, %zu questions (%zu unanswerable), budget %zu tokens, %s library, %.1f s\n",
              flags.file.c_str(), report.contexts, report.questions, report.unanswerable, flags.budget,
              flags.from_files ? "one text file per paragraph" : "in-memory", report.seconds);
  std::printf("  context recall        %.4f  (sliding windows)\n", report.context_recall);
  if (options.paragraph_baseline)
    std::printf("  paragraph BM25 recall %.4f  (baseline: each paragraph one unit, plain FTS5 BM25, whole paragraphs that fit)\n",
                report.paragraph_bm25_recall);
  std::printf("  answer recall         %.4f (3 sentences)  %.4f (2)  %.4f (1)  (gold answer inside the extractive answer)\n",
              report.answer_recall_3, report.answer_recall_2, report.answer_recall_1);
  std::printf("  cited paragraph       %.4f (3 sentences)  %.4f (1)  (the gold paragraph among the citations)\n",
              report.cited_paragraph_3, report.cited_paragraph_1);
  std::printf("  extractive EM %.4f  F1 %.4f  (first sentence vs short gold span)\n", report.exact_match, report.f1);
  std::printf("  false abstention      %.4f  (answerable questions answered \"not found\")\n", report.false_abstention);
  if (options.article_removed)
    std::printf("  abstention            %.4f  on %zu questions asked with their own article removed\n",
                report.abstention_article_removed, report.article_removed_questions);
  if (report.unanswerable) std::printf("  abstention on unanswerable %.4f\n", report.abstention_rate);
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
  beir->add_option("--embedder", flags->embedder, "Embedding model (GGUF BERT) for dense and hybrid")->type_name("FILE");
  beir->add_option("--rrf-k", flags->rrf_k, "Reciprocal rank fusion constant k")->capture_default_str();
  beir->add_option("--keyword-weight", flags->keyword_weight, "Weight of the keyword ranking in fusion")->capture_default_str();
  beir->add_option("--dense-weight", flags->dense_weight, "Weight of the dense ranking in fusion")->capture_default_str();
  beir->add_option("--chunk-tokens", flags->chunk_tokens, "Chunk target size in tokens (default: the library default, 200)");
  beir->footer("The dataset is indexed into a throw-away in-memory library; your library is not touched.");
  beir->fallthrough();
  beir->callback([&globals, &exit_code, flags] { exit_code = run_beir(globals, *flags); });

  auto squad_flags = std::make_shared<SquadFlags>();
  auto* squad = eval->add_subcommand("squad", "Context recall, answer recall, EM/F1 and abstention on a SQuAD-format JSON file");
  squad->add_option("file", squad_flags->file, "SQuAD v1.1/v2.0 JSON, e.g. ../shared/data/qa/squad-v1.1-dev.json")
      ->required()
      ->check(CLI::ExistingFile);
  squad->add_option("--budget", squad_flags->budget, "Context token budget")->capture_default_str();
  squad->add_option("--limit", squad_flags->limit, "Only the first N questions (0 = all)")->capture_default_str();
  squad->add_option("--chunk-tokens", squad_flags->chunk_tokens, "Chunk target size in tokens (default: the library default, 200)");
  squad->add_option("--stride", squad_flags->stride, "Only every Nth question (a spread-out sample for quick runs)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1000}))
      ->capture_default_str();
  squad->add_option("--baseline", squad_flags->baseline,
                    "Also score a baseline: 'paragraphs' = each paragraph one unit ranked by plain FTS5 BM25, whole "
                    "paragraphs packed into the budget in rank order; 'none' = skip it")
      ->check(CLI::IsMember({"paragraphs", "none"}))
      ->capture_default_str();
  squad->add_option("--window", squad_flags->neighbours, "Neighbouring chunks added on each side of a hit")->capture_default_str();
  squad->add_option("--articles", squad_flags->articles, "Only the first N articles (0 = all)")->capture_default_str();
  squad->add_flag("--files", squad_flags->from_files,
                  "Write each paragraph to a text file in a temporary folder and ingest them as `docent ingest` does");
  squad->add_option("--misses", squad_flags->misses,
                    "Write each answerable question whose gold answer the first answer sentence misses to FILE (JSON lines)")
      ->type_name("FILE");
  squad->add_flag("!--no-article-removed", squad_flags->article_removed,
                  "Skip asking each question again with its own article removed (the abstention measure)");
  squad->footer(
      "Answer recall: the share of answerable questions whose gold answer string appears in the first 1, 2 or 3\n"
      "sentences of the extractive answer (what `docent ask` prints). Abstention: each question is asked again with\n"
      "its whole article removed from the library, so no answer exists; a good answerer says \"not found\" there and\n"
      "not on the normal questions (false abstention).\n"
      "The ask protocol used for the published figures:  eval squad FILE --files --articles 8 --stride 4");
  squad->fallthrough();
  squad->callback([&globals, &exit_code, squad_flags] { exit_code = run_squad(globals, *squad_flags); });
});

}  // namespace
}  // namespace docent::cli
