#pragma once
// Conversions shared by the Hugging Face and ONNX import and export (which tensor is which comes
// from the architecture table): the q/k row permutation between interleaved RoPE pairs (Llama
// GGUF) and rotate-halves pairs (the checkpoints), and GGUF tensors as floats.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "architectures/architecture.hpp"
#include "gguf/gguf_reader.hpp"

namespace docent::engine::conversion {

// The heads whose rows `order` permutes between the two forms (0: the rows are the same).
int permuted_heads(RowOrder order, int heads, int kv_heads);

// HF rows of each head are [first halves..., second halves...]; Llama GGUF interleaves them.
// `rows` of `columns` floats (row-major), `heads` heads of rows/heads rows each.
std::vector<float> rope_rows_to_interleaved(const std::vector<float>& values, std::int64_t rows, std::int64_t columns, int heads);
std::vector<float> rope_rows_to_halves(const std::vector<float>& values, std::int64_t rows, std::int64_t columns, int heads);

// A GGUF tensor as floats (any dequantizable type), row-major with ne[0] fastest.
std::vector<float> gguf_tensor_floats(const GgufTensorInfo& tensor, const std::string& source);

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
  // Set instead (dtype "U8", `blocks` the bytes): BitNet's packed ternary weights, four 2-bit
  // codes t + 1 per byte, the byte at [j, c] holding rows j + i * (out / 4) in bits 2i..2i+1.
  bool packed_ternary = false;
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
