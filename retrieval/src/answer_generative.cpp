// Generated answers: numbered sources in the prompt, the model's own chat template, the
// reasoning span kept apart, and every citation checked against the sources given.
#include <algorithm>
#include <chrono>
#include <regex>
#include <set>

#include "docent/engine.hpp"
#include "docent/retrieval.hpp"
#include "attribution.hpp"
#include "evidence.hpp"
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
  if (window.first_page > 0) label += ", " + ingest::unit_label(window.unit, window.first_page, window.last_page);
  if (window.from_ocr) label += " (OCR)";
  return label;
}

constexpr int kCloseReserve = 16;          // the engine's "</think>" and bridge
constexpr int kPromptWords = 64;           // labels and separators around the sources
constexpr int kFollowUpMinimumRoom = 256;  // sources a follow-up must be able to add, else a fresh prompt
constexpr std::size_t kFollowUpBudgetShare = 3;  // a follow-up's new sources: a third of the budget

std::string numbered_source(std::size_t number, const ContextWindow& window) {
  return "[" + std::to_string(number) + "] " + source_label(window) + "\n" + one_line(window.text) + "\n\n";
}

std::string build_prompt(const AssembledContext& context, const std::string& question) {
  std::string prompt = "Sources:\n";
  for (std::size_t i = 0; i < context.windows.size(); ++i) prompt += numbered_source(i + 1, context.windows[i]);
  return prompt + "Question: " + question;
}

// Whether `shown` already holds all of `window` (same document, its chunks inside).
bool covers(const ContextWindow& shown, const ContextWindow& window) {
  return shown.document_id == window.document_id && shown.first_ordinal <= window.first_ordinal &&
         window.last_ordinal <= shown.last_ordinal;
}

