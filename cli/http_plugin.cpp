// docent-http.so: the HTTP transport of `docent serve`, cpp-httplib behind http_transport.hpp.
// The only code of docent that opens sockets; the docent binary loads it for `serve` alone.
#include <httplib.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "http_transport.hpp"

namespace docent::cli {
namespace {

class HttplibTransport final : public HttpTransport {
 public:
  int bind(const HttpServerOptions& options) override {
    options_ = options;
    const int threads = std::max(1, options.threads);
    server_.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<std::size_t>(threads)); };
    if (options.max_body_bytes > 0) server_.set_payload_max_length(options.max_body_bytes);
    server_.set_tcp_nodelay(true);  // small responses and stream events go out at once, not after a delayed ACK
    server_.set_keep_alive_timeout(options.keep_alive_seconds);
    server_.set_keep_alive_max_count(1000);
    server_.set_read_timeout(options.read_timeout_seconds, 0);
    server_.set_write_timeout(options.read_timeout_seconds, 0);
    auto handle = [this](const httplib::Request& request, httplib::Response& response) { serve(request, response); };
    server_.Get(".*", handle);
    server_.Post(".*", handle);
    server_.Put(".*", handle);
    server_.Patch(".*", handle);
    server_.Delete(".*", handle);
    server_.Options(".*", handle);
    // Errors the library answers itself (413, 400 for an unreadable request, 404 for other
    // methods) get the same JSON error body as the handler's own.
    httplib::Server::HandlerWithResponse on_error = [this](const httplib::Request&, httplib::Response& response) {
      if (!response.body.empty() || !options_.transport_error_body) return httplib::Server::HandlerResponse::Unhandled;
      response.set_content(options_.transport_error_body(response.status), "application/json");
      return httplib::Server::HandlerResponse::Handled;
    };
    server_.set_error_handler(std::move(on_error));
    server_.set_exception_handler([this](const httplib::Request&, httplib::Response& response, std::exception_ptr) {
      response.status = 500;
      if (options_.transport_error_body) response.set_content(options_.transport_error_body(500), "application/json");
    });
    const int port = options.port == 0 ? server_.bind_to_any_port(options.host)
                                       : (server_.bind_to_port(options.host, options.port) ? options.port : -1);
    if (port <= 0)
      throw std::runtime_error("cannot listen on " + options.host + ":" + std::to_string(options.port) + ": " +
                               std::strerror(errno));
    return port;
  }

  void run() override { server_.listen_after_bind(); }
  void stop() override { server_.stop(); }

 private:
  void serve(const httplib::Request& request, httplib::Response& response) {
    HttpRequest in;
    in.method = request.method;
    in.path = request.path;
    in.body = request.body;
    for (const auto& [name, value] : request.params) in.query.emplace(name, value);
    in.remote = request.remote_addr + ":" + std::to_string(request.remote_port);
    in.header = [&request](std::string_view name) { return request.get_header_value(std::string(name)); };
    HttpResponse out = options_.handler(in);
    response.status = out.status;
    for (const auto& [name, value] : out.headers) response.set_header(name, value);
    if (!out.stream) {
      response.set_content(out.body, out.content_type);
      return;
    }
    auto producer = std::make_shared<decltype(out.stream)>(std::move(out.stream));
    response.set_chunked_content_provider(out.content_type, [producer](std::size_t, httplib::DataSink& sink) {
      auto write = [&sink](std::string_view data) {
        if (data.empty()) return sink.is_writable();
        return sink.is_writable() && sink.write(data.data(), data.size());
      };
      try {
        (*producer)(write);
      } catch (...) {
        return false;  // the producer reports its own failures; this only keeps the worker alive
      }
      sink.done();
      return true;
    });
  }

  HttpServerOptions options_;
  httplib::Server server_;
};

}  // namespace
}  // namespace docent::cli

extern "C" __attribute__((visibility("default"))) docent::cli::HttpTransport* docent_create_http_transport() {
  return new docent::cli::HttplibTransport();
}
