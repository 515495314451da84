#include "mcp_server.hpp"

#include <algorithm>

#include "answer_print.hpp"
#include "api_error.hpp"
#include "api_library.hpp"

namespace docent::cli {

using nlohmann::json;

namespace {

// JSON-RPC and MCP error codes.
constexpr int kParseError = -32700, kInvalidRequest = -32600, kMethodNotFound = -32601, kInvalidParams = -32602,
              kInternalError = -32603, kResourceNotFound = -32002;
constexpr std::size_t kResourcesPerPage = 100;

// A protocol-level failure (unknown tool, bad parameters of a method), sent as a JSON-RPC error.
struct RpcError {
  int code;
  std::string message;
};

json passage_schema() {
  return {{"type", "object"},
          {"properties",
           {{"chunk_id", {{"type", "integer"}}}, {"document_id", {{"type", "integer"}}}, {"path", {{"type", "string"}}},
            {"title", {{"type", "string"}}}, {"first_page", {{"type", "integer"}}}, {"last_page", {{"type", "integer"}}},
            {"text", {{"type", "string"}}}}},
          {"required", {"chunk_id", "path", "first_page", "last_page", "text"}}};
}

json tools() {
  json hit = {{"type", "object"},
              {"properties",
               {{"chunk_id", {{"type", "integer"}}}, {"path", {{"type", "string"}}}, {"title", {{"type", "string"}}},
                {"first_page", {{"type", "integer"}}}, {"last_page", {{"type", "integer"}}},
                {"score", {{"type", "number"}}}, {"snippet", {{"type", "string"}}}}},
              {"required", {"chunk_id", "path", "first_page", "last_page", "snippet"}}};
  json citation = {{"type", "object"},
                   {"properties", {{"number", {{"type", "integer"}}}, {"path", {{"type", "string"}}},
                                   {"page", {{"type", "integer"}}}, {"quote", {{"type", "string"}}}}},
                   {"required", {"number", "path", "page", "quote"}}};
  json document = {{"type", "object"},
                   {"properties", {{"id", {{"type", "integer"}}}, {"path", {{"type", "string"}}}, {"title", {{"type", "string"}}},
                                   {"status", {{"type", "string"}}}, {"pages", {{"type", "integer"}}}}},
                   {"required", {"id", "path", "status", "pages"}}};
  json read_only = {{"readOnlyHint", true}, {"openWorldHint", false}};
  return json::array({
      {{"name", "search"},
       {"title", "Search the library"},
       {"description", "Find passages in the user's local documents (keyword BM25, dense or hybrid). Each result names its "
                       "file and pages and carries a chunk_id for get_passage."},
       {"inputSchema", search_params_schema()},
       {"outputSchema", {{"type", "object"},
                         {"properties", {{"query", {{"type", "string"}}}, {"mode", {{"type", "string"}}},
                                         {"results", {{"type", "array"}, {"items", hit}}}}},
                         {"required", {"query", "mode", "results"}}}},
       {"annotations", read_only}},
      {{"name", "ask"},
       {"title", "Ask the library"},
       {"description", "Answer a question from the user's local documents; every claim is cited to file and page. "
                       "found is false when nothing in the library answers it."},
       {"inputSchema", ask_params_schema()},
       {"outputSchema", {{"type", "object"},
                         {"properties", {{"answer", {{"type", "string"}}}, {"found", {{"type", "boolean"}}},
                                         {"citations", {{"type", "array"}, {"items", citation}}}}},
                         {"required", {"answer", "found", "citations"}}}},
       {"annotations", read_only}},
      {{"name", "list_documents"},
       {"title", "List the documents"},
       {"description", "The documents in the library with their status, pages and chunks."},
       {"inputSchema", {{"type", "object"}, {"properties", json::object()}, {"additionalProperties", false}}},
       {"outputSchema", {{"type", "object"},
                         {"properties", {{"documents", {{"type", "array"}, {"items", document}}}}},
                         {"required", {"documents"}}}},
       {"annotations", read_only}},
      {{"name", "get_passage"},
       {"title", "Read a passage"},
       {"description", "One passage in full by the chunk_id a search result carries, with its file and pages."},
       {"inputSchema", passage_params_schema()},
       {"outputSchema", passage_schema()},
       {"annotations", read_only}},
  });
}

std::string document_uri(std::int64_t id) { return "docent://documents/" + std::to_string(id); }

std::string file_name(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

json tool_result(const json& structured) {
  return {{"content", json::array({{{"type", "text"}, {"text", structured.dump(-1, ' ', false, json::error_handler_t::replace)}}})},
          {"structuredContent", structured},
          {"isError", false}};
}

json tool_failure(const std::string& message) {
  return {{"content", json::array({{{"type", "text"}, {"text", message}}})}, {"isError", true}};
}

// "docent://documents/12" -> 12; 0 when the uri is not a document of this server.
std::int64_t document_id_of(const std::string& uri) {
  const std::string prefix = "docent://documents/";
  if (uri.rfind(prefix, 0) != 0) return 0;
  const std::string digits = uri.substr(prefix.size());
  if (digits.empty() || digits.size() > 18 || !std::all_of(digits.begin(), digits.end(), ::isdigit)) return 0;
  return std::stoll(digits);
}

}  // namespace

McpServer::McpServer(const LibraryService& library, McpAsk ask) : library_(library), ask_(std::move(ask)) {}

bool McpServer::supported_version(std::string_view version) {
  if (version == kMcpProtocolVersion) return true;
  for (const char* older : kMcpOlderVersions)
    if (version == older) return true;
  return false;
}

json McpServer::error_reply(const json& id, int code, const std::string& message) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", code}, {"message", message}}}};
}

std::optional<json> McpServer::handle_text(std::string_view line, const std::function<bool()>& keep_going) {
  json message;
  try {
    message = parse_json_object(line);  // refuses absurd nesting before parsing
  } catch (const ApiError& error) {
    return error_reply(nullptr, kParseError, std::string("Parse error: ") + error.what());
  }
  return handle(message, keep_going);
}

std::optional<json> McpServer::handle(const json& message, const std::function<bool()>& keep_going) {
  if (!message.is_object())
    return error_reply(nullptr, kInvalidRequest, "Invalid request: a message is one JSON object (batches are not supported)");
  const bool has_id = message.contains("id") && (message["id"].is_string() || message["id"].is_number_integer());
  const json id = has_id ? message["id"] : json(nullptr);
  if (message.value("jsonrpc", "") != "2.0") return error_reply(id, kInvalidRequest, "Invalid request: jsonrpc must be \"2.0\"");
  if (!message.contains("method")) return std::nullopt;  // a response to something we never ask
  if (!message["method"].is_string()) return error_reply(id, kInvalidRequest, "Invalid request: method must be a string");
  const std::string method = message["method"];
  const json params = message.contains("params") ? message["params"] : json::object();
  if (!has_id) return std::nullopt;  // notifications (initialized, cancelled) need no reply
  if (!params.is_object()) return error_reply(id, kInvalidParams, "Invalid params: params must be an object");
  try {
    json result;
    if (method == "initialize") result = initialize(params);
    else if (method == "ping") result = json::object();
    else if (method == "tools/list") result = {{"tools", tools()}};
    else if (method == "tools/call") result = call_tool(params, keep_going);
    else if (method == "resources/list") result = list_resources(params);
    else if (method == "resources/read") result = read_resource(params);
    else if (method == "resources/templates/list")
      result = {{"resourceTemplates",
                 json::array({{{"uriTemplate", "docent://documents/{id}"},
                               {"name", "document"},
                               {"title", "A document of the library"},
                               {"description", "Its text page by page; ids as list_documents gives them"},
                               {"mimeType", "text/plain"}}})}};
    else return error_reply(id, kMethodNotFound, "Method not found: " + method);
    return json{{"jsonrpc", "2.0"}, {"id", id}, {"result", result}};
  } catch (const RpcError& error) {
    return error_reply(id, error.code, error.message);
  } catch (const std::exception& error) {
    return error_reply(id, kInternalError, std::string("Internal error: ") + error.what());
  }
}

json McpServer::initialize(const json& params) {
  std::string version = kMcpProtocolVersion;
  if (params.contains("protocolVersion") && params["protocolVersion"].is_string()) {
    const std::string asked = params["protocolVersion"];
    if (supported_version(asked)) version = asked;
  }
  return {{"protocolVersion", version},
          {"capabilities", {{"tools", {{"listChanged", false}}}, {"resources", {{"listChanged", false}, {"subscribe", false}}}}},
          {"serverInfo", {{"name", "docent"}, {"title", "docent: the user's local document library"}, {"version", "0.1.0"}}},
          {"instructions",
           "Search and ask the user's own documents (PDFs, notes) kept on this machine. Cite answers as the tools do: "
           "file and page. search finds passages, get_passage reads one in full, ask answers with citations, and each "
           "document is a resource (docent://documents/ID)."}};
}

json McpServer::call_tool(const json& params, const std::function<bool()>& keep_going) {
  if (!params.contains("name") || !params["name"].is_string()) throw RpcError{kInvalidParams, "Invalid params: name is required"};
  const std::string name = params["name"];
  const json arguments = params.contains("arguments") && !params["arguments"].is_null() ? params["arguments"] : json::object();
  if (name != "search" && name != "ask" && name != "list_documents" && name != "get_passage")
    throw RpcError{kInvalidParams, "Unknown tool: " + name};
  // Bad arguments are the tool's failure, reported to the model so it can correct itself.
  try {
    if (name == "search") return tool_result(library_.search(parse_search_params(arguments)));
    if (name == "list_documents") {
      FieldReader(arguments).finish();
      return tool_result({{"documents", library_.documents()}});
    }
    if (name == "get_passage") {
      const auto passage_id = parse_passage_params(arguments).chunk_id;
      auto passage = library_.passage(passage_id);
      if (!passage) return tool_failure("No passage " + std::to_string(passage_id) + " in the library.");
      return tool_result(*passage);
    }
    const AskParams ask = parse_ask_params(arguments);
    retrieval::Answer answer = ask_(ask, keep_going);
    json body = answer_json(answer);
    body["question"] = ask.question;
    return tool_result(body);
  } catch (const ApiError& error) {
    return tool_failure(error.what());
  }
}

json McpServer::list_resources(const json& params) const {
  std::size_t start = 0;
  if (params.contains("cursor") && !params["cursor"].is_null()) {
    const auto& cursor = params["cursor"];
    if (!cursor.is_string() || cursor.get<std::string>().empty() ||
        !std::all_of(cursor.get_ref<const std::string&>().begin(), cursor.get_ref<const std::string&>().end(), ::isdigit) ||
        cursor.get<std::string>().size() > 9)
      throw RpcError{kInvalidParams, "Invalid params: unknown cursor"};
    start = std::stoul(cursor.get<std::string>());
  }
  const json documents = library_.documents();
  json resources = json::array();
  for (std::size_t i = start; i < documents.size() && i < start + kResourcesPerPage; ++i) {
    const auto& d = documents[i];
    resources.push_back({{"uri", document_uri(d["id"])},
                         {"name", file_name(d["path"])},
                         {"title", d["title"].get<std::string>().empty() ? file_name(d["path"]) : d["title"].get<std::string>()},
                         {"description", d["path"].get<std::string>() + ", " + std::to_string(d["pages"].get<int>()) +
                                             " pages (" + d["status"].get<std::string>() + ")"},
                         {"mimeType", "text/plain"}});
  }
  json result = {{"resources", resources}};
  if (start + kResourcesPerPage < documents.size()) result["nextCursor"] = std::to_string(start + kResourcesPerPage);
  return result;
}

json McpServer::read_resource(const json& params) const {
  if (!params.contains("uri") || !params["uri"].is_string()) throw RpcError{kInvalidParams, "Invalid params: uri is required"};
  const std::string uri = params["uri"];
  const std::int64_t id = document_id_of(uri);
  auto document = id > 0 ? library_.document(id) : std::nullopt;
  if (!document) throw RpcError{kResourceNotFound, "Resource not found: " + uri};
  json contents = json::array();
  for (const auto& page : library_.pages(id))
    contents.push_back({{"uri", uri + "/pages/" + std::to_string(page.number)},
                        {"mimeType", "text/plain"},
                        {"text", page.text},
                        {"_meta", {{"page", page.number}, {"path", document->path}}}});
  return {{"contents", contents}};
}

}  // namespace docent::cli
