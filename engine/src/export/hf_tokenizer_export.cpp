// GGUF tokenizer.* metadata -> tokenizer.json + tokenizer_config.json, in the layout the
// Hugging Face tokenizers library writes for each model family.
#include <algorithm>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "import/hf_tokenizer_import.hpp"
#include "tokenizer/pretokenizer_regex.hpp"

namespace docent::engine::conversion {
namespace {

using Json = nlohmann::ordered_json;
constexpr int kUnknown = 2, kControl = 3, kUserDefined = 4, kByte = 6;
const std::string kWordStart = "\xE2\x96\x81";  // ▁

void write_json(const std::filesystem::path& path, const Json& value) {
  std::ofstream out(path, std::ios::trunc);
  if (!out) throw ModelError(path.string() + ": cannot create file");
  out << value.dump(1) << "\n";
  if (!out) throw ModelError(path.string() + ": write failed");
}

std::size_t utf8_length(unsigned char lead) {
  return lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3 : (lead >> 3) == 0x1E ? 4 : 1;
}

// SentencePiece keeps scores, HF BPE keeps merges: every split of a token into two vocabulary
// pieces is a merge, ranked by the merged token's score (ties by id, as SentencePiece does).
Json merges_from_scores(const std::vector<std::string>& tokens, const std::vector<std::int64_t>& types,
                        const std::vector<double>& scores) {
  std::map<std::string, std::size_t> id_of;
  for (std::size_t id = 0; id < tokens.size(); ++id)
    if (types[id] == 1) id_of.emplace(tokens[id], id);
  std::vector<std::size_t> order;
  for (std::size_t id = 0; id < tokens.size(); ++id)
    if (types[id] == 1) order.push_back(id);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return scores[a] > scores[b]; });
  Json merges = Json::array();
  for (std::size_t id : order) {
    const std::string& token = tokens[id];
    for (std::size_t cut = utf8_length(static_cast<unsigned char>(token[0])); cut < token.size();
         cut += utf8_length(static_cast<unsigned char>(token[cut]))) {
      const std::string left = token.substr(0, cut), right = token.substr(cut);
      if (id_of.count(left) != 0 && id_of.count(right) != 0) merges.push_back(left + " " + right);
    }
  }
  return merges;
}

}  // namespace

