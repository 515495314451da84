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
  GenerationFlags flags;  // model, max tokens, temperature, seed, context
  std::string prompt;
  std::string system;
  bool raw = false;
  bool show_thinking = false;
  engine::GenerationOptions generation;
};

int run_generate(const GlobalOptions& globals, GenerateOptions& options) {
  resolve_generation_flags(options.flags);
  if (options.flags.model.empty()) {
    print_error("no model: give --model FILE, set $DOCENT_MODEL, or `docent config set generator.model FILE`");
    return kUsage;
  }
  options.generation.max_tokens = options.flags.max_tokens;
  options.generation.sampling.temperature = options.flags.temperature;
  options.generation.sampling.seed = options.flags.seed;
  try {
    auto model = engine::Model::load(options.flags.model);
    engine::Generator generator(model, {.context_length = options.flags.context});
    const engine::Tokenizer& tokenizer = model->tokenizer();

    // Apply the model's chat template unless asked for a raw completion.
    const engine::ChatFamily family = model->info().chat_family;
    std::vector<engine::TokenId> prompt_tokens;
    bool starts_in_thinking = false;
    if (options.raw || family == engine::ChatFamily::none) {
      prompt_tokens = tokenizer.encode(options.prompt, true, true);
    } else {
      std::vector<engine::ChatMessage> messages;
      if (!options.system.empty()) messages.push_back({"system", options.system});
      messages.push_back({"user", options.prompt});
      std::string rendered = engine::render_chat(family, messages, true);
      // Templates that open <think> themselves (DeepSeek-R1) make the model start inside it.
      std::string_view trimmed = rendered;
      while (!trimmed.empty() && (trimmed.back() == '\n' || trimmed.back() == ' ')) trimmed.remove_suffix(1);
      starts_in_thinking = trimmed.ends_with("<think>");
      // Markers become special tokens; the user's text stays plain text.
      prompt_tokens = engine::encode_chat(tokenizer, family, messages, true);
    }

    std::string answer, thinking;
    const bool stream = !globals.json;
    engine::ThinkSplitter splitter(
        [&](std::string_view text) {
          answer += text;
          if (stream) std::cout << text << std::flush;
        },
        [&](std::string_view text) {
          thinking += text;
          if (stream && options.show_thinking) print_thinking(text);
        },
        starts_in_thinking);
    auto result = generator.generate_tokens(prompt_tokens, options.generation, [&](std::string_view piece) {
      splitter.feed(piece);
      return !interrupted().load();
    });
    splitter.finish();

    const double tokens_per_second =
        result.generation_seconds > 0 ? static_cast<double>(result.tokens.size()) / result.generation_seconds : 0;
    const double prompt_per_second = result.prefill_seconds > 0 ? result.prompt_tokens / result.prefill_seconds : 0;
    if (globals.json) {
      nlohmann::json output = {{"model", options.flags.model}, {"text", answer}, {"tokens", result.tokens},
                               {"prompt_tokens", result.prompt_tokens}, {"stop_reason", result.stop_reason},
                               {"timings", {{"prefill_seconds", result.prefill_seconds},
                                            {"generation_seconds", result.generation_seconds},
                                            {"prompt_tokens_per_second", prompt_per_second},
                                            {"tokens_per_second", tokens_per_second}}}};
      if (options.show_thinking) output["thinking"] = thinking;
      print_json(output);
    } else {
      std::cout << '\n';
      if (!globals.quiet)
        std::fprintf(stderr, "[%d prompt tokens at %.1f tok/s; %zu generated at %.1f tok/s; stop: %s]\n",
                     result.prompt_tokens, prompt_per_second, result.tokens.size(), tokens_per_second,
                     result.stop_reason.c_str());
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
  auto& sampling = options->generation.sampling;
  auto* command = app.add_subcommand("generate", "Run a local model on one prompt and stream its answer");
  add_generation_flags(*command, options->flags, "GGUF decoder model (llama, qwen2)");
  command->add_option("prompt", options->prompt, "The prompt")->required()->type_name("PROMPT");
  command->add_option("--system", options->system, "A system message (chat models)")->type_name("TEXT");
  command->add_flag("--raw", options->raw, "Do not apply the model's chat template");
  command->add_option("--top-k", sampling.top_k, "Keep the k most likely tokens (0 = all)")->default_val(40)->check(CLI::NonNegativeNumber);
  command->add_option("--top-p", sampling.top_p, "Nucleus sampling mass")->default_val(0.95f)->check(CLI::Range(0.0f, 1.0f));
  command->add_option("--min-p", sampling.min_p, "Drop tokens below min-p x the best")->default_val(0.05f)->check(CLI::Range(0.0f, 1.0f));
  command->add_option("--repeat-penalty", sampling.repeat_penalty, "Penalty for recent tokens (1 = off)")
      ->default_val(1.0f)
      ->check(CLI::PositiveNumber);
  command->add_option("--stop", options->generation.stop, "Stop when this text appears (repeatable)")->type_name("TEXT");
  command->add_flag("--show-thinking", options->show_thinking, "Print <think> reasoning to stderr (and into --json)");
  command->callback([&globals, &exit_code, options] { exit_code = run_generate(globals, *options); });
});

}  // namespace
}  // namespace docent::cli
