#include "quantize/recipes.hpp"

#include <cstring>
#include <optional>

#include "docent/engine.hpp"
#include "gguf/gguf_reader.hpp"
#include "gguf/gguf_writer.hpp"
#include "import/hf_layout.hpp"
#include "quant/blocks.hpp"
#include "quant/int4_channel.hpp"
#include "quant/quantize.hpp"
#include "quant/type_traits.hpp"
#include "quantize/quarot.hpp"

namespace docent::engine {
namespace {

std::vector<std::uint8_t> float_bytes(const std::vector<float>& values) {
  std::vector<std::uint8_t> bytes(values.size() * sizeof(float));
  std::memcpy(bytes.data(), values.data(), bytes.size());
  return bytes;
}

std::vector<std::uint8_t> encode_q4_0(const std::vector<float>& values, std::int64_t row) {
  const std::int64_t rows = static_cast<std::int64_t>(values.size()) / row, blocks = row / kBlock32;
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(rows * blocks) * sizeof(BlockQ4_0));
  for (std::int64_t r = 0; r < rows; ++r)
    quantize_row_q4_0(values.data() + r * row, reinterpret_cast<BlockQ4_0*>(bytes.data()) + r * blocks, row);
  return bytes;
}

std::vector<std::uint8_t> encode_int4_channel(const std::vector<float>& values, std::int64_t row) {
  const std::int64_t rows = static_cast<std::int64_t>(values.size()) / row, stride = int4_channel_row_bytes(row);
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(rows * stride));
  for (std::int64_t r = 0; r < rows; ++r) quantize_row_int4_channel(values.data() + r * row, bytes.data() + r * stride, row);
  return bytes;
}

struct TensorWriter {
  GgufWriter& writer;
  const ChannelRecipe& recipe;
  bool wrote_private_type = false;

  void add(const std::string& name, const std::vector<std::int64_t>& shape, const std::vector<float>& values) {
    const std::int64_t row = shape[0];
    const bool vocabulary_table = name == "token_embd.weight" || name == "output.weight";
    const bool quantize = vocabulary_table ? recipe.quantize_vocabulary_tables : recipe.quantize_blocks;
    if (!quantize || shape.size() != 2 || row % kBlock32 != 0) {
      writer.add_tensor(name, static_cast<std::uint32_t>(TensorType::f32), shape, float_bytes(values));
    } else if (vocabulary_table) {
      // The memory-heavy vocabulary tables: block-wise 4-bit, as the recipe prescribes.
      writer.add_tensor(name, static_cast<std::uint32_t>(TensorType::q4_0), shape, encode_q4_0(values, row));
    } else {
      writer.add_tensor(name, static_cast<std::uint32_t>(TensorType::int4_channel), shape, encode_int4_channel(values, row));
      wrote_private_type = true;
    }
  }
};

}  // namespace

bool is_channel_recipe(std::string_view type) { return type == "int4-channel" || type == "npu" || type == "npu-float"; }

ChannelRecipe channel_recipe(std::string_view type) {
  ChannelRecipe recipe;
  recipe.rotate = type != "int4-channel";
  recipe.quantize_blocks = recipe.quantize_vocabulary_tables = type != "npu-float";
  return recipe;
}

void write_channel_recipe(const std::filesystem::path& input, const std::filesystem::path& output, const ChannelRecipe& recipe) {
  const auto file = GgufFile::open(input);
  const std::string source = input.string();
  std::optional<QuarotRotation> rotation;
  if (recipe.rotate) rotation.emplace(*file, recipe.seed);

  GgufWriter writer(file->alignment());
  for (const auto& [key, value] : file->metadata())
    if (key != "general.file_type" && key != "general.alignment") writer.set(key, value);
  TensorWriter tensors{writer, recipe};
  for (const auto& tensor : file->tensors()) {
    auto values = conversion::gguf_tensor_floats(tensor, source);
    if (rotation && tensor.name == "token_embd.weight" && rotation->needs_output_head())
      tensors.add("output.weight", tensor.shape, rotation->output_head(values));
    if (rotation) values = rotation->rotate(tensor, std::move(values));
    tensors.add(tensor.name, tensor.shape, values);
  }

  std::string requires_docent;
  if (tensors.wrote_private_type) requires_docent = "INT4_CHANNEL tensors";
  if (rotation) {
    writer.set_string("docent.rotation", "quarot");
    writer.set_uint32("docent.rotation.seed", recipe.seed);
    writer.set_uint32(std::string(kFfnDownHadamardKey), static_cast<std::uint32_t>(rotation->ffn_block()));
    requires_docent += std::string(requires_docent.empty() ? "" : ", ") + "online Hadamard transform before ffn_down";
  }
  if (!requires_docent.empty()) writer.set_string(std::string(kRequiresDocentKey), requires_docent);
  writer.write(output);
}

}  // namespace docent::engine
