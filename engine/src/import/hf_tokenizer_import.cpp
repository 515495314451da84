#include "import/hf_tokenizer_import.hpp"

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>

namespace docent::engine::conversion {
namespace {

using Json = nlohmann::json;

// GGUF token types.
constexpr int kNormal = 1, kUnknown = 2, kControl = 3, kUserDefined = 4, kByte = 6;

Json read_json(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw ModelError(path.string() + ": cannot open");
  try {
    return Json::parse(in);
  } catch (const Json::exception& error) {
    throw ModelError(path.string() + ": not valid JSON (" + error.what() + ")");
  }
}

// tokenizer_config.json spells a special token as a string or as {"content": ...}.
std::optional<std::string> special_text(const Json& config, const char* key) {
  auto found = config.find(key);
  if (found == config.end()) return std::nullopt;
  if (found->is_string()) return found->get<std::string>();
  if (found->is_object() && found->contains("content") && (*found)["content"].is_string())
    return (*found)["content"].get<std::string>();
  return std::nullopt;
}

std::pair<std::string, std::string> merge_pair(const Json& merge, const std::string& source) {
  if (merge.is_string()) {
    const auto text = merge.get<std::string>();
    const auto space = text.find(' ', 1);
    if (space == std::string::npos) throw ModelError(source + ": merge '" + text + "' is not two tokens");
    return {text.substr(0, space), text.substr(space + 1)};
  }
  if (merge.is_array() && merge.size() == 2 && merge[0].is_string() && merge[1].is_string())
    return {merge[0].get<std::string>(), merge[1].get<std::string>()};
  throw ModelError(source + ": a merge is neither \"a b\" nor [a, b]");
}

bool has_prefix_space(const Json& node) {
  if (!node.is_object()) return false;
  const std::string type = node.value("type", "");
  if (type == "Prepend") return true;
  if (type == "Metaspace") return node.value("prepend_scheme", std::string("always")) != "never" && node.value("add_prefix_space", true);
  for (const char* list : {"normalizers", "pretokenizers"})
    if (node.contains(list) && node[list].is_array())
      for (const Json& step : node[list])
        if (has_prefix_space(step)) return true;
  return false;
}

void find_split_regex(const Json& node, std::string& pattern) {
  if (!node.is_object()) return;
  if (node.value("type", "") == "Split" && node.contains("pattern") && node["pattern"].is_object() &&
      node["pattern"].contains("Regex") && pattern.empty())
    pattern = node["pattern"]["Regex"].get<std::string>();
  if (node.contains("pretokenizers") && node["pretokenizers"].is_array())
    for (const Json& step : node["pretokenizers"]) find_split_regex(step, pattern);
}

}  // namespace

void import_hf_tokenizer(GgufWriter& writer, const std::filesystem::path& folder, std::string_view family_pre,
                         std::int64_t embedding_rows) {
  const auto tokenizer_path = folder / "tokenizer.json";
  if (!std::filesystem::exists(tokenizer_path)) throw ModelError(tokenizer_path.string() + ": missing (the model folder needs a tokenizer.json)");
  const std::string source = tokenizer_path.string();
  const Json document = read_json(tokenizer_path);
  Json config = Json::object();
  if (std::filesystem::exists(folder / "tokenizer_config.json")) config = read_json(folder / "tokenizer_config.json");
  if (!document.is_object() || !document.contains("model") || !document["model"].is_object())
    throw ModelError(source + ": has no model object");
  const Json& model = document["model"];
  std::string type = model.value("type", "");
  if (type.empty()) type = model.contains("merges") ? "BPE" : model.contains("continuing_subword_prefix") ? "WordPiece" : "";
  if (type != "BPE" && type != "WordPiece") throw ModelError(source + ": unsupported tokenizer model type '" + type + "' (BPE and WordPiece are supported)");
  const bool byte_fallback = type == "BPE" && model.value("byte_fallback", false);
  if (!model.contains("vocab") || !model["vocab"].is_object()) throw ModelError(source + ": model.vocab is not an object");

  // id -> piece (as in HF) and whether it is an added special token.
  std::map<std::int64_t, std::string> pieces;
  std::map<std::int64_t, int> added_types;
  for (const auto& [piece, id] : model["vocab"].items()) {
    if (!id.is_number_integer() || id.get<std::int64_t>() < 0) throw ModelError(source + ": vocab entry '" + piece + "' has no valid id");
    pieces[id.get<std::int64_t>()] = piece;
  }
  if (document.contains("added_tokens") && document["added_tokens"].is_array())
    for (const Json& added : document["added_tokens"]) {
      if (!added.is_object() || !added.contains("id") || !added["id"].is_number_integer() || !added.contains("content") ||
          !added["content"].is_string())
        throw ModelError(source + ": an added_tokens entry lacks id or content");
      const auto id = added["id"].get<std::int64_t>();
      if (id < 0) throw ModelError(source + ": added token with negative id");
      pieces[id] = added["content"].get<std::string>();
      added_types[id] = added.value("special", false) ? kControl : kUserDefined;
    }
  if (pieces.empty()) throw ModelError(source + ": the vocabulary is empty");
  const std::int64_t count = pieces.rbegin()->first + 1;
  if (count != static_cast<std::int64_t>(pieces.size()))
    throw ModelError(source + ": token ids are not contiguous (" + std::to_string(pieces.size()) + " tokens, highest id " + std::to_string(count - 1) + ")");
  if (count > embedding_rows)
    throw ModelError(source + ": " + std::to_string(count) + " tokens but the embedding has only " + std::to_string(embedding_rows) + " rows");

  std::map<std::string, std::int64_t> id_of;
  for (const auto& [id, piece] : pieces) id_of.emplace(piece, id);
  auto lookup = [&](const std::optional<std::string>& text) -> std::optional<std::int64_t> {
    if (!text) return std::nullopt;
    auto found = id_of.find(*text);
    if (found == id_of.end()) return std::nullopt;
    return found->second;
  };

  std::optional<std::string> unknown_text = special_text(config, "unk_token");
  if (!unknown_text && model.contains("unk_token") && model["unk_token"].is_string()) unknown_text = model["unk_token"].get<std::string>();
  const auto unknown = lookup(unknown_text);

  std::vector<std::string> tokens(static_cast<std::size_t>(count));
  std::vector<std::int64_t> types(static_cast<std::size_t>(count), kNormal);
  static const std::regex byte_token("<0x[0-9A-Fa-f]{2}>");
  static const std::regex bracketed(R"(\[[^\]\s]+\])");
  const std::string subword_prefix = type == "WordPiece" ? model.value("continuing_subword_prefix", std::string("##")) : "";
  for (const auto& [id, piece] : pieces) {
    auto& token = tokens[static_cast<std::size_t>(id)];
    auto& token_type = types[static_cast<std::size_t>(id)];
    token = piece;
    if (auto added = added_types.find(id); added != added_types.end()) token_type = added->second;
    if (type == "WordPiece") {
      // GGUF spelling: word-initial pieces carry "▁", continuations lose their prefix,
      // [CLS]-style specials stay as they are.
      if (token_type == kControl || std::regex_match(piece, bracketed)) token_type = kControl;
      else if (piece.size() > subword_prefix.size() && piece.compare(0, subword_prefix.size(), subword_prefix) == 0)
        token = piece.substr(subword_prefix.size());
      else
        token = "\xE2\x96\x81" + piece;
    } else if (byte_fallback) {
      if (unknown && id == *unknown) token_type = kUnknown;
      else if (token_type == kNormal && std::regex_match(piece, byte_token)) token_type = kByte;
    }
  }
  writer.set_string_array("tokenizer.ggml.tokens", tokens);
  writer.set_int32_array("tokenizer.ggml.token_type", types);

  std::vector<std::string> merges;
  if (type == "BPE") {
    if (!model.contains("merges") || !model["merges"].is_array()) throw ModelError(source + ": BPE model without merges");
    for (const Json& merge : model["merges"]) {
      auto [left, right] = merge_pair(merge, source);
      merges.push_back(left + " " + right);
    }
  }

  const std::string chat_template = [&]() -> std::string {
    auto found = config.find("chat_template");
    if (found == config.end()) return "";
    if (found->is_string()) return found->get<std::string>();
    if (found->is_array())
      for (const Json& entry : *found)
        if (entry.is_object() && entry.value("name", "") == "default" && entry.contains("template")) return entry["template"].get<std::string>();
    return "";
  }();

  if (type == "WordPiece") {
    writer.set_string("tokenizer.ggml.model", "bert");
  } else if (byte_fallback) {
    writer.set_string("tokenizer.ggml.model", "llama");
    // SentencePiece merges by score; a merge's rank is its priority, so earlier merges score higher.
    std::vector<double> scores(static_cast<std::size_t>(count), 0.0);
    std::vector<bool> scored(static_cast<std::size_t>(count), false);
    for (std::size_t rank = 0; rank < merges.size(); ++rank) {
      const auto space = merges[rank].find(' ');
      auto found = id_of.find(merges[rank].substr(0, space) + merges[rank].substr(space + 1));
      if (found == id_of.end()) throw ModelError(source + ": merge '" + merges[rank] + "' makes a token that is not in the vocabulary");
      auto index = static_cast<std::size_t>(found->second);
      if (!scored[index]) {
        scores[index] = -static_cast<double>(rank + 1);
        scored[index] = true;
      }
    }
    writer.set_float32_array("tokenizer.ggml.scores", scores);
    writer.set_bool("tokenizer.ggml.add_space_prefix",
                    has_prefix_space(document.value("normalizer", Json())) || has_prefix_space(document.value("pre_tokenizer", Json())));
  } else {
    writer.set_string("tokenizer.ggml.model", "gpt2");
    std::string pattern;
    find_split_regex(document.value("pre_tokenizer", Json()), pattern);
    std::string pre = "gpt-2";
    if (pattern.find(R"(\p{N}{1,3})") != std::string::npos) pre = "llama-bpe";
    else if (pattern.find(R"(|\p{N}|)") != std::string::npos)
      pre = chat_template.find("\xEF\xBD\x9C" "User" "\xEF\xBD\x9C") != std::string::npos ? "deepseek-r1-qwen" : "qwen2";
    else if (!family_pre.empty()) pre = std::string(family_pre);
    writer.set_string("tokenizer.ggml.pre", pre);
    writer.set_string_array("tokenizer.ggml.merges", merges);
  }

  auto set_id = [&](const char* key, std::optional<std::int64_t> id) {
    if (id) writer.set_uint32(std::string("tokenizer.ggml.") + key, static_cast<std::uint32_t>(*id));
  };
  set_id("bos_token_id", lookup(special_text(config, "bos_token")));
  set_id("eos_token_id", lookup(special_text(config, "eos_token")));
  set_id("unknown_token_id", unknown);
  set_id("seperator_token_id", lookup(special_text(config, "sep_token")));
  set_id("padding_token_id", lookup(special_text(config, "pad_token")));
  set_id("cls_token_id", lookup(special_text(config, "cls_token")));
  if (type == "WordPiece") {
    // Without a tokenizer_config.json, BERT's conventional specials.
    if (!special_text(config, "cls_token")) set_id("cls_token_id", lookup(std::string("[CLS]")));
    if (!special_text(config, "sep_token")) set_id("seperator_token_id", lookup(std::string("[SEP]")));
    if (!special_text(config, "pad_token")) set_id("padding_token_id", lookup(std::string("[PAD]")));
  }
  if (config.contains("add_bos_token") && config["add_bos_token"].is_boolean())
    writer.set_bool("tokenizer.ggml.add_bos_token", config["add_bos_token"].get<bool>());
  if (config.contains("add_eos_token") && config["add_eos_token"].is_boolean())
    writer.set_bool("tokenizer.ggml.add_eos_token", config["add_eos_token"].get<bool>());
  if (!chat_template.empty()) writer.set_string("tokenizer.chat_template", chat_template);
}

}  // namespace docent::engine::conversion
