// The server's request boundary as properties: whatever bytes arrive, the parsers answer with a
// request or an ApiError naming the field at fault (OpenAI's error shape), never anything else.
#include <gtest/gtest.h>

#include <random>

#include "api_error.hpp"
#include "api_library.hpp"
#include "api_openai.hpp"

using docent::cli::ApiError;
using nlohmann::json;

namespace {

const std::string kValidChat =
    R"({"model":"m","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":[{"type":"text","text":"Hi"}]}],)"
    R"("stream":true,"stream_options":{"include_usage":true},"temperature":0.5,"top_p":0.9,"max_tokens":16,"stop":["\n"],"seed":3})";
const std::string kValidEmbedding = R"({"model":"e","input":["a","b"],"encoding_format":"float"})";
const std::string kValidSearch = R"({"query":"tide tables","mode":"keyword","limit":5,"full":true})";

// Runs every parser on `body`: each must succeed or throw ApiError (400) with a message.
void parse_all(const std::string& body) {
  auto expect_clean = [&](const char* parser, const std::function<void()>& parse) {
    try {
      parse();
    } catch (const ApiError& error) {
      EXPECT_EQ(error.status, 400) << parser << ": " << error.what();
      EXPECT_FALSE(std::string(error.what()).empty()) << parser;
    } catch (const std::exception& error) {
      ADD_FAILURE() << parser << " threw " << typeid(error).name() << ": " << error.what() << "\nbody: " << body.substr(0, 200);
    }
  };
  expect_clean("chat", [&] { docent::cli::parse_chat_completion(body); });
  expect_clean("embeddings", [&] { docent::cli::parse_embedding_request(body); });
  expect_clean("search", [&] { docent::cli::parse_search_params(docent::cli::parse_json_object(body)); });
  expect_clean("ask", [&] { docent::cli::parse_ask_params(docent::cli::parse_json_object(body)); });
  expect_clean("passage", [&] { docent::cli::parse_passage_params(docent::cli::parse_json_object(body)); });
}

std::string param_of_failure(const std::string& body) {
  try {
    docent::cli::parse_chat_completion(body);
  } catch (const ApiError& error) {
    return error.param.empty() ? "(none)" : error.param;
  }
  return "";
}

}  // namespace

TEST(ServeRequests, ValidBodiesParseIntoTheirFields) {
  auto chat = docent::cli::parse_chat_completion(kValidChat);
  EXPECT_EQ(chat.model, "m");
  ASSERT_EQ(chat.messages.size(), 2u);
  EXPECT_EQ(chat.messages[1].content, "Hi");
  EXPECT_TRUE(chat.stream);
  EXPECT_TRUE(chat.include_usage);
  EXPECT_FLOAT_EQ(*chat.temperature, 0.5f);
  EXPECT_EQ(*chat.max_tokens, 16);
  EXPECT_EQ(chat.stop, std::vector<std::string>{"\n"});
  EXPECT_EQ(*chat.seed, 3u);
  auto embedding = docent::cli::parse_embedding_request(kValidEmbedding);
  EXPECT_EQ(embedding.input, (std::vector<std::string>{"a", "b"}));
  EXPECT_FALSE(embedding.base64);
  auto search = docent::cli::parse_search_params(json::parse(kValidSearch));
  EXPECT_EQ(search.limit, 5);
  EXPECT_EQ(search.mode, "keyword");
}

TEST(ServeRequests, RandomBytesAndMutatedBodiesNeverEscapeAsAnythingButApiErrors) {
  std::mt19937 random(20261202);
  const std::string seeds[] = {kValidChat, kValidEmbedding, kValidSearch, "{}", "[]", "null", R"({"chunk_id": 3})"};
  const std::string alphabet = "{}[]\":,0123456789.eE+-truefalsnl \\/u\x01\xff\xc3\xa9";
  int cases = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string body = seeds[random() % std::size(seeds)];
    const int edits = 1 + static_cast<int>(random() % 8);
    for (int e = 0; e < edits && !body.empty(); ++e) {
      const std::size_t at = random() % body.size();
      switch (random() % 4) {
        case 0: body[at] = alphabet[random() % alphabet.size()]; break;             // replace
        case 1: body.insert(at, 1, alphabet[random() % alphabet.size()]); break;    // insert
        case 2: body.erase(at, 1 + random() % 4); break;                            // delete
        case 3: body.insert(at, body.substr(at, random() % 16)); break;             // duplicate
      }
    }
    parse_all(body);
    ++cases;
  }
  for (int round = 0; round < 2000; ++round) {
    std::string bytes(random() % 64, '\0');
    for (auto& c : bytes) c = static_cast<char>(random() % 256);
    parse_all(bytes);
    ++cases;
  }
  EXPECT_EQ(cases, 5000);
}

