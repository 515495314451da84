// Whole-model quantization: every matrix whose rows are whole blocks of the target type is
// re-encoded; vectors (norms, biases) stay F32; a matrix whose row length is not a multiple of
// the block size falls back to the next format that fits (Q4_K -> Q8_0 -> original), so any
// model can be quantized.
#include <cstring>
#include <map>
#include <set>

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

namespace {

// general.file_type ids of the common quantizers for a file mostly of one block type. Q4_K
// throughout, without the Q6_K tensors of a Q4_K_M mix, is what they call Q4_K_S.
std::uint32_t file_type_id(TensorType type) {
  switch (type) {
    case TensorType::q8_0: return 7;
    case TensorType::q4_0: return 2;
    default: return 14;
  }
}

std::string_view file_type_label(TensorType type) {
  switch (type) {
    case TensorType::q8_0: return "Q8_0";
    case TensorType::q4_0: return "Q4_0";
    default: return "Q4_K_S";
  }
}

std::int64_t block_elements(TensorType type) { return type == TensorType::q4_k ? kSuperBlock : kBlock32; }

std::vector<std::pair<std::string, std::int64_t>> written_types(const std::filesystem::path& output) {
  std::map<std::string, std::int64_t> counts;
  const auto file = GgufFile::open(output);  // held: a range-for over open(...)->tensors() would outlive it
  for (const auto& tensor : file->tensors()) ++counts[std::string(type_name(tensor.type))];
  return {counts.begin(), counts.end()};
}

}  // namespace

QuantizeReport quantize_model(const std::filesystem::path& input, const std::filesystem::path& output,
                              std::string_view type) {
  QuantizeReport report;
  if (is_channel_recipe(type)) {
    write_channel_recipe(input, output, channel_recipe(type));
    report.tensor_types = written_types(output);
    return report;
  }
  if (const auto ternary = ternary_quantization_type(type)) {
    write_ternary_model(input, output, *ternary);
    report.tensor_types = written_types(output);
    return report;
  }
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
  std::map<std::uint32_t, std::int64_t> weights_by_type;  // matrix elements per type written
  struct Fallback {
    std::int64_t matrices = 0;
    std::set<std::int64_t> rows;
  };
  std::map<std::uint32_t, Fallback> fallbacks;  // by the type kept instead of the target
  for (const auto& tensor : file->tensors()) {
    const bool matrix = tensor.shape.size() == 2;
    const std::int64_t row = tensor.shape.empty() ? 1 : tensor.shape[0];
    std::optional<TensorType> chosen;
    if (matrix) {
      for (TensorType candidate : {*target, TensorType::q8_0})
        if (row % block_elements(candidate) == 0) {
          chosen = candidate;
          break;
        }
      const std::uint32_t kept = chosen ? static_cast<std::uint32_t>(*chosen) : tensor.type;
      weights_by_type[kept] += tensor.element_count();
      if (chosen != target) {
        ++fallbacks[kept].matrices;
        fallbacks[kept].rows.insert(row);
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
  // The label is what most matrix weights hold, not what was asked for: a model whose rows fit
  // no Q4_K block is a Q8_0 file. Nothing quantized: no label (readers go by the tensors).
  std::optional<TensorType> dominant;
  std::int64_t most = 0;
  for (TensorType candidate : {*target, TensorType::q8_0}) {
    const auto it = weights_by_type.find(static_cast<std::uint32_t>(candidate));
    if (it != weights_by_type.end() && it->second > most) most = it->second, dominant = candidate;
  }
  if (dominant) {
    writer.set_uint32("general.file_type", file_type_id(*dominant));
    report.file_type = file_type_label(*dominant);
  }
  writer.write(output);

  const std::string wanted(type_name(static_cast<std::uint32_t>(*target)));
  for (const auto& [kept, fallback] : fallbacks) {
    std::string rows;
    for (std::int64_t length : fallback.rows) rows += (rows.empty() ? "" : ", ") + std::to_string(length);
    report.fallbacks.push_back(std::to_string(fallback.matrices) + (fallback.matrices == 1 ? " matrix" : " matrices") +
                               " written as " + std::string(type_name(kept)) + " (rows of " + rows +
                               " values are not whole " + wanted + " blocks of " +
                               std::to_string(block_elements(*target)) + ")");
  }
  report.tensor_types = written_types(output);
  return report;
}

}  // namespace docent::engine
