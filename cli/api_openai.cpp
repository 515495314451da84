#include "api_openai.hpp"

#include <bit>
#include <cstring>
#include <functional>

#include "api_error.hpp"

namespace docent::cli {

using nlohmann::json;

namespace {

// A message's content: a string, or an array of {"type": "text", "text": ...} parts.
std::string message_content(const json* content, const std::string& param) {
  if (content == nullptr) return "";
  if (content->is_string()) return content->get<std::string>();
  if (!content->is_array())
    throw invalid_request("'" + param + "' must be a string or an array of text parts.", param);
  std::string text;
  for (std::size_t i = 0; i < content->size(); ++i) {
    const std::string part_param = param + "[" + std::to_string(i) + "]";
    FieldReader part((*content)[i], part_param + ".");
    auto type = part.string("type");
    if (!type) throw invalid_request("'" + part_param + ".type' is required.", part_param + ".type");
    if (*type != "text")
      throw invalid_request("Content parts of type '" + *type + "' are not supported: docent's models read text only.",
                            part_param + ".type");
    auto piece = part.string("text");
    if (!piece) throw invalid_request("'" + part_param + ".text' is required.", part_param + ".text");
    part.finish();
    text += *piece;
  }
  return text;
}

ChatTurn read_turn(const json& message, std::size_t index) {
  const std::string where = "messages[" + std::to_string(index) + "]";
  FieldReader fields(message, where + ".");
  auto role = fields.string("role");
  if (!role) throw invalid_request("'" + where + ".role' is required.", where + ".role");
  if (*role == "developer") role = "system";
  if (*role != "system" && *role != "user" && *role != "assistant")
    throw invalid_request("'" + where + ".role' must be 'system', 'developer', 'user' or 'assistant', not '" + *role + "'.",
                          where + ".role");
  ChatTurn turn{*role, message_content(fields.value("content"), where + ".content")};
  fields.string("name");  // a participant's name changes nothing here
  if (fields.value("tool_calls") != nullptr || fields.value("tool_call_id") != nullptr)
    throw invalid_request("Tool calls are not supported by docent's models.", where + ".tool_calls");
  fields.finish();
  return turn;
}

void refuse_unless(FieldReader& fields, std::string_view name, const std::function<bool(const json&)>& harmless,
                   const std::string& why) {
  const json* value = fields.value(name);
  if (value != nullptr && !harmless(*value)) throw invalid_request(why, fields.param(name), "unsupported_parameter");
}

}  // namespace

ChatCompletionRequest parse_chat_completion(std::string_view body) {
  const json object = parse_json_object(body);
  FieldReader fields(object);
  ChatCompletionRequest request;
  auto model = fields.string("model", 4096);
  if (!model || model->empty()) throw invalid_request("'model' is required: GET /v1/models lists them.", "model");
  request.model = *model;

  const json* messages = fields.value("messages");
  if (messages == nullptr) throw invalid_request("'messages' is required.", "messages");
  if (!messages->is_array() || messages->empty())
    throw invalid_request("'messages' must be a non-empty array of {role, content} objects.", "messages");
  if (messages->size() > kMaxMessages)
    throw invalid_request("'messages' holds more than " + std::to_string(kMaxMessages) + " messages.", "messages");
  for (std::size_t i = 0; i < messages->size(); ++i) request.messages.push_back(read_turn((*messages)[i], i));

  request.stream = fields.boolean("stream").value_or(false);
  if (const json* options = fields.value("stream_options")) {
    FieldReader stream_options(*options, "stream_options.");
    request.include_usage = stream_options.boolean("include_usage").value_or(false);
    stream_options.finish();
  }
  if (auto t = fields.number("temperature", 0, 2)) request.temperature = static_cast<float>(*t);
  if (auto p = fields.number("top_p", 0, 1)) request.top_p = static_cast<float>(*p);
  auto max_tokens = fields.integer("max_tokens", 1, 1 << 20);
  auto max_completion = fields.integer("max_completion_tokens", 1, 1 << 20);
  if (max_completion) max_tokens = max_completion;
  if (max_tokens) request.max_tokens = static_cast<int>(*max_tokens);
  if (auto seed = fields.integer("seed", INT64_MIN, INT64_MAX)) request.seed = static_cast<std::uint64_t>(*seed);

  if (const json* stop = fields.value("stop")) {
    if (stop->is_string()) {
      request.stop.push_back(stop->get<std::string>());
    } else if (stop->is_array()) {
      if (stop->size() > kMaxStopStrings)
        throw invalid_request("'stop' holds at most " + std::to_string(kMaxStopStrings) + " strings.", "stop");
      for (const auto& item : *stop) {
        if (!item.is_string()) throw invalid_request("'stop' must be a string or an array of strings.", "stop");
        request.stop.push_back(item.get<std::string>());
      }
    } else {
      throw invalid_request("'stop' must be a string or an array of strings.", "stop");
    }
    for (const auto& text : request.stop)
      if (text.empty()) throw invalid_request("'stop' strings must not be empty.", "stop");
  }

  // Accepted for compatibility while they ask for what docent does anyway.
  fields.string("user");
  refuse_unless(fields, "n", [](const json& v) { return v == 1; }, "docent returns one choice: 'n' must be 1.");
  for (const char* penalty : {"presence_penalty", "frequency_penalty"})
    refuse_unless(fields, penalty, [](const json& v) { return v.is_number() && v.get<double>() == 0; },
                  std::string("'") + penalty + "' is not supported: leave it out or set it to 0.");
  refuse_unless(fields, "logprobs", [](const json& v) { return v == false; }, "'logprobs' is not supported.");
  refuse_unless(fields, "response_format",
                [](const json& v) { return v.is_object() && v.size() == 1 && v.value("type", "") == "text"; },
                "Only the text response format is supported.");
  for (const char* tools : {"tools", "tool_choice", "functions", "function_call", "parallel_tool_calls"})
    refuse_unless(fields, tools, [](const json& v) { return v.is_array() && v.empty(); },
                  "Tool calls are not supported by docent's models.");
  fields.finish();
  return request;
}

EmbeddingRequest parse_embedding_request(std::string_view body) {
  const json object = parse_json_object(body);
  FieldReader fields(object);
  EmbeddingRequest request;
  auto model = fields.string("model", 4096);
  if (!model || model->empty()) throw invalid_request("'model' is required: GET /v1/models lists them.", "model");
  request.model = *model;
  const json* input = fields.value("input");
  if (input == nullptr) throw invalid_request("'input' is required.", "input");
  const char* shape = "'input' must be a string or an array of strings (token arrays are not supported).";
  if (input->is_string()) {
    request.input.push_back(input->get<std::string>());
  } else if (input->is_array()) {
    if (input->empty()) throw invalid_request("'input' must not be empty.", "input");
    if (input->size() > kMaxEmbeddingInputs)
      throw invalid_request("'input' holds more than " + std::to_string(kMaxEmbeddingInputs) + " texts.", "input");
    for (const auto& item : *input) {
      if (!item.is_string()) throw invalid_request(shape, "input");
      request.input.push_back(item.get<std::string>());
    }
  } else {
    throw invalid_request(shape, "input");
  }
  for (std::size_t i = 0; i < request.input.size(); ++i)
    if (request.input[i].empty())
      throw invalid_request("'input[" + std::to_string(i) + "]' is empty.", "input");
  if (auto format = fields.string("encoding_format")) {
    if (*format != "float" && *format != "base64")
      throw invalid_request("'encoding_format' must be 'float' or 'base64'.", "encoding_format");
    request.base64 = *format == "base64";
  }
  if (auto dimensions = fields.integer("dimensions", 1, 1 << 16)) request.dimensions = static_cast<int>(*dimensions);
  fields.string("user");
  fields.finish();
  return request;
}

std::string base64_floats(const std::vector<float>& values) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string bytes(values.size() * sizeof(float), '\0');
  for (std::size_t i = 0; i < values.size(); ++i) {
    auto bits = std::bit_cast<std::uint32_t>(values[i]);
    for (int b = 0; b < 4; ++b) bytes[i * 4 + b] = static_cast<char>((bits >> (8 * b)) & 0xFF);
  }
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    std::uint32_t chunk = static_cast<std::uint8_t>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) chunk |= static_cast<std::uint8_t>(bytes[i + 1]) << 8;
    if (i + 2 < bytes.size()) chunk |= static_cast<std::uint8_t>(bytes[i + 2]);
    out += kAlphabet[(chunk >> 18) & 63];
    out += kAlphabet[(chunk >> 12) & 63];
    out += i + 1 < bytes.size() ? kAlphabet[(chunk >> 6) & 63] : '=';
    out += i + 2 < bytes.size() ? kAlphabet[chunk & 63] : '=';
  }
  return out;
}

}  // namespace docent::cli

namespace docent::cli {
std::string sse_data(std::string_view data) {
  // A newline inside would end the field early; JSON text from dump() never holds a raw one.
  std::string event = "data: ";
  for (char c : data) event += c == '\n' ? std::string("\ndata: ") : std::string(1, c);
  return event + "\n\n";
}
}  // namespace docent::cli
