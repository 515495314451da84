// Time to a cited answer (issue #14): the whole `ask` path — retrieval, prompt, prefill, a
// thinking budget, the answer, citation checks — on the SciFact library with an
// R1-Distill-Qwen-1.5B-shaped Q4_0 model (random weights with the real shapes, the real Qwen2
// tokenizer with R1's special tokens and chat template), then a chat follow-up whose prompt
// extends the first one's, so its cached prefix is reused.
//
//   bench_answer [--threads N] [--pairs N] [--think-budget N] [--max-tokens N] [--json]
//
// Random weights never write </think>, so the budget always closes the thinking (the path a
// long-thinking real model takes), and the words are noise; the times are the times a user
// would wait. The model is written once to the bench model folder ($DOCENT_BENCH_DIR, else
// $XDG_CACHE_HOME/docent/bench-models).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench_engine.hpp"
#include "docent/engine.hpp"
#include "docent/library.hpp"
#include "docent/retrieval.hpp"
#include "gguf/gguf_reader.hpp"
#include "testing/random_model.hpp"

namespace {

namespace fs = std::filesystem;
using namespace docent;
using Clock = std::chrono::steady_clock;
using Json = nlohmann::json;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

double median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const std::size_t middle = values.size() / 2;
  return values.size() % 2 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
}

struct Options {
  int threads = 2;
  int pairs = 3;
  int think_budget = 256;
  int max_tokens = 128;
  bool json = false;
};

Options parse(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    auto value = [&]() -> int {
      if (i + 1 >= argc) throw std::invalid_argument(flag + " needs a value");
      return std::stoi(argv[++i]);
    };
    if (flag == "--threads") options.threads = value();
    else if (flag == "--pairs") options.pairs = value();
    else if (flag == "--think-budget") options.think_budget = value();
    else if (flag == "--max-tokens") options.max_tokens = value();
    else if (flag == "--json") options.json = true;
    else throw std::invalid_argument("unknown flag " + flag + " (--threads N --pairs N --think-budget N --max-tokens N --json)");
  }
  return options;
}

fs::path shared() { return fs::path(DOCENT_SHARED_DIR); }

// tokenizer.json with DeepSeek-R1-Distill-Qwen's added tokens (ids after the Qwen2 vocabulary,
// then placeholders up to the embedding's 151,936 rows) and a tokenizer_config.json with the R1
// chat template (taken from the tiny-qwen2 fixture, which carries it).
void write_r1_tokenizer(const fs::path& folder) {
  std::ifstream in(shared() / "fixtures/tokenizers/qwen2/tokenizer.json");
  if (!in) throw std::runtime_error("fixtures/tokenizers/qwen2/tokenizer.json: cannot open");
  Json tokenizer = Json::parse(in);
  const std::int64_t first = static_cast<std::int64_t>(tokenizer["model"]["vocab"].size());
  const std::vector<std::string> r1 = {"<｜end▁of▁sentence｜>", "<｜User｜>", "<｜Assistant｜>", "<｜begin▁of▁sentence｜>",
                                       "<|EOT|>", "<think>", "</think>"};
  Json added = Json::array();
  for (std::int64_t id = first; id < 151936; ++id) {
    const std::size_t index = static_cast<std::size_t>(id - first);
    const bool named = index < r1.size();
    // Control tokens, as in the tiny-qwen2 fixture's vocabulary.
    added.push_back({{"id", id}, {"content", named ? r1[index] : "<|placeholder_" + std::to_string(id) + "|>"}, {"special", true}});
  }
  tokenizer["added_tokens"] = added;
  auto fixture = engine::GgufFile::open(shared() / "fixtures/models/tiny-qwen2-f16.gguf");
  Json config = {{"bos_token", "<｜begin▁of▁sentence｜>"},
                 {"eos_token", "<｜end▁of▁sentence｜>"},
                 {"add_bos_token", true},
                 {"chat_template", fixture->get_string("tokenizer.chat_template").value()}};
  fs::create_directories(folder);
  std::ofstream(folder / "tokenizer.json") << tokenizer.dump();
  std::ofstream(folder / "tokenizer_config.json") << config.dump(2);
}

