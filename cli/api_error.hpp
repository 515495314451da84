#pragma once
// Errors at the server's request boundary, in the shape OpenAI's API returns them
// ({"error": {"message", "type", "param", "code"}}), and a reader for one JSON object's fields
// that checks each field's type and range and rejects fields it was not asked about.
#include <cstdint>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace docent::cli {

class ApiError : public std::runtime_error {
 public:
  ApiError(int status, std::string type, std::string message, std::string param = "", std::string code = "")
      : std::runtime_error(message), status(status), type(std::move(type)), param(std::move(param)), code(std::move(code)) {}
  int status;
  std::string type;   // "invalid_request_error", "authentication_error", "not_found_error", "server_error"...
  std::string param;  // the request field at fault ("" when none)
  std::string code;   // e.g. "model_not_found", "context_length_exceeded" ("" when none)
};

// 400 invalid_request_error naming `param`.
ApiError invalid_request(std::string message, std::string param = "", std::string code = "");
nlohmann::json error_json(const ApiError& error);
// The body for a status the HTTP layer decided on its own (413, 404, 400, 500...).
std::string transport_error_body(int status);

// A request body as JSON; a body that is not JSON, or not an object, is a 400 naming why.
nlohmann::json parse_json_object(std::string_view body);

// Reads the fields of one JSON object. Each getter returns nullopt for an absent field (or an
// explicit null) and throws ApiError for a value of the wrong type or out of range; finish()
// throws for any field no getter asked about.
class FieldReader {
 public:
  // `where` prefixes parameter names in errors ("messages[2]." for a nested object).
  FieldReader(const nlohmann::json& object, std::string where = "");
  std::optional<std::string> string(std::string_view name, std::size_t max_bytes = 1 << 20);
  std::optional<bool> boolean(std::string_view name);
  std::optional<double> number(std::string_view name, double min, double max);
  std::optional<std::int64_t> integer(std::string_view name, std::int64_t min, std::int64_t max);
  // Any JSON value, type left to the caller (null when absent).
  const nlohmann::json* value(std::string_view name);
  // Fields accepted for compatibility but only with a value that changes nothing.
  void ignore(std::string_view name);
  void finish() const;
  std::string param(std::string_view name) const { return where_ + std::string(name); }

 private:
  const nlohmann::json* take(std::string_view name);
  const nlohmann::json& object_;
  std::string where_;
  std::set<std::string, std::less<>> read_;
};

}  // namespace docent::cli
