// SQuAD-format evaluation: context recall of the assembled context, answer recall and EM/F1 of
// the extractive answer, and abstention: on SQuAD 2.0's unanswerable questions and on questions
// asked with their own article taken out of the library.
#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <optional>

#include <stdlib.h>

#include <nlohmann/json.hpp>

#include "docent/retrieval.hpp"
#include "evidence.hpp"
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
  std::size_t article = 0;
  std::string gold_path;  // the document of the paragraph the question was asked about
};

// One article's paragraphs as they are put into the library, so it can be taken out and back.
struct Article {
  std::vector<index::NewDocument> records;  // in-memory library
  std::filesystem::path folder;             // from files: the article's folder
  std::vector<std::int64_t> ids;            // its documents while in the library
};

// A temporary folder, removed with everything in it when the evaluation ends.
struct ScratchFolder {
  std::filesystem::path path;
  ScratchFolder() {
    std::string pattern = (std::filesystem::temp_directory_path() / "docent-squad-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) throw std::runtime_error(pattern + ": cannot create a temporary folder");
    path = pattern;
  }
  ~ScratchFolder() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
};

std::string file_name_part(const std::string& title) {
  std::string out;
  for (char c : title) out += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return out.substr(0, 60);
}

bool contains_answer(const std::string& haystack, const Question& question) {
  for (const auto& gold : question.answers)
    if (haystack.find(lower_one_line(gold)) != std::string::npos) return true;
  return false;
}

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
  std::optional<ScratchFolder> scratch;
  if (options.from_files) scratch.emplace();
  std::vector<Question> questions;
  std::vector<Article> articles;
  IngestOptions ingest_options;
  ingest_options.chunking = chunking;
  library.begin_bulk();
  paragraphs.begin_bulk();
  for (const auto& article_json : root["data"]) {
    if (options.articles && articles.size() >= options.articles) break;
    std::string title = article_json.value("title", "");
    auto& article = articles.emplace_back();
    if (scratch) {
      article.folder = scratch->path / (std::to_string(articles.size()) + "-" + file_name_part(title));
      std::filesystem::create_directories(article.folder);
    }
    int paragraph_number = 0;
    for (const auto& paragraph : article_json.value("paragraphs", nlohmann::json::array())) {
      std::string context = paragraph.value("context", "");
      index::NewDocument record;
      record.document.path = title + "#" + std::to_string(++paragraph_number);
      record.document.title = title;
      record.document.status = ingest::DocumentStatus::ok;
      record.document.page_count = 1;
      std::vector<ingest::Page> pages{{1, context, ingest::PageStatus::ok}};
      record.chunks = chunk_records(pages, chunking, count);
      record.document.chunk_count = static_cast<std::int64_t>(record.chunks.size());
      record.pages.push_back({1, context, "ok"});
      std::string gold_path = record.document.path;
      if (scratch) {
        auto text_file = article.folder / (std::to_string(paragraph_number) + ".txt");
        std::ofstream(text_file) << context << "\n";
        gold_path = std::filesystem::absolute(text_file).lexically_normal().string();
      } else {
        article.ids.push_back(library.put_document(record));
      }
      if (options.paragraph_baseline) {
        index::ChunkRecord whole;
        whole.text = context;
        whole.first_page = whole.last_page = 1;
        whole.end_offset = static_cast<std::int64_t>(context.size());
        whole.token_count = static_cast<std::int64_t>(count(context));
        index::NewDocument unit = record;
        unit.chunks = {whole};
        unit.document.chunk_count = 1;
        paragraphs.put_document(unit);
      }
      if (!scratch && options.article_removed) article.records.push_back(std::move(record));
      ++report.contexts;
      for (const auto& qa : paragraph.value("qas", nlohmann::json::array())) {
        Question question;
        question.text = qa.value("question", "");
        question.impossible = qa.value("is_impossible", false);
        question.article = articles.size() - 1;
        question.gold_path = gold_path;
        for (const auto& gold : qa.value("answers", nlohmann::json::array()))
          question.answers.push_back(gold.value("text", ""));
        questions.push_back(std::move(question));
      }
    }
  }
  library.end_bulk();
  paragraphs.end_bulk();
  // Ingested as `docent ingest` would; the document ids of each article are looked up afterwards.
  auto add_article = [&](Article& article) {
    if (!scratch) {
      article.ids.clear();
      for (const auto& record : article.records) article.ids.push_back(library.put_document(record));
      return;
    }
    ingest_paths(library, {article.folder}, ingest_options);
    std::string prefix = std::filesystem::absolute(article.folder).lexically_normal().string() + "/";
    article.ids.clear();
    for (const auto& document : library.documents())
      if (document.path.rfind(prefix, 0) == 0) article.ids.push_back(document.id);
  };
  if (scratch)
    for (auto& article : articles) add_article(article);
  auto remove_article = [&](Article& article) {
    for (auto id : article.ids) library.remove_document(id);
    article.ids.clear();
  };

  if (options.stride > 1) {
    std::vector<Question> every;
    for (std::size_t i = 0; i < questions.size(); i += options.stride) every.push_back(std::move(questions[i]));
    questions = std::move(every);
  }
  if (options.limit && questions.size() > options.limit) questions.resize(options.limit);

