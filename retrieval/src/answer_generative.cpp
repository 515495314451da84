// Generated answers: numbered sources in the prompt, the model's own chat template, the
// reasoning span kept apart, and every citation checked against the sources given.
#include <algorithm>
#include <chrono>
#include <regex>
#include <set>

#include "docent/engine.hpp"
#include "docent/retrieval.hpp"
#include "generation.hpp"
#include "text_terms.hpp"

namespace docent::retrieval {

namespace {

constexpr const char* kInstructions =
    "Answer the question using only the numbered sources. After each claim, cite the source it "
    "comes from as [n]. If the sources do not contain the answer, say that you cannot find it in "
    "the documents. Be concise.";

std::string source_label(const ContextWindow& window) {
  std::string label = window.path;
  if (window.first_page > 0)
    label += window.first_page == window.last_page ? ", p. " + std::to_string(window.first_page)
                                                   : ", pp. " + std::to_string(window.first_page) + "-" +
                                                         std::to_string(window.last_page);
  return label;
}

std::string build_prompt(const AssembledContext& context, const std::string& question) {
  std::string prompt = "Sources:\n";
  for (std::size_t i = 0; i < context.windows.size(); ++i)
    prompt += "[" + std::to_string(i + 1) + "] " + source_label(context.windows[i]) + "\n" +
              one_line(context.windows[i].text) + "\n\n";
  return prompt + "Question: " + question;
}

// The sentence of `window` sharing most content words with `claim`, and its page.
std::pair<std::string, int> best_support(const ContextWindow& window, const std::string& claim) {
  auto wanted = content_terms(claim);
  std::set<std::string> claim_terms(wanted.begin(), wanted.end());
  std::size_t best_overlap = 0;
  std::pair<std::string, int> best{"", window.first_page};
  for (const auto& span : ingest::sentence_spans(window.text)) {
    auto sentence = std::string_view(window.text).substr(span.start, span.end - span.start);
    std::size_t overlap = 0;
    for (const auto& term : content_terms(sentence)) overlap += claim_terms.count(term);
    if (overlap > best_overlap || best.first.empty()) {
      best_overlap = overlap;
      best = {one_line(sentence), window.page_at(span.start)};
    }
  }
  return best;
}

// Removes citation numbers that have no source; returns the numbers removed.
std::vector<int> drop_unknown_citations(std::string& text, std::size_t sources) {
  std::vector<int> removed;
  static const std::regex marker(R"(\s?\[(\d+)\])");
  std::string kept;
  auto begin = std::sregex_iterator(text.begin(), text.end(), marker);
  std::size_t last = 0;
  for (auto it = begin; it != std::sregex_iterator(); ++it) {
    int number = std::stoi((*it)[1].str());
    bool known = number >= 1 && static_cast<std::size_t>(number) <= sources;
    kept.append(text, last, static_cast<std::size_t>(it->position()) - last);
    if (known) kept += it->str();
    else removed.push_back(number);
    last = static_cast<std::size_t>(it->position() + it->length());
  }
  kept.append(text, last);
  text = std::move(kept);
  return removed;
}

}  // namespace

LoadedGenerator load_generator(const GenerativeOptions& generation) {
  LoadedGenerator loaded;
  loaded.model = engine::Model::load(generation.model);
  engine::GeneratorOptions generator_options;
  generator_options.context_length = generation.context_length;
  loaded.generator = std::make_unique<engine::Generator>(loaded.model, generator_options);
  loaded.defaults = loaded.model->info().chat_defaults;
  if (loaded.defaults.family == engine::ChatFamily::none) loaded.defaults.family = engine::ChatFamily::chatml;
  return loaded;
}

GeneratedText run_chat(LoadedGenerator& loaded, const std::vector<engine::ChatMessage>& messages, int max_tokens,
                       const GenerativeOptions& generation, bool stream, bool skip_thinking) {
  GeneratedText out;
  const auto& tokenizer = loaded.model->tokenizer();
  auto prompt = engine::encode_chat(tokenizer, loaded.defaults.family, messages, true);
  bool opens_in_thinking = loaded.defaults.opens_thinking;
  if (opens_in_thinking && skip_thinking) {
    auto close = tokenizer.encode("\n</think>\n\n", false, true);
    prompt.insert(prompt.end(), close.begin(), close.end());
    opens_in_thinking = false;
  }
  engine::ThinkSplitter splitter(
      [&](std::string_view text) {
        out.answer += text;
        if (stream && generation.on_answer) generation.on_answer(text);
      },
      [&](std::string_view text) {
        out.thinking += text;
        if (stream && generation.on_thinking) generation.on_thinking(text);
      },
      opens_in_thinking);
  engine::GenerationOptions generate;
  generate.max_tokens = max_tokens;
  generate.sampling.temperature = generation.temperature;
  generate.sampling.seed = generation.seed;
  loaded.generator->reset();
  loaded.generator->generate_tokens(prompt, generate, [&](std::string_view piece) {
    splitter.feed(piece);
    return true;
  });
  splitter.finish();
  return out;
}

Answer answer_generative(const index::Library& library, const std::string& question, const AnswerOptions& options,
                         const GenerativeOptions& generation) {
  auto loaded = load_generator(generation);
  return answer_with_generator(library, question, question, options, generation, loaded, {});
}

Answer answer_with_generator(const index::Library& library, const std::string& question, const std::string& search_query,
                             const AnswerOptions& options, const GenerativeOptions& generation, LoadedGenerator& loaded,
                             const std::vector<ConversationExchange>& history) {
  using Clock = std::chrono::steady_clock;
  auto started = Clock::now();
  const auto& tokenizer = loaded.model->tokenizer();

  // The budget is what the model's context leaves after the answer reserve and the prompt's
  // own words (instructions, question, source labels), never more than asked for. Earlier
  // exchanges get at most a quarter of that room, the most recent kept first.
  std::size_t room = static_cast<std::size_t>(std::max(0, loaded.generator->context_length() - generation.max_tokens));
  std::vector<engine::ChatMessage> earlier;
  std::size_t history_tokens = 0;
  for (auto it = history.rbegin(); it != history.rend(); ++it) {
    std::string said = it->answer;
    drop_unknown_citations(said, 0);  // its source numbers belonged to another turn
    std::size_t tokens = tokenizer.count(it->question) + tokenizer.count(said) + 16;
    if (history_tokens + tokens > room / 4) break;
    history_tokens += tokens;
    earlier.insert(earlier.begin(), {{"user", it->question}, {"assistant", said}});
  }
  std::size_t overhead = tokenizer.count(kInstructions) + tokenizer.count(question) + 64 + history_tokens;
  AnswerOptions fitted = options;
  fitted.context.token_budget = std::min(options.context.token_budget, room > overhead ? room - overhead : 0);
  auto count = [&](std::string_view text) { return tokenizer.count(text); };

  Answer answer;
  answer.extractive = false;
  answer.context = assemble_context(library, search_query, fitted.context, count);
  auto retrieved = Clock::now();
  answer.retrieval_seconds = std::chrono::duration<double>(retrieved - started).count();
  if (answer.context.windows.empty()) {
    answer.found = false;
    answer.text = "No passage in the library answers this question.";
    return answer;
  }
  answer.found = true;

  std::vector<engine::ChatMessage> messages;
  std::string sources = build_prompt(answer.context, question);
  if (!loaded.defaults.system_turn) {
    // R1 distills are tuned to take instructions in the user turn rather than a system prompt.
    messages = earlier;
    messages.push_back({"user", std::string(kInstructions) + "\n\n" + sources});
  } else {
    messages.push_back({"system", kInstructions});
    messages.insert(messages.end(), earlier.begin(), earlier.end());
    messages.push_back({"user", sources});
  }
  auto generated = run_chat(loaded, messages, generation.max_tokens, generation, true);
  answer.text = std::move(generated.answer);
  answer.thinking = std::move(generated.thinking);

  answer.removed_citations = drop_unknown_citations(answer.text, answer.context.windows.size());
  // Each cited source: the sentence that best supports the text just before its marker.
  static const std::regex marker(R"(\[(\d+)\])");
  std::set<int> cited;
  for (auto it = std::sregex_iterator(answer.text.begin(), answer.text.end(), marker); it != std::sregex_iterator(); ++it) {
    int number = std::stoi((*it)[1].str());
    if (!cited.insert(number).second) continue;
    // The claim: up to ~300 bytes of answer text before the marker (the sentence it closes).
    auto end = static_cast<std::size_t>(it->position());
    std::size_t begin = end > 300 ? end - 300 : 0;
    std::string claim = answer.text.substr(begin, end - begin);
    const auto& window = answer.context.windows[static_cast<std::size_t>(number - 1)];
    auto [quote, page] = best_support(window, claim + " " + search_query);
    Citation citation;
    citation.number = number;
    citation.source = number;
    citation.path = window.path;
    citation.title = window.title;
    citation.page = page;
    citation.last_page = page;
    citation.chunk_id = window.hit_chunk_ids.empty() ? 0 : window.hit_chunk_ids.front();
    citation.quote = quote;
    answer.citations.push_back(std::move(citation));
  }
  std::sort(answer.citations.begin(), answer.citations.end(), [](const auto& a, const auto& b) { return a.number < b.number; });
  answer.answer_seconds = std::chrono::duration<double>(Clock::now() - retrieved).count();
  return answer;
}

}  // namespace docent::retrieval
