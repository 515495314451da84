#include "api_library.hpp"

#include "api_error.hpp"

namespace docent::cli {

using nlohmann::json;

namespace {

std::string read_mode(FieldReader& fields) {
  auto mode = fields.string("mode", 16).value_or("");
  if (!mode.empty() && mode != "keyword" && mode != "dense" && mode != "hybrid")
    throw invalid_request("'mode' must be 'keyword', 'dense' or 'hybrid', not '" + mode + "'.", "mode");
  return mode;
}

std::string required_text(FieldReader& fields, const char* name) {
  auto text = fields.string(name, kMaxQueryBytes);
  if (!text || text->find_first_not_of(" \t\r\n") == std::string::npos)
    throw invalid_request(std::string("'") + name + "' is required and must hold some words.", name);
  return *text;
}

json mode_schema() {
  return {{"type", "string"},
          {"enum", {"keyword", "dense", "hybrid"}},
          {"description", "keyword (BM25), dense (embeddings) or hybrid; default: hybrid when the library has an "
                          "embedding model, else keyword"}};
}

}  // namespace

SearchParams parse_search_params(const json& object) {
  FieldReader fields(object);
  SearchParams params;
  params.query = required_text(fields, "query");
  params.mode = read_mode(fields);
  params.limit = static_cast<int>(fields.integer("limit", 1, 1000).value_or(params.limit));
  params.full = fields.boolean("full").value_or(false);
  fields.finish();
  return params;
}

AskParams parse_ask_params(const json& object) {
  FieldReader fields(object);
  AskParams params;
  params.question = required_text(fields, "question");
  params.mode = read_mode(fields);
  params.budget = static_cast<int>(fields.integer("budget", 64, 32768).value_or(params.budget));
  params.window = static_cast<int>(fields.integer("window", 0, 10).value_or(params.window));
  params.sentences = static_cast<int>(fields.integer("sentences", 1, 20).value_or(params.sentences));
  params.extractive = fields.boolean("extractive").value_or(false);
  fields.finish();
  return params;
}

PassageParams parse_passage_params(const json& object) {
  FieldReader fields(object);
  auto id = fields.integer("chunk_id", 1, INT64_MAX);
  if (!id) throw invalid_request("'chunk_id' is required (search results carry it).", "chunk_id");
  fields.finish();
  return {*id};
}

json search_params_schema() {
  return {{"type", "object"},
          {"properties",
           {{"query", {{"type", "string"}, {"description", "Words to look for; any order, no special syntax"}}},
            {"mode", mode_schema()},
            {"limit", {{"type", "integer"}, {"minimum", 1}, {"maximum", 1000}, {"default", 10},
                       {"description", "How many passages"}}},
            {"full", {{"type", "boolean"}, {"default", false}, {"description", "Each passage's whole text, not a snippet"}}}}},
          {"required", {"query"}},
          {"additionalProperties", false}};
}

json ask_params_schema() {
  return {{"type", "object"},
          {"properties",
           {{"question", {{"type", "string"}, {"description", "The question, in plain words"}}},
            {"mode", mode_schema()},
            {"budget", {{"type", "integer"}, {"minimum", 64}, {"maximum", 32768}, {"default", 1500},
                        {"description", "Tokens of context gathered from the library"}}},
            {"window", {{"type", "integer"}, {"minimum", 0}, {"maximum", 10}, {"default", 1},
                        {"description", "Neighbouring chunks added on each side of a hit"}}},
            {"sentences", {{"type", "integer"}, {"minimum", 1}, {"maximum", 20}, {"default", 3},
                           {"description", "Sentences in an extractive answer"}}},
            {"extractive", {{"type", "boolean"}, {"default", false},
                            {"description", "Quote sentences instead of generating, even with a model"}}}}},
          {"required", {"question"}},
          {"additionalProperties", false}};
}

json passage_params_schema() {
  return {{"type", "object"},
          {"properties", {{"chunk_id", {{"type", "integer"}, {"minimum", 1}, {"description", "A passage's chunk_id, as search returns it"}}}}},
          {"required", {"chunk_id"}},
          {"additionalProperties", false}};
}

}  // namespace docent::cli
