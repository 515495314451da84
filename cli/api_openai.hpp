#pragma once
// OpenAI-compatible request bodies read into plain structs: every field's type and range is
// checked, unknown fields are refused (api_error.hpp), and nothing here knows about models.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace docent::cli {

struct ChatTurn {
  std::string role;  // "system", "user" or "assistant" ("developer" is read as "system")
  std::string content;
};

struct ChatCompletionRequest {
  std::string model;
  std::vector<ChatTurn> messages;
  bool stream = false;
  bool include_usage = false;        // stream_options.include_usage
  std::optional<float> temperature;  // unset: the model's recommendation
  std::optional<float> top_p;
  std::optional<int> max_tokens;     // max_tokens or max_completion_tokens
  std::vector<std::string> stop;
  std::optional<std::uint64_t> seed;
};

struct EmbeddingRequest {
  std::string model;
  std::vector<std::string> input;
  bool base64 = false;  // encoding_format "base64": little-endian float32, as the openai clients ask by default
  std::optional<int> dimensions;
};

inline constexpr std::size_t kMaxMessages = 4096;
inline constexpr std::size_t kMaxStopStrings = 4;
inline constexpr std::size_t kMaxEmbeddingInputs = 2048;

// Throw ApiError (400) naming the field at fault.
ChatCompletionRequest parse_chat_completion(std::string_view body);
EmbeddingRequest parse_embedding_request(std::string_view body);

// Float32 values as base64 (little-endian), what encoding_format "base64" returns.
std::string base64_floats(const std::vector<float>& values);

}  // namespace docent::cli

namespace docent::cli {
// One server-sent event carrying `data` ("data: ...\n\n"); the end of a stream is
// sse_data("[DONE]") with the text as it is.
std::string sse_data(std::string_view data);
}  // namespace docent::cli
