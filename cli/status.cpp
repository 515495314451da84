// `docent status`: where the library is, what it holds, what failed and why.
#include <iostream>

#include "command.hpp"
#include "output.hpp"

namespace docent::cli {
namespace {

int run_status(const GlobalOptions& globals) {
  auto library = open_library(globals, false);
  auto stats = library.stats();
  std::vector<index::DocumentRecord> failed;
  for (auto& d : library.documents())
    if (d.status != "ok") failed.push_back(std::move(d));
  std::vector<std::string> keys = {"chunk.target_tokens", "chunk.max_tokens", "chunk.overlap_tokens",
                                   "chunk.token_counter", "embedding.model"};
  if (globals.json) {
    nlohmann::json problems = nlohmann::json::array();
    for (const auto& d : failed) problems.push_back({{"path", d.path}, {"status", d.status}, {"error", d.error}});
    nlohmann::json settings = nlohmann::json::object();
    for (const auto& key : keys)
      if (auto value = library.setting(key)) settings[key] = *value;
    print_json({{"library", library.dir().string()},
                {"database", library.database_path().string()},
                {"schema_version", stats.schema_version},
                {"documents", stats.documents},
                {"documents_ok", stats.documents_ok},
                {"documents_failed", stats.documents_failed},
                {"pages", stats.pages},
                {"pages_without_text", stats.pages_without_text},
                {"chunks", stats.chunks},
                {"database_bytes", stats.database_bytes},
                {"search_modes", {"keyword"}},
                {"settings", settings},
                {"problems", problems}});
    return kOk;
  }
  std::cout << "Library     " << library.dir().string() << "\n"
            << "Database    " << human_bytes(stats.database_bytes) << " (schema v" << stats.schema_version << ")\n"
            << "Documents   " << stats.documents << " (" << stats.documents_ok << " readable, "
            << stats.documents_failed << " not)\n"
            << "Pages       " << stats.pages << " (" << stats.pages_without_text << " without a text layer)\n"
            << "Chunks      " << stats.chunks << "\n";
  auto model = library.setting("embedding.model");
  std::cout << "Search      " << (model ? "keyword + dense (" + *model + ")" : "keyword only (no embedding model bound)")
            << "\n";
  if (auto target = library.setting("chunk.target_tokens"))
    std::cout << "Chunking    ~" << *target << " tokens, max " << library.setting("chunk.max_tokens").value_or("?")
              << ", overlap " << library.setting("chunk.overlap_tokens").value_or("?") << " ("
              << library.setting("chunk.token_counter").value_or("?") << " token count)\n";
  if (!failed.empty()) {
    std::cout << "\nDocuments that need attention:\n";
    for (const auto& d : failed)
      std::cout << "  " << d.status << "  " << d.path << (d.error.empty() ? "" : ": " + d.error) << "\n";
  }
  return kOk;
}

const bool registered = register_command(30, [](CLI::App& app, GlobalOptions& globals, int& exit_code) {
  auto* status = app.add_subcommand("status", "Show the library's location, size, settings and failed documents");
  status->callback([&globals, &exit_code] { exit_code = run_status(globals); });
});

}  // namespace
}  // namespace docent::cli