TEST(ServeRequests, AWrongTypeAnywhereNamesTheFieldAtFault) {
  const json valid = json::parse(kValidChat);
  const json wrong_values[] = {json("text"), json(7), json(-1.5), json(true), json::array({1, 2}), json::object({{"a", 1}})};
  int failures_named = 0;
  for (const auto& [field, value] : valid.items()) {
    for (const auto& wrong : wrong_values) {
      if (wrong.type() == value.type()) continue;
      json body = valid;
      body[field] = wrong;
      const std::string param = param_of_failure(body.dump());
      if (param.empty()) continue;  // still valid (stop accepts a string or an array, content an array)
      EXPECT_EQ(param.rfind(field, 0), 0u) << field << " = " << wrong.dump() << " blamed " << param;
      ++failures_named;
    }
  }
  EXPECT_GT(failures_named, 30);
  json nested = valid;
  nested["messages"][1]["content"][0]["text"] = 5;
  EXPECT_EQ(param_of_failure(nested.dump()), "messages[1].content[0].text");
  nested = valid;
  nested["messages"][0]["role"] = "wizard";
  EXPECT_EQ(param_of_failure(nested.dump()), "messages[0].role");
}

TEST(ServeRequests, UnknownFieldsAreRefusedAtEveryLevel) {
  json body = json::parse(kValidChat);
  body["colour"] = "blue";
  EXPECT_EQ(param_of_failure(body.dump()), "colour");
  body = json::parse(kValidChat);
  body["messages"][0]["mood"] = "calm";
  EXPECT_EQ(param_of_failure(body.dump()), "messages[0].mood");
  body = json::parse(kValidChat);
  body["stream_options"]["extra"] = 1;
  EXPECT_EQ(param_of_failure(body.dump()), "stream_options.extra");
  try {
    docent::cli::parse_search_params(json::parse(R"({"query":"x","limt":3})"));
    ADD_FAILURE() << "a misspelt field was accepted";
  } catch (const ApiError& error) {
    EXPECT_EQ(error.param, "limt");
    EXPECT_NE(std::string(error.what()).find("Unrecognized request argument supplied: limt"), std::string::npos);
  }
}

TEST(ServeRequests, RangesAreCheckedAtTheBoundary) {
  auto failing_param = [](const std::string& field, const json& value) {
    json body = json::parse(kValidChat);
    body[field] = value;
    return param_of_failure(body.dump());
  };
  EXPECT_EQ(failing_param("temperature", 2.5), "temperature");
  EXPECT_EQ(failing_param("top_p", -0.1), "top_p");
  EXPECT_EQ(failing_param("max_tokens", 0), "max_tokens");
  EXPECT_EQ(failing_param("max_tokens", 3.5), "max_tokens");
  EXPECT_EQ(failing_param("max_tokens", 4.0), "");  // a whole number written as a float is fine
  EXPECT_EQ(failing_param("stop", json({"a", "b", "c", "d", "e"})), "stop");
  EXPECT_EQ(failing_param("n", 2), "n");
  EXPECT_EQ(failing_param("n", 1), "");
  EXPECT_EQ(failing_param("tools", json::array({{{"type", "function"}}})), "tools");
  EXPECT_EQ(failing_param("seed", 18446744073709551615.0), "seed");
}

TEST(ServeRequests, DeepNestingAndHugeBodiesAreHandledWithoutRecursion) {
  // A million brackets: refused after one scan, not parsed recursively.
  EXPECT_THROW(docent::cli::parse_chat_completion(std::string(1'000'000, '[')), ApiError);
  EXPECT_THROW(docent::cli::parse_chat_completion(R"({"model":"m","messages":)" + std::string(100'000, '[')), ApiError);
  // Brackets inside strings are text, not nesting.
  json body = json::parse(kValidChat);
  body["messages"][0]["content"] = std::string(100'000, '[');
  EXPECT_EQ(docent::cli::parse_chat_completion(body.dump()).messages[0].content.size(), 100'000u);
  // A large but honest body parses whole.
  body["messages"][1]["content"] = std::string(5 << 20, 'a');
  EXPECT_EQ(docent::cli::parse_chat_completion(body.dump()).messages[1].content.size(), 5u << 20);
}

TEST(ServeRequests, ErrorObjectsHaveOpenAIsShape) {
  const json error = docent::cli::error_json(docent::cli::invalid_request("bad", "temperature", "x_code"))["error"];
  EXPECT_EQ(error["message"], "bad");
  EXPECT_EQ(error["type"], "invalid_request_error");
  EXPECT_EQ(error["param"], "temperature");
  EXPECT_EQ(error["code"], "x_code");
  const json transport = json::parse(docent::cli::transport_error_body(413))["error"];
  EXPECT_EQ(transport["type"], "invalid_request_error");
  EXPECT_TRUE(transport["param"].is_null());
  EXPECT_NE(transport["message"].get<std::string>().find("--max-body"), std::string::npos);
}

TEST(ServeRequests, Base64EmbeddingsAreLittleEndianFloat32) {
  EXPECT_EQ(docent::cli::base64_floats({1.0f}), "AACAPw==");
  EXPECT_EQ(docent::cli::base64_floats({1.0f, -2.0f}), "AACAPwAAAMA=");
  EXPECT_EQ(docent::cli::base64_floats({0.0f, 0.0f, 0.0f}), "AAAAAAAAAAAAAAAA");
}

TEST(ServeRequests, ServerSentEventsKeepEveryLineInsideTheEvent) {
  EXPECT_EQ(docent::cli::sse_data("[DONE]"), "data: [DONE]\n\n");
  EXPECT_EQ(docent::cli::sse_data("a\nb"), "data: a\ndata: b\n\n");
}
