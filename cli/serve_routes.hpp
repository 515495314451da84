#pragma once
// Which endpoint answers a request, who may ask (the API key; without one, loopback names only),
// and the one log line each request gets.
#include <functional>
#include <string>

#include "serve_context.hpp"

namespace docent::cli {

struct RouteSettings {
  std::string api_key;      // "" = none required
  bool check_host = true;   // without a key: refuse requests addressed to a non-loopback name
};

// 127.0.0.0/8, ::1 and localhost.
bool is_loopback_host(const std::string& host);

// Authenticates, routes and answers one request; every failure becomes an OpenAI-style error
// object. `log` receives one line per request when its response (or stream) is done.
HttpResponse serve_request(const ServeContext& context, const RouteSettings& settings, const HttpRequest& request,
                           const std::function<void(const std::string&)>& log);

}  // namespace docent::cli
