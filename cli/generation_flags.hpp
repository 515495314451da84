#pragma once
// The generation flags `ask`, `chat` and `generate` share. A flag not given takes its value from
// the environment, the config file or the built-in default (cli/user_config.hpp).
#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace docent::cli {

struct GenerationFlags {
  std::string model;  // empty after resolve: no generator anywhere (answers stay extractive)
  int max_tokens = 512;
  float temperature = 0.0f;
  std::uint64_t seed = 0;
  int context = 0;  // 0: the model's own, at most 4096

  CLI::Option* model_option = nullptr;
  CLI::Option* max_tokens_option = nullptr;
  CLI::Option* temperature_option = nullptr;
  CLI::Option* seed_option = nullptr;
  CLI::Option* context_option = nullptr;
};

void add_generation_flags(CLI::App& command, GenerationFlags& flags, std::string_view model_help);
// Fills what no flag gave from the environment, config and defaults, and applies
// engine.threads. Throws ConfigError for a bad value.
void resolve_generation_flags(GenerationFlags& flags);

}  // namespace docent::cli
