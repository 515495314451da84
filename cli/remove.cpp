// `docent remove PATH|ID...`: drop documents (and everything derived from them).
#include <charconv>
#include <iostream>

#include "command.hpp"
#include "output.hpp"

namespace docent::cli {
namespace {

int run_remove(const GlobalOptions& globals, const std::vector<std::string>& targets) {
  auto library = open_library(globals, true);
  auto documents = library.documents();
  std::vector<index::DocumentRecord> chosen;
  std::vector<std::string> unmatched;
  for (const auto& target : targets) {
    std::int64_t id = 0;
    auto [end, error] = std::from_chars(target.data(), target.data() + target.size(), id);
    bool is_id = error == std::errc() && end == target.data() + target.size();
    std::string absolute = std::filesystem::absolute(target).lexically_normal().string();
    if (!absolute.empty() && absolute.back() == '/') absolute.pop_back();
    std::size_t before = chosen.size();
    for (const auto& d : documents) {
      bool by_path = d.path == absolute || d.path.rfind(absolute + "/", 0) == 0;  // a folder removes what is under it
      if ((is_id && d.id == id) || by_path) chosen.push_back(d);
    }
    if (chosen.size() == before) unmatched.push_back(target);
  }
  nlohmann::json removed = nlohmann::json::array();
  for (const auto& d : chosen)
    if (library.remove_document(d.id)) {
      removed.push_back({{"id", d.id}, {"path", d.path}});
      if (!globals.json) std::cout << "removed " << d.path << "\n";
    }
  for (const auto& target : unmatched) print_error(target + ": not in the library (see `docent list`)");
  if (globals.json) print_json({{"removed", removed}, {"not_found", unmatched}});
  if (!unmatched.empty()) return removed.empty() ? kNotFound : kPartial;
  return kOk;
}

const bool registered = register_command(40, [](CLI::App& app, GlobalOptions& globals, int& exit_code) {
  auto targets = std::make_shared<std::vector<std::string>>();
  auto* remove = app.add_subcommand("remove", "Remove documents by path, folder or id (the files themselves are untouched)");
  remove->add_option("targets", *targets, "Document paths, folders (everything under them) or ids from `docent list`")
      ->required()
      ->type_name("PATH|ID...");
  remove->callback([&globals, &exit_code, targets] { exit_code = run_remove(globals, *targets); });
});

}  // namespace
}  // namespace docent::cli
