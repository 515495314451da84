// Hugging Face model folder (config.json, safetensors, tokenizer.json) -> one GGUF file.
#include <cmath>
#include <fstream>
#include <set>
#include <type_traits>
#include <nlohmann/json.hpp>

#include "docent/engine.hpp"
#include "gguf/gguf_writer.hpp"
#include "import/hf_layout.hpp"
#include "import/hf_tokenizer_import.hpp"
#include "import/onnx_conversion.hpp"
#include "import/safetensors.hpp"
#include "quant/half.hpp"
#include "quant/quantize.hpp"
#include "quant/ternary.hpp"
#include "quant/type_traits.hpp"

namespace docent::engine {
namespace {

using Json = nlohmann::json;

struct HfConfig {
  const ArchitectureSpec* spec = nullptr;
  std::string gguf_name;  // general.architecture to write (the entry's name for hidden_act)
  std::int64_t layers = 0, hidden = 0, heads = 0, kv_heads = 0, head_dim = 0, ffn = 0, vocab = 0;
  std::int64_t context = 0, type_vocab = 0;
  double norm_epsilon = 0, rope_theta = 10000.0;
  bool tied = false;
  // BitNet's packed form: the real weight is codes * weight_scale (transformers' AutoBitLinear),
  // or codes / weight_scale (its BitLinear), as quantization_config.linear_class says.
  bool scale_divides = false;
  std::string name;
};

std::string hf_key(HyperKey key) { return std::string(hyper_key_name(key).hf); }

Json read_json_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw ModelError(path.string() + ": cannot open");
  try {
    return Json::parse(in);
  } catch (const Json::exception& error) {
    throw ModelError(path.string() + ": not valid JSON (" + error.what() + ")");
  }
}

std::int64_t positive(const Json& config, const std::string& key, const std::string& source, std::optional<std::int64_t> fallback = std::nullopt) {
  auto found = config.find(key);
  if (found == config.end() || found->is_null()) {
    if (fallback) return *fallback;
    throw ModelError(source + ": missing '" + key + "'");
  }
  if (!found->is_number_integer() || found->get<std::int64_t>() <= 0 || found->get<std::int64_t>() > (std::int64_t{1} << 31))
    throw ModelError(source + ": '" + key + "' must be a positive integer");
  return found->get<std::int64_t>();
}

double number(const Json& config, const std::string& key, double fallback, const std::string& source) {
  auto found = config.find(key);
  if (found == config.end() || found->is_null()) return fallback;
  if (!found->is_number()) throw ModelError(source + ": '" + key + "' must be a number");
  return found->get<double>();
}

HfConfig read_config(const std::filesystem::path& folder) {
  const auto path = folder / "config.json";
  if (!std::filesystem::exists(path)) throw ModelError(path.string() + ": missing (not a Hugging Face model folder)");
  const std::string source = path.string();
  const Json config = read_json_file(path);
  if (!config.is_object()) throw ModelError(source + ": not a JSON object");
  HfConfig c;
  const std::string model_type = config.value("model_type", "");
  c.spec = find_hf_architecture(model_type);
  if (c.spec == nullptr)
    throw ModelError(source + ": model_type '" + model_type + "' is not supported (" + supported_hf_model_types() + ")");
  const ArchitectureSpec& spec = *c.spec;
  c.gguf_name = std::string(spec.name_for_hf_activation(config.value("hidden_act", "")));
  c.name = folder.filename().string();
  if (c.name.empty()) c.name = folder.parent_path().filename().string();
  c.layers = positive(config, hf_key(HyperKey::block_count), source);
  c.hidden = positive(config, hf_key(HyperKey::embedding_length), source);
  c.heads = positive(config, hf_key(HyperKey::head_count), source);
  c.kv_heads = spec.uses(HyperKey::head_count_kv) ? positive(config, hf_key(HyperKey::head_count_kv), source, c.heads) : c.heads;
  c.ffn = positive(config, hf_key(HyperKey::feed_forward_length), source);
  c.vocab = positive(config, "vocab_size", source);
  c.context = positive(config, hf_key(HyperKey::context_length), source, 2048);
  const std::string head_dim_key = hf_key(HyperKey::key_length);
  if (c.hidden % c.heads != 0 && !config.contains(head_dim_key))
    throw ModelError(source + ": hidden_size " + std::to_string(c.hidden) + " is not a multiple of num_attention_heads");
  c.head_dim = positive(config, head_dim_key, source, c.hidden / c.heads);
  if (c.heads % c.kv_heads != 0) throw ModelError(source + ": num_attention_heads is not a multiple of num_key_value_heads");
  if (spec.norm == NormKind::layer) c.norm_epsilon = number(config, hf_key(HyperKey::layer_norm_epsilon), 1e-12, source);
  else c.norm_epsilon = number(config, hf_key(HyperKey::rms_epsilon), 1e-6, source);
  if (spec.slot(TensorRole::token_type_embedding) != nullptr) c.type_vocab = positive(config, "type_vocab_size", source, 2);
  if (spec.slot(TensorRole::position_embedding) != nullptr &&
      config.value("position_embedding_type", "absolute") != "absolute")
    throw ModelError(source + ": only absolute position embeddings are supported for " + std::string(spec.hf_model_type));
  if (const TensorSlot* output = spec.slot(TensorRole::output); output != nullptr && output->presence == Presence::tied)
    c.tied = config.value("tie_word_embeddings", false);
  if (const auto quantization = config.find("quantization_config"); quantization != config.end() && quantization->is_object()) {
    const std::string method = quantization->value("quant_method", "");
    if (method != "bitnet" || !spec.has_ternary_weights())
      throw ModelError(source + ": quantization_config quant_method '" + method + "' is not supported" +
                       (spec.has_ternary_weights() ? " (bitnet)" : ""));
    const std::string linear_class = quantization->value("linear_class", "bitlinear");
    if (linear_class != "bitlinear" && linear_class != "autobitlinear")
      throw ModelError(source + ": quantization_config linear_class '" + linear_class + "' is not supported (bitlinear, autobitlinear)");
    c.scale_divides = linear_class == "bitlinear";
  }
  if (spec.rope_style != RopeStyle::none) {
    c.rope_theta = number(config, hf_key(HyperKey::rope_freq_base), 10000.0, source);
    if (config.contains("rope_scaling") && !config["rope_scaling"].is_null())
      throw ModelError(source + ": rope_scaling is not supported");
    if (c.head_dim % 2 != 0) throw ModelError(source + ": head_dim must be even for rotary embeddings");
  }
  return c;
}

// PyTorch shape [out, in] (or [n]) each tensor must have.
std::vector<std::int64_t> expected_shape(const HfConfig& c, TensorRole role) {
  ShapeSizes sizes;
  sizes.hidden = c.hidden;
  sizes.query_width = c.heads * c.head_dim;
  sizes.kv_width = c.kv_heads * c.head_dim;
  sizes.ffn = c.ffn;
  sizes.vocabulary = c.vocab;
  sizes.positions = c.context;
  sizes.token_types = c.type_vocab;
  return hf_shape(role, sizes);
}

std::string shape_text(const std::vector<std::int64_t>& shape) {
  std::string text = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + "]";
}

// Block-quantized rows as they are; Llama q/k rows move to the interleaved RoPE order whole.
void write_blocks(GgufWriter& writer, const conversion::NamedTensor& tensor, const std::string& gguf_name,
                  const std::vector<std::int64_t>& expected, int rope_heads) {
  const auto bytes_per_row = expected.size() == 2 ? row_bytes(static_cast<TensorType>(tensor.block_type), expected[1]) : std::nullopt;
  const std::size_t row_size = bytes_per_row ? static_cast<std::size_t>(*bytes_per_row) : 0;
  if (!bytes_per_row || tensor.blocks.size() != row_size * static_cast<std::size_t>(expected[0]))
    throw ModelError(tensor.origin + ": quantized blocks of '" + gguf_name + "' do not match shape " + shape_text(expected));
  std::vector<std::uint8_t> bytes = tensor.blocks;
  if (rope_heads > 0) {
    std::vector<float> order(static_cast<std::size_t>(expected[0]));
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<float>(i);
    order = conversion::rope_rows_to_interleaved(order, expected[0], 1, rope_heads);
    for (std::size_t row = 0; row < order.size(); ++row)
      std::copy_n(tensor.blocks.begin() + static_cast<std::ptrdiff_t>(static_cast<std::size_t>(order[row]) * row_size), row_size,
                  bytes.begin() + static_cast<std::ptrdiff_t>(row * row_size));
  }
  writer.add_tensor(gguf_name, tensor.block_type, std::vector<std::int64_t>(expected.rbegin(), expected.rend()), std::move(bytes));
}

// BitNet's packed ternary weight [out / 4, in] (U8) and its weight_scale -> TQ2_0 rows, exact:
// the values are scale * t and TQ2_0 keeps t and the (BF16/F16-representable) scale.
void write_packed_ternary(GgufWriter& writer, const conversion::NamedTensor& tensor, const TensorSlot& slot, int layer,
                          const std::vector<std::int64_t>& expected, const HfConfig& config,
                          const conversion::TensorLookup& lookup, const std::string& prefix, const std::string& hf_name) {
  const std::int64_t out = expected[0], in = expected.size() == 2 ? expected[1] : 0;
  if (!slot.ternary || expected.size() != 2 || out % 4 != 0 || tensor.shape != std::vector<std::int64_t>{out / 4, in} ||
      tensor.blocks.size() != static_cast<std::size_t>(out / 4 * in))
    throw ModelError(tensor.origin + ": tensor '" + hf_name + "' holds packed ternary weights of shape " + shape_text(tensor.shape) +
                     " but config.json implies " + shape_text({out / 4, in}) + " (rows " + shape_text(expected) + " packed 4 to a byte)");
  const auto bytes_per_row = row_bytes(TensorType::tq2_0, in);
  if (!bytes_per_row) throw ModelError(tensor.origin + ": tensor '" + hf_name + "' rows of " + std::to_string(in) + " do not fit TQ2_0 blocks");
  const std::string scale_name = prefix + tensor_name(config.spec->slot(*output_scale_role(slot.role))->hf, layer);
  const auto scale_tensor = lookup(scale_name);
  if (!scale_tensor || scale_tensor->values.size() != 1)
    throw ModelError(tensor.origin + ": packed ternary tensor '" + hf_name + "' needs its one-value '" + scale_name + "'");
  const float stored = scale_tensor->values[0];
  if (!std::isfinite(stored) || stored <= 0) throw ModelError(scale_tensor->origin + ": '" + scale_name + "' must be a positive number");
  const float scale = config.scale_divides ? 1.0f / stored : stored;
  std::vector<float> row(static_cast<std::size_t>(in));
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(*bytes_per_row * out));
  const std::int64_t quarter = out / 4;
  for (std::int64_t r = 0; r < out; ++r) {
    const std::uint8_t* packed = tensor.blocks.data() + (r % quarter) * in;
    const int shift = static_cast<int>(2 * (r / quarter));
    for (std::int64_t c = 0; c < in; ++c) {
      const int code = (packed[c] >> shift) & 3;
      if (code == 3) throw ModelError(tensor.origin + ": tensor '" + hf_name + "' has an invalid ternary code (3)");
      row[static_cast<std::size_t>(c)] = scale * static_cast<float>(code - 1);
    }
    quantize_row_tq2_0(row.data(), reinterpret_cast<BlockTQ2_0*>(bytes.data() + r * *bytes_per_row), in);
  }
  writer.add_tensor(tensor_name(slot.gguf, layer), static_cast<std::uint32_t>(TensorType::tq2_0), {in, out}, std::move(bytes));
}

