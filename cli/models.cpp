// `docent models info FILE`: what a model file holds and how much memory it needs.
#include <cmath>
#include <cstdio>
#include <iostream>

#include "command.hpp"
#include "docent/engine.hpp"
#include "docent/retrieval.hpp"
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

std::string number_text(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", value);
  return text;
}

std::string sampling_text(const engine::SamplingOptions& sampling) {
  if (sampling.temperature <= 0) return "greedy";
  std::string text = "temperature " + number_text(sampling.temperature);
  if (sampling.top_p < 1) text += ", top-p " + number_text(sampling.top_p);
  if (sampling.top_k > 0) text += ", top-k " + std::to_string(sampling.top_k);
  if (sampling.min_p > 0) text += ", min-p " + number_text(sampling.min_p);
  if (sampling.repeat_penalty != 1)
    text += ", repeat penalty " + number_text(sampling.repeat_penalty) + " over " + std::to_string(sampling.repeat_last_n);
  return text;
}

std::string turns_text(const engine::ChatDefaults& defaults) {
  std::string text = defaults.system_turn ? "instructions in a system turn" : "instructions in the user turn, no system turn";
  if (defaults.opens_thinking) text += "; the answer opens with <think>";
  else if (defaults.reasons) text += "; the model may open <think>";
  return text;
}

// Float settings as the decimals they were written as (0.6, not 0.6000000238).
double decimal(float value) { return std::round(static_cast<double>(value) * 1e6) / 1e6; }

nlohmann::json defaults_json(const engine::ChatDefaults& defaults) {
  const auto& s = defaults.sampling;
  return {{"temperature", decimal(s.temperature)}, {"top_p", decimal(s.top_p)}, {"top_k", s.top_k},
          {"min_p", decimal(s.min_p)}, {"repeat_penalty", decimal(s.repeat_penalty)}, {"repeat_last_n", s.repeat_last_n},
          {"sampling_source", defaults.sampling_source}, {"system_turn", defaults.system_turn},
          {"opens_thinking", defaults.opens_thinking}, {"reasons", defaults.reasons}};
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
                {"chat_template", engine::to_string(info.chat_family)},
                {"defaults", defaults_json(info.chat_defaults)},
                {"think_budget", {{"ask", retrieval::kDefaultThinkBudget}, {"chat", retrieval::kDefaultThinkBudget}, {"generate", -1}}},
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
  std::cout << "\n  chat template  " << engine::to_string(info.chat_family);
  if (!info.is_encoder && info.chat_family != engine::ChatFamily::none) std::cout << " (" << turns_text(info.chat_defaults) << ")";
  if (!info.is_encoder)
    std::cout << "\n  sampling       " << sampling_text(info.chat_defaults.sampling) << " (" << info.chat_defaults.sampling_source
              << (info.chat_defaults.sampling.temperature > 0 ? "; --temperature 0 for greedy)" : ")");
  if (!info.is_encoder && (info.chat_defaults.reasons || info.chat_defaults.opens_thinking))
    std::cout << "\n  thinking       closed after " << retrieval::kDefaultThinkBudget
              << " tokens in ask and chat, unbounded in generate (--think-budget); --max-tokens counts the answer only";
  std::cout << "\n"
            << "  tensor types   " << types << "\n"
            << "  memory         " << human_bytes(info.memory_bytes(context)) << " at " << context
            << " tokens of context (weights " << human_bytes(info.weight_bytes);
  if (!info.is_encoder) std::cout << " + KV cache " << human_bytes(info.kv_cache_bytes_per_token * context);
  std::cout << ")\n";
  return kOk;
}

const bool registered = register_command(70, [](CLI::App& app, GlobalOptions& globals, int& exit_code) {
  auto* models = app.add_subcommand("models", "Model files: inspect, import, export, quantize, compare; the library's embedding model");
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