fs::path ensure_model() {
  const fs::path path = bench::bench_directory() / "r1-qwen-1.5b-q4_0-r1-chat.gguf";
  if (fs::exists(path)) return path;
  std::fprintf(stderr, "writing %s (once; random weights, R1 tokenizer and template)...\n", path.c_str());
  const fs::path folder = bench::bench_directory() / "r1-tokenizer";
  write_r1_tokenizer(folder);
  auto spec = bench::preset_spec(bench::select_presets("r1-qwen-1.5b-q4_0").front());
  spec.tokenizer_metadata = false;
  spec.tokenizer_folder = folder;
  const fs::path partial = path.string() + ".partial";
  engine::write_random_model(partial, spec);
  fs::rename(partial, path);
  return path;
}

// SciFact as a library: one document per abstract.
index::Library scifact_library() {
  auto library = index::Library::open_in_memory();
  auto count = retrieval::token_counter_for(library);
  const fs::path corpus_path = shared() / "data/beir/scifact/corpus.jsonl";
  std::ifstream corpus(corpus_path);
  if (!corpus) throw std::runtime_error(corpus_path.string() + ": cannot open");
  library.begin_bulk();
  std::string line;
  while (std::getline(corpus, line)) {
    auto row = Json::parse(line);
    index::NewDocument record;
    record.document.path = row["_id"].get<std::string>();
    record.document.title = row.value("title", "");
    record.document.status = ingest::DocumentStatus::ok;
    record.document.page_count = 1;
    std::vector<ingest::Page> pages{{1, row.value("text", ""), ingest::PageStatus::ok}};
    record.chunks = retrieval::chunk_records(pages, {}, count);
    record.pages.push_back({1, pages[0].text, "ok"});
    library.put_document(record);
  }
  library.end_bulk();
  return library;
}

std::vector<std::string> scifact_claims(int count) {
  std::ifstream queries(shared() / "data/beir/scifact/queries.jsonl");
  std::vector<std::string> claims;
  std::string line;
  // Every 97th claim: spread over the set, not the alphabetically first ones.
  for (int index = 0; std::getline(queries, line) && static_cast<int>(claims.size()) < count; ++index)
    if (index % 97 == 5) claims.push_back(Json::parse(line)["text"].get<std::string>());
  return claims;
}

// One turn as the user sees it.
struct Turn {
  double first_visible = 0;  // question -> first answer text on screen
  double complete = 0;       // question -> the cited answer returned
  double rewrite = 0;        // follow-up only: the model's rewrite of the question
  retrieval::Answer answer;
};

Json turn_json(const Turn& turn) {
  const auto& g = turn.answer.generation.value();
  const double accounted = turn.rewrite + turn.answer.retrieval_seconds + g.prefill_seconds + g.thinking_seconds + g.writing_seconds;
  return {{"first_visible_seconds", turn.first_visible}, {"complete_seconds", turn.complete},
          {"rewrite_seconds", turn.rewrite}, {"retrieval_seconds", turn.answer.retrieval_seconds},
          {"context_tokens", turn.answer.context.tokens}, {"sources", turn.answer.context.windows.size()},
          {"prompt_tokens", g.prompt_tokens}, {"reused_tokens", g.reused_tokens},
          {"prefill_seconds", g.prefill_seconds}, {"thinking_tokens", g.thinking_tokens},
          {"thinking_stop", g.thinking_stop}, {"thinking_seconds", g.thinking_seconds},
          {"answer_tokens", g.answer_tokens}, {"answer_stop", g.answer_stop}, {"writing_seconds", g.writing_seconds},
          {"other_seconds", std::max(0.0, turn.complete - accounted)}};
}

void print_turn(const char* label, const Json& t) {
  std::printf("  %-10s first visible %6.2f s  complete %6.2f s | rewrite %5.2f  retrieval %5.3f  prefill %5.2f (%4d new + %4d reused tok)"
              "  thinking %5.2f (%d, %s)  answer %5.2f (%d, %s)  other %5.2f\n",
              label, t["first_visible_seconds"].get<double>(), t["complete_seconds"].get<double>(),
              t["rewrite_seconds"].get<double>(), t["retrieval_seconds"].get<double>(), t["prefill_seconds"].get<double>(),
              t["prompt_tokens"].get<int>(), t["reused_tokens"].get<int>(), t["thinking_seconds"].get<double>(),
              t["thinking_tokens"].get<int>(), t["thinking_stop"].get<std::string>().c_str(),
              t["writing_seconds"].get<double>(), t["answer_tokens"].get<int>(),
              t["answer_stop"].get<std::string>().c_str(), t["other_seconds"].get<double>());
}

