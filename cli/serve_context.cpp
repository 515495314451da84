#include "serve_context.hpp"

#include <chrono>
#include <cstdio>
#include <random>

namespace docent::cli {

std::string dump_json(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

HttpResponse json_response(int status, const nlohmann::json& body) {
  HttpResponse response;
  response.status = status;
  response.body = dump_json(body);
  return response;
}

HttpResponse error_response(const ApiError& error) {
  HttpResponse response = json_response(error.status, error_json(error));
  if (error.status == 401) response.headers.emplace_back("WWW-Authenticate", "Bearer");
  if (error.status == 503) response.headers.emplace_back("Retry-After", "1");
  return response;
}

std::string response_id(std::string_view prefix) {
  static std::mutex mutex;
  static std::mt19937_64 random{std::random_device{}()};
  std::uint64_t a, b;
  {
    std::lock_guard lock(mutex);
    a = random();
    b = random();
  }
  char digits[32];
  std::snprintf(digits, sizeof digits, "%016llx%08llx", static_cast<unsigned long long>(a),
                static_cast<unsigned long long>(b & 0xFFFFFFFFull));
  return std::string(prefix) + "-" + digits;
}

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

ServedModel& find_model(const ServeContext& context, const std::string& id) {
  if (ServedModel* model = context.models->find(id)) return *model;
  throw ApiError(404, "invalid_request_error",
                 "The model '" + id + "' does not exist here; GET /v1/models lists the models this server offers.",
                 "model", "model_not_found");
}

}  // namespace docent::cli
