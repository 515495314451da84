// Whole-model quantization: every matrix whose rows are whole blocks of the target type is
// re-encoded; vectors (norms, biases) stay F32; a matrix whose row length is not a multiple of
// the block size falls back to the next format that fits (Q4_K -> Q8_0 -> original), so any
// model can be quantized.
#include <cstring>

#include "docent/engine.hpp"
#include "gguf/gguf_reader.hpp"
#include "gguf/gguf_writer.hpp"
#include "import/hf_layout.hpp"
#include "quant/blocks.hpp"
#include "quant/quantize.hpp"
#include "quant/type_traits.hpp"
#include "quantize/recipes.hpp"
#include "quantize/ternary_model.hpp"

namespace docent::engine {
namespace {

template <typename Block>
std::vector<std::uint8_t> encode_rows(const std::vector<float>& values, std::int64_t row, int block_elements,
                                      void (*quantize)(const float*, Block*, std::int64_t)) {
  const std::int64_t rows = static_cast<std::int64_t>(values.size()) / row;
  const std::int64_t blocks_per_row = row / block_elements;
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(rows * blocks_per_row) * sizeof(Block));
  for (std::int64_t r = 0; r < rows; ++r)
    quantize(values.data() + r * row, reinterpret_cast<Block*>(bytes.data()) + r * blocks_per_row, row);
  return bytes;
}

std::optional<TensorType> parse_type(std::string_view type) {
  if (type == "q8_0") return TensorType::q8_0;
  if (type == "q4_0") return TensorType::q4_0;
  if (type == "q4_k") return TensorType::q4_k;
  return std::nullopt;
}

}  // namespace

std::vector<std::string> supported_quantization_types() {
  return {"q8_0", "q4_0", "q4_k", "int4-channel", "npu", "npu-float", "tq1_0", "tq2_0", "i2_s"};
}

void quantize_model(const std::filesystem::path& input, const std::filesystem::path& output, std::string_view type) {
  if (is_channel_recipe(type)) return write_channel_recipe(input, output, channel_recipe(type));
  if (const auto ternary = ternary_quantization_type(type)) return write_ternary_model(input, output, *ternary);
  const auto target = parse_type(type);
  if (!target) {
    std::string supported;
    for (const auto& name : supported_quantization_types()) supported += (supported.empty() ? "" : ", ") + name;
    throw ModelError("unsupported quantization type '" + std::string(type) + "' (supported: " + supported + ")");
  }
  const auto file = GgufFile::open(input);
  GgufWriter writer(file->alignment());
  for (const auto& [key, value] : file->metadata())
    if (key != "general.file_type" && key != "general.alignment") writer.set(key, value);
  writer.set_uint32("general.file_type", *target == TensorType::q8_0 ? 7 : *target == TensorType::q4_0 ? 2 : 15);
  for (const auto& tensor : file->tensors()) {
    const bool matrix = tensor.shape.size() == 2;
    const std::int64_t row = tensor.shape.empty() ? 1 : tensor.shape[0];
    std::optional<TensorType> chosen;
    if (matrix) {
      for (TensorType candidate : {*target, TensorType::q8_0}) {
        if (candidate == TensorType::q4_k && row % kSuperBlock != 0) continue;
        if (row % kBlock32 != 0) continue;
        chosen = candidate;
        break;
      }
    }
    if (!chosen) {
      // Keep the tensor as it is (vectors, odd row lengths): copy its bytes.
      writer.add_tensor(tensor.name, tensor.type, tensor.shape, {tensor.data, tensor.data + tensor.bytes});
      continue;
    }
    const auto values = conversion::gguf_tensor_floats(tensor, input.string());
    std::vector<std::uint8_t> bytes;
    switch (*chosen) {
      case TensorType::q8_0: bytes = encode_rows<BlockQ8_0>(values, row, kBlock32, quantize_row_q8_0); break;
      case TensorType::q4_0: bytes = encode_rows<BlockQ4_0>(values, row, kBlock32, quantize_row_q4_0); break;
      default: bytes = encode_rows<BlockQ4_K>(values, row, kSuperBlock, quantize_row_q4_k); break;
    }
    writer.add_tensor(tensor.name, static_cast<std::uint32_t>(*chosen), tensor.shape, std::move(bytes));
  }
  writer.write(output);
}

}  // namespace docent::engine
