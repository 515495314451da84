// `docent serve` driven by clients no one here wrote: the official openai npm package (models,
// chat with and without streaming, reasoning text, stop strings, embeddings, the library model,
// errors, API keys, a client that leaves), checked against the CLI's own output.
#include <cmath>

#include "serve_support.hpp"

namespace fs = std::filesystem;
using docent::test::run_client;
using docent::test::ServeProcess;
using nlohmann::json;

namespace {

const fs::path kModels = docent::test::shared_dir() / "fixtures/models";

#define REQUIRE_CLIENTS()                                                         \
  do {                                                                            \
    DOCENT_REQUIRE_SHARED("fixtures/models/tiny-bert-f16.gguf");                  \
    if (auto missing = docent::test::npm_clients_missing()) GTEST_SKIP() << *missing; \
  } while (0)

// A library of samples/ in a fresh folder.
fs::path samples_library(const docent::test::TempDir& home) {
  const fs::path library = home.path() / "library";
  auto ingest = docent::test::run_docent(library, "-q ingest " + docent::test::shell_quote((docent::test::source_dir() / "samples").string()));
  EXPECT_EQ(ingest.exit_code, 0) << ingest.err;
  return library;
}

std::vector<float> floats(const json& values) { return values.get<std::vector<float>>(); }

}  // namespace

TEST(ServeOpenAI, OfficialClientListsModelsChatsStreamsEmbedsAndAsksTheLibrary) {
  REQUIRE_CLIENTS();
  docent::test::TempDir home;
  const fs::path library = samples_library(home);
  ServeProcess server({"--library", library.string()},
                      {(kModels / "stories260K.gguf").string(), (kModels / "tiny-qwen2-q8_0.gguf").string(),
                       (kModels / "tiny-bert-f16.gguf").string()});
  ASSERT_TRUE(server.listening()) << server.log();
  auto run = run_client("openai_client.mjs", {server.base_url(), "stories260K", "tiny-qwen2-q8_0", "tiny-bert-f16"});
  ASSERT_EQ(run.exit_code, 0) << run.err << run.out;
  ASSERT_FALSE(run.json.is_discarded()) << run.out;
  const json& out = run.json;

  EXPECT_EQ(out["models"], json({"docent", "stories260K", "tiny-qwen2-q8_0", "tiny-bert-f16"}));

  // Greedy, so the stream must say exactly what the plain response said.
  const json& chat = out["chat"];
  EXPECT_EQ(chat["object"], "chat.completion");
  EXPECT_FALSE(chat["content"].get<std::string>().empty());
  EXPECT_GT(chat["usage"]["prompt_tokens"].get<int>(), 0);
  const int completion = chat["usage"]["completion_tokens"];
  EXPECT_LE(completion, 12);
  EXPECT_EQ(chat["finish_reason"], completion == 12 ? "length" : "stop");
  EXPECT_EQ(chat["usage"]["total_tokens"].get<int>(), chat["usage"]["prompt_tokens"].get<int>() + completion);
  const json& stream = out["stream"];
  EXPECT_EQ(stream["content"], chat["content"]);
  EXPECT_EQ(stream["finish_reason"], chat["finish_reason"]);
  EXPECT_EQ(stream["usage"], chat["usage"]);
  EXPECT_GE(stream["chunks"].get<int>(), 3);

  // A stop string ends the text before it.
  EXPECT_EQ(out["stop"]["content"].get<std::string>().find('e'), std::string::npos) << out["stop"];
  EXPECT_EQ(out["stop"]["finish_reason"], "stop") << out["stop"];

  // The reasoning model's <think> span comes apart in reasoning_content, the same text
  // `docent generate` thinks with the same settings.
  const json& reasoning = out["reasoning"];
  auto generate = docent::test::run_cli("--json generate -m " + docent::test::shell_quote((kModels / "tiny-qwen2-q8_0.gguf").string()) +
                                        " --temperature 0 --think-budget 256 --max-tokens 12 'Tell me about lighthouses.'");
  ASSERT_EQ(generate.exit_code, 0) << generate.err;
  const json generated = json::parse(generate.out);
  EXPECT_EQ(reasoning["reasoning"], generated["thinking"]);
  EXPECT_EQ(reasoning["content"], generated["text"]);
  EXPECT_EQ(reasoning["usage"]["completion_tokens_details"]["reasoning_tokens"], generated["thinking_tokens"]);
  EXPECT_FALSE(reasoning["reasoning"].get<std::string>().empty());

  // Embeddings: the client's default (base64) and floats agree with each other and with `docent embed`.
  auto embed = docent::test::run_cli("--json embed -m " + docent::test::shell_quote((kModels / "tiny-bert-f16.gguf").string()) +
                                     " 'the lighthouse keeper' 'a tide table for Merrow Sound'");
  ASSERT_EQ(embed.exit_code, 0) << embed.err;
  const json cli_vectors = json::parse(embed.out)["embeddings"];
  for (std::size_t i = 0; i < 2; ++i) {
    auto from_base64 = floats(out["embeddings"]["base64"][i]);
    auto from_float = floats(out["embeddings"]["float"][i]);
    auto expected = floats(cli_vectors[i]["embedding"]);
    ASSERT_EQ(from_base64.size(), 64u);
    ASSERT_EQ(from_float.size(), 64u);
    for (std::size_t d = 0; d < 64; ++d) {
      EXPECT_EQ(from_base64[d], from_float[d]);
      EXPECT_NEAR(from_float[d], expected[d], 1e-6);
    }
  }
  EXPECT_GT(out["embeddings"]["usage"]["prompt_tokens"].get<int>(), 0);

  // The model `docent` answers from the library, with the `ask --json` object beside the text.
  const json& answer = out["library"];
  EXPECT_NE(answer["content"].get<std::string>().find("1871"), std::string::npos) << answer;
  EXPECT_TRUE(answer["docent"]["found"].get<bool>());
  ASSERT_FALSE(answer["docent"]["citations"].empty());
  EXPECT_NE(answer["docent"]["citations"][0]["path"].get<std::string>().find("tarrow-point-light.pdf"), std::string::npos);
  EXPECT_GE(answer["docent"]["citations"][0]["page"].get<int>(), 1);
  auto ask = docent::test::run_docent(library, "--json ask 'When was the Tarrow Point Light first lit?'");
  ASSERT_EQ(ask.exit_code, 0) << ask.err;
  EXPECT_EQ(answer["docent"]["answer"], json::parse(ask.out)["answer"]);
  EXPECT_EQ(answer["docent"]["citations"], json::parse(ask.out)["citations"]);

  // Errors arrive as the client's own error classes, with OpenAI's fields.
  const json& errors = out["errors"];
  EXPECT_EQ(errors["unknown_model"]["status"], 404);
  EXPECT_EQ(errors["unknown_model"]["code"], "model_not_found");
  EXPECT_EQ(errors["unknown_field"]["status"], 400);
  EXPECT_EQ(errors["unknown_field"]["param"], "colour");
  EXPECT_EQ(errors["wrong_type"]["status"], 400);
  EXPECT_EQ(errors["wrong_type"]["param"], "temperature");
  EXPECT_EQ(errors["embeddings_of_a_chat_model"]["status"], 400);
  for (const auto& [name, error] : errors.items()) EXPECT_EQ(error["type"], "invalid_request_error") << name;

  // One log line per request, with what it was and how long it took.
  auto finished = server.stop();
  EXPECT_EQ(finished.exit_code, 0) << finished.err;
  std::size_t lines = 0;
  for (std::size_t at = 0; (at = finished.err.find("POST /v1/chat/completions", at)) != std::string::npos; ++at) ++lines;
  EXPECT_EQ(lines, 8u) << finished.err;
  EXPECT_NE(finished.err.find("GET /v1/models 200"), std::string::npos) << finished.err;
  EXPECT_NE(finished.err.find("POST /v1/embeddings 200"), std::string::npos) << finished.err;
}

