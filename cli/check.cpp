// `docent check [--repair]`: is every document complete and every derived structure (FTS5
// index, vectors) in step with the stored chunks? Exit 0 when consistent, 1 with one line per
// problem otherwise.
#include <iostream>

#include "command.hpp"
#include "docent/retrieval.hpp"
#include "output.hpp"

namespace docent::cli {
int embed_library_chunks(const GlobalOptions& globals, index::Library& library, const retrieval::EmbeddingBinding& binding);
namespace {

nlohmann::json problem_json(const index::LibraryProblem& problem) {
  nlohmann::json row = {{"kind", problem.kind}, {"detail", problem.detail}};
  if (problem.document_id != 0) {
    row["document_id"] = problem.document_id;
    row["path"] = display_path(problem.path);
  }
  return row;
}

std::string problem_line(const index::LibraryProblem& problem) {
  std::string line = problem.kind + ": ";
  if (!problem.path.empty()) line += display_path(problem.path) + ": ";
  return line + problem.detail;
}

// Checks that other parts of the library add (the saved FAISS vector index, once it exists,
// compares its recorded vector generation and size with the store here).
std::vector<index::LibraryProblem> extra_checks(const index::Library& library) { return {}; }

int run_check(const GlobalOptions& globals, bool repair) {
  // Missing library: the same clear error as the read-only commands, never a new empty one.
  auto library = open_library(globals, false);
  // Opened for writing when it may be, even without --repair: FTS5's 'integrity-check' is
  // issued as an INSERT, which SQLite refuses on a read-only connection. It modifies nothing.
  // A library this process may not write is checked read-only, without that one step.
  if (repair || index::Library::can_write(library.dir())) library = open_library(globals, true);

  index::RepairReport repaired;
  int embed_code = kOk;
  if (repair) {
    repaired = library.repair();
    // Missing vectors of the bound model are made from the stored chunk text.
    if (auto binding = retrieval::bound_embedder(library);
        binding && library.count_chunks_without_vectors(binding->model_id) > 0)
      embed_code = embed_library_chunks(globals, library, *binding);
  }
  auto report = library.check();
  for (auto& problem : extra_checks(library)) report.problems.push_back(std::move(problem));

  if (globals.json) {
    nlohmann::json problems = nlohmann::json::array();
    for (const auto& problem : report.problems) problems.push_back(problem_json(problem));
    nlohmann::json out = {{"library", library.dir().string()},
                          {"consistent", report.consistent()},
                          {"documents", report.documents},
                          {"chunks", report.chunks},
                          {"search_postings_checked", report.search_postings_checked},
                          {"problems", problems}};
    if (repair) {
      nlohmann::json removed = nlohmann::json::array();
      for (const auto& d : repaired.removed_documents) removed.push_back({{"id", d.id}, {"path", d.path}});
      out["repair"] = {{"removed_documents", removed}, {"search_index_rebuilt", repaired.search_index_rebuilt}};
    }
    print_json(out);
  } else {
    for (const auto& d : repaired.removed_documents)
      std::cout << "removed incomplete document (ingest it again): " << d.path << "\n";
    if (repaired.search_index_rebuilt) std::cout << "rebuilt the search index from the stored chunks\n";
    for (const auto& problem : report.problems) std::cout << problem_line(problem) << "\n";
    if (!report.search_postings_checked)
      std::cout << "note: the library is read-only here, so FTS5's own integrity-check of the search index was "
                   "skipped (its row counts were checked)\n";
    if (report.consistent())
      std::cout << "consistent: " << report.documents << " documents, " << report.chunks << " chunks\n";
    else
      std::cout << report.problems.size() << " problem(s); `docent check --repair` removes incomplete documents, "
                << "rebuilds the search index and embeds chunks missing a vector\n";
  }
  if (embed_code == kInterrupted) return kInterrupted;
  return report.consistent() ? kOk : kFailure;
}

const bool registered = register_command(35, [](CLI::App& app, GlobalOptions& globals, int& exit_code) {
  auto repair = std::make_shared<bool>(false);
  auto* check = app.add_subcommand("check", "Verify the library: complete documents, search index and vectors in step");
  check->add_flag("--repair", *repair,
                  "Remove incomplete documents (the next ingest redoes them), rebuild the search index and embed "
                  "chunks missing a vector of the bound model");
  check->footer("Changes nothing unless --repair; works on a library you may only read. Exit 0 when consistent,\n"
                "1 with one line per problem otherwise.");
  check->callback([&globals, &exit_code, repair] { exit_code = run_check(globals, *repair); });
});

}  // namespace
}  // namespace docent::cli
