// `docent ask QUESTION`: an answer from the library, every claim cited to file and page.
#include <iostream>

#include "command.hpp"
#include "docent/retrieval.hpp"
#include "output.hpp"

namespace docent::cli {
namespace {

struct AskFlags {
  std::vector<std::string> words;
  std::size_t budget = 1500;
  int neighbours = 1;
  int sentences = 3;
  std::string mode;  // empty: the library's default
};

std::string page_label(const retrieval::Citation& c) { return c.page > 0 ? ", p. " + std::to_string(c.page) : ""; }

int run_ask(const GlobalOptions& globals, const AskFlags& flags) {
  std::string question;
  for (const auto& word : flags.words) question += (question.empty() ? "" : " ") + word;
  auto library = open_library(globals, false);
  retrieval::AnswerOptions options;
  options.context.token_budget = flags.budget;
  options.context.neighbours = flags.neighbours;
  options.max_sentences = flags.sentences;
  if (!flags.mode.empty()) options.context.mode = retrieval::parse_search_mode(flags.mode);
  auto answer = retrieval::answer_extractive(library, question, options);

  if (globals.json) {
    nlohmann::json citations = nlohmann::json::array();
    for (const auto& c : answer.citations)
      citations.push_back({{"number", c.number}, {"path", c.path}, {"title", c.title}, {"page", c.page},
                           {"chunk_id", c.chunk_id}, {"quote", c.quote}});
    nlohmann::json windows = nlohmann::json::array();
    for (const auto& w : answer.context.windows)
      windows.push_back({{"path", w.path}, {"first_page", w.first_page}, {"last_page", w.last_page},
                         {"tokens", w.tokens}, {"chunks", {w.first_ordinal, w.last_ordinal}}});
    print_json({{"question", question},
                {"answer", answer.text},
                {"thinking", answer.thinking},
                {"extractive", answer.extractive},
                {"found", answer.found},
                {"citations", citations},
                {"removed_citations", answer.removed_citations},
                {"context", {{"tokens", answer.context.tokens}, {"windows", windows}}},
                {"timings", {{"retrieval_seconds", answer.retrieval_seconds}, {"answer_seconds", answer.answer_seconds}}}});
    return answer.found ? kOk : kNotFound;
  }
  if (!answer.found) {
    std::cout << answer.text << "\n(searched " << library.stats().documents << " documents; try other words, or `docent search`.)\n";
    return kNotFound;
  }
  if (answer.extractive)
    std::cout << "Extractive answer — sentences quoted from your documents (no language model configured):\n\n";
  std::cout << answer.text << "\n\nSources:\n";
  for (const auto& c : answer.citations)
    std::cout << "[" << c.number << "] " << c.path << page_label(c) << ": \"" << c.quote << "\"\n";
  return kOk;
}

const bool registered = register_command(60, [](CLI::App& app, GlobalOptions& globals, int& exit_code) {
  auto flags = std::make_shared<AskFlags>();
  auto* ask = app.add_subcommand("ask", "Answer a question from your documents, citing file and page");
  ask->add_option("question", flags->words, "The question, in plain words")->required()->type_name("QUESTION...");
  ask->add_option("--budget", flags->budget, "Tokens of context gathered from the library")->capture_default_str();
  ask->add_option("--window", flags->neighbours, "Neighbouring chunks added on each side of a hit")
      ->check(CLI::Range(0, 10))
      ->capture_default_str();
  ask->add_option("--sentences", flags->sentences, "Sentences in an extractive answer")->check(CLI::Range(1, 20))->capture_default_str();
  ask->add_option("--mode", flags->mode, "Retrieval mode: keyword, dense or hybrid (default: hybrid with an embedding model)")
      ->check(CLI::IsMember({"keyword", "dense", "hybrid"}));
  ask->footer("Without a language model the answer is extractive: the best-matching sentences, each cited.\n"
              "If nothing relevant is found it says so (exit 4) instead of guessing.");
  ask->callback([&globals, &exit_code, flags] { exit_code = run_ask(globals, *flags); });
});

}  // namespace
}  // namespace docent::cli
