#pragma once
// Building a tokenizer from each supported source. Tokenizer::load picks one by content; the
// model code calls load_gguf_tokenizer with the GgufFile it already has open.

#include <filesystem>
#include <memory>

#include "docent/engine.hpp"
#include "gguf/gguf_reader.hpp"

namespace docent::engine::tokenizer {

std::unique_ptr<Tokenizer> load_gguf_tokenizer(const GgufFile& file);
std::unique_ptr<Tokenizer> load_tokenizer_json(const std::filesystem::path& path);
std::unique_ptr<Tokenizer> load_wordpiece_vocab_txt(const std::filesystem::path& path);

}  // namespace docent::engine::tokenizer
