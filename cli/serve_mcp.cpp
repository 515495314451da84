// POST /mcp: the Model Context Protocol's HTTP transport over the same server. Each POST holds
// one JSON-RPC message; a request gets its reply as application/json, a notification 202.
#include "mcp_server.hpp"
#include "serve_handlers.hpp"

namespace docent::cli {

using nlohmann::json;

retrieval::Answer mcp_ask(const ServeContext& context, const AskParams& params, const std::function<bool()>& keep_going) {
  auto generation = params.extractive ? std::nullopt : answer_generation(context, {}, {}, {}, {});
  auto turn = join_queue(generation ? context.models->answer_model() : nullptr);  // ApiError 503: the tool's error
  if (!generation) return context.library->ask(params, std::nullopt);
  if (!turn->wait(keep_going)) return retrieval::Answer{};  // the client left; no one reads it
  generation->keep_going = keep_going;
  return context.library->ask(params, generation);
}

HttpResponse mcp_endpoint(const ServeContext& context, const HttpRequest& request, const Note& note) {
  if (context.mcp == nullptr)
    throw ApiError(404, "not_found_error", "This server has no library to offer over MCP.", "", "no_library");
  const std::string version = request.header("MCP-Protocol-Version");
  if (!version.empty() && !McpServer::supported_version(version))
    throw ApiError(400, "invalid_request_error", "Unsupported MCP-Protocol-Version: " + version + " (this server speaks " +
                                                     kMcpProtocolVersion + ").");
  json message;
  try {
    message = parse_json_object(request.body);
  } catch (const ApiError& error) {
    return json_response(400, McpServer::error_reply(nullptr, -32700, std::string("Parse error: ") + error.what()));
  }
  const bool is_request = message.contains("method") && message.contains("id");
  note->text = "mcp " + (message.contains("method") && message["method"].is_string() ? message["method"].get<std::string>()
                                                                                       : std::string("message"));
  if (!is_request) {
    auto reply = context.mcp->handle(message, [] { return true; });
    if (reply) return json_response(400, *reply);  // a malformed message
    HttpResponse accepted;
    accepted.status = 202;
    accepted.content_type = "text/plain";
    return accepted;
  }
  // Answered as the body is written, so a long `ask` stops when the client leaves.
  HttpResponse response;
  McpServer* mcp = context.mcp;
  response.stream = [mcp, message](const std::function<bool(std::string_view)>& write) {
    auto reply = mcp->handle(message, [&] { return write(""); });
    if (reply) write(dump_json(*reply));
  };
  return response;
}

}  // namespace docent::cli
