// `docent list`: the documents in the library, one per line.
#include <cstdio>
#include <iostream>

#include "command.hpp"
#include "library_json.hpp"
#include "output.hpp"

namespace docent::cli {
namespace {

int run_list(const GlobalOptions& globals, bool failed_only) {
  auto library = open_library(globals, false);
  auto documents = library.documents();
  if (failed_only)
    std::erase_if(documents, [](const auto& d) { return !ingest::is_failure(d.status); });
  if (globals.json) {
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& d : documents) rows.push_back(document_json(d));
    print_json(rows);
    return kOk;
  }
  if (documents.empty()) {
    std::cout << (failed_only ? "No failed documents.\n" : "The library is empty: add files with `docent ingest PATH`.\n");
    return kOk;
  }
  std::printf("%5s  %-14s %6s %7s  %s\n", "ID", "STATUS", "PAGES", "CHUNKS", "PATH");
  for (const auto& d : documents) {
    std::string status(ingest::to_string(d.status));
    if (d.status == ingest::DocumentStatus::ok && d.pages_without_text > 0)
      status = "ok (" + std::to_string(d.pages_without_text) + " scanned)";
    std::printf("%5lld  %-14s %6d %7lld  %s\n", static_cast<long long>(d.id), status.c_str(), d.page_count,
                static_cast<long long>(d.chunk_count), display_path(d.path).c_str());
  }
  return kOk;
}

const bool registered = register_command(20, [](CLI::App& app, GlobalOptions& globals, int& exit_code) {
  auto failed_only = std::make_shared<bool>(false);
  auto* list = app.add_subcommand("list", "List the documents in the library with status, pages and chunks");
  list->add_flag("--failed", *failed_only, "Only documents that could not be read (and why: see --json or status)");
  list->callback([&globals, &exit_code, failed_only] { exit_code = run_list(globals, *failed_only); });
});

}  // namespace
}  // namespace docent::cli
