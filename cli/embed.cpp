// `docent embed -m FILE TEXT...`: sentence embeddings from a local encoder model.
#include <cstdio>
#include <iostream>

#include "command.hpp"
#include "docent/engine.hpp"
#include "output.hpp"
#include "user_config.hpp"

namespace docent::cli {
namespace {

struct EmbedOptions {
  std::string model;
  std::vector<std::string> texts;
  std::string pooling;
};

int run_embed(const GlobalOptions& globals, const EmbedOptions& options) {
  try {
    apply_engine_threads();
    auto model = engine::Model::load(options.model);
    std::optional<engine::Pooling> pooling;
    if (options.pooling == "mean") pooling = engine::Pooling::mean;
    if (options.pooling == "cls") pooling = engine::Pooling::cls;
    engine::Embedder embedder(model, pooling);
    auto vectors = embedder.embed(options.texts);
    const char* pooling_name = embedder.pooling() == engine::Pooling::cls ? "cls" : "mean";
    if (globals.json) {
      nlohmann::json items = nlohmann::json::array();
      for (std::size_t i = 0; i < vectors.size(); ++i) items.push_back({{"text", options.texts[i]}, {"embedding", vectors[i]}});
      print_json({{"model", options.model}, {"dimension", embedder.dimension()}, {"pooling", pooling_name},
                  {"normalized", true}, {"embeddings", items}});
      return kOk;
    }
    for (std::size_t i = 0; i < vectors.size(); ++i) {
      std::cout << "# " << options.texts[i] << "  (" << vectors[i].size() << " dims, " << pooling_name << ", L2-normalized)\n";
      for (std::size_t d = 0; d < vectors[i].size(); ++d) std::printf("%s%.6f", d == 0 ? "" : " ", vectors[i][d]);
      std::printf("\n");
    }
    return kOk;
  } catch (const engine::ModelError& error) {
    print_error(error.what());
    return kFailure;
  }
}

const bool registered = register_command(74, [](CLI::App& app, GlobalOptions& globals, int& exit_code) {
  auto options = std::make_shared<EmbedOptions>();
  auto* command = app.add_subcommand("embed", "Sentence embeddings of texts from a local encoder model (BERT)");
  command->add_option("-m,--model", options->model, "GGUF encoder model")->required()->type_name("FILE");
  command->add_option("texts", options->texts, "Texts to embed")->required()->type_name("TEXT...");
  command->add_option("--pooling", options->pooling, "mean or cls (default: what the model file asks for)")
      ->check(CLI::IsMember({"mean", "cls"}));
  command->callback([&globals, &exit_code, options] { exit_code = run_embed(globals, *options); });
});

}  // namespace
}  // namespace docent::cli
