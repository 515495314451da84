#pragma once
// A loaded generator shared by `ask` (one answer) and a conversation (many turns, one load).
#include <memory>
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

// Throws engine::ModelError for a bad model file.
LoadedGenerator load_generator(const GenerativeOptions& generation);

struct GeneratedText {
  std::string answer;
  std::string thinking;
};
// One completion of `messages` from a fresh context, the <think> span split off. `skip_thinking`
// closes a reasoning model's (already opened) <think> span at once, for short mechanical tasks.
GeneratedText run_chat(LoadedGenerator& loaded, const std::vector<engine::ChatMessage>& messages, int max_tokens,
                       const GenerativeOptions& generation, bool stream, bool skip_thinking = false);

// answer_generative with the model already loaded: retrieves with `search_query`, asks
// `question` with the recent `history` (oldest dropped first to fit the context) before it.
Answer answer_with_generator(const index::Library& library, const std::string& question, const std::string& search_query,
                             const AnswerOptions& options, const GenerativeOptions& generation, LoadedGenerator& loaded,
                             const std::vector<ConversationExchange>& history);

}  // namespace docent::retrieval
