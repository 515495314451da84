#pragma once
// The generation flags `ask`, `chat` and `generate` share. A flag not given takes its value from
// the environment, the config file or the built-in default (cli/user_config.hpp). Also how a
// run's thinking and answer are reported.
#include <CLI/CLI.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "docent/retrieval.hpp"

namespace docent::cli {

struct GenerationFlags {
  std::string model;  // empty after resolve: no generator anywhere (answers stay extractive)
  int max_tokens = 512;
  // The command's own default when neither flag nor config sets it (ask, chat: 256; generate: -1).
  int think_budget = retrieval::kDefaultThinkBudget;
  std::optional<float> temperature;  // unset: the model's recommendation (`docent models info`)
  std::optional<float> top_p;
  std::uint64_t seed = 0;
  int context = 0;  // 0: the model's own, at most 4096

  CLI::Option* model_option = nullptr;
  CLI::Option* max_tokens_option = nullptr;
  CLI::Option* think_budget_option = nullptr;
  CLI::Option* temperature_option = nullptr;
  CLI::Option* top_p_option = nullptr;
  CLI::Option* seed_option = nullptr;
  CLI::Option* context_option = nullptr;
};

void add_generation_flags(CLI::App& command, GenerationFlags& flags, std::string_view model_help);
// Fills what no flag gave from the environment, config and defaults, and applies
// engine.threads. Throws ConfigError for a bad value.
void resolve_generation_flags(GenerationFlags& flags);
// The resolved flags as retrieval's options (callbacks left for the caller).
retrieval::GenerativeOptions generative_options(const GenerationFlags& flags);

// {"prompt_tokens", "reused_tokens", "thinking_tokens", "answer_tokens", "thinking_stop", "answer_stop", ...}.
nlohmann::json generation_json(const retrieval::Answer::Generation& generation);
// One line for stderr: how long it thought and why it stopped, and what to change.
std::string generation_summary(const retrieval::Answer::Generation& generation, int think_budget, int max_tokens);

}  // namespace docent::cli
