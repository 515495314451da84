#pragma once
// The Model Context Protocol over the library: JSON-RPC messages in, replies out, independent of
// the transport (`docent mcp` reads them from stdin; `docent serve` takes them at POST /mcp).
// Tools: search, ask, list_documents, get_passage; resources: every document, page by page.
#include <functional>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "docent/retrieval.hpp"
#include "library_service.hpp"

namespace docent::cli {

// The revision of the protocol the official TypeScript SDK's current release speaks first
// (LATEST_PROTOCOL_VERSION of @modelcontextprotocol/sdk 1.32), and the older ones still answered.
inline constexpr const char* kMcpProtocolVersion = "2025-11-25";
inline constexpr const char* kMcpOlderVersions[] = {"2025-06-18", "2025-03-26", "2024-11-05"};

// How the `ask` tool answers: extractively or with a model (and, in `serve`, after waiting its
// turn on that model). `keep_going` turns false when the client has gone.
using McpAsk = std::function<retrieval::Answer(const AskParams& params, const std::function<bool()>& keep_going)>;

class McpServer {
 public:
  McpServer(const LibraryService& library, McpAsk ask);
  // One message, parsed or not: the reply for a request, nullopt for a notification or a
  // response. Never throws for anything a client sends.
  std::optional<nlohmann::json> handle(const nlohmann::json& message, const std::function<bool()>& keep_going);
  std::optional<nlohmann::json> handle_text(std::string_view line, const std::function<bool()>& keep_going);
  // A JSON-RPC error reply (also for text that is not JSON at all).
  static nlohmann::json error_reply(const nlohmann::json& id, int code, const std::string& message);
  static bool supported_version(std::string_view version);

 private:
  nlohmann::json initialize(const nlohmann::json& params);
  nlohmann::json call_tool(const nlohmann::json& params, const std::function<bool()>& keep_going);
  nlohmann::json list_resources(const nlohmann::json& params) const;
  nlohmann::json read_resource(const nlohmann::json& params) const;

  const LibraryService& library_;
  McpAsk ask_;
};

}  // namespace docent::cli