TEST(ServeOpenAI, AnApiKeyOnceSetIsRequiredOfEveryClient) {
  REQUIRE_CLIENTS();
  docent::test::TempDir home;
  ServeProcess server({"--library", (home.path() / "none").string()},
                      {"--api-key", "s3cret-key", (kModels / "tiny-bert-f16.gguf").string()});
  ASSERT_TRUE(server.listening()) << server.log();
  auto run = run_client("openai_auth.mjs", {server.base_url(), "s3cret-key"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_TRUE(run.json["right"]["ok"].get<bool>()) << run.json;
  EXPECT_EQ(run.json["right"]["models"], json({"tiny-bert-f16"}));  // no library here: models only
  EXPECT_EQ(run.json["wrong"]["status"], 401) << run.json;
  EXPECT_EQ(run.json["wrong"]["code"], "invalid_api_key");
  EXPECT_EQ(run.json["none"]["status"], 401) << run.json;
}

TEST(ServeOpenAI, AGenerationStopsWhenItsClientLeavesAndAFullLineIsRefused) {
  REQUIRE_CLIENTS();
  docent::test::TempDir home;
  ServeProcess server({"--library", (home.path() / "none").string()},
                      {"--queue", "0", (kModels / "stories260K.gguf").string()});
  ASSERT_TRUE(server.listening()) << server.log();
  auto run = run_client("openai_cancel.mjs", {server.base_url(), "stories260K"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_GE(run.json["chunks_before_leaving"].get<int>(), 5);
  // While the model was busy, with no room to wait, another request was turned away at once.
  EXPECT_EQ(run.json["busy"]["status"], 503) << run.json;
  EXPECT_EQ(run.json["busy"]["code"], "queue_full") << run.json;
  // A million tokens were asked for; the next request was served, so the first one stopped.
  EXPECT_EQ(run.json["next_finish"], "length") << run.json;
  auto finished = server.stop();
  EXPECT_NE(finished.err.find("stop: cancelled (the client left)"), std::string::npos) << finished.err;
}

TEST(ServeOpenAI, RefusesToListenBeyondLoopbackWithoutAnApiKey) {
  auto run = docent::test::run_cli("serve --host 0.0.0.0 --port 0", {{"DOCENT_API_KEY", ""}});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("--api-key"), std::string::npos) << run.err;
}

TEST(ServeBoundary, MalformedRequestsOverTheWireGetErrorObjectsAndTheServerLivesOn) {
  if (std::system("command -v node >/dev/null 2>&1") != 0) GTEST_SKIP() << "node is not installed (apt-get install nodejs)";
  docent::test::TempDir home;
  const fs::path library = samples_library(home);
  ServeProcess server({"--library", library.string()}, {"--max-body", "1048576"});
  ASSERT_TRUE(server.listening()) << server.log();
  auto run = run_client("http_boundary.mjs", {server.base_url(), "1048576"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const json& out = run.json;
  EXPECT_GT(out["requests"].get<int>(), 400);
  EXPECT_TRUE(out["server_errors"].empty()) << out["server_errors"];
  EXPECT_TRUE(out["not_error_objects"].empty()) << out["not_error_objects"];
  for (const auto& [status, count] : out["statuses"].items())
    EXPECT_TRUE(status == "200" || status == "400" || status == "404" || status == "413") << status << " x" << count;
  EXPECT_EQ(out["huge"], 413);
  EXPECT_NE(out["huge_error"].get<std::string>().find("--max-body"), std::string::npos);
  EXPECT_EQ(out["wrong_method"], 405);
  EXPECT_EQ(out["wrong_path"], 404);
  // Bytes that are not HTTP get a 400 or a closed (or ignored, until its read timeout) connection.
  EXPECT_TRUE(out["garbage"] == "HTTP/1.1 400 Bad Request" || out["garbage"] == "") << out["garbage"];
  EXPECT_EQ(out["health_after"], 200);
  auto finished = server.stop();
  EXPECT_EQ(finished.exit_code, 0) << finished.err;
}

TEST(ServeOpenAI, TheDocentModelStreamsAGeneratedAnswerAndEndsWithItsAskObject) {
  REQUIRE_CLIENTS();
  docent::test::TempDir home;
  const fs::path library = samples_library(home);
  // The generator is offered once under its own name and writes `docent`'s answers.
  ServeProcess server({"--library", library.string()}, {"--model", (kModels / "tiny-qwen2-q8_0.gguf").string(),
                                                         (kModels / "tiny-qwen2-q8_0.gguf").string()});
  ASSERT_TRUE(server.listening()) << server.log();
  auto run = run_client("openai_library_stream.mjs", {server.base_url()});
  ASSERT_EQ(run.exit_code, 0) << run.err << server.log();
  const json& out = run.json;
  EXPECT_EQ(out["models"], json({"docent", "tiny-qwen2-q8_0"}));
  ASSERT_TRUE(out["docent"].is_object()) << out;
  EXPECT_FALSE(out["docent"]["extractive"].get<bool>());
  EXPECT_TRUE(out["docent"]["found"].get<bool>());
  EXPECT_EQ(out["docent"]["question"], "When was the Tarrow Point Light first lit?");
  EXPECT_FALSE(out["docent"]["context"]["windows"].empty());
  // The reasoning fixture thinks first: that text came as reasoning deltas, apart from the answer.
  EXPECT_EQ(out["reasoning"], out["docent"]["thinking"]);
  EXPECT_FALSE(out["reasoning"].get<std::string>().empty());
  EXPECT_EQ(out["usage"]["completion_tokens_details"]["reasoning_tokens"], out["docent"]["generation"]["thinking_tokens"]);
  EXPECT_EQ(out["usage"]["completion_tokens"].get<int>(),
            out["docent"]["generation"]["thinking_tokens"].get<int>() + out["docent"]["generation"]["answer_tokens"].get<int>());
  EXPECT_EQ(out["finish_reason"], out["docent"]["generation"]["answer_stop"] == "max-tokens" ? "length" : "stop");
}
