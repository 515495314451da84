// Hugging Face model folder (config.json, safetensors, tokenizer.json) -> one GGUF file.
#include <fstream>
#include <nlohmann/json.hpp>

#include "docent/engine.hpp"
#include "gguf/gguf_writer.hpp"
#include "import/hf_layout.hpp"
#include "import/hf_tokenizer_import.hpp"
#include "import/onnx_conversion.hpp"
#include "import/safetensors.hpp"
#include "quant/half.hpp"
#include "quant/type_traits.hpp"

namespace docent::engine {
namespace {

using Json = nlohmann::json;
using conversion::HfTensorName;

struct HfConfig {
  std::string architecture;  // GGUF name
  std::int64_t layers = 0, hidden = 0, heads = 0, kv_heads = 0, head_dim = 0, ffn = 0, vocab = 0;
  std::int64_t context = 0, type_vocab = 0;
  double norm_epsilon = 0, rope_theta = 10000.0;
  bool tied = false;
  std::string name;
};

Json read_json_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw ModelError(path.string() + ": cannot open");
  try {
    return Json::parse(in);
  } catch (const Json::exception& error) {
    throw ModelError(path.string() + ": not valid JSON (" + error.what() + ")");
  }
}

std::int64_t positive(const Json& config, const char* key, const std::string& source, std::optional<std::int64_t> fallback = std::nullopt) {
  auto found = config.find(key);
  if (found == config.end() || found->is_null()) {
    if (fallback) return *fallback;
    throw ModelError(source + ": missing '" + key + "'");
  }
  if (!found->is_number_integer() || found->get<std::int64_t>() <= 0 || found->get<std::int64_t>() > (std::int64_t{1} << 31))
    throw ModelError(source + ": '" + key + "' must be a positive integer");
  return found->get<std::int64_t>();
}

double number(const Json& config, const char* key, double fallback, const std::string& source) {
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
  if (model_type == "llama" || model_type == "qwen2" || model_type == "bert") c.architecture = model_type;
  else throw ModelError(source + ": model_type '" + model_type + "' is not supported (llama, qwen2, bert)");
  c.name = folder.filename().string();
  if (c.name.empty()) c.name = folder.parent_path().filename().string();
  c.layers = positive(config, "num_hidden_layers", source);
  c.hidden = positive(config, "hidden_size", source);
  c.heads = positive(config, "num_attention_heads", source);
  c.kv_heads = positive(config, "num_key_value_heads", source, c.heads);
  c.ffn = positive(config, "intermediate_size", source);
  c.vocab = positive(config, "vocab_size", source);
  c.context = positive(config, "max_position_embeddings", source, 2048);
  if (c.hidden % c.heads != 0 && !config.contains("head_dim"))
    throw ModelError(source + ": hidden_size " + std::to_string(c.hidden) + " is not a multiple of num_attention_heads");
  c.head_dim = positive(config, "head_dim", source, c.hidden / c.heads);
  if (c.heads % c.kv_heads != 0) throw ModelError(source + ": num_attention_heads is not a multiple of num_key_value_heads");
  if (c.architecture == "bert") {
    c.norm_epsilon = number(config, "layer_norm_eps", 1e-12, source);
    c.type_vocab = positive(config, "type_vocab_size", source, 2);
    if (config.value("position_embedding_type", "absolute") != "absolute")
      throw ModelError(source + ": only absolute position embeddings are supported for bert");
  } else {
    c.norm_epsilon = number(config, "rms_norm_eps", 1e-6, source);
    c.rope_theta = number(config, "rope_theta", 10000.0, source);
    c.tied = config.value("tie_word_embeddings", false);
    if (config.contains("rope_scaling") && !config["rope_scaling"].is_null())
      throw ModelError(source + ": rope_scaling is not supported");
    if (c.head_dim % 2 != 0) throw ModelError(source + ": head_dim must be even for rotary embeddings");
  }
  return c;
}

// PyTorch shape [out, in] (or [n]) each tensor must have.
std::vector<std::int64_t> expected_shape(const HfConfig& c, std::string_view gguf_name) {
  auto ends_with = [&](std::string_view suffix) {
    return gguf_name.size() >= suffix.size() && gguf_name.substr(gguf_name.size() - suffix.size()) == suffix;
  };
  const std::int64_t q_rows = c.heads * c.head_dim, kv_rows = c.kv_heads * c.head_dim;
  if (gguf_name == "token_embd.weight" || gguf_name == "output.weight") return {c.vocab, c.hidden};
  if (gguf_name == "position_embd.weight") return {c.context, c.hidden};
  if (gguf_name == "token_types.weight") return {c.type_vocab, c.hidden};
  if (ends_with("attn_q.weight")) return {q_rows, c.hidden};
  if (ends_with("attn_k.weight") || ends_with("attn_v.weight")) return {c.architecture == "bert" ? q_rows : kv_rows, c.hidden};
  if (ends_with("attn_q.bias")) return {q_rows};
  if (ends_with("attn_k.bias") || ends_with("attn_v.bias")) return {c.architecture == "bert" ? q_rows : kv_rows};
  if (ends_with("attn_output.weight")) return {c.hidden, q_rows};
  if (ends_with("ffn_gate.weight") || ends_with("ffn_up.weight")) return {c.ffn, c.hidden};
  if (ends_with("ffn_up.bias")) return {c.ffn};
  if (ends_with("ffn_down.weight")) return {c.hidden, c.ffn};
  return {c.hidden};  // norms and the remaining biases
}

std::string shape_text(const std::vector<std::int64_t>& shape) {
  std::string text = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + "]";
}

// Block-quantized rows as they are; Llama q/k rows move to the interleaved RoPE order whole.
void write_blocks(GgufWriter& writer, const conversion::NamedTensor& tensor, const std::string& gguf_name,
                  const std::vector<std::int64_t>& expected, bool rope_rows, int heads) {
  const auto bytes_per_row = expected.size() == 2 ? row_bytes(static_cast<TensorType>(tensor.block_type), expected[1]) : std::nullopt;
  const std::size_t row_size = bytes_per_row ? static_cast<std::size_t>(*bytes_per_row) : 0;
  if (!bytes_per_row || tensor.blocks.size() != row_size * static_cast<std::size_t>(expected[0]))
    throw ModelError(tensor.origin + ": quantized blocks of '" + gguf_name + "' do not match shape " + shape_text(expected));
  std::vector<std::uint8_t> bytes = tensor.blocks;
  if (rope_rows) {
    std::vector<float> order(static_cast<std::size_t>(expected[0]));
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<float>(i);
    order = conversion::rope_rows_to_interleaved(order, expected[0], 1, heads);
    for (std::size_t row = 0; row < order.size(); ++row)
      std::copy_n(tensor.blocks.begin() + static_cast<std::ptrdiff_t>(static_cast<std::size_t>(order[row]) * row_size), row_size,
                  bytes.begin() + static_cast<std::ptrdiff_t>(row * row_size));
  }
  writer.add_tensor(gguf_name, tensor.block_type, std::vector<std::int64_t>(expected.rbegin(), expected.rend()), std::move(bytes));
}

void set_hyperparameters(GgufWriter& writer, const HfConfig& c, const std::filesystem::path& folder) {
  const std::string p = c.architecture + ".";
  writer.set_string("general.architecture", c.architecture);
  writer.set_string("general.name", c.name);
  writer.set_uint32(p + "block_count", static_cast<std::uint32_t>(c.layers));
  writer.set_uint32(p + "embedding_length", static_cast<std::uint32_t>(c.hidden));
  writer.set_uint32(p + "feed_forward_length", static_cast<std::uint32_t>(c.ffn));
  writer.set_uint32(p + "attention.head_count", static_cast<std::uint32_t>(c.heads));
  writer.set_uint32(p + "context_length", static_cast<std::uint32_t>(c.context));
  if (c.head_dim != c.hidden / c.heads) {
    writer.set_uint32(p + "attention.key_length", static_cast<std::uint32_t>(c.head_dim));
    writer.set_uint32(p + "attention.value_length", static_cast<std::uint32_t>(c.head_dim));
  }
  if (c.architecture == "bert") {
    writer.set_float32(p + "attention.layer_norm_epsilon", static_cast<float>(c.norm_epsilon));
    writer.set_bool(p + "attention.causal", false);
    writer.set_uint32("tokenizer.ggml.token_type_count", static_cast<std::uint32_t>(c.type_vocab));
    // sentence-transformers keeps the pooling choice in 1_Pooling/config.json.
    std::uint32_t pooling = 1;
    if (std::filesystem::exists(folder / "1_Pooling" / "config.json")) {
      const Json pooling_config = read_json_file(folder / "1_Pooling" / "config.json");
      if (pooling_config.value("pooling_mode_cls_token", false)) pooling = 2;
    }
    writer.set_uint32(p + "pooling_type", pooling);
  } else {
    writer.set_uint32(p + "attention.head_count_kv", static_cast<std::uint32_t>(c.kv_heads));
    writer.set_float32(p + "attention.layer_norm_rms_epsilon", static_cast<float>(c.norm_epsilon));
    writer.set_float32(p + "rope.freq_base", static_cast<float>(c.rope_theta));
  }
}

}  // namespace

