#include "serve_routes.hpp"

#include <chrono>
#include <cstdio>

#include "docent/engine.hpp"
#include "serve_handlers.hpp"

namespace docent::cli {

namespace {

using Clock = std::chrono::steady_clock;

bool starts_with(std::string_view text, std::string_view prefix) { return text.substr(0, prefix.size()) == prefix; }

// Compares without stopping at the first difference, so response times say nothing of the key.
bool same_key(std::string_view given, std::string_view key) {
  std::size_t difference = given.size() ^ key.size();
  for (std::size_t i = 0; i < given.size(); ++i)
    difference |= static_cast<unsigned char>(given[i]) ^ static_cast<unsigned char>(i < key.size() ? key[i] : 0);
  return difference == 0;
}

// "localhost:8080" -> "localhost", "[::1]:8080" -> "::1".
std::string host_name(const std::string& authority) {
  if (starts_with(authority, "[")) return authority.substr(1, authority.find(']') - 1);
  auto colon = authority.rfind(':');
  return colon == std::string::npos ? authority : authority.substr(0, colon);
}

// A web page's script can reach a loopback server too (a rebound DNS name, a form post): without
// a key, only requests naming the server by a loopback name and from no foreign web origin pass.
void check_caller(const RouteSettings& settings, const HttpRequest& request) {
  if (!settings.api_key.empty()) {
    const std::string authorization = request.header("Authorization");
    if (!starts_with(authorization, "Bearer ") || !same_key(authorization.substr(7), settings.api_key))
      throw ApiError(401, "authentication_error",
                     authorization.empty() ? "This server needs an API key: send 'Authorization: Bearer KEY'."
                                           : "Incorrect API key provided.",
                     "", "invalid_api_key");
    return;
  }
  if (!settings.check_host) return;
  const std::string host = request.header("Host");
  if (!host.empty() && !is_loopback_host(host_name(host)))
    throw ApiError(403, "permission_error", "This server answers requests to localhost only (it was started without --api-key).");
  const std::string origin = request.header("Origin");
  if (!origin.empty() && origin != "null") {
    auto scheme_end = origin.find("://");
    const std::string authority = scheme_end == std::string::npos ? origin : origin.substr(scheme_end + 3);
    if (!is_loopback_host(host_name(authority)))
      throw ApiError(403, "permission_error", "Requests from web pages of other sites are refused (origin " + origin + ").");
  }
}

HttpResponse route(const ServeContext& context, const HttpRequest& request, const Note& note) {
  const std::string& path = request.path;
  const std::string& method = request.method;
  auto only = [&](const char* allowed) {
    if (method != allowed)
      throw ApiError(405, "invalid_request_error", method + " is not allowed on " + path + "; use " + allowed + ".");
  };
  if (path == "/health") {
    only("GET");
    return json_response(200, {{"status", "ok"}});
  }
  if (path == "/v1/models") return only("GET"), list_models(context);
  if (starts_with(path, "/v1/models/")) return only("GET"), get_model(context, path.substr(11));
  if (path == "/v1/chat/completions") return only("POST"), chat_completions(context, request, note);
  if (path == "/v1/embeddings") return only("POST"), embeddings(context, request, note);
  if (path == "/v1/search") return only("POST"), library_search(context, request, note);
  if (path == "/v1/ask") return only("POST"), library_ask(context, request, note);
  if (path == "/v1/documents") return only("GET"), library_documents(context, note);
  if (starts_with(path, "/v1/passages/")) return only("GET"), library_passage(context, path.substr(13), note);
  if (path == "/mcp") return only("POST"), mcp_endpoint(context, request, note);
  throw ApiError(404, "not_found_error", "No endpoint " + path + "; `docent serve --help` lists them.");
}

std::string seconds_since(Clock::time_point start) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3f s", std::chrono::duration<double>(Clock::now() - start).count());
  return text;
}

}  // namespace

bool is_loopback_host(const std::string& host) {
  return host == "localhost" || host == "::1" || host == "ip6-localhost" || starts_with(host, "127.");
}

HttpResponse serve_request(const ServeContext& context, const RouteSettings& settings, const HttpRequest& request,
                           const std::function<void(const std::string&)>& log) {
  const auto start = Clock::now();
  auto note = std::make_shared<RequestNote>();
  HttpResponse response;
  try {
    check_caller(settings, request);
    response = route(context, request, note);
  } catch (const ApiError& error) {
    response = error_response(error);
    note->text = error.what();
  } catch (const engine::ModelError& error) {
    response = error_response(ApiError(500, "server_error", error.what()));
    note->text = error.what();
  } catch (const std::exception& error) {
    response = error_response(ApiError(500, "server_error", std::string("The request failed: ") + error.what()));
    note->text = error.what();
  }
  const std::string what = request.remote + " " + request.method + " " + request.path + " " + std::to_string(response.status);
  if (!response.stream) {
    log(what + " " + seconds_since(start) + (note->text.empty() ? "" : " - " + note->text));
    return response;
  }
  // The work happens as the body is written: log when it is done, and never let a failure
  // escape into the transport.
  auto inner = std::move(response.stream);
  const bool sse = response.content_type == "text/event-stream";
  response.stream = [inner = std::move(inner), note, start, what, log, sse](const std::function<bool(std::string_view)>& write) {
    try {
      inner(write);
    } catch (const std::exception& error) {
      note->text += std::string(" - failed: ") + error.what();
      const std::string body = error_json(ApiError(500, "server_error", error.what())).dump();
      write(sse ? "data: " + body + "\n\n" : body);
    }
    log(what + " " + seconds_since(start) + (note->text.empty() ? "" : " - " + note->text));
  };
  return response;
}

}  // namespace docent::cli
