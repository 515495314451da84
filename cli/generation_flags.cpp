#include "generation_flags.hpp"

#include "user_config.hpp"

namespace docent::cli {
namespace {
std::string from_config(std::string_view help, std::string_view key) {
  const ConfigKey* entry = find_config_key(key);
  std::string text = std::string(help) + " (default: config " + std::string(key);
  if (!entry->env.empty()) text = std::string(help) + " (default: $" + std::string(entry->env) + ", else config " + std::string(key);
  return text + (entry->fallback.empty() ? ")" : ", else " + std::string(entry->fallback) + ")");
}
std::optional<std::string> given(const CLI::Option* option) {
  if (option == nullptr || option->count() == 0) return std::nullopt;
  return option->as<std::string>();
}
}  // namespace

void add_generation_flags(CLI::App& command, GenerationFlags& flags, std::string_view model_help) {
  flags.model_option = command.add_option("-m,--model", flags.model, from_config(model_help, "generator.model"))->type_name("FILE");
  flags.max_tokens_option = command.add_option("--max-tokens", flags.max_tokens,
                                               from_config("Answer length limit, thinking included", "generation.max_tokens"))
                                ->type_name("N")
                                ->check(CLI::PositiveNumber);
  flags.temperature_option =
      command.add_option("--temperature", flags.temperature, from_config("0 = greedy", "generation.temperature"))
          ->type_name("T")
          ->check(CLI::NonNegativeNumber);
  flags.seed_option = command.add_option("--seed", flags.seed, from_config("Sampling seed", "generation.seed"))->type_name("N");
  flags.context_option = command.add_option("--context", flags.context,
                                            from_config("Context window in tokens; 0 = the model's own, at most 4096",
                                                        "generation.context"))
                             ->type_name("N")
                             ->check(CLI::NonNegativeNumber);
}

void resolve_generation_flags(GenerationFlags& flags) {
  flags.model = resolve_config("generator.model", given(flags.model_option)).text;
  flags.max_tokens = static_cast<int>(config_integer("generation.max_tokens", given(flags.max_tokens_option)));
  flags.temperature = static_cast<float>(config_number("generation.temperature", given(flags.temperature_option)));
  flags.seed = static_cast<std::uint64_t>(config_integer("generation.seed", given(flags.seed_option)));
  flags.context = static_cast<int>(config_integer("generation.context", given(flags.context_option)));
  apply_engine_threads();
}

}  // namespace docent::cli
