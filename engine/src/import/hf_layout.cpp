#include "import/hf_layout.hpp"

#include "quant/dequantize.hpp"
#include "quant/ternary.hpp"
#include "quant/type_traits.hpp"

namespace docent::engine::conversion {

int permuted_heads(RowOrder order, int heads, int kv_heads) {
  switch (order) {
    case RowOrder::same: return 0;
    case RowOrder::rope_query: return heads;
    case RowOrder::rope_key: return kv_heads;
  }
  return 0;
}

namespace {

std::vector<float> permute_rows(const std::vector<float>& values, std::int64_t rows, std::int64_t columns, int heads,
                                bool to_interleaved) {
  std::vector<float> out(values.size());
  const std::int64_t head_rows = rows / heads, half = head_rows / 2;
  for (int head = 0; head < heads; ++head)
    for (std::int64_t i = 0; i < half; ++i)
      for (int pair = 0; pair < 2; ++pair) {
        const std::int64_t interleaved = head * head_rows + 2 * i + pair;
        const std::int64_t halves = head * head_rows + pair * half + i;
        const std::int64_t from = to_interleaved ? halves : interleaved;
        const std::int64_t to = to_interleaved ? interleaved : halves;
        std::copy(values.begin() + from * columns, values.begin() + (from + 1) * columns, out.begin() + to * columns);
      }
  return out;
}

}  // namespace

std::vector<float> rope_rows_to_interleaved(const std::vector<float>& values, std::int64_t rows, std::int64_t columns, int heads) {
  return permute_rows(values, rows, columns, heads, true);
}
std::vector<float> rope_rows_to_halves(const std::vector<float>& values, std::int64_t rows, std::int64_t columns, int heads) {
  return permute_rows(values, rows, columns, heads, false);
}

std::vector<float> gguf_tensor_floats(const GgufTensorInfo& tensor, const std::string& source) {
  if (tensor.type == static_cast<std::uint32_t>(TensorType::i2_s)) {
    const std::int64_t row = tensor.shape.empty() ? 1 : tensor.shape[0];
    const auto rows = i2s_to_rows(tensor.data, row, tensor.element_count() / row);
    const std::size_t stride = static_cast<std::size_t>(row / 4 + kI2sRowHeaderBytes);
    std::vector<float> values(static_cast<std::size_t>(tensor.element_count()));
    for (std::int64_t r = 0; r < tensor.element_count() / row; ++r)
      dequantize_row_i2s_rows(rows.data() + static_cast<std::size_t>(r) * stride, values.data() + r * row, row);
    return values;
  }
  auto traits = type_traits(tensor.type);
  if (!traits || !traits->dequantizable)
    throw ModelError(source + ": tensor '" + tensor.name + "' has type " + std::string(type_name(tensor.type)) +
                     " which cannot be dequantized");
  const std::int64_t row = tensor.shape.empty() ? 1 : tensor.shape[0];
  const std::int64_t rows = tensor.element_count() / row;
  const auto bytes_per_row = row_bytes(static_cast<TensorType>(tensor.type), row);
  if (!bytes_per_row) throw ModelError(source + ": tensor '" + tensor.name + "' rows are not whole blocks");
  std::vector<float> values(static_cast<std::size_t>(tensor.element_count()));
  for (std::int64_t r = 0; r < rows; ++r)
    dequantize_row(static_cast<TensorType>(tensor.type), tensor.data + r * *bytes_per_row, values.data() + r * row, row);
  return values;
}

}  // namespace docent::engine::conversion
