#include "chat/chat_defaults.hpp"

namespace docent::engine {

namespace {

// Greedy unless a recommendation says otherwise; the filters are then the publisher's alone.
SamplingOptions greedy() {
  SamplingOptions sampling;
  sampling.temperature = 0.0f;
  return sampling;
}

}  // namespace

ChatDefaults chat_defaults(ChatFamily family) {
  ChatDefaults defaults;
  defaults.family = family;
  defaults.sampling = greedy();
  defaults.sampling_source = "no published recommendation for this family";
  if (family == ChatFamily::deepseek_r1) {
    // DeepSeek's usage notes for the R1 distills: temperature 0.5-0.7 (0.6 recommended) and
    // top-p 0.95, since greedy decoding makes them repeat themselves; no system prompt, every
    // instruction in the user turn; the answer starts by opening "<think>\n". No other filter
    // is named, so top-k and min-p are off.
    defaults.sampling.temperature = 0.6f;
    defaults.sampling.top_p = 0.95f;
    defaults.sampling.top_k = 0;
    defaults.sampling.min_p = 0.0f;
    defaults.sampling_source = "DeepSeek's recommendation for R1 models";
    defaults.system_turn = false;
    defaults.opens_thinking = true;
    defaults.reasons = true;
  }
  return defaults;
}

ChatDefaults read_chat_defaults(const GgufFile& file) {
  const auto chat_template = file.get_string("tokenizer.chat_template");
  ChatDefaults defaults = chat_defaults(chat_template ? detect_chat_family(*chat_template) : ChatFamily::none);
  // A template that spells out <think> (Qwen3, QwQ) lets the model reason before answering.
  if (chat_template && chat_template->find("<think>") != std::string::npos) defaults.reasons = true;

  SamplingOptions& sampling = defaults.sampling;
  bool from_file = false;
  auto read_float = [&](const char* key, float& field) {
    if (auto value = file.get_float(key)) field = static_cast<float>(*value), from_file = true;
  };
  auto read_int = [&](const char* key, int& field) {
    if (auto value = file.get_int(key)) field = static_cast<int>(*value), from_file = true;
  };
  read_float("general.sampling.temp", sampling.temperature);
  read_float("general.sampling.top_p", sampling.top_p);
  read_float("general.sampling.min_p", sampling.min_p);
  read_float("general.sampling.penalty_repeat", sampling.repeat_penalty);
  read_int("general.sampling.top_k", sampling.top_k);
  read_int("general.sampling.penalty_last_n", sampling.repeat_last_n);
  if (sampling.top_k < 0) sampling.top_k = 0;  // some files write -1 for "all"
  if (from_file) defaults.sampling_source = "the file's general.sampling metadata";
  return defaults;
}

}  // namespace docent::engine
