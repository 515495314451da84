#pragma once
// The endpoints of `docent serve`, each a function of the request (routing, authentication and
// the request log are in serve.cpp).
#include <memory>

#include "serve_context.hpp"

namespace docent::cli {

using Note = std::shared_ptr<RequestNote>;

// OpenAI-compatible.
HttpResponse list_models(const ServeContext& context);
HttpResponse get_model(const ServeContext& context, const std::string& id);
HttpResponse chat_completions(const ServeContext& context, const HttpRequest& request, const Note& note);
HttpResponse embeddings(const ServeContext& context, const HttpRequest& request, const Note& note);

// The library, in the shapes of the CLI's --json.
HttpResponse library_search(const ServeContext& context, const HttpRequest& request, const Note& note);
HttpResponse library_ask(const ServeContext& context, const HttpRequest& request, const Note& note);
HttpResponse library_documents(const ServeContext& context, const Note& note);
HttpResponse library_passage(const ServeContext& context, const std::string& id, const Note& note);

// The Model Context Protocol's HTTP transport (a JSON reply per POST; no server-sent stream).
HttpResponse mcp_endpoint(const ServeContext& context, const HttpRequest& request, const Note& note);
// The `ask` tool's answers, queued on the answer model as /v1/ask's are.
retrieval::Answer mcp_ask(const ServeContext& context, const AskParams& params, const std::function<bool()>& keep_going);

// For the library's answers: the generation options of the answer model (nullopt: extractive),
// queued on that model. Shared by POST /v1/ask and the `docent` chat model.
std::optional<retrieval::GenerativeOptions> answer_generation(const ServeContext& context, const std::optional<int>& max_tokens,
                                                              const std::optional<float>& temperature,
                                                              const std::optional<float>& top_p,
                                                              const std::optional<std::uint64_t>& seed);
// A place in the answer model's line, or 503 when it is full; an empty turn when no model answers.
std::shared_ptr<GenerationQueue::Turn> join_queue(const ServedModel* model);

}  // namespace docent::cli
