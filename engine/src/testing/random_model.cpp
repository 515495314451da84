#include "testing/random_model.hpp"

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "gguf/gguf_writer.hpp"
#include "quant/half.hpp"
#include "quant/quantize.hpp"

namespace docent::engine {

namespace {

std::vector<std::uint8_t> encode_rows(const std::vector<float>& values, std::int64_t row_length, TensorType type) {
  const std::int64_t rows = static_cast<std::int64_t>(values.size()) / row_length;
  auto bytes_per_row = row_bytes(type, row_length);
  if (!bytes_per_row) throw ModelError("random model: rows of " + std::to_string(row_length) + " do not fit " +
                                       std::string(type_name(static_cast<std::uint32_t>(type))) + " blocks");
  std::vector<std::uint8_t> out(static_cast<std::size_t>(rows * *bytes_per_row));
  for (std::int64_t r = 0; r < rows; ++r) {
    const float* in = values.data() + r * row_length;
    std::uint8_t* row = out.data() + r * *bytes_per_row;
    switch (type) {
      case TensorType::f32: std::memcpy(row, in, static_cast<std::size_t>(row_length) * 4); break;
      case TensorType::f16:
        for (std::int64_t i = 0; i < row_length; ++i) {
          std::uint16_t half = float_to_half(in[i]);
          std::memcpy(row + 2 * i, &half, 2);
        }
        break;
      case TensorType::q8_0: quantize_row_q8_0(in, reinterpret_cast<BlockQ8_0*>(row), row_length); break;
      case TensorType::q4_0: quantize_row_q4_0(in, reinterpret_cast<BlockQ4_0*>(row), row_length); break;
      case TensorType::q4_k: quantize_row_q4_k(in, reinterpret_cast<BlockQ4_K*>(row), row_length); break;
      case TensorType::q6_k: quantize_row_q6_k(in, reinterpret_cast<BlockQ6_K*>(row), row_length); break;
      default: throw ModelError("random model: cannot write weights of this type");
    }
  }
  return out;
}

}  // namespace

void write_random_model(const std::filesystem::path& path, const RandomModelSpec& spec) {
  std::mt19937_64 random(spec.seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  const std::int64_t head_dim = spec.hidden / spec.heads;
  const std::string& arch = spec.architecture;
  GgufWriter writer;
  writer.set_string("general.architecture", arch);
  writer.set_string("general.name", "random-" + arch);
  writer.set_uint32(arch + ".block_count", static_cast<std::uint32_t>(spec.layers));
  writer.set_uint32(arch + ".embedding_length", static_cast<std::uint32_t>(spec.hidden));
  writer.set_uint32(arch + ".feed_forward_length", static_cast<std::uint32_t>(spec.ffn));
  writer.set_uint32(arch + ".attention.head_count", static_cast<std::uint32_t>(spec.heads));
  writer.set_uint32(arch + ".attention.head_count_kv", static_cast<std::uint32_t>(spec.kv_heads));
  writer.set_uint32(arch + ".context_length", static_cast<std::uint32_t>(spec.context_length));
  writer.set_float32(arch + ".rope.freq_base", 10000.0f);
  writer.set_float32(arch + ".attention.layer_norm_rms_epsilon", 1e-6f);

  auto matrix = [&](const std::string& name, std::int64_t in, std::int64_t out, TensorType type) {
    std::vector<float> values(static_cast<std::size_t>(in * out));
    const float scale = 1.0f / std::sqrt(static_cast<float>(in));
    for (auto& value : values) value = normal(random) * scale;
    writer.add_tensor(name, static_cast<std::uint32_t>(type), {in, out}, encode_rows(values, in, type));
  };
  auto vector = [&](const std::string& name, std::int64_t length, float base, float spread) {
    std::vector<float> values(static_cast<std::size_t>(length));
    for (auto& value : values) value = base + spread * normal(random);
    std::vector<std::uint8_t> bytes(values.size() * 4);
    std::memcpy(bytes.data(), values.data(), bytes.size());
    writer.add_tensor(name, 0, {length}, std::move(bytes));
  };

  const std::int64_t hidden = spec.hidden, q_width = spec.heads * head_dim, kv_width = spec.kv_heads * head_dim;
  matrix("token_embd.weight", hidden, spec.vocabulary, spec.weight_type);
  vector("output_norm.weight", hidden, 1.0f, 0.0f);
  if (!spec.tied_output) matrix("output.weight", hidden, spec.vocabulary, spec.weight_type);
  for (int layer = 0; layer < spec.layers; ++layer) {
    const std::string prefix = "blk." + std::to_string(layer) + ".";
    vector(prefix + "attn_norm.weight", hidden, 1.0f, 0.0f);
    matrix(prefix + "attn_q.weight", hidden, q_width, spec.weight_type);
    matrix(prefix + "attn_k.weight", hidden, kv_width, spec.weight_type);
    matrix(prefix + "attn_v.weight", hidden, kv_width, spec.weight_type);
    if (arch == "qwen2") {
      vector(prefix + "attn_q.bias", q_width, 0.0f, 0.1f);
      vector(prefix + "attn_k.bias", kv_width, 0.0f, 0.1f);
      vector(prefix + "attn_v.bias", kv_width, 0.0f, 0.1f);
    }
    matrix(prefix + "attn_output.weight", q_width, hidden, spec.weight_type);
    vector(prefix + "ffn_norm.weight", hidden, 1.0f, 0.0f);
    matrix(prefix + "ffn_gate.weight", hidden, spec.ffn, spec.weight_type);
    matrix(prefix + "ffn_up.weight", hidden, spec.ffn, spec.weight_type);
    matrix(prefix + "ffn_down.weight", spec.ffn, hidden, spec.weight_type);
  }
  writer.write(path);
}

}  // namespace docent::engine
