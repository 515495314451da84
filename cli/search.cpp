// `docent search QUERY`: keyword, dense or hybrid search with file, page and highlighted snippet.
#include <unistd.h>

#include <iostream>

#include "command.hpp"
#include "docent/retrieval.hpp"
#include "library_json.hpp"
#include "output.hpp"
#include "terminal.hpp"

namespace docent::cli {
namespace {

struct SearchFlags {
  std::vector<std::string> words;
  int limit = 10;
  bool full_text = false;
  std::string mode;  // empty: the library's default
};

int run_search(const GlobalOptions& globals, const SearchFlags& flags) {
  std::string query;
  for (const auto& word : flags.words) query += (query.empty() ? "" : " ") + word;
  auto library = open_library(globals, false);
  retrieval::SearchRequest request;
  request.query = query;
  request.limit = flags.limit;
  const bool colour = !globals.json && codes_allowed(STDOUT_FILENO);
  request.highlight_open = colour ? "\x1b[1;33m" : (globals.json ? "<<" : "[");
  request.highlight_close = colour ? "\x1b[0m" : (globals.json ? ">>" : "]");
  std::optional<retrieval::SearchMode> mode;
  if (!flags.mode.empty()) mode = retrieval::parse_search_mode(flags.mode);
  retrieval::Searcher searcher(library, mode);
  auto results = retrieval::search(searcher, request);
  const std::string mode_name(retrieval::to_string(searcher.mode()));
  const auto missing = searcher.missing_vectors();
  if (missing > 0 && !globals.json)
    print_error(std::to_string(missing) + " chunk(s) have no vector yet for the bound model; dense results leave them "
                "out until `docent models add` is run again");

  if (globals.json) {
    print_json(search_json(query, searcher, results, flags.full_text));
  } else if (results.empty()) {
    std::cout << "No passages match \"" << query << "\" (" << mode_name << " search).\n";
  } else {
    int rank = 0;
    for (const auto& r : results) {
      std::cout << ++rank << ". " << r.path;
      auto pages = ingest::unit_label(r.unit, r.first_page, r.last_page);
      if (!pages.empty()) std::cout << ", " << pages;
      if (r.from_ocr) std::cout << " (OCR)";
      char score[32];
      std::snprintf(score, sizeof score, "%.2f", r.score);
      std::cout << "  (score " << score << ")\n   " << (flags.full_text ? r.text : r.snippet) << "\n";
    }
  }
  return results.empty() ? kNotFound : kOk;
}

const bool registered = register_command(50, [](CLI::App& app, GlobalOptions& globals, int& exit_code) {
  auto flags = std::make_shared<SearchFlags>();
  auto* search = app.add_subcommand("search", "Find passages (keyword BM25, dense or hybrid), with file, page and snippet");
  search->add_option("query", flags->words, "Words to look for; any order, no special syntax needed")
      ->required()
      ->type_name("QUERY...");
  search->add_option("-k,--limit", flags->limit, "How many passages to show")->check(CLI::Range(1, 1000))->capture_default_str();
  search->add_flag("--full", flags->full_text, "Print each passage in full instead of a snippet");
  search->add_option("--mode", flags->mode,
                     "keyword (BM25), dense (embeddings) or hybrid (both, rank-fused); default: hybrid when the "
                     "library has an embedding model, else keyword")
      ->check(CLI::IsMember({"keyword", "dense", "hybrid"}));
  search->footer("Exit 4 when nothing matches.");
  search->callback([&globals, &exit_code, flags] { exit_code = run_search(globals, *flags); });
});

}  // namespace
}  // namespace docent::cli
