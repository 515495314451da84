#include <chrono>

#include "generation/sampler.hpp"
#include "generation/text_stream.hpp"
#include "model.hpp"

namespace docent::engine {

namespace {
double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}
}  // namespace

struct Generator::State {
  std::shared_ptr<const Model> model;
  const Transformer* decoder = nullptr;
  GeneratorOptions options;
  KvCache cache;
  std::vector<TokenId> context;  // tokens in the cache, for the repetition penalty
  std::vector<float> logits;

  State(std::shared_ptr<const Model> owner, const Transformer& runtime, GeneratorOptions chosen, int capacity)
      : model(std::move(owner)), decoder(&runtime), options(chosen), cache(runtime.parameters(), capacity) {}
};

Generator::Generator(std::shared_ptr<const Model> model, GeneratorOptions options) {
  if (!model) throw ModelError("no model");
  const auto& impl = model->impl();
  if (!impl.decoder)
    throw ModelError(model->info().path + ": '" + model->info().architecture + "' is an encoder; it cannot generate text");
  int capacity = options.context_length > 0 ? options.context_length : model->info().default_context();
  if (capacity > model->info().context_length)
    throw ModelError(model->info().path + ": context " + std::to_string(capacity) + " exceeds the model's " +
                     std::to_string(model->info().context_length) + " tokens");
  state_ = std::make_unique<State>(model, *impl.decoder, options, capacity);
}

Generator::~Generator() = default;

const std::vector<float>& Generator::prefill(const std::vector<TokenId>& tokens) {
  if (tokens.empty()) return state_->logits;
  state_->decoder->prefill(tokens, state_->cache, state_->logits, false, state_->options.prefill_window);
  state_->context.insert(state_->context.end(), tokens.begin(), tokens.end());
  return state_->logits;
}

const std::vector<float>& Generator::step(TokenId token) { return prefill({token}); }

void Generator::reset() {
  state_->cache.clear();
  state_->context.clear();
  state_->logits.clear();
}

int Generator::context_used() const { return state_->cache.length(); }
int Generator::context_length() const { return state_->cache.capacity(); }

GenerationResult Generator::generate(std::string_view prompt, const GenerationOptions& options, const TextSink& on_text) {
  const Tokenizer& tokenizer = state_->model->tokenizer();
  // A BOS is added only at the start of a context, and only when the tokenizer wants one.
  bool add_special = context_used() == 0;
  return generate_tokens(tokenizer.encode(prompt, add_special, true), options, on_text);
}

GenerationResult Generator::generate_tokens(const std::vector<TokenId>& prompt, const GenerationOptions& options,
                                            const TextSink& on_text) {
  GenerationResult result;
  result.prompt_tokens = static_cast<int>(prompt.size());
  if (prompt.empty() && state_->logits.empty()) throw ModelError("cannot generate from an empty context");
  const Tokenizer* tokenizer = state_->model->impl().tokenizer.get();
  auto start = std::chrono::steady_clock::now();
  prefill(prompt);
  result.prefill_seconds = seconds_since(start);

  start = std::chrono::steady_clock::now();
  Sampler sampler(options.sampling);
  TextStream stream(options.stop);
  bool cancelled = false;
  auto emit = [&](const std::string& text) {
    if (!text.empty() && on_text && !cancelled) cancelled = !on_text(text);
  };
  result.stop_reason = "max-tokens";
  for (int produced = 0; produced < options.max_tokens; ++produced) {
    TokenId token = sampler.sample(state_->logits, state_->context);
    result.tokens.push_back(token);
    if (options.stop_at_end_of_generation && tokenizer != nullptr && tokenizer->is_end_of_generation(token)) {
      result.stop_reason = "end-of-generation";
      break;
    }
    if (tokenizer != nullptr) emit(stream.push(tokenizer->token_text(token)));
    if (stream.stopped()) {
      result.stop_reason = "stop-string";
      break;
    }
    if (cancelled) {
      result.stop_reason = "cancelled";
      break;
    }
    if (produced + 1 == options.max_tokens) break;
    if (context_used() >= context_length()) {
      result.stop_reason = "context-full";
      break;
    }
    step(token);
  }
  emit(stream.finish());
  result.text = stream.text();
  result.generation_seconds = seconds_since(start);
  return result;
}

}  // namespace docent::engine
