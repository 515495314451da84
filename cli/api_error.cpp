#include "api_error.hpp"

#include <cmath>
#include <limits>

namespace docent::cli {

using nlohmann::json;

ApiError invalid_request(std::string message, std::string param, std::string code) {
  return ApiError(400, "invalid_request_error", std::move(message), std::move(param), std::move(code));
}

json error_json(const ApiError& error) {
  return {{"error",
           {{"message", error.what()},
            {"type", error.type},
            {"param", error.param.empty() ? json(nullptr) : json(error.param)},
            {"code", error.code.empty() ? json(nullptr) : json(error.code)}}}};
}

std::string transport_error_body(int status) {
  std::string message = "The request could not be served (HTTP " + std::to_string(status) + ").";
  std::string type = status >= 500 ? "server_error" : "invalid_request_error";
  if (status == 413) message = "The request body is larger than this server accepts (see `docent serve --max-body`).";
  if (status == 400) message = "The request could not be read as HTTP.";
  if (status == 404) message = "No such endpoint; GET /v1/models lists the models, the README lists the endpoints.";
  if (status == 414) message = "The request URI is too long.";
  if (status == 500) message = "The server failed while answering this request; its log has the reason.";
  return error_json(ApiError(status, type, message)).dump();
}

namespace {
// Nesting deeper than any request needs is refused before parsing, so a body of a million
// brackets costs one pass over it, never a deep recursion.
constexpr int kMaxNesting = 64;
bool nesting_within(std::string_view body, int limit) {
  int depth = 0;
  bool in_string = false, escaped = false;
  for (char c : body) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > limit) return false;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return true;
}
}  // namespace

json parse_json_object(std::string_view body) {
  if (body.empty()) throw invalid_request("The request body is empty; send a JSON object.");
  if (!nesting_within(body, kMaxNesting))
    throw invalid_request("The JSON body nests deeper than " + std::to_string(kMaxNesting) + " levels.");
  json parsed = json::parse(body.begin(), body.end(), nullptr, false);
  if (parsed.is_discarded())
    throw invalid_request("We could not parse the JSON body of your request: it is not valid JSON.");
  if (!parsed.is_object()) throw invalid_request("The request body must be a JSON object, not " + std::string(parsed.type_name()) + ".");
  return parsed;
}

FieldReader::FieldReader(const json& object, std::string where) : object_(object), where_(std::move(where)) {
  if (!object_.is_object())
    throw invalid_request("'" + (where_.empty() ? std::string("body") : where_.substr(0, where_.size() - 1)) +
                              "' must be an object, not " + object_.type_name() + ".",
                          where_.empty() ? "" : where_.substr(0, where_.size() - 1));
}

const json* FieldReader::take(std::string_view name) {
  read_.emplace(name);
  auto it = object_.find(name);
  if (it == object_.end() || it->is_null()) return nullptr;
  return &*it;
}

const json* FieldReader::value(std::string_view name) { return take(name); }

void FieldReader::ignore(std::string_view name) { read_.emplace(name); }

std::optional<std::string> FieldReader::string(std::string_view name, std::size_t max_bytes) {
  const json* value = take(name);
  if (value == nullptr) return std::nullopt;
  if (!value->is_string())
    throw invalid_request("'" + param(name) + "' must be a string, not " + value->type_name() + ".", param(name));
  const auto& text = value->get_ref<const std::string&>();
  if (text.size() > max_bytes)
    throw invalid_request("'" + param(name) + "' is longer than " + std::to_string(max_bytes) + " bytes.", param(name));
  return text;
}

std::optional<bool> FieldReader::boolean(std::string_view name) {
  const json* value = take(name);
  if (value == nullptr) return std::nullopt;
  if (!value->is_boolean())
    throw invalid_request("'" + param(name) + "' must be true or false, not " + value->type_name() + ".", param(name));
  return value->get<bool>();
}

std::optional<double> FieldReader::number(std::string_view name, double min, double max) {
  const json* value = take(name);
  if (value == nullptr) return std::nullopt;
  if (!value->is_number())
    throw invalid_request("'" + param(name) + "' must be a number, not " + value->type_name() + ".", param(name));
  const double number = value->get<double>();
  if (!std::isfinite(number) || number < min || number > max)
    throw invalid_request("'" + param(name) + "' must be between " + json(min).dump() + " and " + json(max).dump() + ".",
                          param(name));
  return number;
}

std::optional<std::int64_t> FieldReader::integer(std::string_view name, std::int64_t min, std::int64_t max) {
  const json* value = take(name);
  if (value == nullptr) return std::nullopt;
  // 3.0 is accepted as 3 (JavaScript clients have no integer type); 3.5 is not.
  bool whole = value->is_number_integer();
  if (value->is_number_float()) {
    const double d = value->get<double>();
    whole = std::isfinite(d) && std::floor(d) == d && std::fabs(d) < 9.0e15;
  }
  if (!whole)
    throw invalid_request("'" + param(name) + "' must be an integer, not " +
                              (value->is_number() ? std::string("a fraction") : std::string(value->type_name())) + ".",
                          param(name));
  const bool out_of_range =
      value->is_number_unsigned() ? value->get<std::uint64_t>() > static_cast<std::uint64_t>(max) ||
                                        (min > 0 && value->get<std::uint64_t>() < static_cast<std::uint64_t>(min))
                                  : (value->is_number_float() ? value->get<double>() < static_cast<double>(min) ||
                                                                    value->get<double>() > static_cast<double>(max)
                                                              : value->get<std::int64_t>() < min || value->get<std::int64_t>() > max);
  if (out_of_range)
    throw invalid_request("'" + param(name) + "' must be between " + std::to_string(min) + " and " + std::to_string(max) + ".",
                          param(name));
  if (value->is_number_float()) return static_cast<std::int64_t>(value->get<double>());
  if (value->is_number_unsigned()) return static_cast<std::int64_t>(value->get<std::uint64_t>());
  return value->get<std::int64_t>();
}

void FieldReader::finish() const {
  for (const auto& [name, value] : object_.items())
    if (!read_.contains(name))
      throw invalid_request("Unrecognized request argument supplied: " + where_ + name, where_ + name);
}

}  // namespace docent::cli
