// `docent serve`: an OpenAI-compatible HTTP API over the local models, plus the library's own
// endpoints (search, ask, documents, passages). Loopback only unless an API key is set.
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <thread>

#include "command.hpp"
#include "generation_flags.hpp"
#include "mcp_server.hpp"
#include "output.hpp"
#include "serve_handlers.hpp"
#include "serve_routes.hpp"
#include "user_config.hpp"

namespace docent::cli {
namespace {

struct ServeFlags {
  std::vector<std::string> models;
  GenerationFlags generation;
  std::string host = "127.0.0.1";
  int port = 8080;
  std::string api_key;
  std::size_t max_body = 8 << 20;
  int connections = 64;
  int queue = 8;
};

void log_line(const std::string& line) {
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  std::cerr << "docent serve: " << line << std::endl;
}

int run_serve(const GlobalOptions& globals, ServeFlags& flags) {
  if (flags.api_key.empty())
    if (const char* key = std::getenv("DOCENT_API_KEY")) flags.api_key = key;
  if (!is_loopback_host(flags.host) && flags.api_key.empty()) {
    print_error("--host " + flags.host + " would serve other machines: give --api-key KEY (or set $DOCENT_API_KEY) so only "
                "clients sending that key are answered");
    return kUsage;
  }
  resolve_generation_flags(flags.generation);

  std::unique_ptr<LibraryService> library;
  ModelFiles files;
  for (const auto& model : flags.models) files.files.emplace_back(model);
  files.answer_model = flags.generation.model;
  if (auto embedder = resolve_config("embedder.model").text; !embedder.empty()) files.configured.emplace_back(embedder);
  const auto dir = index::resolve_library_dir(
      [&]() -> std::optional<std::filesystem::path> {
        if (auto chosen = resolve_config("library", globals.library); !chosen.text.empty()) return chosen.text;
        return std::nullopt;
      }());
  try {
    library = std::make_unique<LibraryService>(dir);
    if (auto bound = library->embedder_path()) files.configured.push_back(*bound);
  } catch (const index::LibraryError& error) {
    log_line(std::string(error.what()) + "; serving the models only");
  } catch (const std::runtime_error& error) {
    log_line(std::string("the library's embedding model: ") + error.what());
  }

  ServeContext context;
  std::unique_ptr<ModelRegistry> models;
  try {
    models = std::make_unique<ModelRegistry>(files, library != nullptr, flags.generation.context, flags.queue, log_line);
  } catch (const std::exception& error) {
    print_error(error.what());
    return kFailure;
  }
  context.models = models.get();
  context.library = library.get();
  context.settings = {.max_tokens = flags.generation.max_tokens,
                      .think_budget = flags.generation.think_budget,
                      .temperature = flags.generation.temperature,
                      .top_p = flags.generation.top_p,
                      .seed = flags.generation.seed,
                      .context = flags.generation.context};
  std::unique_ptr<McpServer> mcp;
  if (library) {
    mcp = std::make_unique<McpServer>(*library, [&context](const AskParams& params, const std::function<bool()>& keep_going) {
      return mcp_ask(context, params, keep_going);
    });
    context.mcp = mcp.get();
  }
  if (library && !models->answer_model())
    log_line("no generator model (--model, $DOCENT_MODEL or config generator.model): `docent` answers extractively");

  std::unique_ptr<HttpTransport> transport;
  HttpServerOptions options;
  options.host = flags.host;
  options.port = flags.port;
  options.max_body_bytes = flags.max_body;
  options.threads = flags.connections;
  options.transport_error_body = transport_error_body;
  RouteSettings routes{.api_key = flags.api_key, .check_host = flags.api_key.empty()};
  options.handler = [&context, routes](const HttpRequest& request) { return serve_request(context, routes, request, log_line); };
  try {
    transport = load_http_transport();
    const int port = transport->bind(options);
    std::string ids;
    for (const auto& model : models->models()) ids += (ids.empty() ? "" : ", ") + model->id;
    log_line("listening on http://" + (flags.host.find(':') != std::string::npos ? "[" + flags.host + "]" : flags.host) + ":" +
             std::to_string(port) + "/v1 (models: " + (ids.empty() ? "none" : ids) + ")" +
             (flags.api_key.empty() ? "" : "; clients must send the API key"));
  } catch (const std::exception& error) {
    print_error(error.what());
    return kFailure;
  }
  // Ctrl-C or SIGTERM stops accepting; requests under way finish first.
  std::atomic<bool> ended{false};
  std::thread watcher([&] {
    while (!interrupted().load() && !ended.load()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    transport->stop();
  });
  transport->run();
  ended = true;
  watcher.join();
  if (!interrupted().load()) {
    print_error("the server stopped accepting connections unexpectedly");
    return kFailure;
  }
  log_line("stopped");
  return kOk;
}

const bool registered = register_command(80, [](CLI::App& app, GlobalOptions& globals, int& exit_code) {
  auto flags = std::make_shared<ServeFlags>();
  auto* serve = app.add_subcommand("serve", "Serve the library and local models over an OpenAI-compatible HTTP API");
  serve->add_option("models", flags->models, "More GGUF models to offer (decoders for chat, BERT encoders for embeddings)")
      ->type_name("FILE...")
      ->check(CLI::ExistingFile);
  add_generation_flags(*serve, flags->generation, "Generator model (GGUF) for the `docent` model's answers, also offered itself");
  serve->add_option("--host", flags->host, "Address to listen on; anything but loopback needs --api-key")->capture_default_str();
  serve->add_option("--port", flags->port, "Port to listen on (0: any free port, printed at start)")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  serve->add_option("--api-key", flags->api_key, "Require 'Authorization: Bearer KEY' on every request (default: $DOCENT_API_KEY)")
      ->type_name("KEY");
  serve->add_option("--max-body", flags->max_body, "Largest request body accepted, in bytes")
      ->check(CLI::Range(std::size_t{1024}, std::size_t{1} << 30))
      ->capture_default_str();
  serve->add_option("--connections", flags->connections, "Connections served at once (more wait for a free one)")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  serve->add_option("--queue", flags->queue, "Generations that may wait for a busy model before new ones get 503")
      ->check(CLI::Range(0, 1024))
      ->capture_default_str();
  serve->footer(
      "Endpoints (base URL http://127.0.0.1:8080/v1):\n"
      "  GET  /v1/models              the models: `docent` (the library) and each model file\n"
      "  POST /v1/chat/completions    OpenAI chat (stream or not); model `docent` answers from the library\n"
      "                               with citations in the `docent` field (the `ask --json` object)\n"
      "  POST /v1/embeddings          vectors from an embedding (BERT) model\n"
      "  POST /v1/search              {\"query\", \"mode\", \"limit\", \"full\"} -> the `search --json` object\n"
      "  POST /v1/ask                 {\"question\", \"mode\", \"budget\", \"window\", \"sentences\", \"extractive\"}\n"
      "  GET  /v1/documents           the `list --json` array\n"
      "  GET  /v1/passages/ID         the `passage --json` object\n"
      "  POST /mcp                    the Model Context Protocol (as `docent mcp`, over HTTP)\n"
      "Searches run in parallel; each model writes one answer at a time and the rest wait (--queue).\n"
      "A generation stops when its client disconnects. Each request is logged on stderr with its time.\n"
      "Without --api-key only requests addressed to a loopback name (localhost, 127.0.0.1, [::1]) and not\n"
      "sent by a web page of another site are answered.");
  serve->callback([&globals, &exit_code, flags] { exit_code = run_serve(globals, *flags); });
});

}  // namespace
}  // namespace docent::cli
