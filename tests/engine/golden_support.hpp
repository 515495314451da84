#pragma once
// Loads the reference ("golden") outputs in fixtures/golden and measures how far our logits are
// from them.
#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <string>
#include <vector>

#include "test_support.hpp"

namespace docent::test {

struct DecoderCase {
  std::string prompt;
  std::vector<std::int32_t> tokens;
  // For every prompt position: the reference's 8 highest (token, logit) pairs, best first.
  std::vector<std::vector<std::pair<std::int32_t, float>>> top;
  std::vector<std::int32_t> greedy;
};

inline nlohmann::json read_golden(const std::string& name) {
  std::ifstream in(shared_dir() / "fixtures/golden" / (name + ".json"));
  return nlohmann::json::parse(in);
}

// The cases of a golden file in the reference-dump format (prompt, tokens, prompt_top, greedy).
inline std::vector<DecoderCase> decoder_cases_of(const nlohmann::json& golden) {
  std::vector<DecoderCase> cases;
  for (const auto& entry : golden) {
    DecoderCase c;
    c.prompt = entry.at("prompt").get<std::string>();
    c.tokens = entry.at("tokens").get<std::vector<std::int32_t>>();
    for (const auto& position : entry.at("prompt_top")) {
      std::vector<std::pair<std::int32_t, float>> row;
      for (const auto& pair : position) row.emplace_back(pair.at(0).get<std::int32_t>(), pair.at(1).get<float>());
      c.top.push_back(std::move(row));
    }
    c.greedy = entry.at("greedy").get<std::vector<std::int32_t>>();
    cases.push_back(std::move(c));
  }
  return cases;
}

inline std::vector<DecoderCase> decoder_cases(const std::string& name) { return decoder_cases_of(read_golden(name)); }

// Whether the reference's best token leads the runner-up by more than `relative` of its value.
inline bool clear_margin(const std::vector<std::pair<std::int32_t, float>>& top, double relative) {
  double first = top.at(0).second, second = top.at(1).second;
  return first - second > relative * std::max(1.0, std::fabs(first));
}

inline std::int32_t argmax(const float* values, std::int64_t count) {
  std::int32_t best = 0;
  for (std::int64_t i = 1; i < count; ++i)
    if (values[i] > values[best]) best = static_cast<std::int32_t>(i);
  return best;
}

}  // namespace docent::test
