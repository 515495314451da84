#pragma once
// What a loaded public Model holds (internal): the mapping, the runtime of its architecture
// and its tokenizer.

#include <memory>
#include <string>

#include "docent/engine.hpp"
#include "encoder.hpp"
#include "transformer.hpp"

namespace docent::engine {

struct Model::Impl {
  std::shared_ptr<const GgufFile> file;
  ModelInfo info;
  std::unique_ptr<Transformer> decoder;  // exactly one of decoder / encoder
  std::unique_ptr<Encoder> encoder;
  std::unique_ptr<Tokenizer> tokenizer;  // null when the file carries none
};

// describe_model over an already opened file.
ModelInfo describe(const GgufFile& file);

}  // namespace docent::engine
