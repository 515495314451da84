// Tokenizers from GGUF metadata (tokenizer.ggml.*).
#include <limits>

#include "tokenizer/byte_level_bpe.hpp"
#include "tokenizer/pretokenizer_regex.hpp"
#include "tokenizer/sentencepiece_bpe.hpp"
#include "tokenizer/tokenizer_loaders.hpp"
#include "tokenizer/wordpiece.hpp"

namespace docent::engine::tokenizer {

namespace {

std::optional<TokenId> token_id(const GgufFile& file, const char* key) {
  const auto value = file.get_int(key);
  if (!value || *value < 0 || *value > std::numeric_limits<TokenId>::max()) return std::nullopt;
  return static_cast<TokenId>(*value);
}

Vocabulary read_vocabulary(const GgufFile& file, const std::string& source) {
  Vocabulary vocabulary;
  const auto* tokens = file.get_string_array("tokenizer.ggml.tokens");
  if (!tokens) throw ModelError(source + ": no tokenizer.ggml.tokens array (the file carries no vocabulary)");
  if (tokens->size() > static_cast<std::size_t>(std::numeric_limits<TokenId>::max()))
    throw ModelError(source + ": vocabulary too large");
  vocabulary.pieces = *tokens;
  if (const auto* types = file.get_int_array("tokenizer.ggml.token_type")) {
    vocabulary.types.reserve(types->size());
    for (auto type : *types)
      vocabulary.types.push_back(type >= 0 && type <= 6 ? static_cast<TokenType>(type) : TokenType::normal);
  }
  if (const auto* scores = file.get_float_array("tokenizer.ggml.scores"))
    vocabulary.scores.assign(scores->begin(), scores->end());
  vocabulary.bos = token_id(file, "tokenizer.ggml.bos_token_id");
  vocabulary.eos = token_id(file, "tokenizer.ggml.eos_token_id");
  vocabulary.unknown = token_id(file, "tokenizer.ggml.unknown_token_id");
  vocabulary.separator = token_id(file, "tokenizer.ggml.seperator_token_id");
  if (!vocabulary.separator) vocabulary.separator = token_id(file, "tokenizer.ggml.separator_token_id");
  vocabulary.padding = token_id(file, "tokenizer.ggml.padding_token_id");
  vocabulary.classifier = token_id(file, "tokenizer.ggml.cls_token_id");
  vocabulary.end_of_turn = token_id(file, "tokenizer.ggml.eot_token_id");
  vocabulary.validate(source);
  return vocabulary;
}

std::vector<std::pair<std::string, std::string>> read_merges(const GgufFile& file, const std::string& source) {
  const auto* merges = file.get_string_array("tokenizer.ggml.merges");
  if (!merges) throw ModelError(source + ": a BPE vocabulary needs tokenizer.ggml.merges");
  std::vector<std::pair<std::string, std::string>> pairs;
  pairs.reserve(merges->size());
  for (std::size_t i = 0; i < merges->size(); ++i) {
    const std::string& merge = (*merges)[i];
    // Byte-level pieces never contain a plain space, so the first space separates the pair.
    const std::size_t space = merge.find(' ', 1);
    if (space == std::string::npos)
      throw ModelError(source + ": merge " + std::to_string(i) + " ('" + merge + "') is not two pieces");
    pairs.emplace_back(merge.substr(0, space), merge.substr(space + 1));
  }
  return pairs;
}

}  // namespace

std::unique_ptr<Tokenizer> load_gguf_tokenizer(const GgufFile& file) {
  const std::string source = file.path().string();
  const auto model = file.get_string("tokenizer.ggml.model");
  if (!model) throw ModelError(source + ": no tokenizer.ggml.model (the file carries no tokenizer)");
  Vocabulary vocabulary = read_vocabulary(file, source);

  if (*model == "gpt2") {
    const std::string pre = file.get_string("tokenizer.ggml.pre").value_or("gpt-2");
    auto pattern = pretokenizer_pattern(pre);
    // Unknown names fall back to the GPT-2 split, which is what older converters meant.
    ByteLevelBpeOptions options;
    options.split_patterns.push_back(pattern ? *pattern : *pretokenizer_pattern("gpt-2"));
    options.pretokenizer_name = pre;
    options.ignore_merges = pretokenizer_ignores_merges(pre);
    vocabulary.add_bos = file.get_bool("tokenizer.ggml.add_bos_token").value_or(false);
    vocabulary.add_eos = file.get_bool("tokenizer.ggml.add_eos_token").value_or(false);
    const auto merges = read_merges(file, source);
    return std::make_unique<ByteLevelBpeTokenizer>(std::move(vocabulary), merges, std::move(options), source);
  }
  if (*model == "llama") {
    vocabulary.add_bos = file.get_bool("tokenizer.ggml.add_bos_token").value_or(true);
    vocabulary.add_eos = file.get_bool("tokenizer.ggml.add_eos_token").value_or(false);
    const bool add_space_prefix = file.get_bool("tokenizer.ggml.add_space_prefix").value_or(true);
    return std::make_unique<SentencePieceTokenizer>(std::move(vocabulary), add_space_prefix, source);
  }
  if (*model == "bert") {
    if (!vocabulary.classifier) vocabulary.classifier = vocabulary.bos;
    if (!vocabulary.separator) vocabulary.separator = vocabulary.eos;
    WordPieceOptions options;
    // Current converters mark word starts with "▁"; a vocabulary still in "##" form is read as such.
    bool has_word_start_marker = false;
    for (const auto& piece : vocabulary.pieces)
      if (piece.starts_with("\xE2\x96\x81")) {
        has_word_start_marker = true;
        break;
      }
    options.spelling = has_word_start_marker ? WordPieceSpelling::gguf : WordPieceSpelling::hugging_face;
    return std::make_unique<WordPieceTokenizer>(std::move(vocabulary), options, source);
  }
  throw ModelError(source + ": unsupported tokenizer model '" + *model + "' (supported: gpt2, llama, bert)");
}

}  // namespace docent::engine::tokenizer
