// `docent passage ID`: one passage (a chunk, as `search` names it by chunk_id) in full, with its
// file and pages.
#include <iostream>

#include "command.hpp"
#include "library_json.hpp"
#include "output.hpp"

namespace docent::cli {
namespace {

int run_passage(const GlobalOptions& globals, std::int64_t chunk_id) {
  auto library = open_library(globals, false);
  auto passage = find_passage(library, chunk_id);
  if (!passage) {
    print_error("no passage " + std::to_string(chunk_id) + " in the library (search results carry the chunk_id)");
    return kNotFound;
  }
  if (globals.json) {
    print_json(*passage);
    return kOk;
  }
  const int first = (*passage)["first_page"], last = (*passage)["last_page"];
  std::cout << (*passage)["path"].get<std::string>();
  const auto unit = ingest::parse_page_unit((*passage)["unit"].get<std::string>()).value_or(ingest::PageUnit::page);
  if (first > 0) std::cout << ", " << ingest::unit_label(unit, first, last);
  if ((*passage)["ocr"].get<bool>()) std::cout << " (OCR)";
  std::cout << "\n\n" << (*passage)["text"].get<std::string>() << "\n";
  return kOk;
}

const bool registered = register_command(55, [](CLI::App& app, GlobalOptions& globals, int& exit_code) {
  auto chunk_id = std::make_shared<std::int64_t>(0);
  auto* passage = app.add_subcommand("passage", "Show one passage in full by its id (the chunk_id search prints with --json)");
  passage->add_option("id", *chunk_id, "The passage's chunk_id")->required()->check(CLI::PositiveNumber)->type_name("ID");
  passage->footer("Exit 4 when the library has no passage with that id.");
  passage->callback([&globals, &exit_code, chunk_id] { exit_code = run_passage(globals, *chunk_id); });
});

}  // namespace
}  // namespace docent::cli
