// `docent models info FILE`: what a model file holds and how much memory it needs.
#include <cstdio>
#include <iostream>

#include "command.hpp"
#include "docent/engine.hpp"
#include "output.hpp"

namespace docent::cli {
namespace {

struct ModelsInfoOptions {
  std::string model;
  int context = 0;
};

std::string count_text(std::int64_t count) {
  char text[32];
  if (count >= 1'000'000'000) std::snprintf(text, sizeof text, "%.2fB", count / 1e9);
  else if (count >= 1'000'000) std::snprintf(text, sizeof text, "%.2fM", count / 1e6);
  else if (count >= 1'000) std::snprintf(text, sizeof text, "%.1fK", count / 1e3);
  else std::snprintf(text, sizeof text, "%lld", static_cast<long long>(count));
  return text;
}

int run_info(const GlobalOptions& globals, const ModelsInfoOptions& options) {
  engine::ModelInfo info;
  try {
    info = engine::describe_model(options.model);
  } catch (const engine::ModelError& error) {
    print_error(error.what());
    return kFailure;
  }
  const int context = options.context > 0 ? options.context : info.default_context();
  if (globals.json) {
    nlohmann::json types = nlohmann::json::object();
    for (const auto& [type, count] : info.tensor_types) types[type] = count;
    print_json({{"path", info.path}, {"architecture", info.architecture}, {"name", info.name},
                {"kind", info.is_encoder ? "encoder" : "decoder"}, {"file_type", info.file_type},
                {"parameters", info.parameter_count}, {"file_bytes", info.file_bytes},
                {"weight_bytes", info.weight_bytes}, {"layers", info.layers}, {"hidden", info.hidden},
                {"heads", info.heads}, {"kv_heads", info.kv_heads}, {"head_dim", info.head_dim}, {"ffn", info.ffn},
                {"context_length", info.context_length}, {"vocabulary_size", info.vocabulary_size},
                {"rope_theta", info.rope_theta}, {"tensor_types", types}, {"tokenizer", info.tokenizer_kind},
                {"chat_template", info.chat_template_family},
                {"kv_cache_bytes_per_token", info.kv_cache_bytes_per_token}, {"context", context},
                {"memory_bytes", info.memory_bytes(context)}});
    return kOk;
  }
  std::string types;
  for (const auto& [type, count] : info.tensor_types)
    types += (types.empty() ? "" : ", ") + type + " x" + std::to_string(count);
  std::cout << info.path << "\n"
            << "  architecture   " << info.architecture << (info.is_encoder ? " (encoder)" : " (decoder)")
            << (info.name.empty() ? "" : ", \"" + info.name + "\"") << "\n"
            << "  parameters     " << count_text(info.parameter_count) << " (" << info.file_type << ", "
            << human_bytes(info.file_bytes) << " file)\n"
            << "  shape          " << info.layers << " layers, hidden " << info.hidden << ", " << info.heads << " heads ("
            << info.kv_heads << " KV) of " << info.head_dim << ", ffn " << info.ffn << "\n"
            << "  vocabulary     " << info.vocabulary_size << " tokens, " << info.tokenizer_kind << "\n"
            << "  context        " << info.context_length << " tokens trained";
  if (!info.is_encoder) std::cout << ", RoPE theta " << info.rope_theta;
  std::cout << "\n  chat template  " << info.chat_template_family << "\n"
            << "  tensor types   " << types << "\n"
            << "  memory         " << human_bytes(info.memory_bytes(context)) << " at " << context
            << " tokens of context (weights " << human_bytes(info.weight_bytes);
  if (!info.is_encoder) std::cout << " + KV cache " << human_bytes(info.kv_cache_bytes_per_token * context);
  std::cout << ")\n";
  return kOk;
}

const bool registered = register_command(70, [](CLI::App& app, GlobalOptions& globals, int& exit_code) {
  auto* models = app.add_subcommand("models", "Inspect model files");
  models->require_subcommand(1);
  auto options = std::make_shared<ModelsInfoOptions>();
  auto* info = models->add_subcommand("info", "Architecture, size, tokenizer and memory needs of a GGUF model");
  info->add_option("file", options->model, "GGUF model file")->required()->type_name("FILE");
  info->add_option("--context", options->context, "Context length for the memory estimate (default: min(trained, 4096))")
      ->type_name("N")
      ->check(CLI::PositiveNumber);
  info->callback([&globals, &exit_code, options] { exit_code = run_info(globals, *options); });
});

}  // namespace
}  // namespace docent::cli
