#include <algorithm>
#include <chrono>
#include <optional>

#include "generation/sampler.hpp"
#include "generation/text_stream.hpp"
#include "model.hpp"

namespace docent::engine {

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// What the engine appends when it closes a thinking span itself (the bridge follows).
constexpr std::string_view kThinkClose = "\n</think>\n\n";

}  // namespace

struct Generator::State {
  std::shared_ptr<const Model> model;
  const Transformer* decoder = nullptr;
  GeneratorOptions options;
  KvCache cache;
  std::vector<TokenId> context;  // tokens in the cache, for the repetition penalty and prefix reuse
  // The cached positions whose keys and values are those a fresh prefill of `context` would
  // give: all of them, until a shift drops tokens in the middle.
  int exact = 0;
  std::vector<float> logits;

  State(std::shared_ptr<const Model> owner, const Transformer& runtime, GeneratorOptions chosen, int capacity)
      : model(std::move(owner)), decoder(&runtime), options(chosen), cache(runtime.parameters(), capacity) {}

  // Drops `count` cached positions from `first` on; later ones move down (keys re-rotated).
  void discard(int first, int count) {
    decoder->discard(cache, first, count);
    context.erase(context.begin() + first, context.begin() + first + count);
    exact = std::min(exact, first);
  }

  // Makes room for `needed` more positions by dropping the oldest half of what follows the
  // first `keep` positions (at least what is needed). False when even that cannot fit them.
  bool make_room(int needed, int keep, GenerationResult& result) {
    const int free = cache.capacity() - cache.length();
    if (needed <= free) return true;
    const int movable = cache.length() - keep;
    const int count = std::max(needed - free, movable / 2);
    if (movable <= 0 || count > movable) return false;
    discard(keep, count);
    ++result.context_shifts;
    result.discarded_tokens += count;
    return true;
  }
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
  State& s = *state_;
  const bool was_exact = s.exact == s.cache.length();
  s.decoder->prefill(tokens, s.cache, s.logits, false, s.options.prefill_window);
  s.context.insert(s.context.end(), tokens.begin(), tokens.end());
  if (was_exact) s.exact = s.cache.length();
  return s.logits;
}

const std::vector<float>& Generator::step(TokenId token) { return prefill({token}); }

void Generator::reset() {
  state_->cache.clear();
  state_->context.clear();
  state_->logits.clear();
  state_->exact = 0;
}

int Generator::context_used() const { return state_->cache.length(); }
int Generator::context_length() const { return state_->cache.capacity(); }
const std::vector<TokenId>& Generator::context() const { return state_->context; }

int Generator::keep_common_prefix(const std::vector<TokenId>& tokens) {
  State& s = *state_;
  const std::size_t limit = std::min({s.context.size(), tokens.size() > 0 ? tokens.size() - 1 : 0,
                                      static_cast<std::size_t>(s.exact)});
  std::size_t common = 0;
  while (common < limit && s.context[common] == tokens[common]) ++common;
  s.cache.truncate(static_cast<int>(common));
  s.context.resize(common);
  s.exact = std::min(s.exact, static_cast<int>(common));
  s.logits.clear();
  return static_cast<int>(common);
}

GenerationResult Generator::generate(std::string_view prompt, const GenerationOptions& options, const TextSink& on_text,
                                     const TextSink& on_thinking) {
  const Tokenizer& tokenizer = state_->model->tokenizer();
  // A BOS is added only at the start of a context, and only when the tokenizer wants one.
  bool add_special = context_used() == 0;
  return generate_tokens(tokenizer.encode(prompt, add_special, true), options, on_text, on_thinking);
}

GenerationResult Generator::generate_with_context(const std::vector<TokenId>& context, const GenerationOptions& options,
                                                  const TextSink& on_text, const TextSink& on_thinking) {
  if (context.empty()) throw ModelError("cannot generate from an empty context");
  const int kept = keep_common_prefix(context);
  GenerationResult result =
      generate_tokens(std::vector<TokenId>(context.begin() + kept, context.end()), options, on_text, on_thinking);
  result.reused_tokens = kept;
  return result;
}