int run(const Options& options) {
  engine::set_engine_threads(options.threads);
  const fs::path model = ensure_model();
  auto started = Clock::now();
  auto library = scifact_library();
  const double index_seconds = seconds_since(started);
  const auto claims = scifact_claims(options.pairs);

  retrieval::GenerativeOptions generation;
  generation.model = model;
  generation.max_tokens = options.max_tokens;
  generation.think_budget = options.think_budget;
  Clock::time_point asked;
  std::optional<Clock::time_point> first_text, rewritten;
  generation.on_answer = [&](std::string_view) {
    if (!first_text) first_text = Clock::now();
  };
  retrieval::ConversationOptions conversation_options;
  conversation_options.answer.context.token_budget = 1500;
  conversation_options.generation = generation;
  conversation_options.on_rewrite = [&](const retrieval::QueryRewrite&) { rewritten = Clock::now(); };

  started = Clock::now();
  retrieval::Conversation conversation(library, conversation_options);
  const double load_seconds = seconds_since(started);
  std::fprintf(stderr, "SciFact indexed in %.1f s; model loaded in %.1f s; %d threads\n", index_seconds, load_seconds,
               options.threads);

  auto ask = [&](const std::string& question, bool follow_up) {
    Turn turn;
    first_text.reset();
    rewritten.reset();
    asked = Clock::now();
    auto reply = conversation.ask(question);
    turn.complete = seconds_since(asked);
    turn.first_visible = first_text ? std::chrono::duration<double>(*first_text - asked).count() : 0;
    if (follow_up && rewritten) turn.rewrite = std::chrono::duration<double>(*rewritten - asked).count();
    turn.answer = std::move(reply.answer);
    return turn;
  };

  Json report = {{"model", model.string()}, {"threads", options.threads}, {"think_budget", options.think_budget},
                 {"max_tokens", options.max_tokens}, {"load_seconds", load_seconds}, {"pairs", Json::array()}};
  std::vector<double> first_visible, complete, follow_visible, follow_complete, prefill_ratio;
  for (const auto& claim : claims) {
    conversation.reset();
    const Turn first = ask("Is it true that " + claim, false);
    const Turn next = ask("What do these studies say about that in humans?", true);
    if (!first.answer.generation || !next.answer.generation) {
      std::fprintf(stderr, "no answer generated for \"%s\" (nothing retrieved?)\n", claim.c_str());
      continue;
    }
    Json pair = {{"question", claim}, {"first", turn_json(first)}, {"follow_up", turn_json(next)}};
    const double ratio = first.answer.generation->prefill_seconds / std::max(1e-9, next.answer.generation->prefill_seconds);
    pair["prefill_speedup"] = ratio;
    if (!options.json) {
      std::printf("\"%s\"\n", claim.c_str());
      print_turn("question", pair["first"]);
      print_turn("follow-up", pair["follow_up"]);
      std::printf("  follow-up prefill %.1fx faster than the first question's\n", ratio);
      std::fflush(stdout);
    }
    first_visible.push_back(first.first_visible);
    complete.push_back(first.complete);
    follow_visible.push_back(next.first_visible);
    follow_complete.push_back(next.complete);
    prefill_ratio.push_back(ratio);
    report["pairs"].push_back(pair);
  }
  report["median"] = {{"first_visible_seconds", median(first_visible)}, {"complete_seconds", median(complete)},
                      {"follow_up_first_visible_seconds", median(follow_visible)},
                      {"follow_up_complete_seconds", median(follow_complete)}, {"prefill_speedup", median(prefill_ratio)}};
  if (options.json) {
    std::printf("%s\n", report.dump(2).c_str());
  } else {
    std::printf("median of %zu: first visible token %.2f s (target <= 10 s), cited answer %.2f s; follow-up %.2f s / %.2f s; "
                "follow-up prefill %.1fx faster (target >= 2x)\n",
                first_visible.size(), median(first_visible), median(complete), median(follow_visible),
                median(follow_complete), median(prefill_ratio));
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(parse(argc, argv));
  } catch (const std::exception& error) {
    std::fprintf(stderr, "bench_answer: %s\n", error.what());
    return 1;
  }
}
