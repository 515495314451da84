// `docent models add FILE` (bind the library to an embedding model and embed its chunks) and
// `docent models list` (embedding models registered in the library).
#include <iostream>

#include "command.hpp"
#include "docent/retrieval.hpp"
#include "output.hpp"
#include "user_config.hpp"

namespace docent::cli {
namespace {

int embed_with_progress(const GlobalOptions& globals, index::Library& library, const retrieval::EmbeddingBinding& binding,
                        nlohmann::json& summary_json) {
  ProgressBar bar(stderr_is_terminal() && !globals.quiet && !globals.json);
  auto summary = retrieval::embed_missing_chunks(
      library, binding,
      [&](const retrieval::EmbedProgress& progress) {
        double fraction = progress.total ? double(progress.done) / progress.total : 1.0;
        bar.update(fraction, std::to_string(progress.done) + "/" + std::to_string(progress.total) + " chunks", 0, "",
                   binding.embedder->name());
      },
      &interrupted());
  bar.finish();
  summary_json = {{"model_id", binding.model_id},   {"embedded", summary.embedded}, {"remaining", summary.remaining},
                  {"seconds", summary.seconds},     {"cancelled", summary.cancelled}};
  if (!globals.json) {
    char rate[64];
    std::snprintf(rate, sizeof rate, "%.1f s (%.0f chunks/s)", summary.seconds,
                  summary.seconds > 0 ? summary.embedded / summary.seconds : 0.0);
    std::cout << "Embedded " << summary.embedded << " chunk(s) with " << binding.embedder->name() << " in " << rate << ".\n";
    if (summary.cancelled)
      std::cout << "Interrupted: " << summary.remaining << " chunk(s) still lack a vector; run the command again to finish.\n";
  }
  return summary.cancelled ? kInterrupted : kOk;
}

int run_add(const GlobalOptions& globals, const std::string& file) {
  auto library = open_library(globals, true);
  retrieval::EmbeddingBinding binding;
  try {
    binding = retrieval::bind_embedding_model(library, file);
  } catch (const index::LibraryError&) {
    throw;
  } catch (const std::exception& error) {
    print_error(error.what());
    return kFailure;
  }
  const auto& embedder = *binding.embedder;
  if (!globals.json)
    std::cout << "Library bound to " << embedder.name() << " (" << embedder.dimension() << " dimensions, "
              << embedder.max_tokens() << "-token input). New chunks are sized with its tokenizer.\n";
  nlohmann::json summary;
  int code = embed_with_progress(globals, library, binding, summary);
  if (globals.json)
    print_json({{"library", library.dir().string()}, {"model", embedder.name()}, {"path", embedder.path().string()},
                {"file_hash", embedder.file_hash()}, {"dimension", embedder.dimension()},
                {"settings", nlohmann::json::parse(embedder.settings_json())}, {"embedding", summary}});
  return code;
}

int run_list(const GlobalOptions& globals) {
  auto library = open_library(globals, false);
  std::int64_t bound = std::atoll(library.setting(index::setting_key::kEmbeddingModel).value_or("0").c_str());
  const auto chunks = library.stats().chunks;
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& model : library.embedding_models()) {
    const auto vectors = library.vector_count(model.id);
    const auto missing = library.count_chunks_without_vectors(model.id);
    rows.push_back({{"id", model.id}, {"name", model.name}, {"file_hash", model.file_hash},
                    {"dimension", model.dimension}, {"settings", nlohmann::json::parse(model.settings_json, nullptr, false)},
                    {"created_at", model.created_at}, {"vectors", vectors}, {"chunks_without_vectors", missing},
                    {"complete", missing == 0}, {"bound", model.id == bound}});
  }
  if (globals.json) {
    print_json({{"library", library.dir().string()},
                {"bound_model_id", bound ? nlohmann::json(bound) : nlohmann::json()},
                {"bound_model_path", library.setting(index::setting_key::kEmbeddingModelPath).value_or("")},
                {"chunks", chunks},
                {"models", rows}});
    return kOk;
  }
  if (rows.empty()) {
    std::cout << "No embedding model: this library is keyword-only (BM25). Bind one with `docent models add FILE`.\n";
    return kOk;
  }
  for (const auto& row : rows) {
    std::cout << (row["bound"].get<bool>() ? "* " : "  ") << row["id"] << "  " << row["name"].get<std::string>() << "  "
              << row["dimension"] << " dims  " << row["vectors"] << "/" << chunks << " chunks embedded"
              << (row["complete"].get<bool>() ? "" : " (incomplete: run `docent models add` again)") << "  sha256 "
              << row["file_hash"].get<std::string>().substr(0, 12) << "\n";
  }
  if (!bound) std::cout << "No model is bound: search is keyword-only.\n";
  return kOk;
}

const bool registered = register_command(71, [](CLI::App& app, GlobalOptions& globals, int& exit_code) {
  CLI::App* models = nullptr;
  try {
    models = app.get_subcommand("models");
  } catch (const CLI::OptionNotFound&) {
    models = app.add_subcommand("models", "Model files: inspect, import, export, quantize, compare; the library's embedding model");
    models->require_subcommand(1);
  }
  auto file = std::make_shared<std::string>();
  auto* add = models->add_subcommand(
      "add", "Bind the library to an embedding model (GGUF BERT) and embed every chunk lacking a vector");
  add->add_option("file", *file, "GGUF encoder model, e.g. all-MiniLM-L6-v2 converted to GGUF (default: $DOCENT_EMBEDDER, else config embedder.model)")
      ->type_name("FILE");
  add->footer("Switching to another model embeds the stored chunk text again; no document is parsed again.\n"
              "Interrupted runs keep their progress; run the command again to finish.");
  add->fallthrough();
  add->callback([&globals, &exit_code, file] {
    std::string model = file->empty() ? resolve_config("embedder.model").text : *file;
    if (model.empty()) {
      print_error("models add: no model: give FILE, set $DOCENT_EMBEDDER, or `docent config set embedder.model FILE`");
      exit_code = kUsage;
      return;
    }
    apply_engine_threads();
    exit_code = run_add(globals, model);
  });
  auto* list = models->add_subcommand("list", "Embedding models registered in the library (* = bound)");
  list->fallthrough();
  list->callback([&globals, &exit_code] { exit_code = run_list(globals); });
});

}  // namespace

// Used by `docent ingest --embedder FILE` after binding: completes vectors of earlier documents.
int embed_library_chunks(const GlobalOptions& globals, index::Library& library, const retrieval::EmbeddingBinding& binding) {
  nlohmann::json summary;
  return embed_with_progress(globals, library, binding, summary);
}

}  // namespace docent::cli
