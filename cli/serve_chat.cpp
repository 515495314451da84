// POST /v1/chat/completions: a generator model's reply in its own chat template, or, for the
// model `docent`, an answer from the library with its citations (the `ask --json` object).
#include "answer_print.hpp"
#include "api_openai.hpp"
#include "serve_handlers.hpp"

namespace docent::cli {

using nlohmann::json;
using Write = std::function<bool(std::string_view)>;

namespace {

std::string finish_reason(const std::string& stop) {
  return stop == "max-tokens" || stop == "context-full" ? "length" : "stop";
}

json usage_json(int prompt, int thinking, int answer) {
  return {{"prompt_tokens", prompt},
          {"completion_tokens", thinking + answer},
          {"total_tokens", prompt + thinking + answer},
          {"completion_tokens_details", {{"reasoning_tokens", thinking}}}};
}

// The chunks of one streamed completion, as server-sent events.
class ChunkStream {
 public:
  ChunkStream(const Write& write, std::string id, std::string model)
      : write_(write), id_(std::move(id)), model_(std::move(model)), created_(unix_now()) {}

  bool content(std::string_view text) { return delta({{"content", text}}); }
  bool reasoning(std::string_view text) { return delta({{"reasoning_content", text}}); }
  bool finish(const std::string& reason, const json& extra) {
    json chunk = base();
    chunk["choices"] = json::array({{{"index", 0}, {"delta", json::object()}, {"finish_reason", reason}, {"logprobs", nullptr}}});
    for (const auto& [key, value] : extra.items()) chunk[key] = value;
    return send(chunk);
  }
  bool usage(const json& usage) {
    json chunk = base();
    chunk["choices"] = json::array();
    chunk["usage"] = usage;
    return send(chunk);
  }
  bool done() { return write_(sse_data("[DONE]")); }

 private:
  json base() const {
    return {{"id", id_}, {"object", "chat.completion.chunk"}, {"created", created_}, {"model", model_},
            {"system_fingerprint", nullptr}};
  }
  bool delta(json delta) {
    if (!role_sent_) delta["role"] = "assistant";
    role_sent_ = true;
    json chunk = base();
    chunk["choices"] = json::array({{{"index", 0}, {"delta", delta}, {"finish_reason", nullptr}, {"logprobs", nullptr}}});
    return send(chunk);
  }
  bool send(const json& chunk) { return write_(sse_data(dump_json(chunk))); }

