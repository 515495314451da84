// GET /v1/models and POST /v1/embeddings.
#include "api_openai.hpp"
#include "serve_handlers.hpp"

namespace docent::cli {

using nlohmann::json;

namespace {
json model_json(const ServedModel& model) {
  json entry = {{"id", model.id}, {"object", "model"}, {"created", model.created}, {"owned_by", "docent"},
                {"docent", {{"kind", std::string(to_string(model.kind))}}}};
  if (!model.path.empty()) entry["docent"]["path"] = model.path.string();
  if (model.kind == ServedKind::generator) entry["docent"]["context_length"] = model.context_length;
  if (model.kind == ServedKind::embedder) entry["docent"]["dimension"] = model.embedder->dimension();
  return entry;
}
}  // namespace

HttpResponse list_models(const ServeContext& context) {
  json data = json::array();
  for (const auto& model : context.models->models()) data.push_back(model_json(*model));
  return json_response(200, {{"object", "list"}, {"data", data}});
}

HttpResponse get_model(const ServeContext& context, const std::string& id) {
  return json_response(200, model_json(find_model(context, id)));
}

HttpResponse embeddings(const ServeContext& context, const HttpRequest& request, const Note& note) {
  const EmbeddingRequest parsed = parse_embedding_request(request.body);
  ServedModel& served = find_model(context, parsed.model);
  if (served.kind != ServedKind::embedder)
    throw invalid_request("The model '" + parsed.model + "' does not make embeddings; use an embedding (BERT) model.", "model",
                          "model_not_supported");
  const auto& embedder = *served.embedder;
  if (parsed.dimensions && *parsed.dimensions != embedder.dimension())
    throw invalid_request("The model '" + parsed.model + "' makes vectors of " + std::to_string(embedder.dimension()) +
                              " dimensions, not " + std::to_string(*parsed.dimensions) + ".",
                          "dimensions");
  int tokens = 0;
  for (std::size_t i = 0; i < parsed.input.size(); ++i) {
    // Its input limit counts the [CLS] and [SEP] markers around the text.
    const int count = static_cast<int>(embedder.count_tokens(parsed.input[i]));
    if (count + 2 > embedder.max_tokens())
      throw invalid_request("input[" + std::to_string(i) + "] has " + std::to_string(count) + " tokens; the model '" +
                                parsed.model + "' reads at most " + std::to_string(embedder.max_tokens() - 2) + ".",
                            "input", "context_length_exceeded");
    tokens += count;
  }
  const auto vectors = embedder.embed(parsed.input);
  json data = json::array();
  for (std::size_t i = 0; i < vectors.size(); ++i)
    data.push_back({{"object", "embedding"},
                    {"index", i},
                    {"embedding", parsed.base64 ? json(base64_floats(vectors[i])) : json(vectors[i])}});
  note->text = parsed.model + ": " + std::to_string(parsed.input.size()) + " inputs, " + std::to_string(tokens) + " tokens";
  return json_response(200, {{"object", "list"},
                             {"data", data},
                             {"model", parsed.model},
                             {"usage", {{"prompt_tokens", tokens}, {"total_tokens", tokens}}}});
}

}  // namespace docent::cli
