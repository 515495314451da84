#pragma once
// The library's requests (search, ask, passage), read from a JSON object: the body of
// POST /v1/search and /v1/ask, or the arguments of the MCP tools of the same names. Field
// names and limits follow the CLI's flags (`docent search --help`, `docent ask --help`).
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace docent::cli {

struct SearchParams {
  std::string query;
  std::string mode;  // "" (the library's default), "keyword", "dense" or "hybrid"
  int limit = 10;
  bool full = false;  // each passage's whole text, not only a snippet
};

struct AskParams {
  std::string question;
  std::string mode;
  int budget = 1500;   // tokens of context
  int window = 1;      // neighbouring chunks on each side of a hit
  int sentences = 3;   // in an extractive answer
  bool extractive = false;
};

struct PassageParams {
  std::int64_t chunk_id = 0;
};

inline constexpr std::size_t kMaxQueryBytes = 8192;

// Throw ApiError (400) naming the field at fault; unknown fields are refused.
SearchParams parse_search_params(const nlohmann::json& object);
AskParams parse_ask_params(const nlohmann::json& object);
PassageParams parse_passage_params(const nlohmann::json& object);

// The JSON Schemas of those objects (MCP tools publish them as their inputSchema).
nlohmann::json search_params_schema();
nlohmann::json ask_params_schema();
nlohmann::json passage_params_schema();

}  // namespace docent::cli