GenerationResult Generator::generate_tokens(const std::vector<TokenId>& prompt, const GenerationOptions& options,
                                            const TextSink& on_text, const TextSink& on_thinking) {
  using Clock = std::chrono::steady_clock;
  State& s = *state_;
  GenerationResult result;
  result.prompt_tokens = static_cast<int>(prompt.size());
  if (prompt.empty() && s.logits.empty()) throw ModelError("cannot generate from an empty context");
  const Tokenizer* tokenizer = s.model->impl().tokenizer.get();
  const auto started = Clock::now();
  prefill(prompt);
  result.prefill_seconds = seconds_since(started);
  // What the context holds now (sources, question, earlier turns) stays; a full cache drops
  // the oldest generated tokens instead.
  const int keep = context_used();

  const auto generation_started = Clock::now();
  const ThinkingOptions& thinking = options.thinking;
  Sampler sampler(options.sampling);
  TextStream characters({});          // whole UTF-8 characters
  TextStream answer_text(options.stop);  // the answer, cut at a stop string
  bool cancelled = false;
  auto deliver = [&](const TextSink& sink, std::string_view text) {
    if (!text.empty() && sink && !cancelled) cancelled = !sink(text);
  };
  bool answer_started = false;
  auto on_answer = [&](std::string_view text) {
    std::string printable = answer_text.push(text);
    if (!printable.empty() && !answer_started) {
      answer_started = true;
      result.first_answer_seconds = seconds_since(started);
    }
    deliver(on_text, printable);
  };
  auto on_span = [&](std::string_view text) {
    result.thinking.append(text);
    deliver(on_thinking, text);
  };
  ThinkSplitter splitter(on_answer, on_span, thinking.enabled && thinking.starts_inside);
  auto route = [&](std::string_view text) {
    if (thinking.enabled) splitter.feed(text);
    else on_answer(text);
  };
  bool thought = splitter.in_thinking();  // whether a span was ever open
  auto end_thinking = [&](const std::string& reason) {
    result.thinking_stop_reason = reason;
    result.thinking_seconds = seconds_since(generation_started);
  };
  // Closes the span for the model: the close tag and bridge join the context, not the output.
  // `pending` (the last sampled token, when it belongs in the context) goes in first.
  auto close_thinking = [&](const std::string& reason, std::optional<TokenId> pending) {
    route(characters.finish());
    splitter.close();
    end_thinking(reason);
    std::vector<TokenId> injected;
    if (pending) injected.push_back(*pending);
    if (tokenizer != nullptr) {
      auto close = tokenizer->encode(std::string(kThinkClose) + thinking.bridge, false, true);
      injected.insert(injected.end(), close.begin(), close.end());
    }
    if (!s.make_room(static_cast<int>(injected.size()), keep, result)) return false;
    prefill(injected);
    return true;
  };

  result.stop_reason = "max-tokens";
  if (thinking.enabled && splitter.in_thinking() && thinking.budget == 0 && !close_thinking("budget", std::nullopt))
    result.stop_reason = "context-full";
  while (result.stop_reason != "context-full") {
    if (result.answer_tokens >= options.max_tokens) break;
    if (options.keep_going && !options.keep_going()) {
      result.stop_reason = "cancelled";
      break;
    }
    const TokenId token = sampler.sample(s.logits, s.context);
    result.tokens.push_back(token);
    const bool inside = thinking.enabled && splitter.in_thinking();
    if (options.stop_at_end_of_generation && tokenizer != nullptr && tokenizer->is_end_of_generation(token)) {
      if (!inside) {
        result.stop_reason = "end-of-generation";
        break;
      }
      // An answer is still owed: close the span as the budget would.
      ++result.thinking_tokens;
      if (!close_thinking("end-of-generation", std::nullopt)) result.stop_reason = "context-full";
      continue;
    }
    if (tokenizer != nullptr) route(characters.push(tokenizer->token_text(token)));
    const bool inside_after = thinking.enabled && splitter.in_thinking();
    if (inside || inside_after) {
      ++result.thinking_tokens;
      thought = true;
    } else {
      ++result.answer_tokens;
    }
    if (inside && !inside_after) end_thinking("closed");
    if (answer_text.stopped()) {
      result.stop_reason = "stop-string";
      break;
    }
    if (cancelled) {
      result.stop_reason = "cancelled";
      break;
    }
    if (inside_after && thinking.budget >= 0 && result.thinking_tokens >= thinking.budget) {
      if (!close_thinking("budget", token)) result.stop_reason = "context-full";
      continue;
    }
    if (result.answer_tokens >= options.max_tokens) break;
    if (inside_after && context_used() >= context_length()) {
      // Unbudgeted thinking may take the whole context, no more: then the answer is asked for.
      if (!close_thinking("context-full", token)) result.stop_reason = "context-full";
      continue;
    }
    if (!s.make_room(1, keep, result)) {
      result.stop_reason = "context-full";
      break;
    }
    step(token);
  }
  route(characters.finish());
  if (thinking.enabled) splitter.finish();
  deliver(on_text, answer_text.finish());
  if (thought && result.thinking_stop_reason.empty()) end_thinking(result.stop_reason);
  result.text = answer_text.text();
  result.generation_seconds = seconds_since(generation_started);
  return result;
}

}  // namespace docent::engine
