#include "answer_print.hpp"

#include <iostream>

#include "generation_flags.hpp"
#include "output.hpp"

namespace docent::cli {

namespace {
std::string page_label(const retrieval::Citation& c) { return c.page > 0 ? ", p. " + std::to_string(c.page) : ""; }
}  // namespace

nlohmann::json answer_json(const retrieval::Answer& answer) {
  nlohmann::json citations = nlohmann::json::array();
  for (const auto& c : answer.citations)
    citations.push_back({{"number", c.number}, {"path", c.path}, {"title", c.title}, {"page", c.page},
                         {"chunk_id", c.chunk_id}, {"quote", c.quote}});
  nlohmann::json windows = nlohmann::json::array();
  for (const auto& w : answer.context.windows)
    windows.push_back({{"path", w.path}, {"first_page", w.first_page}, {"last_page", w.last_page},
                       {"tokens", w.tokens}, {"chunks", {w.first_ordinal, w.last_ordinal}}});
  nlohmann::json json = {{"answer", answer.text},
          {"thinking", answer.thinking},
          {"extractive", answer.extractive},
          {"found", answer.found},
          {"citations", citations},
          {"removed_citations", answer.removed_citations},
          {"context", {{"tokens", answer.context.tokens}, {"windows", windows}}},
          {"timings", {{"retrieval_seconds", answer.retrieval_seconds}, {"answer_seconds", answer.answer_seconds}}}};
  if (answer.generation) json["generation"] = generation_json(*answer.generation);
  return json;
}

void print_sources(const retrieval::Answer& answer) {
  std::cout << "Sources:\n";
  for (const auto& c : answer.citations)
    std::cout << "[" << c.number << "] " << c.path << page_label(c) << ": \"" << c.quote << "\"\n";
}

void print_answer(const retrieval::Answer& answer) {
  if (answer.extractive) {
    std::cout << "Extractive answer — sentences quoted from your documents (no language model configured):\n\n";
    std::cout << answer.text;
  }
  if (!answer.extractive && answer.text.find_first_not_of(" \n\t") == std::string::npos)
    std::cout << "(the model gave no answer"
              << (answer.generation && answer.generation->answer_stop == "end-of-generation" ? ")" : " within --max-tokens)");
  std::cout << "\n\n";
  print_sources(answer);
  for (int number : answer.removed_citations)
    print_error("the model cited [" + std::to_string(number) + "], which is not one of the sources; removed");
}

}  // namespace docent::cli
