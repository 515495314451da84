// Tokenizers from Hugging Face files: tokenizer.json (byte-level BPE or WordPiece) and a
// WordPiece vocab.txt.
#include <fstream>
#include <limits>
#include <sstream>

#include <nlohmann/json.hpp>

#include "tokenizer/byte_level_bpe.hpp"
#include "tokenizer/pretokenizer_regex.hpp"
#include "tokenizer/tokenizer_loaders.hpp"
#include "tokenizer/wordpiece.hpp"

namespace docent::engine::tokenizer {

namespace {

using Json = nlohmann::json;

// A member that may be absent: the const operator[] of nlohmann::json must not see a missing key.
const Json& member(const Json& object, const char* key) {
  static const Json kNull;
  if (!object.is_object()) return kNull;
  const auto found = object.find(key);
  return found == object.end() ? kNull : *found;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ModelError(path.string() + ": cannot open the file");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw ModelError(path.string() + ": read error");
  return text.str();
}

Json parse_json(const std::filesystem::path& path) {
  try {
    return Json::parse(read_file(path));
  } catch (const Json::exception& error) {
    throw ModelError(path.string() + ": not valid JSON (" + error.what() + ")");
  }
}

// tokenizer_config.json writes special tokens either as "text" or {"content": "text", ...}.
std::optional<std::string> special_token_text(const Json& config, const char* key) {
  const auto found = config.find(key);
  if (found == config.end()) return std::nullopt;
  if (found->is_string()) return found->get<std::string>();
  if (found->is_object() && found->contains("content") && (*found)["content"].is_string())
    return (*found)["content"].get<std::string>();
  return std::nullopt;
}

// Collects the vocabulary of model.vocab plus added_tokens into id order.
Vocabulary read_vocabulary(const Json& document, const std::string& source) {
  const Json& vocab = member(member(document, "model"), "vocab");
  if (!vocab.is_object()) throw ModelError(source + ": model.vocab is not an object of piece -> id");
  std::vector<std::pair<TokenId, std::string>> entries;
  std::vector<std::pair<TokenId, bool>> added;  // id, special
  auto add_entry = [&](const std::string& piece, const Json& id_value) {
    if (!id_value.is_number_integer()) throw ModelError(source + ": token '" + piece + "' has no integer id");
    const auto id = id_value.get<std::int64_t>();
    if (id < 0 || id >= std::numeric_limits<TokenId>::max())
      throw ModelError(source + ": token '" + piece + "' has id " + std::to_string(id) + " out of range");
    entries.emplace_back(static_cast<TokenId>(id), piece);
    return static_cast<TokenId>(id);
  };
  for (const auto& [piece, id] : vocab.items()) add_entry(piece, id);
  if (const auto found = document.find("added_tokens"); found != document.end() && found->is_array()) {
    for (const Json& token : *found) {
      if (!token.contains("content") || !token["content"].is_string() || !token.contains("id"))
        throw ModelError(source + ": an added_tokens entry lacks content or id");
      const TokenId id = add_entry(token["content"].get<std::string>(), token["id"]);
      added.emplace_back(id, token.value("special", false));
    }
  }
  TokenId largest = -1;
  for (const auto& entry : entries) largest = std::max(largest, entry.first);
  Vocabulary vocabulary;
  vocabulary.pieces.assign(static_cast<std::size_t>(largest) + 1, std::string());
  // Ids no entry uses stay as empty "unused" slots so ids keep their meaning.
  vocabulary.types.assign(vocabulary.pieces.size(), TokenType::unused);
  for (const auto& [id, piece] : entries) {
    vocabulary.pieces[id] = piece;
    vocabulary.types[id] = TokenType::normal;
  }
  for (const auto& [id, special] : added) vocabulary.types[id] = special ? TokenType::control : TokenType::user_defined;
  return vocabulary;
}

std::optional<TokenId> find_piece(const Vocabulary& vocabulary, const std::optional<std::string>& text) {
  if (!text) return std::nullopt;
  for (std::size_t id = 0; id < vocabulary.size(); ++id)
    if (vocabulary.pieces[id] == *text) return static_cast<TokenId>(id);
  return std::nullopt;
}

// Walks a pre_tokenizer (possibly a Sequence) for Split regexes and ByteLevel steps.
void collect_pretokenizers(const Json& node, std::vector<std::string>& patterns, bool& byte_level,
                           const std::string& source) {
  if (!node.is_object()) return;
  const std::string type = node.value("type", "");
  if (type == "Sequence") {
    for (const Json& step : node.value("pretokenizers", Json::array())) collect_pretokenizers(step, patterns, byte_level, source);
  } else if (type == "Split") {
    const Json& pattern = member(node, "pattern");
    if (!pattern.is_object()) throw ModelError(source + ": a Split pre-tokenizer has no pattern");
    if (pattern.contains("Regex")) {
      patterns.push_back(member(pattern, "Regex").get<std::string>());
    } else if (pattern.contains("String")) {
      // A literal separator: quote it for PCRE2.
      patterns.push_back("\\Q" + member(pattern, "String").get<std::string>() + "\\E");
    }
    if (node.value("behavior", "Isolated") != "Isolated" || node.value("invert", false))
      throw ModelError(source + ": only Isolated, non-inverted Split pre-tokenizers are supported");
  } else if (type == "ByteLevel") {
    byte_level = true;
    if (node.value("use_regex", true)) patterns.push_back(*pretokenizer_pattern("gpt-2"));
    if (node.value("add_prefix_space", false))
      throw ModelError(source + ": ByteLevel add_prefix_space is not supported");
  } else if (!type.empty()) {
    throw ModelError(source + ": unsupported pre_tokenizer type '" + type + "'");
  }
}

bool wants_nfc(const Json& normalizer, const std::string& source) {
  if (normalizer.is_null()) return false;
  const std::string type = normalizer.value("type", "");
  if (type == "NFC") return true;
  if (type == "Sequence") {
    bool nfc = false;
    for (const Json& step : normalizer.value("normalizers", Json::array())) nfc = wants_nfc(step, source) || nfc;
    return nfc;
  }
  throw ModelError(source + ": unsupported normalizer '" + type + "' for byte-level BPE");
}

std::string family_of_pattern(const std::string& pattern) {
  if (pattern.find(R"(\p{N}{1,3})") != std::string::npos) return "llama-3";
  if (pattern.find(R"(|\p{N}|)") != std::string::npos) return "qwen2";
  return "gpt-2";
}

std::unique_ptr<Tokenizer> byte_level_bpe_from_json(const Json& document, const std::filesystem::path& path) {
  const std::string source = path.string();
  const Json& model = member(document, "model");
  Vocabulary vocabulary = read_vocabulary(document, source);

  ByteLevelBpeOptions options;
  bool byte_level = false;
  collect_pretokenizers(document.value("pre_tokenizer", Json()), options.split_patterns, byte_level, source);
  if (document.contains("decoder") && document["decoder"].is_object() && document["decoder"].value("type", "") == "ByteLevel")
    byte_level = true;
  if (!byte_level) throw ModelError(source + ": only byte-level BPE tokenizer.json files are supported");
  options.normalize_nfc = wants_nfc(document.value("normalizer", Json()), source);
  options.ignore_merges = model.value("ignore_merges", false);
  options.pretokenizer_name = options.split_patterns.empty() ? "gpt-2" : family_of_pattern(options.split_patterns.front());

  std::vector<std::pair<std::string, std::string>> merges;
  const Json& merge_list = member(model, "merges");
  if (!merge_list.is_array()) throw ModelError(source + ": model.merges is missing");
  merges.reserve(merge_list.size());
  for (const Json& merge : merge_list) {
    if (merge.is_string()) {
      const std::string text = merge.get<std::string>();
      const std::size_t space = text.find(' ', 1);
      if (space == std::string::npos) throw ModelError(source + ": merge '" + text + "' is not two pieces");
      merges.emplace_back(text.substr(0, space), text.substr(space + 1));
    } else if (merge.is_array() && merge.size() == 2 && merge[0].is_string() && merge[1].is_string()) {
      merges.emplace_back(merge[0].get<std::string>(), merge[1].get<std::string>());
    } else {
      throw ModelError(source + ": a merge is neither \"a b\" nor [\"a\", \"b\"]");
    }
  }

  // bos/eos live in tokenizer_config.json beside the file, when there is one.
  const auto config_path = path.parent_path() / "tokenizer_config.json";
  if (std::filesystem::exists(config_path)) {
    const Json config = parse_json(config_path);
    vocabulary.bos = find_piece(vocabulary, special_token_text(config, "bos_token"));
    vocabulary.eos = find_piece(vocabulary, special_token_text(config, "eos_token"));
    vocabulary.padding = find_piece(vocabulary, special_token_text(config, "pad_token"));
    if (config.contains("add_bos_token") && config["add_bos_token"].is_boolean())
      vocabulary.add_bos = config["add_bos_token"].get<bool>();
  }
  vocabulary.validate(source);
  return std::make_unique<ByteLevelBpeTokenizer>(std::move(vocabulary), merges, std::move(options), source);
}

std::unique_ptr<Tokenizer> wordpiece_from_json(const Json& document, const std::filesystem::path& path) {
  const std::string source = path.string();
  const Json& model = member(document, "model");
  Vocabulary vocabulary = read_vocabulary(document, source);
  if (model.value("continuing_subword_prefix", "##") != "##")
    throw ModelError(source + ": only the \"##\" WordPiece continuation prefix is supported");
  WordPieceOptions options;
  options.max_chars_per_word = model.value("max_input_chars_per_word", 100);
  const Json normalizer = document.value("normalizer", Json());
  if (normalizer.is_object()) {
    if (normalizer.value("type", "") != "BertNormalizer")
      throw ModelError(source + ": unsupported WordPiece normalizer '" + normalizer.value("type", "") + "'");
    options.lowercase = normalizer.value("lowercase", true);
    const Json strip = normalizer.value("strip_accents", Json());
    options.strip_accents = strip.is_boolean() ? strip.get<bool>() : options.lowercase;
    options.isolate_cjk = normalizer.value("handle_chinese_chars", true);
  }
  vocabulary.unknown = find_piece(vocabulary, model.value("unk_token", std::string("[UNK]")));
  vocabulary.classifier = find_piece(vocabulary, std::string("[CLS]"));
  vocabulary.separator = find_piece(vocabulary, std::string("[SEP]"));
  vocabulary.padding = find_piece(vocabulary, std::string("[PAD]"));
  vocabulary.validate(source);
  return std::make_unique<WordPieceTokenizer>(std::move(vocabulary), options, source);
}

}  // namespace

std::unique_ptr<Tokenizer> load_tokenizer_json(const std::filesystem::path& path) {
  const std::string source = path.string();
  const Json document = parse_json(path);
  if (!document.is_object() || !document.contains("model") || !document["model"].is_object())
    throw ModelError(source + ": not a tokenizer.json (no \"model\" object)");
  const std::string type = document["model"].value("type", "");
  try {
    if (type == "BPE") return byte_level_bpe_from_json(document, path);
    if (type == "WordPiece") return wordpiece_from_json(document, path);
  } catch (const Json::exception& error) {
    throw ModelError(source + ": unexpected tokenizer.json structure (" + error.what() + ")");
  }
  throw ModelError(source + ": unsupported tokenizer model type '" + type + "' (supported: BPE, WordPiece)");
}

std::unique_ptr<Tokenizer> load_wordpiece_vocab_txt(const std::filesystem::path& path) {
  const std::string source = path.string();
  std::istringstream lines(read_file(path));
  Vocabulary vocabulary;
  std::string line;
  while (std::getline(lines, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    vocabulary.pieces.push_back(line);
  }
  vocabulary.types.assign(vocabulary.pieces.size(), TokenType::normal);
  for (std::size_t id = 0; id < vocabulary.size(); ++id) {
    const std::string& piece = vocabulary.pieces[id];
    if (piece == "[PAD]" || piece == "[UNK]" || piece == "[CLS]" || piece == "[SEP]" || piece == "[MASK]")
      vocabulary.types[id] = TokenType::control;
  }
  vocabulary.unknown = find_piece(vocabulary, std::string("[UNK]"));
  vocabulary.classifier = find_piece(vocabulary, std::string("[CLS]"));
  vocabulary.separator = find_piece(vocabulary, std::string("[SEP]"));
  vocabulary.padding = find_piece(vocabulary, std::string("[PAD]"));
  vocabulary.validate(source);
  WordPieceOptions options;
  // A cased vocabulary says so in tokenizer_config.json beside it.
  const auto config_path = path.parent_path() / "tokenizer_config.json";
  if (std::filesystem::exists(config_path)) {
    const Json config = parse_json(config_path);
    if (config.contains("do_lower_case") && config["do_lower_case"].is_boolean()) {
      options.lowercase = config["do_lower_case"].get<bool>();
      options.strip_accents = options.lowercase;
    }
  }
  return std::make_unique<WordPieceTokenizer>(std::move(vocabulary), options, source);
}

}  // namespace docent::engine::tokenizer

namespace docent::engine {

std::unique_ptr<Tokenizer> Tokenizer::load(const std::filesystem::path& path) {
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) {
    if (std::filesystem::exists(path / "tokenizer.json")) return tokenizer::load_tokenizer_json(path / "tokenizer.json");
    if (std::filesystem::exists(path / "vocab.txt")) return tokenizer::load_wordpiece_vocab_txt(path / "vocab.txt");
    throw ModelError(path.string() + ": folder holds neither tokenizer.json nor vocab.txt");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ModelError(path.string() + ": cannot open the file");
  char magic[4] = {};
  in.read(magic, 4);
  if (in.gcount() == 4 && std::string_view(magic, 4) == "GGUF")
    return tokenizer::load_gguf_tokenizer(*GgufFile::open(path));
  const std::string extension = path.extension().string();
  if (extension == ".json") return tokenizer::load_tokenizer_json(path);
  if (extension == ".txt") return tokenizer::load_wordpiece_vocab_txt(path);
  throw ModelError(path.string() + ": not a GGUF file, tokenizer.json or vocab.txt");
}

}  // namespace docent::engine
