// `docent mcp`: the library as a Model Context Protocol server over stdio (one JSON-RPC message
// per line on stdin and stdout; notes on stderr), for assistants that start it themselves.
#include <csignal>
#include <cstdio>
#include <iostream>

#include "command.hpp"
#include "docent/engine.hpp"
#include "generation_flags.hpp"
#include "mcp_server.hpp"
#include "output.hpp"
#include "user_config.hpp"

namespace docent::cli {
namespace {

constexpr std::size_t kMaxMessageBytes = 16 << 20;

// Reads one line of at most `limit` bytes; false at the end of input. A longer line is read to
// its end and reported as `too_long`.
bool read_message(std::FILE* in, std::string& line, bool& too_long) {
  line.clear();
  too_long = false;
  int c;
  bool any = false;
  while ((c = std::fgetc(in)) != EOF) {
    any = true;
    if (c == '\n') return true;
    if (line.size() < kMaxMessageBytes) line.push_back(static_cast<char>(c));
    else too_long = true;
  }
  return any;
}

int run_mcp(const GlobalOptions& globals, GenerationFlags& flags, bool extractive) {
  resolve_generation_flags(flags);
  std::optional<std::filesystem::path> explicit_dir;
  if (auto chosen = resolve_config("library", globals.library); !chosen.text.empty()) explicit_dir = chosen.text;
  LibraryService library(index::resolve_library_dir(explicit_dir));
  std::optional<retrieval::GenerativeOptions> generation;
  if (!flags.model.empty() && !extractive) {
    generation = generative_options(flags);
    try {
      generation->loaded_model = engine::Model::load(flags.model);  // once, for every `ask`
    } catch (const engine::ModelError& error) {
      print_error(error.what());
      return kFailure;
    }
  }
  std::cerr << "docent mcp: serving " << library.dir().string() << " on stdin/stdout ("
            << (generation ? "answers written by " + flags.model : std::string("extractive answers")) << ")" << std::endl;
  McpServer server(library, [&library, &generation](const AskParams& params, const std::function<bool()>& keep_going) {
    if (!generation) return library.ask(params, std::nullopt);
    auto options = *generation;
    options.keep_going = keep_going;
    return library.ask(params, options);
  });
  // Nothing here needs undoing (the library is only read): SIGTERM or Ctrl-C end the process at
  // once, even while it waits for input.
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  const std::function<bool()> keep_going = [] { return true; };
  std::string line;
  bool too_long = false;
  while (read_message(stdin, line, too_long)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos && !too_long) continue;
    auto reply = too_long ? std::optional(McpServer::error_reply(nullptr, -32600, "Invalid request: message too long"))
                          : server.handle_text(line, keep_going);
    if (!reply) continue;
    std::string text = reply->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    text += '\n';
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
  }
  return kOk;
}

const bool registered = register_command(81, [](CLI::App& app, GlobalOptions& globals, int& exit_code) {
  auto flags = std::make_shared<GenerationFlags>();
  auto extractive = std::make_shared<bool>(false);
  auto* mcp = app.add_subcommand("mcp", "Serve the library to an AI assistant over the Model Context Protocol (stdio)");
  add_generation_flags(*mcp, *flags, "Generator model (GGUF) that writes the `ask` tool's answers");
  mcp->add_flag("--extractive", *extractive, "The ask tool quotes sentences instead of generating, even with a model");
  mcp->footer("Tools: search, ask, list_documents, get_passage (JSON Schemas in tools/list); resources: each document\n"
              "(docent://documents/ID), read page by page. Protocol revision " +
              std::string(kMcpProtocolVersion) +
              ". An assistant starts it, e.g. in its MCP configuration:\n"
              "  {\"command\": \"docent\", \"args\": [\"mcp\"]}\n"
              "Messages are read from stdin and answered on stdout, one per line; stderr carries notes.");
  mcp->callback([&globals, &exit_code, flags, extractive] { exit_code = run_mcp(globals, *flags, *extractive); });
});

}  // namespace
}  // namespace docent::cli