void export_hf_tokenizer(const GgufFile& file, const std::filesystem::path& folder) {
  const std::string source = file.path().string();
  const auto model_name = file.get_string("tokenizer.ggml.model");
  const auto* tokens = file.get_string_array("tokenizer.ggml.tokens");
  if (!model_name || tokens == nullptr) throw ModelError(source + ": carries no tokenizer to export");
  std::vector<std::int64_t> types(tokens->size(), 1);
  if (const auto* stored = file.get_int_array("tokenizer.ggml.token_type"); stored && stored->size() == tokens->size()) types = *stored;

  auto piece_of = [&](const char* key) -> Json {
    auto id = file.get_int(std::string("tokenizer.ggml.") + key);
    if (!id || *id < 0 || static_cast<std::size_t>(*id) >= tokens->size()) return nullptr;
    return (*tokens)[static_cast<std::size_t>(*id)];
  };
  const bool wordpiece = *model_name == "bert";
  // HF spelling of a GGUF piece.
  auto hf_piece = [&](std::size_t id) -> std::string {
    const std::string& piece = (*tokens)[id];
    if (!wordpiece || types[id] == kControl) return piece;
    if (piece.rfind(kWordStart, 0) == 0) return piece.substr(kWordStart.size());
    return "##" + piece;
  };

  Json added = Json::array();
  Json vocab = Json::object();
  for (std::size_t id = 0; id < tokens->size(); ++id) {
    const bool special = types[id] == kControl || types[id] == kUnknown;
    if (special || types[id] == kUserDefined)
      added.push_back({{"id", id}, {"content", hf_piece(id)}, {"single_word", false}, {"lstrip", false}, {"rstrip", false},
                       {"normalized", !special}, {"special", special}});
    // Byte-level BPE keeps added tokens out of the model vocabulary; the others list them in both.
    if (*model_name == "gpt2" && (special || types[id] == kUserDefined)) continue;
    vocab[hf_piece(id)] = id;
  }

  Json document = {{"version", "1.0"}, {"truncation", nullptr}, {"padding", nullptr}, {"added_tokens", added}};
  Json tokenizer_config = Json::object();
  if (*model_name == "gpt2") {
    const std::string pre = file.get_string("tokenizer.ggml.pre").value_or("gpt-2");
    auto pattern = tokenizer::pretokenizer_pattern(pre);
    if (!pattern) throw ModelError(source + ": unknown pre-tokenizer '" + pre + "'");
    const auto* merges = file.get_string_array("tokenizer.ggml.merges");
    if (merges == nullptr) throw ModelError(source + ": byte-level BPE without tokenizer.ggml.merges");
    document["normalizer"] = pre == "qwen2" || pre == "deepseek-r1-qwen" ? Json{{"type", "NFC"}} : Json(nullptr);
    document["pre_tokenizer"] = {{"type", "Sequence"},
                                 {"pretokenizers",
                                  {{{"type", "Split"}, {"pattern", {{"Regex", *pattern}}}, {"behavior", "Isolated"}, {"invert", false}},
                                   {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", false}, {"use_regex", false}}}}};
    document["post_processor"] = nullptr;
    document["decoder"] = {{"type", "ByteLevel"}, {"add_prefix_space", true}, {"trim_offsets", true}, {"use_regex", true}};
    document["model"] = {{"type", "BPE"}, {"dropout", nullptr}, {"unk_token", nullptr}, {"continuing_subword_prefix", nullptr},
                         {"end_of_word_suffix", nullptr}, {"fuse_unk", false}, {"byte_fallback", false},
                         {"ignore_merges", tokenizer::pretokenizer_ignores_merges(pre)}, {"vocab", vocab}, {"merges", *merges}};
  } else if (*model_name == "llama") {
    const auto* scores = file.get_float_array("tokenizer.ggml.scores");
    if (scores == nullptr || scores->size() != tokens->size()) throw ModelError(source + ": SentencePiece vocabulary without scores");
    const bool prefix_space = file.get_bool("tokenizer.ggml.add_space_prefix").value_or(true);
    Json replace = {{"type", "Replace"}, {"pattern", {{"String", " "}}}, {"content", kWordStart}};
    document["normalizer"] = prefix_space ? Json{{"type", "Sequence"}, {"normalizers", {{{"type", "Prepend"}, {"prepend", kWordStart}}, replace}}} : replace;
    document["pre_tokenizer"] = nullptr;
    document["post_processor"] = nullptr;
    document["decoder"] = {{"type", "Sequence"},
                           {"decoders",
                            {{{"type", "Replace"}, {"pattern", {{"String", kWordStart}}}, {"content", " "}},
                             {{"type", "ByteFallback"}},
                             {{"type", "Fuse"}},
                             {{"type", "Strip"}, {"content", " "}, {"start", prefix_space ? 1 : 0}, {"stop", 0}}}}};
    document["model"] = {{"type", "BPE"}, {"dropout", nullptr}, {"unk_token", piece_of("unknown_token_id")},
                         {"continuing_subword_prefix", nullptr}, {"end_of_word_suffix", nullptr}, {"fuse_unk", true},
                         {"byte_fallback", true}, {"ignore_merges", false}, {"vocab", vocab},
                         {"merges", merges_from_scores(*tokens, types, *scores)}};
    tokenizer_config["add_bos_token"] = file.get_bool("tokenizer.ggml.add_bos_token").value_or(true);
  } else if (wordpiece) {
    document["normalizer"] = {{"type", "BertNormalizer"}, {"clean_text", true}, {"handle_chinese_chars", true},
                              {"strip_accents", nullptr}, {"lowercase", true}};
    document["pre_tokenizer"] = {{"type", "BertPreTokenizer"}};
    document["post_processor"] = nullptr;
    document["decoder"] = {{"type", "WordPiece"}, {"prefix", "##"}, {"cleanup", true}};
    document["model"] = {{"type", "WordPiece"}, {"unk_token", piece_of("unknown_token_id")},
                         {"continuing_subword_prefix", "##"}, {"max_input_chars_per_word", 100}, {"vocab", vocab}};
  } else {
    throw ModelError(source + ": cannot export tokenizer model '" + *model_name + "'");
  }
  write_json(folder / "tokenizer.json", document);

  const std::pair<const char*, const char*> specials[] = {{"bos_token", "bos_token_id"}, {"eos_token", "eos_token_id"},
                                                          {"unk_token", "unknown_token_id"}, {"sep_token", "seperator_token_id"},
                                                          {"pad_token", "padding_token_id"}, {"cls_token", "cls_token_id"}};
  for (const auto& [name, key] : specials) {
    Json piece = piece_of(key);
    if (!piece.is_null()) tokenizer_config[name] = wordpiece ? piece : piece;
  }
  if (auto add_bos = file.get_bool("tokenizer.ggml.add_bos_token")) tokenizer_config["add_bos_token"] = *add_bos;
  if (auto add_eos = file.get_bool("tokenizer.ggml.add_eos_token")) tokenizer_config["add_eos_token"] = *add_eos;
  if (auto chat_template = file.get_string("tokenizer.chat_template")) tokenizer_config["chat_template"] = *chat_template;
  write_json(folder / "tokenizer_config.json", tokenizer_config);
}

}  // namespace docent::engine::conversion
