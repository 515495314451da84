#pragma once
// A loaded generator shared by `ask` (one answer) and a conversation (many turns, one load),
// and the prompt a conversation has built so far.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "docent/engine.hpp"
#include "docent/retrieval.hpp"

namespace docent::retrieval {

struct LoadedGenerator {
  std::shared_ptr<const engine::Model> model;
  std::unique_ptr<engine::Generator> generator;
  engine::ChatDefaults defaults;  // the model's; family chatml when the file names none
};

// Throws engine::ModelError for a bad model file. `context_length` 0: generation.context_length.
LoadedGenerator load_generator(const GenerativeOptions& generation, int context_length = 0);
// Another generator (its own cache, `context_length` tokens) over the same loaded model.
LoadedGenerator share_model(const LoadedGenerator& loaded, int context_length);

// The model's sampling defaults with the caller's overrides.
engine::SamplingOptions sampling_for(const LoadedGenerator& loaded, const GenerativeOptions& generation);

struct GeneratedText {
  std::string answer;
  std::string thinking;
  engine::GenerationResult result;  // counts, stop reasons, timings
  double tokenize_seconds = 0;      // rendering and encoding the prompt
};
// The reply to `messages` in the model's chat template, its <think> span split off and bounded
// by `think_budget` (the engine then closes it with `bridge`). The generator's cache keeps the
// longest prefix this prompt shares with the last one (a conversation's turns extend each other).
GeneratedText run_chat(LoadedGenerator& loaded, const std::vector<engine::ChatMessage>& messages, int max_tokens,
                       int think_budget, const GenerativeOptions& generation, bool stream, const std::string& bridge = "");

// What a conversation has shown the model, kept so that each turn's prompt extends the last
// one's verbatim and the cache of it is reused: the messages as sent (the last a user turn),
// the sources they numbered [1]..[n], and the reply still to be appended.
struct Transcript {
  std::vector<engine::ChatMessage> messages;
  std::vector<ContextWindow> windows;
  std::string last_answer;
  void clear() { *this = Transcript{}; }
};

// answer_generative with the model already loaded: retrieves with `search_query` and asks
// `question`. With a `transcript` (a conversation), the prompt extends the previous turn's:
// sources already shown keep their numbers and only new ones are added, within a third of the
// budget (the earlier ones are still in the prompt); when that no longer fits the context, the
// prompt starts afresh with the recent `history` as plain exchanges.
Answer answer_with_generator(const index::Library& library, const std::string& question, const std::string& search_query,
                             const AnswerOptions& options, const GenerativeOptions& generation, LoadedGenerator& loaded,
                             const std::vector<ConversationExchange>& history, Transcript* transcript = nullptr);

}  // namespace docent::retrieval
