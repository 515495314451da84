// Running the answer model: its chat template and sampling defaults, the thinking span split
// off and bounded, the cached prompt prefix reused across a conversation's turns.
#include "generation.hpp"

#include <chrono>

namespace docent::retrieval {

LoadedGenerator load_generator(const GenerativeOptions& generation, int context_length) {
  LoadedGenerator loaded;
  loaded.model = generation.loaded_model ? generation.loaded_model : engine::Model::load(generation.model);
  engine::GeneratorOptions generator_options;
  generator_options.context_length = context_length > 0 ? context_length : generation.context_length;
  loaded.generator = std::make_unique<engine::Generator>(loaded.model, generator_options);
  loaded.defaults = loaded.model->info().chat_defaults;
  if (loaded.defaults.family == engine::ChatFamily::none) loaded.defaults.family = engine::ChatFamily::chatml;
  return loaded;
}

LoadedGenerator share_model(const LoadedGenerator& loaded, int context_length) {
  LoadedGenerator shared;
  shared.model = loaded.model;
  shared.defaults = loaded.defaults;
  shared.generator = std::make_unique<engine::Generator>(loaded.model, engine::GeneratorOptions{.context_length = context_length});
  return shared;
}

engine::SamplingOptions sampling_for(const LoadedGenerator& loaded, const GenerativeOptions& generation) {
  engine::SamplingOptions sampling = loaded.defaults.sampling;
  if (generation.temperature) sampling.temperature = *generation.temperature;
  if (generation.top_p) sampling.top_p = *generation.top_p;
  sampling.seed = generation.seed;
  return sampling;
}

GeneratedText run_chat(LoadedGenerator& loaded, const std::vector<engine::ChatMessage>& messages, int max_tokens,
                       int think_budget, const GenerativeOptions& generation, bool stream, const std::string& bridge) {
  GeneratedText out;
  const auto started = std::chrono::steady_clock::now();
  const auto prompt = engine::encode_chat(loaded.model->tokenizer(), loaded.defaults.family, messages, true);
  out.tokenize_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  engine::GenerationOptions options;
  options.max_tokens = max_tokens;
  options.sampling = sampling_for(loaded, generation);
  options.thinking.enabled = loaded.defaults.reasons || loaded.defaults.opens_thinking;
  options.thinking.starts_inside = loaded.defaults.opens_thinking;
  options.thinking.budget = think_budget;
  options.thinking.bridge = bridge;
  options.keep_going = generation.keep_going;
  auto sink = [&](const std::function<void(std::string_view)>& callback) -> engine::Generator::TextSink {
    if (!stream || !callback) return {};
    return [&callback](std::string_view text) {
      callback(text);
      return true;
    };
  };
  out.result = loaded.generator->generate_with_context(prompt, options, sink(generation.on_answer), sink(generation.on_thinking));
  out.answer = out.result.text;
  out.thinking = out.result.thinking;
  return out;
}

}  // namespace docent::retrieval