void set_hyperparameters(GgufWriter& writer, const HfConfig& c, const std::filesystem::path& folder) {
  const ArchitectureSpec& spec = *c.spec;
  const std::string& prefix = c.gguf_name;
  writer.set_string("general.architecture", prefix);
  writer.set_string("general.name", c.name);
  auto set = [&](HyperKey key, auto value) {
    if (!spec.uses(key)) return;
    const std::string name = metadata_key(prefix, key);
    if constexpr (std::is_same_v<decltype(value), bool>) writer.set_bool(name, value);
    else if constexpr (std::is_floating_point_v<decltype(value)>) writer.set_float32(name, static_cast<float>(value));
    else writer.set_uint32(name, static_cast<std::uint32_t>(value));
  };
  set(HyperKey::block_count, c.layers);
  set(HyperKey::embedding_length, c.hidden);
  set(HyperKey::feed_forward_length, c.ffn);
  set(HyperKey::head_count, c.heads);
  set(HyperKey::context_length, c.context);
  if (c.head_dim != c.hidden / c.heads) {
    set(HyperKey::key_length, c.head_dim);
    set(HyperKey::value_length, c.head_dim);
  }
  set(HyperKey::layer_norm_epsilon, c.norm_epsilon);
  set(HyperKey::causal, spec.kind == ModelKind::decoder);
  if (spec.slot(TensorRole::token_type_embedding) != nullptr)
    writer.set_uint32("tokenizer.ggml.token_type_count", static_cast<std::uint32_t>(c.type_vocab));
  if (spec.uses(HyperKey::pooling_type)) {
    // sentence-transformers keeps the pooling choice in 1_Pooling/config.json.
    std::uint32_t pooling = 1;
    if (std::filesystem::exists(folder / "1_Pooling" / "config.json")) {
      const Json pooling_config = read_json_file(folder / "1_Pooling" / "config.json");
      if (pooling_config.value("pooling_mode_cls_token", false)) pooling = 2;
    }
    set(HyperKey::pooling_type, pooling);
  }
  set(HyperKey::head_count_kv, c.kv_heads);
  set(HyperKey::rms_epsilon, c.norm_epsilon);
  if (spec.rope_style != RopeStyle::none) set(HyperKey::rope_freq_base, c.rope_theta);
}

}  // namespace

