#include "quantize/ternary_model.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "architectures/architecture.hpp"
#include "docent/engine.hpp"
#include "gguf/gguf_reader.hpp"
#include "gguf/gguf_writer.hpp"
#include "import/hf_layout.hpp"
#include "quant/quantize.hpp"
#include "quant/ternary.hpp"

namespace docent::engine {

std::optional<TensorType> ternary_quantization_type(std::string_view name) {
  if (name == "tq1_0") return TensorType::tq1_0;
  if (name == "tq2_0") return TensorType::tq2_0;
  if (name == "i2_s") return TensorType::i2_s;
  return std::nullopt;
}

bool ternarize(std::vector<float>& values) {
  float magnitude = 0;
  bool ternary = true;
  for (float v : values) {
    const float a = std::fabs(v);
    if (a == 0) continue;
    if (magnitude == 0) magnitude = a;
    else if (a != magnitude) ternary = false;
  }
  if (ternary) return false;
  double sum = 0;
  for (float v : values) sum += std::fabs(v);
  const float scale = std::max(static_cast<float>(sum / static_cast<double>(values.size())), 1e-5f);
  for (float& v : values) v = scale * std::clamp(std::nearbyint(v / scale), -1.0f, 1.0f);
  return true;
}

void write_ternary_model(const std::filesystem::path& input, const std::filesystem::path& output, TensorType type) {
  const auto file = GgufFile::open(input);
  const std::string source = input.string();
  const std::string architecture = file->get_string("general.architecture").value_or("");
  const ArchitectureSpec* spec = find_architecture(architecture);
  if (spec == nullptr || !spec->has_ternary_weights())
    throw ModelError(source + ": architecture '" + architecture + "' has no ternary weights; " +
                     std::string(type_name(static_cast<std::uint32_t>(type))) + " is for BitNet models");
  GgufWriter writer(file->alignment());
  for (const auto& [key, value] : file->metadata())
    if (key != "general.file_type" && key != "general.alignment") writer.set(key, value);
  // llama.cpp's file type ids ("mostly TQ1_0/TQ2_0"); I2_S files are told by their tensors.
  if (type == TensorType::tq1_0) writer.set_uint32("general.file_type", 36);
  if (type == TensorType::tq2_0) writer.set_uint32("general.file_type", 37);
  for (const auto& tensor : file->tensors()) {
    const TensorSlot* slot = spec->slot_of(tensor.name);
    if (slot == nullptr || !slot->ternary || tensor.shape.size() != 2) {
      writer.add_tensor(tensor.name, tensor.type, tensor.shape, {tensor.data, tensor.data + tensor.bytes});
      continue;
    }
    const std::int64_t row = tensor.shape[0], rows = tensor.shape[1];
    const auto bytes_per_row = row_bytes(type == TensorType::i2_s ? TensorType::i2_s_rows : type, row);
    if (!bytes_per_row)
      throw ModelError(source + ": tensor '" + tensor.name + "' rows of " + std::to_string(row) + " do not fit " +
                       std::string(type_name(static_cast<std::uint32_t>(type))) + " blocks");
    auto values = conversion::gguf_tensor_floats(tensor, source);
    ternarize(values);
    if (type == TensorType::i2_s) {
      writer.add_tensor(tensor.name, static_cast<std::uint32_t>(type), tensor.shape, quantize_i2s_tensor(values.data(), row * rows));
      continue;
    }
    std::vector<std::uint8_t> bytes(static_cast<std::size_t>(*bytes_per_row * rows));
    for (std::int64_t r = 0; r < rows; ++r)
      quantize_row(type, values.data() + r * row, bytes.data() + r * *bytes_per_row, row);
    writer.add_tensor(tensor.name, static_cast<std::uint32_t>(type), tensor.shape, std::move(bytes));
  }
  writer.write(output);
}

}  // namespace docent::engine
