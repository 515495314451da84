// `docent generate -m FILE PROMPT`: run a local model on one prompt, streaming the answer.
#include <iostream>

#include "command.hpp"
#include "docent/engine.hpp"
#include "generation_flags.hpp"
#include "output.hpp"
#include "terminal.hpp"

namespace docent::cli {
namespace {

struct GenerateOptions {
  GenerationFlags flags;  // model, max tokens, think budget, sampling, seed, context
  std::string prompt;
  std::string system;
  bool raw = false;
  bool show_thinking = false;
  std::optional<int> top_k;
  std::optional<float> min_p, repeat_penalty;
  std::vector<std::string> stop;
};

double per_second(double count, double seconds) { return seconds > 0 ? count / seconds : 0; }

int run_generate(const GlobalOptions& globals, GenerateOptions& options) {
  resolve_generation_flags(options.flags);
  if (options.flags.model.empty()) {
    print_error("no model: give --model FILE, set $DOCENT_MODEL, or `docent config set generator.model FILE`");
    return kUsage;
  }
  try {
    auto model = engine::Model::load(options.flags.model);
    engine::Generator generator(model, {.context_length = options.flags.context});
    const engine::Tokenizer& tokenizer = model->tokenizer();
    const engine::ChatDefaults& defaults = model->info().chat_defaults;

    engine::GenerationOptions generation;
    generation.max_tokens = options.flags.max_tokens;
    generation.stop = options.stop;
    generation.sampling = defaults.sampling;
    if (options.flags.temperature) generation.sampling.temperature = *options.flags.temperature;
    if (options.flags.top_p) generation.sampling.top_p = *options.flags.top_p;
    if (options.top_k) generation.sampling.top_k = *options.top_k;
    if (options.min_p) generation.sampling.min_p = *options.min_p;
    if (options.repeat_penalty) generation.sampling.repeat_penalty = *options.repeat_penalty;
    generation.sampling.seed = options.flags.seed;
    generation.thinking.enabled = defaults.reasons || defaults.opens_thinking;
    generation.thinking.budget = options.flags.think_budget;

    // Apply the model's chat template unless asked for a raw completion.
    std::vector<engine::TokenId> prompt_tokens;
    if (options.raw || defaults.family == engine::ChatFamily::none) {
      prompt_tokens = tokenizer.encode(options.prompt, true, true);
    } else {
      std::vector<engine::ChatMessage> messages;
      if (!options.system.empty() && defaults.system_turn) messages.push_back({"system", options.system});
      // Families without a system turn (DeepSeek-R1) take the instructions in the user turn.
      const bool into_user = !options.system.empty() && !defaults.system_turn;
      messages.push_back({"user", into_user ? options.system + "\n\n" + options.prompt : options.prompt});
      // Markers become special tokens; the user's text stays plain text.
      prompt_tokens = engine::encode_chat(tokenizer, defaults.family, messages, true);
      generation.thinking.starts_inside = defaults.opens_thinking;
    }

    const bool stream = !globals.json;
    auto result = generator.generate_tokens(
        prompt_tokens, generation,
        [&](std::string_view text) {
          if (stream) std::cout << text << std::flush;
          return !interrupted().load();
        },
        [&](std::string_view text) {
          if (stream && options.show_thinking) print_thinking(text);
          return !interrupted().load();
        });

    const double answer_seconds = result.generation_seconds - result.thinking_seconds;
    if (globals.json) {
      nlohmann::json output = {{"model", options.flags.model},
                               {"text", result.text},
                               {"thinking", result.thinking},
                               {"tokens", result.tokens},
                               {"prompt_tokens", result.prompt_tokens},
                               {"thinking_tokens", result.thinking_tokens},
                               {"answer_tokens", result.answer_tokens},
                               {"thinking_stop_reason", result.thinking_stop_reason},
                               {"stop_reason", result.stop_reason},
                               {"context_shifts", result.context_shifts},
                               {"discarded_tokens", result.discarded_tokens},
                               {"timings",
                                {{"prefill_seconds", result.prefill_seconds},
                                 {"thinking_seconds", result.thinking_seconds},
                                 {"generation_seconds", result.generation_seconds},
                                 {"first_answer_seconds", result.first_answer_seconds},
                                 {"prompt_tokens_per_second", per_second(result.prompt_tokens, result.prefill_seconds)},
                                 {"tokens_per_second", per_second(static_cast<double>(result.tokens.size()), result.generation_seconds)}}}};
      print_json(output);
    } else {
      std::cout << std::endl;  // before the summary on stderr
      if (!globals.quiet) {
        std::string thought;
        if (!result.thinking_stop_reason.empty())
          thought = "; thought " + std::to_string(result.thinking_tokens) + " tokens (stop: " + result.thinking_stop_reason + ")";
        std::string shifted;
        if (result.context_shifts > 0)
          shifted = "; the context was full " + std::to_string(result.context_shifts) + "x, " +
                    std::to_string(result.discarded_tokens) + " old tokens dropped";
        std::fprintf(stderr, "[%d prompt tokens at %.1f tok/s%s; %d answer tokens at %.1f tok/s; stop: %s%s]\n",
                     result.prompt_tokens, per_second(result.prompt_tokens, result.prefill_seconds), thought.c_str(),
                     result.answer_tokens, per_second(result.answer_tokens, answer_seconds), result.stop_reason.c_str(),
                     shifted.c_str());
      }
    }
    return result.stop_reason == "cancelled" && interrupted().load() ? kInterrupted : kOk;
  } catch (const engine::ModelError& error) {
    print_error(error.what());
    return kFailure;
  } catch (const std::invalid_argument& error) {
    print_error(error.what());
    return kFailure;
  }
}

const bool registered = register_command(72, [](CLI::App& app, GlobalOptions& globals, int& exit_code) {
  auto options = std::make_shared<GenerateOptions>();
  options->flags.think_budget = -1;  // a bare prompt: a reasoning model thinks as long as the context allows
  auto* command = app.add_subcommand("generate", "Run a local model on one prompt and stream its answer");
  add_generation_flags(*command, options->flags, "GGUF decoder model (llama, qwen2)");
  command->add_option("prompt", options->prompt, "The prompt")->required()->type_name("PROMPT");
  command->add_option("--system", options->system, "Instructions (a system turn, or the user turn for DeepSeek-R1)")->type_name("TEXT");
  command->add_flag("--raw", options->raw, "Do not apply the model's chat template");
  command->add_option("--top-k", options->top_k, "Keep the k most likely tokens, 0 = all (default: the model's recommendation)")
      ->check(CLI::NonNegativeNumber);
  command->add_option("--min-p", options->min_p, "Drop tokens below min-p x the best (default: the model's recommendation)")
      ->check(CLI::Range(0.0f, 1.0f));
  command->add_option("--repeat-penalty", options->repeat_penalty, "Penalty for recent tokens, 1 = off")->check(CLI::PositiveNumber);
  command->add_option("--stop", options->stop, "Stop when this text appears in the answer (repeatable)")->type_name("TEXT");
  command->add_flag("--show-thinking", options->show_thinking, "Stream a reasoning model's <think> span (to stderr, dimmed on a terminal)");
  command->footer(
      "Sampling defaults come from the model (`docent models info` shows them): DeepSeek-R1 distills sample at\n"
      "temperature 0.6, top-p 0.95, as their publisher recommends; --temperature 0 is greedy. A reasoning model's\n"
      "<think> span is not part of the answer: --show-thinking streams it to stderr, --think-budget N closes it after\n"
      "N tokens, and --max-tokens counts answer tokens only. When the context fills, the oldest generated tokens are\n"
      "dropped (the prompt is kept) and generation goes on.");
  command->callback([&globals, &exit_code, options] { exit_code = run_generate(globals, *options); });
});

}  // namespace
}  // namespace docent::cli