conversion::HfModelShape conversion::read_hf_shape(const std::filesystem::path& folder) {
  const HfConfig config = read_config(folder);
  return {config.spec, static_cast<int>(config.layers), static_cast<int>(config.heads),
          static_cast<int>(config.kv_heads), config.norm_epsilon};
}

void write_gguf_from_hf_tensors(const std::filesystem::path& folder, const conversion::TensorLookup& lookup,
                                const std::filesystem::path& output_gguf) {
  const HfConfig config = read_config(folder);
  GgufWriter writer;
  set_hyperparameters(writer, config, folder);
  const ArchitectureSpec& spec = *config.spec;
  conversion::import_hf_tokenizer(writer, folder, spec.tokenizer_pre, config.vocab);

  // Checkpoints saved from a task model (BertForMaskedLM, ...) prefix the model's names.
  std::string prefix;
  const std::string first_name(spec.tensors.front().hf);
  if (!spec.hf_task_prefix.empty() && !lookup(first_name) && lookup(std::string(spec.hf_task_prefix) + first_name))
    prefix = spec.hf_task_prefix;

  bool any_half = false;
  std::uint32_t quantized_type = 0;
  std::set<std::string> folded_scales;
  for (const TensorSlot& slot : spec.tensors) {
    const int layer_count = slot.per_layer() ? static_cast<int>(config.layers) : 1;
    for (int layer = 0; layer < layer_count; ++layer) {
      const std::string hf_name = prefix + tensor_name(slot.hf, layer);
      const std::string gguf_name = tensor_name(slot.gguf, layer);
      if (slot.presence == Presence::tied && config.tied) continue;
      std::optional<conversion::NamedTensor> tensor = lookup(hf_name);
      if (!tensor) {
        if (slot.presence == Presence::required || slot.presence == Presence::tied)
          throw ModelError(folder.string() + ": tensor '" + hf_name + "' is missing from the weights");
        continue;
      }
      const auto expected = expected_shape(config, slot.role);
      if (tensor->packed_ternary && !slot.ternary)
        throw ModelError(tensor->origin + ": tensor '" + hf_name + "' has dtype " + tensor->dtype +
                         "; only F32, F16 and BF16 weights are supported (U8 only for BitNet's packed ternary linears)");
      if (tensor->packed_ternary) {
        write_packed_ternary(writer, *tensor, slot, layer, expected, config, lookup, prefix, hf_name);
        quantized_type = static_cast<std::uint32_t>(TensorType::tq2_0);
        folded_scales.insert(prefix + tensor_name(spec.slot(*output_scale_role(slot.role))->hf, layer));
        continue;
      }
      if (folded_scales.count(hf_name) != 0) continue;  // multiplied into its packed weight
      if (tensor->shape != expected)
        throw ModelError(tensor->origin + ": tensor '" + hf_name + "' has shape " + shape_text(tensor->shape) +
                         " but config.json implies " + shape_text(expected));
      const int rope_heads = conversion::permuted_heads(slot.rows, static_cast<int>(config.heads), static_cast<int>(config.kv_heads));
      if (!tensor->blocks.empty()) {
        write_blocks(writer, *tensor, gguf_name, expected, rope_heads);
        quantized_type = tensor->block_type;
        continue;
      }
      std::vector<float> values = std::move(tensor->values);
      if (rope_heads > 0) {
        const std::int64_t columns = expected.size() == 2 ? expected[1] : 1;
        values = conversion::rope_rows_to_interleaved(values, expected[0], columns, rope_heads);
      }
      std::vector<std::int64_t> shape(expected.rbegin(), expected.rend());
      // Matrices keep half precision when the checkpoint has it; vectors are always F32.
      const bool half = expected.size() == 2 && tensor->dtype != "F32";
      any_half = any_half || half;
      const std::string dtype = half ? (tensor->dtype == "BF16" ? "BF16" : "F16") : "F32";
      const auto type = dtype == "F32" ? TensorType::f32 : dtype == "F16" ? TensorType::f16 : TensorType::bf16;
      writer.add_tensor(gguf_name, static_cast<std::uint32_t>(type), shape, conversion::encode_floats(values, dtype));
    }
  }
  // general.file_type: 2 "mostly Q4_0", 7 "mostly Q8_0", 37 "mostly TQ2_0".
  if (quantized_type != 0)
    writer.set_uint32("general.file_type", quantized_type == static_cast<std::uint32_t>(TensorType::q4_0)    ? 2
                                           : quantized_type == static_cast<std::uint32_t>(TensorType::tq2_0) ? 37
                                                                                                              : 7);
  else writer.set_uint32("general.file_type", any_half ? 1 : 0);
  writer.write(output_gguf);
}

void import_hf_model(const std::filesystem::path& folder, const std::filesystem::path& output_gguf) {
  if (!std::filesystem::is_directory(folder)) throw ModelError(folder.string() + ": not a directory");
  read_config(folder);  // a folder without a usable config.json fails before the weights are opened
  const auto weights = conversion::SafetensorsSet::open_folder(folder);
  write_gguf_from_hf_tensors(
      folder,
      [&](const std::string& name) -> std::optional<conversion::NamedTensor> {
        const conversion::SafetensorsTensor* tensor = weights.find(name);
        if (tensor == nullptr) return std::nullopt;
        if (tensor->dtype == "U8") {  // BitNet's packed ternary weights; whether they may be is checked by role
          conversion::NamedTensor packed;
          packed.shape = tensor->shape;
          packed.dtype = tensor->dtype;
          packed.origin = tensor->file.string();
          packed.blocks.assign(tensor->data, tensor->data + tensor->bytes);
          packed.packed_ternary = true;
          return packed;
        }
        return conversion::NamedTensor{tensor->shape, tensor->dtype, tensor->to_floats(), tensor->file.string()};
      },
      output_gguf);
}

}  // namespace docent::engine