  const Write& write_;
  std::string id_, model_;
  std::int64_t created_;
  bool role_sent_ = false;
};

json completion_json(const std::string& model, const std::string& content, const std::string& reasoning,
                     const std::string& finish, const json& usage) {
  json message = {{"role", "assistant"}, {"content", content}};
  if (!reasoning.empty()) message["reasoning_content"] = reasoning;
  return {{"id", response_id("chatcmpl")},
          {"object", "chat.completion"},
          {"created", unix_now()},
          {"model", model},
          {"system_fingerprint", nullptr},
          {"choices", json::array({{{"index", 0}, {"message", message}, {"finish_reason", finish}, {"logprobs", nullptr}}})},
          {"usage", usage}};
}

HttpResponse streamed_response(bool sse) {
  HttpResponse response;
  response.content_type = sse ? "text/event-stream" : "application/json";
  if (sse) response.headers.emplace_back("Cache-Control", "no-cache");
  return response;
}

// The request's turns in the model's template: a family without a system turn (DeepSeek-R1)
// gets the instructions at the start of the first user turn, as its publisher advises.
std::vector<engine::ChatMessage> template_messages(const engine::ChatDefaults& defaults, const std::vector<ChatTurn>& turns) {
  std::vector<engine::ChatMessage> messages;
  std::string instructions;
  for (const auto& turn : turns) {
    if (turn.role == "system" && !defaults.system_turn) {
      instructions += (instructions.empty() ? "" : "\n\n") + turn.content;
      continue;
    }
    if (!instructions.empty() && turn.role == "user") {
      messages.push_back({"user", instructions + "\n\n" + turn.content});
      instructions.clear();
      continue;
    }
    messages.push_back({turn.role, turn.content});
  }
  if (!instructions.empty()) messages.push_back({"user", instructions});
  return messages;
}

HttpResponse generator_chat(const ServeContext& context, ServedModel& served, const ChatCompletionRequest& request,
                            const Note& note) {
  const auto messages = template_messages(served.defaults, request.messages);
  auto prompt = std::make_shared<std::vector<engine::TokenId>>(
      engine::encode_chat(served.model->tokenizer(), served.defaults.family, messages, true));
  const int prompt_tokens = static_cast<int>(prompt->size());
  if (prompt_tokens >= served.context_length)
    throw invalid_request("This model's context holds " + std::to_string(served.context_length) +
                              " tokens; the messages take " + std::to_string(prompt_tokens) + ".",
                          "messages", "context_length_exceeded");
  engine::GenerationOptions options;
  options.max_tokens = request.max_tokens.value_or(context.settings.max_tokens);
  options.stop = request.stop;
  options.sampling = served.defaults.sampling;
  if (context.settings.temperature) options.sampling.temperature = *context.settings.temperature;
  if (context.settings.top_p) options.sampling.top_p = *context.settings.top_p;
  if (request.temperature) options.sampling.temperature = *request.temperature;
  if (request.top_p) options.sampling.top_p = *request.top_p;
  options.sampling.seed = request.seed.value_or(context.settings.seed);
  options.thinking.enabled = served.defaults.reasons || served.defaults.opens_thinking;
  options.thinking.starts_inside = served.defaults.opens_thinking;
  options.thinking.budget = context.settings.think_budget;

  auto turn = join_queue(&served);
  HttpResponse response = streamed_response(request.stream);
  response.stream = [&served, prompt, options, turn, note, stream = request.stream, include_usage = request.include_usage,
                     model = request.model](const Write& write) {
    if (!turn->wait([&] { return write(""); })) {
      note->text = model + ": the client left while waiting for the model";
      return;
    }
    if (!served.generator)
      served.generator = std::make_unique<engine::Generator>(served.model, engine::GeneratorOptions{.context_length = served.context_length});
    ChunkStream chunks(write, response_id("chatcmpl"), model);
    engine::GenerationOptions watched = options;
    watched.keep_going = [&] { return write(""); };
    engine::GenerationResult result =
        stream ? served.generator->generate_with_context(
                     *prompt, watched, [&](std::string_view text) { return chunks.content(text); },
                     [&](std::string_view text) { return chunks.reasoning(text); })
               : served.generator->generate_with_context(*prompt, watched);
    const int prompt_count = static_cast<int>(prompt->size());
    note->text = model + ": " + std::to_string(prompt_count) + " prompt tokens (" + std::to_string(result.reused_tokens) +
                 " reused), " + std::to_string(result.thinking_tokens) + " thinking + " +
                 std::to_string(result.answer_tokens) + " answer tokens, stop: " + result.stop_reason;
    if (result.stop_reason == "cancelled") {
      note->text += " (the client left)";
      return;
    }
    const json usage = usage_json(prompt_count, result.thinking_tokens, result.answer_tokens);
    if (!stream) {
      write(dump_json(completion_json(model, result.text, result.thinking, finish_reason(result.stop_reason), usage)));
      return;
    }
    if (chunks.finish(finish_reason(result.stop_reason), json::object()) && (!include_usage || chunks.usage(usage)))
      chunks.done();
  };
  return response;
}

// The question is the last user turn; earlier turns are not searched (each request stands alone).
HttpResponse library_chat(const ServeContext& context, const ChatCompletionRequest& request, const Note& note) {
  std::string question;
  for (const auto& turn : request.messages)
    if (turn.role == "user") question = turn.content;
  if (question.find_first_not_of(" \t\r\n") == std::string::npos)
    throw invalid_request("The model 'docent' answers the last user message, and there is none with words in it.", "messages");
  if (!request.stop.empty())
    throw invalid_request("'stop' is not supported by the model 'docent' (its answers end with their citations).", "stop",
                          "unsupported_parameter");
  AskParams params;
  params.question = question;
  auto generation = answer_generation(context, request.max_tokens, request.temperature, request.top_p, request.seed);
  auto turn = join_queue(context.models->answer_model());
  HttpResponse response = streamed_response(request.stream);
  response.stream = [&context, params, generation, turn, note, stream = request.stream,
                     include_usage = request.include_usage](const Write& write) mutable {
    if (generation && !turn->wait([&] { return write(""); })) {
      note->text = "docent: the client left while waiting for the model";
      return;
    }
    ChunkStream chunks(write, response_id("chatcmpl"), "docent");
    if (generation) {
      generation->keep_going = [&] { return write(""); };
      if (stream) {
        generation->on_answer = [&](std::string_view text) { chunks.content(text); };
        generation->on_thinking = [&](std::string_view text) { chunks.reasoning(text); };
      }
    }
    retrieval::Answer answer = context.library->ask(params, generation);
    int prompt = 0, thinking = 0, written = 0;
    std::string stop = "end-of-generation";
    if (answer.generation) {
      prompt = answer.generation->prompt_tokens + answer.generation->reused_tokens;
      thinking = answer.generation->thinking_tokens;
      written = answer.generation->answer_tokens;
      stop = answer.generation->answer_stop;
    }
    note->text = std::string("docent: ") + (answer.extractive ? "extractive" : "generated") + " answer, " +
                 std::to_string(answer.citations.size()) + " citations" + (answer.found ? "" : ", nothing found");
    if (answer.generation)
      note->text += ", " + std::to_string(prompt) + " prompt + " + std::to_string(thinking + written) + " tokens";
    if (stop == "cancelled") {
      note->text += " (the client left)";
      return;
    }
    json library = answer_json(answer);
    library["question"] = params.question;
    const json usage = usage_json(prompt, thinking, written);
    if (!stream) {
      json body = completion_json("docent", answer.text, answer.thinking, finish_reason(stop), usage);
      body["docent"] = library;
      write(dump_json(body));
      return;
    }
    // An extractive answer (or one with nothing found) was not streamed as it was written.
    if (!answer.generation && !chunks.content(answer.text)) return;
    if (chunks.finish(finish_reason(stop), {{"docent", library}}) && (!include_usage || chunks.usage(usage))) chunks.done();
  };
  return response;
}

}  // namespace

std::shared_ptr<GenerationQueue::Turn> join_queue(const ServedModel* model) {
  if (model == nullptr) return std::make_shared<GenerationQueue::Turn>();
  auto turn = model->queue->join();
  if (!turn)
    throw ApiError(503, "server_error",
                   "The model '" + model->id + "' is busy and its line is full; retry in a moment.", "", "queue_full");
  return std::make_shared<GenerationQueue::Turn>(std::move(*turn));
}

std::optional<retrieval::GenerativeOptions> answer_generation(const ServeContext& context, const std::optional<int>& max_tokens,
                                                              const std::optional<float>& temperature,
                                                              const std::optional<float>& top_p,
                                                              const std::optional<std::uint64_t>& seed) {
  const ServedModel* model = context.models->answer_model();
  if (model == nullptr) return std::nullopt;
  retrieval::GenerativeOptions generation;
  generation.model = model->path;
  generation.loaded_model = model->model;
  generation.max_tokens = max_tokens.value_or(context.settings.max_tokens);
  generation.think_budget = context.settings.think_budget;
  generation.temperature = temperature ? temperature : context.settings.temperature;
  generation.top_p = top_p ? top_p : context.settings.top_p;
  generation.seed = seed.value_or(context.settings.seed);
  generation.context_length = model->context_length;
  return generation;
}

HttpResponse chat_completions(const ServeContext& context, const HttpRequest& request, const Note& note) {
  const ChatCompletionRequest chat = parse_chat_completion(request.body);
  ServedModel& served = find_model(context, chat.model);
  note->text = chat.model;
  if (served.kind == ServedKind::library) return library_chat(context, chat, note);
  if (served.kind != ServedKind::generator)
    throw invalid_request("The model '" + chat.model + "' is an embedding model: use it with /v1/embeddings.", "model",
                          "model_not_supported");
  return generator_chat(context, served, chat, note);
}

}  // namespace docent::cli
