// SQuAD-format evaluation: context recall of the assembled context, extractive EM/F1, and
// abstention on SQuAD 2.0's unanswerable questions.
#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>

#include <nlohmann/json.hpp>

#include "docent/retrieval.hpp"
#include "text_terms.hpp"

namespace docent::retrieval {

namespace {

std::string lower_one_line(std::string_view text) {
  std::string flat = one_line(text);
  for (auto& c : flat) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return flat;
}

double f1_score(const std::string& prediction, const std::string& gold) {
  auto predicted = answer_tokens(prediction);
  auto expected = answer_tokens(gold);
  if (predicted.empty() || expected.empty()) return predicted == expected ? 1 : 0;
  std::map<std::string, int> counts;
  for (const auto& token : expected) counts[token]++;
  int common = 0;
  for (const auto& token : predicted)
    if (counts[token]-- > 0) ++common;
  if (common == 0) return 0;
  double precision = double(common) / predicted.size(), recall = double(common) / expected.size();
  return 2 * precision * recall / (precision + recall);
}

struct Question {
  std::string text;
  std::vector<std::string> answers;
  bool impossible = false;
};

}  // namespace

SquadReport evaluate_squad(const std::filesystem::path& file, const SquadOptions& options) {
  auto started = std::chrono::steady_clock::now();
  std::ifstream stream(file);
  if (!stream) throw std::runtime_error(file.string() + ": cannot open");
  auto root = nlohmann::json::parse(stream, nullptr, false);
  if (root.is_discarded() || !root.contains("data") || !root["data"].is_array())
    throw std::runtime_error(file.string() + ": not SQuAD-format JSON (no \"data\" array)");

  SquadReport report;
  auto library = index::Library::open_in_memory();
  // The baseline's library: each paragraph one unit (one chunk), nothing widened or merged.
  auto paragraphs = index::Library::open_in_memory();
  auto count = token_counter_for(library);
  const auto& chunking = options.chunking;
  std::vector<Question> questions;
  library.begin_bulk();
  paragraphs.begin_bulk();
  for (const auto& article : root["data"]) {
    std::string title = article.value("title", "");
    int paragraph_number = 0;
    for (const auto& paragraph : article.value("paragraphs", nlohmann::json::array())) {
      std::string context = paragraph.value("context", "");
      index::NewDocument record;
      record.document.path = title + "#" + std::to_string(++paragraph_number);
      record.document.title = title;
      record.document.status = "ok";
      record.document.page_count = 1;
      std::vector<ingest::Page> pages{{1, context, ingest::PageStatus::ok}};
      record.chunks = chunk_records(pages, chunking, count);
      record.document.chunk_count = static_cast<std::int64_t>(record.chunks.size());
      record.pages.push_back({1, context, "ok"});
      library.put_document(record);
      if (options.paragraph_baseline) {
        index::ChunkRecord whole;
        whole.text = context;
        whole.first_page = whole.last_page = 1;
        whole.end_offset = static_cast<std::int64_t>(context.size());
        whole.token_count = static_cast<std::int64_t>(count(context));
        record.chunks = {whole};
        record.document.chunk_count = 1;
        paragraphs.put_document(record);
      }
      ++report.contexts;
      for (const auto& qa : paragraph.value("qas", nlohmann::json::array())) {
        Question question;
        question.text = qa.value("question", "");
        question.impossible = qa.value("is_impossible", false);
        for (const auto& gold : qa.value("answers", nlohmann::json::array()))
          question.answers.push_back(gold.value("text", ""));
        questions.push_back(std::move(question));
      }
    }
  }
  library.end_bulk();
  paragraphs.end_bulk();
  if (options.stride > 1) {
    std::vector<Question> every;
    for (std::size_t i = 0; i < questions.size(); i += options.stride) every.push_back(std::move(questions[i]));
    questions = std::move(every);
  }
  if (options.limit && questions.size() > options.limit) questions.resize(options.limit);

  AnswerOptions answer_options;
  answer_options.context.token_budget = options.token_budget;
  answer_options.context.neighbours = options.neighbours;
  answer_options.max_sentences = 1;
  std::size_t answerable = 0, recalled = 0, baseline_recalled = 0, declined = 0;
  double exact_sum = 0, f1_sum = 0;
  index::SearchOptions baseline_search;
  baseline_search.limit = 40;
  for (std::size_t i = 0; i < questions.size(); ++i) {
    const auto& question = questions[i];
    auto answer = answer_extractive(library, question.text, answer_options);
    if (question.impossible) {
      ++report.unanswerable;
      if (!answer.found) ++declined;
    } else {
      ++answerable;
      std::string context;
      for (const auto& window : answer.context.windows) context += lower_one_line(window.text) + "\n";
      // Baseline: whole paragraphs in plain BM25 order, each taken whole while it fits.
      std::string baseline;
      if (options.paragraph_baseline) {
        std::size_t used = 0;
        for (const auto& hit : paragraphs.keyword_search(question.text, baseline_search)) {
          std::size_t tokens = count(hit.text);
          if (used + tokens > options.token_budget) continue;
          used += tokens;
          baseline += lower_one_line(hit.text) + "\n";
        }
      }
      bool in_context = false, in_baseline = false;
      double best_exact = 0, best_f1 = 0;
      for (const auto& gold : question.answers) {
        auto needle = lower_one_line(gold);
        in_context = in_context || context.find(needle) != std::string::npos;
        in_baseline = in_baseline || baseline.find(needle) != std::string::npos;
        std::string predicted = answer.found ? answer.citations.empty() ? "" : answer.citations.front().quote : "";
        best_exact = std::max(best_exact, answer_tokens(predicted) == answer_tokens(gold) ? 1.0 : 0.0);
        best_f1 = std::max(best_f1, f1_score(predicted, gold));
      }
      recalled += in_context;
      baseline_recalled += in_baseline;
      exact_sum += best_exact;
      f1_sum += best_f1;
    }
    if (options.on_progress && (i + 1) % 200 == 0) options.on_progress(i + 1, questions.size(), "questions");
  }
  report.questions = questions.size();
  if (answerable) {
    report.context_recall = double(recalled) / answerable;
    report.paragraph_bm25_recall = double(baseline_recalled) / answerable;
    report.exact_match = exact_sum / answerable;
    report.f1 = f1_sum / answerable;
  }
  if (report.unanswerable) report.abstention_rate = double(declined) / report.unanswerable;
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return report;
}

}  // namespace docent::retrieval
