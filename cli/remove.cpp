// `docent remove PATH|ID...`: drop documents (and everything derived from them).
#include <iostream>

#include "command.hpp"
#include "docent/retrieval.hpp"
#include "output.hpp"

namespace docent::cli {
namespace {

int run_remove(const GlobalOptions& globals, const std::vector<std::string>& targets) {
  auto library = open_library(globals, true);
  const auto summary = retrieval::remove_from_library(library, targets);
  nlohmann::json removed = nlohmann::json::array();
  for (const auto& d : summary.removed) {
    removed.push_back({{"id", d.id}, {"path", display_path(d.path)}});
    if (!globals.json) std::cout << "removed " << display_path(d.path) << "\n";
  }
  nlohmann::json forgotten = nlohmann::json::array();
  for (const auto& root : summary.forgotten_roots) {
    forgotten.push_back(display_path(root));
    if (!globals.json) std::cout << "no longer synced: " << display_path(root) << "\n";
  }
  for (const auto& target : summary.not_found) print_error(target + ": not in the library (see `docent list`)");
  if (globals.json) print_json({{"removed", removed}, {"forgotten_roots", forgotten}, {"not_found", summary.not_found}});
  if (!summary.not_found.empty()) return summary.not_found.size() == targets.size() ? kNotFound : kPartial;
  return kOk;
}

const bool registered = register_command(40, [](CLI::App& app, GlobalOptions& globals, int& exit_code) {
  auto targets = std::make_shared<std::vector<std::string>>();
  auto* remove = app.add_subcommand("remove", "Remove documents by path, folder or id (the files themselves are untouched)");
  remove->add_option("targets", *targets, "Document paths, folders (everything under them) or ids from `docent list`")
      ->required()
      ->type_name("PATH|ID...");
  remove->footer("Remembered: `sync` does not bring removed files or folders back (a removed root is no longer\n"
                 "synced) until you ingest them again. A path `list` prints with \\xNN escapes (a name that is\n"
                 "not UTF-8) may be given as printed.");
  remove->callback([&globals, &exit_code, targets] { exit_code = run_remove(globals, *targets); });
});

}  // namespace
}  // namespace docent::cli
