#pragma once
// tokenizer.json + tokenizer_config.json (Hugging Face) -> GGUF tokenizer.* metadata, and back.

#include <cstdint>
#include <filesystem>
#include <string_view>

#include "gguf/gguf_reader.hpp"
#include "gguf/gguf_writer.hpp"

namespace docent::engine::conversion {

// Adds tokenizer.ggml.* and tokenizer.chat_template. `embedding_rows` bounds the token ids;
// `family_pre` is the tokenizer.ggml.pre of a byte-level vocabulary whose split pattern does not
// identify one ("" for the default). Throws ModelError naming the file and reason.
void import_hf_tokenizer(GgufWriter& writer, const std::filesystem::path& folder, std::string_view family_pre,
                         std::int64_t embedding_rows);

// Writes tokenizer.json and tokenizer_config.json for a GGUF file's tokenizer.
void export_hf_tokenizer(const GgufFile& file, const std::filesystem::path& folder);

}  // namespace docent::engine::conversion
