#pragma once
// A model file's chat defaults: its family's published recommendations, then the file's own
// general.sampling.* metadata (the keys llama.cpp's converters write) on top.

#include "docent/engine.hpp"
#include "gguf/gguf_reader.hpp"

namespace docent::engine {

ChatDefaults read_chat_defaults(const GgufFile& file);

}  // namespace docent::engine
