#pragma once
// Facts shared by the Hugging Face import and export: which HF tensor name holds which GGUF
// tensor, and the row order Llama GGUF files use for q/k (interleaved RoPE pairs) versus the
// HF checkpoints (rotate-halves pairs).

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gguf/gguf_reader.hpp"

namespace docent::engine::conversion {

struct HfTensorName {
  std::string_view gguf;  // pattern with {layer}
  std::string_view hf;    // pattern with {layer}
  bool per_layer;
  bool required;
  bool rope_rows;         // q/k rows: permuted between the two RoPE pairings (llama only)
};

// The table for "llama", "qwen2" or "bert"; throws ModelError for anything else.
const std::vector<HfTensorName>& hf_tensor_names(std::string_view architecture);

// HF rows of each head are [first halves..., second halves...]; Llama GGUF interleaves them.
// `rows` of `columns` floats (row-major), `heads` heads of rows/heads rows each.
std::vector<float> rope_rows_to_interleaved(const std::vector<float>& values, std::int64_t rows, std::int64_t columns, int heads);
std::vector<float> rope_rows_to_halves(const std::vector<float>& values, std::int64_t rows, std::int64_t columns, int heads);

// A GGUF tensor as floats (any dequantizable type), row-major with ne[0] fastest.
std::vector<float> gguf_tensor_floats(const GgufTensorInfo& tensor, const std::string& source);

std::string substitute_layer(std::string_view pattern, int layer);

// A weight found by an importer under its Hugging Face name, PyTorch shape [out, in].
struct NamedTensor {
  std::vector<std::int64_t> shape;
  std::string dtype;  // of the source: "F32", "F16", "BF16"
  std::vector<float> values;
  std::string origin;  // file named in errors
  // Set instead of `values` when the source's blocks are exactly GGUF blocks of this type
  // (Q4_0 / Q8_0 rows of `shape`): written as they are, without a float round trip.
  std::uint32_t block_type = 0;
  std::vector<std::uint8_t> blocks;
};
inline NamedTensor float_tensor(std::vector<std::int64_t> shape, std::vector<float> values, std::string origin) {
  NamedTensor tensor;
  tensor.shape = std::move(shape);
  tensor.dtype = "F32";
  tensor.values = std::move(values);
  tensor.origin = std::move(origin);
  return tensor;
}
using TensorLookup = std::function<std::optional<NamedTensor>(const std::string& hf_name)>;

}  // namespace docent::engine::conversion

namespace docent::engine {
// The shared back half of every import: config.json and the tokenizer files of `folder`, weights
// from `lookup`, checked against the config and written as GGUF.
void write_gguf_from_hf_tensors(const std::filesystem::path& folder, const conversion::TensorLookup& lookup,
                                const std::filesystem::path& output_gguf);
}  // namespace docent::engine

namespace docent::engine::conversion {

}  // namespace docent::engine::conversion
