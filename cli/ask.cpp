// `docent ask QUESTION`: an answer from the library, every claim cited to file and page.
#include <iostream>

#include "answer_print.hpp"
#include "command.hpp"
#include "docent/retrieval.hpp"
#include "generation_flags.hpp"
#include "output.hpp"
#include "terminal.hpp"

namespace docent::cli {
namespace {

struct AskFlags {
  std::vector<std::string> words;
  std::size_t budget = 1500;
  int neighbours = 1;
  int sentences = 3;
  std::string mode;  // empty: the library's default
  GenerationFlags generation;  // no model anywhere: extractive
  bool extractive = false;
  bool show_thinking = false;
};

int run_ask(const GlobalOptions& globals, AskFlags& flags) {
  std::string question;
  for (const auto& word : flags.words) question += (question.empty() ? "" : " ") + word;
  auto library = open_library(globals, false);
  retrieval::AnswerOptions options;
  options.context.token_budget = flags.budget;
  options.context.neighbours = flags.neighbours;
  options.max_sentences = flags.sentences;
  if (!flags.mode.empty()) options.context.mode = retrieval::parse_search_mode(flags.mode);
  resolve_generation_flags(flags.generation);
  const std::string model = flags.generation.model;
  bool streaming = !globals.json && !model.empty() && !flags.extractive;
  retrieval::Answer answer;
  if (model.empty() || flags.extractive) {
    answer = retrieval::answer_extractive(library, question, options);
  } else {
    auto generation = generative_options(flags.generation);
    if (streaming) {
      generation.on_answer = [](std::string_view text) { std::cout << text << std::flush; };
      if (flags.show_thinking) generation.on_thinking = print_thinking;
    }
    answer = retrieval::answer_generative(library, question, options, generation);
  }

  if (globals.json) {
    auto json = answer_json(answer);
    json["question"] = question;
    print_json(json);
    return answer.found ? kOk : kNotFound;
  }
  if (!answer.found) {
    std::cout << answer.text << "\n";
    if (!answer.abstain_reason.empty()) std::cout << "(" << answer.abstain_reason << ")\n";
    std::cout << "(searched " << library.stats().documents << " documents; try other words, or `docent search`.)\n";
    return kNotFound;
  }
  print_answer(answer);
  if (answer.generation && !globals.quiet)
    print_error(generation_summary(*answer.generation, flags.generation.think_budget, flags.generation.max_tokens));
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
  add_generation_flags(*ask, flags->generation, "Generator model (GGUF, Qwen2/Llama family) that writes the answer");
  ask->add_flag("--extractive", flags->extractive, "Quote sentences instead of generating, even if a model is configured");
  ask->add_flag("--show-thinking", flags->show_thinking, "Stream a reasoning model's <think> span (to stderr, dimmed on a terminal)");
  ask->footer("The model: --model, else $DOCENT_MODEL, else `docent config set generator.model FILE`.\n"
              "Without a language model the answer is extractive: the best-matching sentences, each cited.\n"
              "When the passages found do not cover enough of the question's words it says so (exit 4) instead\n"
              "of quoting or generating from unrelated sentences; --json gives the reason as abstain_reason.\n"
              "A generated answer is checked against its sources: each sentence's [n] must share words (and\n"
              "every number) with source n; a sentence without a marker is linked to the source it restates\n"
              "(\"attributed\") or flagged \"unsupported\". The passages read are listed under the answer.");
  ask->callback([&globals, &exit_code, flags] { exit_code = run_ask(globals, *flags); });
});

}  // namespace
}  // namespace docent::cli
