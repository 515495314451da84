#include "answer_print.hpp"

#include <iostream>

#include "docent/utf8.hpp"
#include "generation_flags.hpp"
#include "output.hpp"

namespace docent::cli {

namespace {

// ", p. 3", ", sections 2-3", ", chapter 4 (OCR)".
std::string page_label(ingest::PageUnit unit, int first, int last, bool from_ocr) {
  if (first <= 0) return "";
  return ", " + ingest::unit_label(unit, first, last) + (from_ocr ? " (OCR)" : "");
}

// The passage on one line, cut at a word boundary near `limit` bytes (never inside a UTF-8 character).
std::string excerpt(const std::string& text, std::size_t limit) {
  std::string flat;
  for (char c : text) {
    bool space = c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == ' ';
    if (space && (flat.empty() || flat.back() == ' ')) continue;
    flat += space ? ' ' : c;
  }
  if (flat.size() <= limit) return flat;
  std::size_t cut = flat.rfind(' ', limit);
  if (cut == std::string::npos || cut < limit / 2) {
    cut = utf8::boundary_before(flat, limit);
  }
  return flat.substr(0, cut) + "…";
}

// Citation numbers of the answer that point to passage `number` (1-based).
std::vector<int> cited_as(const retrieval::Answer& answer, int number) {
  std::vector<int> numbers;
  for (const auto& c : answer.citations)
    if (c.source == number) numbers.push_back(c.number);
  return numbers;
}

std::string marker_list(const std::vector<int>& numbers) {
  std::string out;
  for (int n : numbers) out += (out.empty() ? "[" : ", [") + std::to_string(n) + "]";
  return out;
}

}  // namespace

nlohmann::json answer_json(const retrieval::Answer& answer) {
  nlohmann::json citations = nlohmann::json::array();
  for (const auto& c : answer.citations)
    citations.push_back({{"number", c.number}, {"source", c.source}, {"path", c.path}, {"title", c.title},
                         {"page", c.page}, {"last_page", std::max(c.page, c.last_page)},
                         {"unit", std::string(ingest::to_string(c.unit))}, {"ocr", c.from_ocr}, {"chunk_id", c.chunk_id},
                         {"quote", c.quote}, {"attributed", c.attributed}, {"supported", c.supported}});
  nlohmann::json sentences = nlohmann::json::array();
  for (const auto& s : answer.sentences)
    sentences.push_back({{"text", s.text}, {"citations", s.citations}, {"attributed", s.attributed},
                         {"unsupported", s.unsupported}, {"unsupported_markers", s.unsupported_markers}});
  nlohmann::json windows = nlohmann::json::array();
  for (std::size_t i = 0; i < answer.context.windows.size(); ++i) {
    const auto& w = answer.context.windows[i];
    const int number = static_cast<int>(i) + 1;
    auto numbers = cited_as(answer, number);
    windows.push_back({{"number", number}, {"path", w.path}, {"title", w.title}, {"first_page", w.first_page},
                       {"last_page", w.last_page}, {"unit", std::string(ingest::to_string(w.unit))}, {"ocr", w.from_ocr},
                       {"tokens", w.tokens}, {"chunks", {w.first_ordinal, w.last_ordinal}},
                       {"cited", !numbers.empty()}, {"cited_as", numbers}, {"text", w.text}});
  }
  nlohmann::json json = {{"answer", answer.text},
          {"thinking", answer.thinking},
          {"extractive", answer.extractive},
          {"found", answer.found},
          {"abstain_reason", answer.abstain_reason},
          {"sentences", sentences},
          {"citations", citations},
          {"removed_citations", answer.removed_citations},
          {"context", {{"tokens", answer.context.tokens}, {"windows", windows}}},
          {"timings", {{"retrieval_seconds", answer.retrieval_seconds}, {"answer_seconds", answer.answer_seconds}}}};
  if (answer.generation) json["generation"] = generation_json(*answer.generation);
  return json;
}

void print_passages(const retrieval::Answer& answer) {
  const auto& windows = answer.context.windows;
  if (windows.empty()) return;
  std::cout << (answer.extractive ? "Passages read (" : "Passages in the prompt (") << windows.size()
            << (windows.size() == 1 ? " passage, " : " passages, ") << answer.context.tokens << " tokens):\n";
  for (std::size_t i = 0; i < windows.size(); ++i) {
    const auto& w = windows[i];
    const int number = static_cast<int>(i) + 1;
    auto numbers = cited_as(answer, number);
    // A model sees the passages as [n]; an extractive answer numbers its quotes on its own.
    std::string label = answer.extractive ? std::to_string(number) + "." : "[" + std::to_string(number) + "]";
    std::string cited;
    if (!numbers.empty()) cited = answer.extractive ? "  quoted as " + marker_list(numbers) : "  cited";
    std::cout << "  " << label << " " << w.path << page_label(w.unit, w.first_page, w.last_page, w.from_ocr) << cited << "\n"
              << "      \"" << excerpt(w.text, 160) << "\"\n";
  }
}

void print_sources(const retrieval::Answer& answer) {
  std::cout << "Sources:\n";
  if (answer.citations.empty()) std::cout << "(the answer cites none of the passages below)\n";
  for (const auto& c : answer.citations) {
    std::cout << "[" << c.number << "] " << c.path << page_label(c.unit, c.page, c.last_page, c.from_ocr) << ": \"" << c.quote << "\"";
    if (c.attributed) std::cout << "  (attributed: the model wrote no marker; matched by its words)";
    if (!c.supported) std::cout << "  (the sentences citing it share nothing with it)";
    std::cout << "\n";
  }
  std::cout << "\n";
  print_passages(answer);
}

void print_checks(const retrieval::Answer& answer) {
  std::string lines;
  for (const auto& s : answer.sentences) {
    if (s.unsupported) lines += "  unsupported: \"" + s.text + "\" (no source says this)\n";
    else if (s.attributed) lines += "  attributed " + marker_list(s.citations) + ": \"" + s.text + "\" (no marker written)\n";
    if (!s.unsupported_markers.empty())
      lines += "  " + marker_list(s.unsupported_markers) + " does not support: \"" + s.text + "\"\n";
  }
  if (lines.empty()) return;
  std::cout << "Checked against the sources:\n" << lines << "\n";
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
  print_checks(answer);
  print_sources(answer);
  for (int number : answer.removed_citations)
    print_error("the model cited [" + std::to_string(number) + "], which is not one of the sources; removed");
}

}  // namespace docent::cli