conversion::HfModelShape conversion::read_hf_shape(const std::filesystem::path& folder) {
  const HfConfig config = read_config(folder);
  return {config.architecture, static_cast<int>(config.layers), static_cast<int>(config.heads),
          static_cast<int>(config.kv_heads), config.norm_epsilon};
}

void write_gguf_from_hf_tensors(const std::filesystem::path& folder, const conversion::TensorLookup& lookup,
                                const std::filesystem::path& output_gguf) {
  const HfConfig config = read_config(folder);
  GgufWriter writer;
  set_hyperparameters(writer, config, folder);
  conversion::import_hf_tokenizer(writer, folder, config.architecture, config.vocab);

  // Checkpoints saved from a task model (BertForMaskedLM, ...) prefix the encoder's names.
  std::string prefix;
  if (config.architecture == "bert" && !lookup("embeddings.word_embeddings.weight") &&
      lookup("bert.embeddings.word_embeddings.weight"))
    prefix = "bert.";

  bool any_half = false;
  std::uint32_t quantized_type = 0;
  for (const HfTensorName& entry : conversion::hf_tensor_names(config.architecture)) {
    const int layer_count = entry.per_layer ? static_cast<int>(config.layers) : 1;
    for (int layer = 0; layer < layer_count; ++layer) {
      const std::string hf_name = prefix + conversion::substitute_layer(entry.hf, layer);
      const std::string gguf_name = conversion::substitute_layer(entry.gguf, layer);
      if (gguf_name == "output.weight" && config.tied) continue;
      std::optional<conversion::NamedTensor> tensor = lookup(hf_name);
      if (!tensor) {
        if (entry.required || gguf_name == "output.weight")
          throw ModelError(folder.string() + ": tensor '" + hf_name + "' is missing from the weights");
        continue;
      }
      const auto expected = expected_shape(config, gguf_name);
      if (tensor->shape != expected)
        throw ModelError(tensor->origin + ": tensor '" + hf_name + "' has shape " + shape_text(tensor->shape) +
                         " but config.json implies " + shape_text(expected));
      if (!tensor->blocks.empty()) {
        write_blocks(writer, *tensor, gguf_name, expected, entry.rope_rows && config.architecture == "llama",
                     static_cast<int>(gguf_name.find("attn_q") != std::string::npos ? config.heads : config.kv_heads));
        quantized_type = tensor->block_type;
        continue;
      }
      std::vector<float> values = std::move(tensor->values);
      if (entry.rope_rows && config.architecture == "llama") {
        const int heads = static_cast<int>(gguf_name.find("attn_q") != std::string::npos ? config.heads : config.kv_heads);
        const std::int64_t columns = expected.size() == 2 ? expected[1] : 1;
        values = conversion::rope_rows_to_interleaved(values, expected[0], columns, heads);
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
  // general.file_type: 2 "mostly Q4_0", 7 "mostly Q8_0".
  if (quantized_type != 0) writer.set_uint32("general.file_type", quantized_type == static_cast<std::uint32_t>(TensorType::q4_0) ? 2 : 7);
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
        return conversion::NamedTensor{tensor->shape, tensor->dtype, tensor->to_floats(), tensor->file.string()};
      },
      output_gguf);
}

}  // namespace docent::engine
