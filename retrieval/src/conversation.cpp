// `docent chat`: a conversation keeps its history, rewrites follow-ups into standalone queries
// (by the model when there is one, else by the rule in follow_up.cpp) and answers like `ask`.
#include <algorithm>
#include <optional>
#include <set>

#include "docent/retrieval.hpp"
#include "generation.hpp"
#include "text_terms.hpp"

namespace docent::retrieval {

namespace {

constexpr const char* kRewriteInstructions =
    "Rewrite the user's last question as one standalone question for searching their documents: "
    "replace words like \"it\", \"they\" or \"that\" with what they refer to in the conversation, "
    "and keep everything else the user asked. Reply with the rewritten question only, on one line.";

constexpr std::size_t kAnswerWordsShown = 60;  // of each earlier answer, in the rewrite prompt
constexpr int kRewriteContext = 2048;          // the rewrite prompt: recent questions and answer openings

std::string first_words(const std::string& text, std::size_t words) {
  std::string out;
  std::size_t count = 0;
  bool in_word = false;
  for (char c : one_line(text)) {
    bool space = c == ' ';
    if (!space && !in_word && ++count > words) return out + " ...";
    in_word = !space;
    out += c;
  }
  return out;
}

// The first non-empty line of a model's reply, without a label or quotes around it.
std::string clean_rewrite(const std::string& reply) {
  std::string line;
  for (std::size_t start = 0; start <= reply.size();) {
    auto end = reply.find('\n', start);
    if (end == std::string::npos) end = reply.size();
    line = one_line(reply.substr(start, end - start));
    if (!line.empty()) break;
    start = end + 1;
  }
  for (const char* label : {"standalone question:", "rewritten question:", "question:", "query:"}) {
    std::string lower = line.substr(0, std::string_view(label).size());
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower == label) line = one_line(line.substr(lower.size()));
  }
  while (!line.empty() && (line.front() == '"' || line.front() == '\'' || line.front() == ' ')) line.erase(0, 1);
  while (!line.empty() && (line.back() == '"' || line.back() == '\'' || line.back() == ' ')) line.pop_back();
  return line;
}

}  // namespace

struct Conversation::State {
  const index::Library* library = nullptr;
  ConversationOptions options;
  std::optional<LoadedGenerator> loaded;
  // Rewrites run on a cache of their own, so the answers' cache keeps the conversation's prompt.
  std::optional<LoadedGenerator> rewriter;
  Transcript transcript;
  std::vector<ConversationExchange> history;

  std::vector<ConversationExchange> recent() const {
    auto keep = std::min(history.size(), options.history_exchanges);
    return {history.end() - static_cast<std::ptrdiff_t>(keep), history.end()};
  }

  // The model's standalone form of `question`, checked: a reply that shares no content word
  // with the question or the conversation's last query is not a rewrite of them (a random-weight
  // or confused model), and the rule is used instead.
  QueryRewrite rewrite_with_model(const std::string& question) {
    std::string conversation = "Conversation:\n";
    for (const auto& exchange : recent())
      conversation += "User: " + one_line(exchange.question) + "\nAssistant: " + first_words(exchange.answer, kAnswerWordsShown) + "\n";
    conversation += "\nLast question: " + one_line(question);
    std::vector<engine::ChatMessage> messages;
    if (!rewriter->defaults.system_turn) {
      messages.push_back({"user", std::string(kRewriteInstructions) + "\n\n" + conversation});
    } else {
      messages.push_back({"system", kRewriteInstructions});
      messages.push_back({"user", conversation});
    }
    // A mechanical task: a reasoning model's thinking is closed at once (budget 0).
    auto reply = run_chat(*rewriter, messages, options.rewrite_max_tokens, 0, *options.generation, false);
    std::string rewritten = clean_rewrite(reply.answer);

    const std::string& previous = history.back().query;
    std::set<std::string> known;
    for (const auto& term : content_terms(question + " " + previous)) known.insert(term);
    bool related = false;
    for (const auto& term : content_terms(rewritten)) related = related || known.count(term) > 0;
    if (rewritten.empty() || rewritten.size() > 4 * (question.size() + previous.size()) || !related) {
      auto rule = rewrite_follow_up(previous, question);
      rule.note = rewritten.empty() ? "the model gave no rewrite within its token limit; the rule was used"
                                    : "the model's rewrite shared no words with the conversation; the rule was used";
      return rule;
    }
    QueryRewrite rewrite;
    rewrite.method = "model";
    rewrite.query = rewritten;
    rewrite.follow_up = one_line(rewritten) != one_line(question);
    return rewrite;
  }
};

Conversation::Conversation(const index::Library& library, ConversationOptions options)
    : state_(std::make_unique<State>()) {
  state_->library = &library;
  state_->options = std::move(options);
  if (state_->options.generation) {
    state_->loaded = load_generator(*state_->options.generation);
    state_->rewriter = share_model(*state_->loaded, std::min(kRewriteContext, state_->loaded->generator->context_length()));
  }
}

Conversation::~Conversation() = default;
Conversation::Conversation(Conversation&&) noexcept = default;

Conversation::Reply Conversation::ask(const std::string& question) {
  auto& state = *state_;
  Reply reply;
  if (state.history.empty()) reply.rewrite = rewrite_follow_up("", question);
  else if (state.loaded) reply.rewrite = state.rewrite_with_model(question);
  else reply.rewrite = rewrite_follow_up(state.history.back().query, question);
  if (state.options.on_rewrite) state.options.on_rewrite(reply.rewrite);

  if (state.loaded)
    reply.answer = answer_with_generator(*state.library, question, reply.rewrite.query, state.options.answer,
                                         *state.options.generation, *state.loaded, state.recent(), &state.transcript);
  else {
    auto options = state.options.answer;
    options.focus = reply.rewrite.focus;
    reply.answer = answer_extractive(*state.library, reply.rewrite.query, options);
  }
  state.history.push_back({question, reply.rewrite.query, reply.answer.text});
  return reply;
}

void Conversation::reset() {
  state_->history.clear();
  state_->transcript.clear();
}
const std::vector<ConversationExchange>& Conversation::history() const { return state_->history; }

}  // namespace docent::retrieval
