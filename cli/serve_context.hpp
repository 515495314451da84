#pragma once
// What every handler of `docent serve` shares: the models, the library, the defaults taken from
// the command line and config, and how a response is written.
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "api_error.hpp"
#include "http_transport.hpp"
#include "library_service.hpp"
#include "serve_models.hpp"

namespace docent::cli {

struct ServeSettings {
  int max_tokens = 512;  // when a request gives none
  int think_budget = retrieval::kDefaultThinkBudget;
  std::optional<float> temperature;  // the server's default over the model's; a request's wins
  std::optional<float> top_p;
  std::uint64_t seed = 0;
  int context = 0;
};

class McpServer;

struct ServeContext {
  const ModelRegistry* models = nullptr;
  const LibraryService* library = nullptr;  // null: serving models only
  McpServer* mcp = nullptr;                 // POST /mcp (null without a library)
  ServeSettings settings;
};

// What the request log line says about a request beyond its method, path, status and time
// (the model, tokens, why it stopped); filled by the handler, also from a streaming body.
struct RequestNote {
  std::string text;
};

HttpResponse json_response(int status, const nlohmann::json& body);
HttpResponse error_response(const ApiError& error);
// JSON text for a response body: invalid UTF-8 from a document or a model is replaced, never fatal.
std::string dump_json(const nlohmann::json& value);
// "chatcmpl-<24 hex digits>".
std::string response_id(std::string_view prefix);
std::int64_t unix_now();

// The model a request names; ApiError 404 (model_not_found) when there is none.
ServedModel& find_model(const ServeContext& context, const std::string& id);

}  // namespace docent::cli
