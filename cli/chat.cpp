// `docent chat`: questions one per line on stdin (a terminal or a pipe), answered like `ask`,
// with follow-ups ("and in 2019?") rewritten into standalone queries from the history.
#include <unistd.h>

#include <iostream>

#include "answer_print.hpp"
#include "command.hpp"
#include "docent/retrieval.hpp"
#include "generation_flags.hpp"
#include "line_reader.hpp"
#include "output.hpp"
#include "terminal.hpp"

namespace docent::cli {
namespace {

struct ChatFlags {
  std::size_t budget = 1500;
  int neighbours = 1;
  int sentences = 3;
  std::string mode;
  GenerationFlags generation;
  bool extractive = false;
  bool show_thinking = false;
  std::size_t history = 4;
};

constexpr const char* kHelp =
    "Ask a question per line. Follow-ups (\"and in 2019?\", \"what about its limits?\") are read with the\n"
    "conversation so far. Commands: /sources (the last answer's sources and the passages it read),\n"
    "/reset (forget the conversation), /quit (or end of input). On a terminal: arrow keys edit and\n"
    "recall earlier questions, Ctrl-C clears the line, Ctrl-C on an empty line twice or Ctrl-D quits.\n";

std::string trimmed(const std::string& line) {
  auto first = line.find_first_not_of(" \t\r");
  if (first == std::string::npos) return "";
  return line.substr(first, line.find_last_not_of(" \t\r") - first + 1);
}

int run_chat(const GlobalOptions& globals, ChatFlags& flags) {
  auto library = open_library(globals, false);
  retrieval::ConversationOptions options;
  options.answer.context.token_budget = flags.budget;
  options.answer.context.neighbours = flags.neighbours;
  options.answer.max_sentences = flags.sentences;
  if (!flags.mode.empty()) options.answer.context.mode = retrieval::parse_search_mode(flags.mode);
  options.history_exchanges = flags.history;
  resolve_generation_flags(flags.generation);
  const std::string model = flags.generation.model;
  if (!model.empty() && !flags.extractive) {
    auto generation = generative_options(flags.generation);
    if (!globals.json) {
      generation.on_answer = [](std::string_view text) { std::cout << text << std::flush; };
      if (flags.show_thinking) generation.on_thinking = print_thinking;
    }
    options.generation = std::move(generation);
  }
  if (!globals.json)
    options.on_rewrite = [](const retrieval::QueryRewrite& rewrite) {
      if (rewrite.follow_up) std::cout << "(searching: " << rewrite.query << ")\n";
      if (!rewrite.note.empty()) print_error("note: " + rewrite.note);
      std::cout << std::flush;
    };
  retrieval::Conversation conversation(library, std::move(options));

  const bool interactive = ::isatty(STDIN_FILENO) == 1 && !globals.json;
  if (interactive) std::cout << kHelp << (model.empty() || flags.extractive ? "(extractive answers: no language model)\n" : "");
  LineReader reader(interactive && ::isatty(STDOUT_FILENO) == 1, interactive ? "> " : "");
  std::optional<retrieval::Answer> last;
  int turn = 0;
  while (true) {
    if (interactive) std::cout << "\n" << std::flush;
    auto line = reader.next();
    if (!line) break;
    std::string question = trimmed(*line);
    if (question.empty()) continue;
    reader.remember(question);
    if (question == "/quit" || question == "/exit") break;
    if (question == "/help") {
      if (!globals.json) std::cout << kHelp;
      continue;
    }
    if (question == "/reset") {
      conversation.reset();
      last.reset();
      if (globals.json) std::cout << nlohmann::json{{"command", "reset"}}.dump() << "\n";
      else std::cout << "(conversation cleared)\n";
      continue;
    }
    if (question == "/sources") {
      if (globals.json) {
        nlohmann::json out{{"command", "sources"}};
        auto shown = last ? answer_json(*last) : nlohmann::json::object();
        out["citations"] = last ? shown["citations"] : nlohmann::json::array();
        out["context"] = last ? shown["context"] : nlohmann::json{{"tokens", 0}, {"windows", nlohmann::json::array()}};
        std::cout << out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
      } else if (!last || last->context.windows.empty()) {
        std::cout << "(no sources yet)\n";
      } else {
        print_sources(*last);
      }
      continue;
    }
    if (question.front() == '/') {
      print_error("unknown command " + question + " (try /help)");
      continue;
    }

    auto reply = conversation.ask(question);
    ++turn;
    if (globals.json) {
      auto out = answer_json(reply.answer);
      out["turn"] = turn;
      out["question"] = question;
      out["query"] = reply.rewrite.query;
      out["follow_up"] = reply.rewrite.follow_up;
      out["rewrite"] = reply.rewrite.method;
      out["carried_words"] = reply.rewrite.carried_words;
      out["rewrite_note"] = reply.rewrite.note;
      std::cout << out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << std::endl;
    } else if (!reply.answer.found) {
      std::cout << reply.answer.text
                << (reply.answer.abstain_reason.empty() ? "" : " (" + reply.answer.abstain_reason + ")")
                << " (try other words, or /reset to start a new topic)\n";
    } else {
      print_answer(reply.answer);
      if (reply.answer.generation && !globals.quiet)
        print_error(generation_summary(*reply.answer.generation, flags.generation.think_budget, flags.generation.max_tokens));
    }
    if (!globals.json) std::cout << "\n" << std::flush;  // a blank line between turns
    last = std::move(reply.answer);
  }
  return kOk;
}

const bool registered = register_command(61, [](CLI::App& app, GlobalOptions& globals, int& exit_code) {
  auto flags = std::make_shared<ChatFlags>();
  auto* chat = app.add_subcommand("chat", "Ask questions in a conversation; follow-ups use what was said before");
  chat->add_option("--budget", flags->budget, "Tokens of context gathered from the library per question")->capture_default_str();
  chat->add_option("--window", flags->neighbours, "Neighbouring chunks added on each side of a hit")
      ->check(CLI::Range(0, 10))
      ->capture_default_str();
  chat->add_option("--sentences", flags->sentences, "Sentences in an extractive answer")->check(CLI::Range(1, 20))->capture_default_str();
  chat->add_option("--mode", flags->mode, "Retrieval mode: keyword, dense or hybrid (default: hybrid with an embedding model)")
      ->check(CLI::IsMember({"keyword", "dense", "hybrid"}));
  add_generation_flags(*chat, flags->generation, "Generator model (GGUF, Qwen2/Llama family): rewrites follow-ups, writes answers");
  chat->add_flag("--extractive", flags->extractive, "Quote sentences instead of generating, even if a model is configured");
  chat->add_flag("--show-thinking", flags->show_thinking, "Stream a reasoning model's <think> span (to stderr, dimmed on a terminal)");
  chat->add_option("--history", flags->history, "Earlier exchanges shown to the model")->check(CLI::Range(0, 32))->capture_default_str();
  chat->footer(
      "Reads one question per line from standard input, so it also works from a pipe:\n"
      "  printf 'When was the lighthouse first lit?\\nand how tall is it?\\n' | docent chat\n"
      "Without a language model a follow-up (few words of its own, opening with \"and\"/\"what about\" or\n"
      "saying \"it\"/\"they\"/\"that\") is searched with the previous question's words; the searched query is\n"
      "shown as \"(searching: ...)\". With --json: one JSON object per answered question (JSON lines).");
  chat->callback([&globals, &exit_code, flags] { exit_code = run_chat(globals, *flags); });
});

}  // namespace
}  // namespace docent::cli
