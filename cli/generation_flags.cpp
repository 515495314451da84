#include "generation_flags.hpp"

#include <cstdio>

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
  flags.max_tokens_option =
      command
          .add_option("--max-tokens", flags.max_tokens,
                      from_config("Answer length limit in tokens (a reasoning model's thinking has --think-budget)",
                                  "generation.max_tokens"))
          ->type_name("N")
          ->check(CLI::PositiveNumber);
  flags.think_budget_option =
      command
          .add_option("--think-budget", flags.think_budget,
                      from_config("Thinking tokens a reasoning model (DeepSeek-R1) may use before docent closes its <think> "
                                  "span and asks for the answer; -1 = as many as the context holds",
                                  "generation.think_budget") +
                          ", else " + std::to_string(flags.think_budget))
          ->type_name("N")
          ->check(CLI::Range(-1, 1 << 20));
  flags.temperature_option =
      command
          .add_option("--temperature", flags.temperature,
                      from_config("Sampling temperature, 0 = greedy", "generation.temperature") +
                          ", else the model's recommendation: see `docent models info`")
          ->type_name("T")
          ->check(CLI::NonNegativeNumber);
  flags.top_p_option = command
                           .add_option("--top-p", flags.top_p,
                                       from_config("Nucleus sampling mass", "generation.top_p") + ", else the model's recommendation")
                           ->type_name("P")
                           ->check(CLI::Range(0.0f, 1.0f));
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
  // Unset keys keep the command's default (think budget) or the model's recommendation (sampling).
  if (auto budget = resolve_config("generation.think_budget", given(flags.think_budget_option)); !budget.text.empty())
    flags.think_budget = std::stoi(budget.text);
  if (auto value = resolve_config("generation.temperature", given(flags.temperature_option)); !value.text.empty())
    flags.temperature = std::stof(value.text);
  if (auto value = resolve_config("generation.top_p", given(flags.top_p_option)); !value.text.empty())
    flags.top_p = std::stof(value.text);
  flags.seed = static_cast<std::uint64_t>(config_integer("generation.seed", given(flags.seed_option)));
  flags.context = static_cast<int>(config_integer("generation.context", given(flags.context_option)));
  apply_engine_threads();
}

retrieval::GenerativeOptions generative_options(const GenerationFlags& flags) {
  retrieval::GenerativeOptions generation;
  generation.model = flags.model;
  generation.max_tokens = flags.max_tokens;
  generation.think_budget = flags.think_budget;
  generation.temperature = flags.temperature;
  generation.top_p = flags.top_p;
  generation.seed = flags.seed;
  generation.context_length = flags.context;
  return generation;
}

nlohmann::json generation_json(const retrieval::Answer::Generation& g) {
  return {{"prompt_tokens", g.prompt_tokens},
          {"reused_tokens", g.reused_tokens},
          {"thinking_tokens", g.thinking_tokens},
          {"answer_tokens", g.answer_tokens},
          {"thinking_stop", g.thinking_stop},
          {"answer_stop", g.answer_stop},
          {"context_shifts", g.context_shifts},
          {"prefill_seconds", g.prefill_seconds},
          {"thinking_seconds", g.thinking_seconds},
          {"writing_seconds", g.writing_seconds},
          {"first_answer_seconds", g.first_answer_seconds}};
}

std::string generation_summary(const retrieval::Answer::Generation& g, int think_budget, int max_tokens) {
  char line[256];
  std::string text;
  if (!g.thinking_stop.empty()) {
    std::snprintf(line, sizeof line, "thought %d tokens in %.1f s", g.thinking_tokens, g.thinking_seconds);
    text += line;
    if (g.thinking_stop == "budget")
      text += " (stopped at --think-budget " + std::to_string(think_budget) + ")";
    else if (g.thinking_stop == "context-full")
      text += " (stopped: the context was full)";
    text += "; ";
  }
  std::snprintf(line, sizeof line, "answered in %d tokens", g.answer_tokens);
  text += line;
  if (g.answer_stop == "max-tokens") text += " (cut at --max-tokens " + std::to_string(max_tokens) + ")";
  if (g.first_answer_seconds > 0) {
    std::snprintf(line, sizeof line, "; first answer word after %.1f s", g.first_answer_seconds);
    text += line;
  }
  if (g.reused_tokens > 0) text += "; " + std::to_string(g.reused_tokens) + " prompt tokens reused from the last turn";
  return text;
}

}  // namespace docent::cli