  AnswerOptions answer_options;
  answer_options.context.token_budget = options.token_budget;
  answer_options.context.neighbours = options.neighbours;
  answer_options.max_sentences = 3;
  std::size_t answerable = 0, recalled = 0, baseline_recalled = 0, declined = 0, falsely_declined = 0;
  std::size_t answer_recalled[3] = {0, 0, 0}, cited_1 = 0, cited_3 = 0, removed_asked = 0, removed_declined = 0;
  double exact_sum = 0, f1_sum = 0;
  std::optional<std::ofstream> misses;
  if (options.misses) {
    misses.emplace(*options.misses);
    if (!*misses) throw std::runtime_error(options.misses->string() + ": cannot write");
  }
  index::SearchOptions baseline_search;
  baseline_search.limit = 40;
  std::size_t done = 0, total = questions.size() * (options.article_removed ? 2 : 1);
  auto progress = [&] {
    if (options.on_progress && ++done % 100 == 0) options.on_progress(done, total, "questions");
  };
  auto score = [&](const Question& question) {
    auto answer = answer_extractive(library, question.text, answer_options);
    if (question.impossible) {
      ++report.unanswerable;
      if (!answer.found) ++declined;
      return;
    }
    ++answerable;
    if (!answer.found) ++falsely_declined;
    std::string context;
    for (const auto& window : answer.context.windows) context += lower_one_line(window.text) + "\n";
    recalled += contains_answer(context, question);
    // Baseline: whole paragraphs in plain BM25 order, each taken whole while it fits.
    if (options.paragraph_baseline) {
      std::string baseline;
      std::size_t used = 0;
      for (const auto& hit : paragraphs.keyword_search(question.text, baseline_search)) {
        std::size_t tokens = count(hit.text);
        if (used + tokens > options.token_budget) continue;
        used += tokens;
        baseline += lower_one_line(hit.text) + "\n";
      }
      baseline_recalled += contains_answer(baseline, question);
    }
    std::string said;
    bool cites_gold = false, first_recalled = false, first_cites_gold = false;
    for (std::size_t n = 0; n < 3; ++n) {
      if (answer.found && n < answer.sentences.size()) {
        const auto& sentence = answer.sentences[n];
        said += lower_one_line(sentence.text) + "\n";
        for (int number : sentence.citations)
          for (const auto& citation : answer.citations)
            if (citation.number == number && citation.path == question.gold_path) cites_gold = true;
      }
      answer_recalled[n] += contains_answer(said, question);
      if (n == 0) {
        cited_1 += cites_gold;
        first_recalled = contains_answer(said, question);
        first_cites_gold = cites_gold;
      }
    }
    cited_3 += cites_gold;
    if (misses && !first_recalled) {
      nlohmann::json sentences = nlohmann::json::array();
      for (const auto& sentence : answer.sentences) sentences.push_back(sentence.text);
      // Where the first sentence holding the gold answer ranks among the context's sentences.
      std::vector<ScoredSentence> ranked;
      weigh_evidence(answer.context, question.text, "", &ranked);
      nlohmann::json gold_sentence;
      for (std::size_t r = 0; r < ranked.size(); ++r) {
        const auto& window = answer.context.windows[ranked[r].window];
        const auto& span = ranked[r].sentence;
        std::string text = one_line(std::string_view(window.text).substr(span.start, span.end - span.start));
        std::string lowered = lower_one_line(text);
        if (!contains_answer(lowered, question)) continue;
        gold_sentence = {{"rank", r + 1}, {"text", text}, {"score", ranked[r].score}, {"coverage", ranked[r].coverage},
                         {"top_score", ranked.front().score}, {"window_rank", window.best_rank},
                         {"gold_paragraph", window.path == question.gold_path}};
        break;
      }
      *misses << nlohmann::json{{"question", question.text},
                                {"answers", question.answers},
                                {"found", answer.found},
                                {"in_context", contains_answer(context, question)},
                                {"in_answer", contains_answer(said, question)},
                                {"first_cites_gold", first_cites_gold},
                                {"gold_path", question.gold_path},
                                {"sentences", sentences},
                                {"gold_sentence", gold_sentence}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
               << "\n";
    }
    std::string predicted = answer.found && !answer.sentences.empty() ? answer.sentences.front().text : "";
    double best_exact = 0, best_f1 = 0;
    for (const auto& gold : question.answers) {
      best_exact = std::max(best_exact, answer_tokens(predicted) == answer_tokens(gold) ? 1.0 : 0.0);
      best_f1 = std::max(best_f1, f1_score(predicted, gold));
    }
    exact_sum += best_exact;
    f1_sum += best_f1;
  };

  // Article by article: its questions with the article in the library, then without it.
  for (std::size_t first = 0; first < questions.size();) {
    std::size_t last = first;
    while (last < questions.size() && questions[last].article == questions[first].article) ++last;
    for (std::size_t i = first; i < last; ++i) {
      score(questions[i]);
      progress();
    }
    if (options.article_removed) {
      auto& article = articles[questions[first].article];
      remove_article(article);
      for (std::size_t i = first; i < last; ++i) {
        ++removed_asked;
        removed_declined += !answer_extractive(library, questions[i].text, answer_options).found;
        progress();
      }
      add_article(article);
    }
    first = last;
  }
  report.questions = questions.size();
  if (answerable) {
    report.context_recall = double(recalled) / answerable;
    report.paragraph_bm25_recall = double(baseline_recalled) / answerable;
    report.exact_match = exact_sum / answerable;
    report.f1 = f1_sum / answerable;
    report.answer_recall_1 = double(answer_recalled[0]) / answerable;
    report.answer_recall_2 = double(answer_recalled[1]) / answerable;
    report.answer_recall_3 = double(answer_recalled[2]) / answerable;
    report.cited_paragraph_1 = double(cited_1) / answerable;
    report.cited_paragraph_3 = double(cited_3) / answerable;
    report.false_abstention = double(falsely_declined) / answerable;
  }
  report.article_removed_questions = removed_asked;
  if (removed_asked) report.abstention_article_removed = double(removed_declined) / removed_asked;
  if (report.unanswerable) report.abstention_rate = double(declined) / report.unanswerable;
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return report;
}

}  // namespace docent::retrieval
