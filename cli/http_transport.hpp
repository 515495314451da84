#pragma once
// The HTTP transport `docent serve` loads at run time: cpp-httplib behind a plain interface,
// built as its own shared object (docent-http.so). Only `serve` loads it, so the docent binary
// itself never links or imports the socket API (the offline test checks that). The interface
// uses standard types only; both sides are built by the same compiler from this header.
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace docent::cli {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string path;    // without the query string
  std::string body;
  std::multimap<std::string, std::string> query;  // decoded query parameters
  std::string remote;                             // "127.0.0.1:53422"
  // Header by name (case-insensitive); "" when absent.
  std::function<std::string(std::string_view)> header;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // When set, the body is written by this after the headers (chunked transfer encoding):
  // `write` returns false once the client is gone, and the producer should stop then;
  // write("") sends nothing and only asks whether the client is still there.
  std::function<void(const std::function<bool(std::string_view)>& write)> stream;
};

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;               // 0: any free port
  std::size_t max_body_bytes = 0;
  int threads = 8;               // connections served at once; more wait for a free thread
  int keep_alive_seconds = 5;
  int read_timeout_seconds = 30;
  // Every request, on one of `threads` threads.
  std::function<HttpResponse(const HttpRequest&)> handler;
  // The body for an error the transport answers itself (body too large, unreadable request).
  std::function<std::string(int status)> transport_error_body;
};

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  // Binds the address; returns the port (useful with port 0). Throws std::runtime_error with
  // the reason when the address cannot be bound.
  virtual int bind(const HttpServerOptions& options) = 0;
  // Serves until stop() is called (from any thread or a signal-watching thread).
  virtual void run() = 0;
  virtual void stop() = 0;
};

// The plugin's one exported symbol.
using CreateHttpTransport = HttpTransport* (*)();
inline constexpr const char* kCreateHttpTransportSymbol = "docent_create_http_transport";

// Loads docent-http.so from beside the binary or from the install's library folder. Throws
// std::runtime_error naming the places looked at when it is missing or unusable.
std::unique_ptr<HttpTransport> load_http_transport();

}  // namespace docent::cli