// A follow-up's user turn: sources not shown before get the next numbers (and join the
// transcript), those already shown are named by their numbers.
std::string follow_up_prompt(Transcript& transcript, const AssembledContext& found, const std::string& question) {
  std::string added, again;
  for (const auto& window : found.windows) {
    auto shown = std::find_if(transcript.windows.begin(), transcript.windows.end(),
                              [&](const ContextWindow& earlier) { return covers(earlier, window); });
    if (shown != transcript.windows.end()) {
      again += (again.empty() ? "" : ", ") + ("[" + std::to_string(shown - transcript.windows.begin() + 1) + "]");
      continue;
    }
    transcript.windows.push_back(window);
    added += numbered_source(transcript.windows.size(), window);
  }
  std::string prompt;
  if (!added.empty()) prompt += "More sources:\n" + added;
  if (!again.empty()) prompt += "Sources " + again + " above also bear on this question.\n\n";
  return prompt + "Question: " + question;
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

Answer answer_generative(const index::Library& library, const std::string& question, const AnswerOptions& options,
                         const GenerativeOptions& generation) {
  auto loaded = load_generator(generation);
  return answer_with_generator(library, question, question, options, generation, loaded, {});
}

Answer answer_with_generator(const index::Library& library, const std::string& question, const std::string& search_query,
                             const AnswerOptions& options, const GenerativeOptions& generation, LoadedGenerator& loaded,
                             const std::vector<ConversationExchange>& history, Transcript* transcript) {
  using Clock = std::chrono::steady_clock;
  auto started = Clock::now();
  const auto& tokenizer = loaded.model->tokenizer();
  auto count = [&](std::string_view text) { return tokenizer.count(text); };
  // The context must still hold the thinking, the engine's close of it and the answer.
  const int reserve = generation.max_tokens + std::max(0, generation.think_budget) + kCloseReserve;
  const int context_length = loaded.generator->context_length();

  Answer answer;
  answer.extractive = false;
  std::vector<engine::ChatMessage> messages;
  bool extended = false;
  if (transcript != nullptr && !transcript->messages.empty()) {
    // A follow-up extends the previous prompt verbatim, so its cache is reused.
    std::vector<engine::ChatMessage> base = transcript->messages;
    base.push_back({"assistant", transcript->last_answer});
    const int used = static_cast<int>(engine::encode_chat(tokenizer, loaded.defaults.family, base, false).size());
    const int room = context_length - reserve - used - static_cast<int>(count(question)) - kPromptWords;
    if (room >= kFollowUpMinimumRoom) {
      // The sources shown before stay in the prompt, so a follow-up adds a share of the budget.
      AnswerOptions fitted = options;
      fitted.context.token_budget =
          std::min(options.context.token_budget / kFollowUpBudgetShare, static_cast<std::size_t>(room));
      const AssembledContext found = assemble_context(library, search_query, fitted.context, count);
      // The sources shown before may answer it too.
      AssembledContext seen = found;
      seen.windows.insert(seen.windows.end(), transcript->windows.begin(), transcript->windows.end());
      auto evidence = weigh_evidence(seen, search_query, options.focus);
      answer.found = !found.windows.empty() && evidence.enough();
      if (!answer.found) {
        answer.context = found;
        answer.abstain_reason = evidence.reason();
      } else {
        messages = std::move(base);
        messages.push_back({"user", follow_up_prompt(*transcript, found, question)});
      }
      extended = true;
    }
  }
  if (!extended) {
    // A first question, or a conversation grown too long to extend: a fresh prompt, with the
    // recent exchanges as plain text. The sources' budget is what the context leaves after the
    // reserve and the prompt's own words, never more than asked for; earlier exchanges get at
    // most a quarter of that room, the most recent kept first.
    std::size_t room = static_cast<std::size_t>(std::max(0, context_length - reserve));
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
    std::size_t overhead = tokenizer.count(kInstructions) + tokenizer.count(question) + kPromptWords + history_tokens;
    AnswerOptions fitted = options;
    fitted.context.token_budget = std::min(options.context.token_budget, room > overhead ? room - overhead : 0);
    answer.context = assemble_context(library, search_query, fitted.context, count);
    // Weak evidence: the model is not asked, so it cannot dress unrelated passages up as an answer.
    auto evidence = weigh_evidence(answer.context, search_query, options.focus);
    answer.found = !answer.context.windows.empty() && evidence.enough();
    if (!answer.found) answer.abstain_reason = evidence.reason();
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
    if (transcript != nullptr && answer.found) {
      transcript->clear();
      transcript->windows = answer.context.windows;
    }
  }
  auto retrieved = Clock::now();
  answer.retrieval_seconds = std::chrono::duration<double>(retrieved - started).count();
  if (!answer.found) {
    answer.text = "No passage in the library answers this question.";
    return answer;
  }
  if (extended) {
    // Every source the conversation has shown keeps its number; the answer may cite any.
    answer.context.windows = transcript->windows;
    for (const auto& window : answer.context.windows) answer.context.tokens += window.tokens;
  }

  auto generated = run_chat(loaded, messages, generation.max_tokens, generation.think_budget, generation, true, kThinkBridge);
  answer.text = std::move(generated.answer);
  answer.thinking = std::move(generated.thinking);
  const auto& result = generated.result;
  Answer::Generation report;
  report.prompt_tokens = result.prompt_tokens;
  report.reused_tokens = result.reused_tokens;
  report.thinking_tokens = result.thinking_tokens;
  report.answer_tokens = result.answer_tokens;
  report.thinking_stop = result.thinking_stop_reason;
  report.answer_stop = result.stop_reason;
  report.context_shifts = result.context_shifts;
  report.prefill_seconds = result.prefill_seconds;
  report.thinking_seconds = result.thinking_seconds;
  report.writing_seconds = std::max(0.0, result.generation_seconds - result.thinking_seconds);
  if (result.first_answer_seconds > 0)
    report.first_answer_seconds = std::chrono::duration<double>(retrieved - started).count() + generated.tokenize_seconds +
                                  result.first_answer_seconds;
  answer.generation = report;
  if (transcript != nullptr) transcript->messages = messages;

  answer.removed_citations = drop_unknown_citations(answer.text, answer.context.windows.size());
  // Each sentence: the markers that hold up against their sources, else a source it restates.
  attribute_answer(answer);
  if (transcript != nullptr) transcript->last_answer = answer.text;
  answer.answer_seconds = std::chrono::duration<double>(Clock::now() - retrieved).count();
  return answer;
}

}  // namespace docent::retrieval
