// `docent status`: where the library is, what it holds, what failed and why.
#include <iostream>

#include "command.hpp"
#include "docent/retrieval.hpp"
#include "output.hpp"

namespace docent::cli {
namespace {

int run_status(const GlobalOptions& globals) {
  namespace key = index::setting_key;
  auto library = open_library(globals, false);
  auto stats = library.stats();
  std::vector<index::DocumentRecord> attention;
  for (auto& d : library.documents())
    if (d.status != ingest::DocumentStatus::ok) attention.push_back(std::move(d));
  const auto model = retrieval::bound_embedding_model(library);
  const std::string counter = retrieval::token_counter_name(library);
  if (globals.json) {
    nlohmann::json problems = nlohmann::json::array();
    for (const auto& d : attention)
      problems.push_back({{"path", display_path(d.path)}, {"status", ingest::to_string(d.status)}, {"error", d.error}});
    nlohmann::json settings = nlohmann::json::object();
    for (const char* name : {key::kChunkTargetTokens, key::kChunkMaxTokens, key::kChunkOverlapTokens, key::kEmbeddingModel})
      if (auto value = library.setting(name)) settings[name] = *value;
    settings[key::kChunkTokenCounter] = counter;  // the one in use now, not only what sized the first chunks
    nlohmann::json modes = model ? nlohmann::json{"keyword", "dense", "hybrid"} : nlohmann::json{"keyword"};
    print_json({{"library", library.dir().string()},
                {"database", library.database_path().string()},
                {"schema_version", stats.schema_version},
                {"documents", stats.documents},
                {"documents_ok", stats.documents_ok},
                {"documents_scanned", stats.documents_scanned},
                {"documents_failed", stats.documents_failed},
                {"pages", stats.pages},
                {"pages_without_text", stats.pages_without_text},
                {"chunks", stats.chunks},
                {"database_bytes", stats.database_bytes},
                {"embedding_model", model ? nlohmann::json(model->name) : nlohmann::json()},
                {"token_counter", counter},
                {"search_modes", modes},
                {"settings", settings},
                {"problems", problems}});
    return kOk;
  }
  std::cout << "Library     " << library.dir().string() << "\n"
            << "Database    " << human_bytes(stats.database_bytes) << " (schema v" << stats.schema_version << ")\n"
            << "Documents   " << stats.documents << " (" << stats.documents_ok << " readable, " << stats.documents_scanned
            << " scanned without a text layer, " << stats.documents_failed << " failed)\n"
            << "Pages       " << stats.pages << " (" << stats.pages_without_text << " without a text layer)\n"
            << "Chunks      " << stats.chunks << "\n";
  std::cout << "Search      "
            << (model ? "keyword + dense (" + model->name + ")" : "keyword only (no embedding model bound)") << "\n";
  if (auto target = library.setting(key::kChunkTargetTokens))
    std::cout << "Chunking    ~" << *target << " tokens, max " << library.setting(key::kChunkMaxTokens).value_or("?")
              << ", overlap " << library.setting(key::kChunkOverlapTokens).value_or("?") << " (" << counter
              << " token count)\n";
  if (!attention.empty()) {
    std::cout << "\nDocuments that need attention:\n";
    for (const auto& d : attention)
      std::cout << "  " << ingest::to_string(d.status) << "  " << display_path(d.path)
                << (d.error.empty() ? "" : ": " + d.error) << "\n";
  }
  return kOk;
}

const bool registered = register_command(30, [](CLI::App& app, GlobalOptions& globals, int& exit_code) {
  auto* status = app.add_subcommand("status", "Show the library's location, size, settings and failed documents");
  status->callback([&globals, &exit_code] { exit_code = run_status(globals); });
});

}  // namespace
}  // namespace docent::cli
