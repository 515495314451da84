// GGUF -> Hugging Face folder: model.safetensors, config.json, tokenizer files.
#include <fstream>
#include <nlohmann/json.hpp>

#include "docent/engine.hpp"
#include "gguf/gguf_reader.hpp"
#include "import/hf_layout.hpp"
#include "import/hf_tokenizer_import.hpp"
#include "import/onnx_conversion.hpp"
#include "import/safetensors.hpp"
#include "quant/type_traits.hpp"

namespace docent::engine {
namespace {

using Json = nlohmann::ordered_json;

void write_json(const std::filesystem::path& path, const Json& value) {
  std::ofstream out(path, std::ios::trunc);
  if (!out) throw ModelError(path.string() + ": cannot create file");
  out << value.dump(2) << "\n";
  if (!out) throw ModelError(path.string() + ": write failed");
}

std::int64_t required_int(const GgufFile& file, const std::string& key) {
  auto value = file.get_int(key);
  if (!value || *value <= 0) throw ModelError(file.path().string() + ": missing or bad '" + key + "'");
  return *value;
}

}  // namespace

void export_hf_model(const std::filesystem::path& gguf, const std::filesystem::path& output_folder) {
  const auto file = GgufFile::open(gguf);
  const std::string source = gguf.string();
  conversion::export_hf_metadata(*file, output_folder);
  const std::string architecture = file->get_string("general.architecture").value_or("");
  const auto& names = conversion::hf_tensor_names(architecture);  // throws for unsupported
  const std::string p = architecture + ".";
  const std::int64_t layers = required_int(*file, p + "block_count");
  const std::int64_t heads = required_int(*file, p + "attention.head_count");
  const std::int64_t kv_heads = file->get_int(p + "attention.head_count_kv").value_or(heads);

  std::vector<conversion::SafetensorsOutput> outputs;
  for (const auto& entry : names) {
    const int layer_count = entry.per_layer ? static_cast<int>(layers) : 1;
    for (int layer = 0; layer < layer_count; ++layer) {
      const std::string gguf_name = conversion::substitute_layer(entry.gguf, layer);
      const GgufTensorInfo* tensor = file->find_tensor(gguf_name);
      if (tensor == nullptr) {
        if (entry.required) throw ModelError(source + ": tensor '" + gguf_name + "' is missing");
        continue;
      }
      std::vector<float> values = conversion::gguf_tensor_floats(*tensor, source);
      std::vector<std::int64_t> shape(tensor->shape.rbegin(), tensor->shape.rend());
      if (entry.rope_rows && architecture == "llama") {
        const int head_count = static_cast<int>(gguf_name.find("attn_q") != std::string::npos ? heads : kv_heads);
        values = conversion::rope_rows_to_halves(values, shape[0], shape.size() == 2 ? shape[1] : 1, head_count);
      }
      // Half-precision tensors stay half; everything else (F32, dequantized blocks) is F32.
      const std::string dtype = tensor->type == static_cast<std::uint32_t>(TensorType::f16)    ? "F16"
                                : tensor->type == static_cast<std::uint32_t>(TensorType::bf16) ? "BF16"
                                                                                                : "F32";
      outputs.push_back({conversion::substitute_layer(entry.hf, layer), dtype, shape, conversion::encode_floats(values, dtype)});
    }
  }
  conversion::write_safetensors(output_folder / "model.safetensors", outputs, {{"format", "pt"}});
}

void conversion::export_hf_metadata(const GgufFile& gguf_file, const std::filesystem::path& output_folder, bool require_tokenizer) {
  const GgufFile* file = &gguf_file;
  const std::string source = file->path().string();
  const std::string architecture = file->get_string("general.architecture").value_or("");
  conversion::hf_tensor_names(architecture);  // throws for unsupported
  const std::string p = architecture + ".";
  const std::int64_t layers = required_int(*file, p + "block_count");
  const std::int64_t hidden = required_int(*file, p + "embedding_length");
  const std::int64_t heads = required_int(*file, p + "attention.head_count");
  const std::int64_t kv_heads = file->get_int(p + "attention.head_count_kv").value_or(heads);
  const std::int64_t head_dim = file->get_int(p + "attention.key_length").value_or(hidden / heads);
  const GgufTensorInfo* embedding = file->find_tensor("token_embd.weight");
  if (embedding == nullptr || embedding->shape.size() != 2) throw ModelError(source + ": no 2-D token_embd.weight");
  std::filesystem::create_directories(output_folder);
  Json config;
  const std::int64_t vocab = embedding->shape[1];
  const std::int64_t ffn = required_int(*file, p + "feed_forward_length");
  const std::int64_t context = file->get_int(p + "context_length").value_or(2048);
  if (architecture == "bert") {
    config = {{"architectures", {"BertModel"}}, {"model_type", "bert"}, {"hidden_size", hidden},
              {"intermediate_size", ffn}, {"num_attention_heads", heads}, {"num_hidden_layers", layers},
              {"max_position_embeddings", context}, {"vocab_size", vocab},
              {"type_vocab_size", file->find_tensor("token_types.weight") ? file->find_tensor("token_types.weight")->shape[1] : 2},
              {"layer_norm_eps", file->get_float(p + "attention.layer_norm_epsilon").value_or(1e-12)},
              {"hidden_act", "gelu"}, {"position_embedding_type", "absolute"}};
    const auto pooling = file->get_int(p + "pooling_type").value_or(1);
    std::filesystem::create_directories(output_folder / "1_Pooling");
    write_json(output_folder / "1_Pooling" / "config.json",
               {{"word_embedding_dimension", hidden}, {"pooling_mode_cls_token", pooling == 2},
                {"pooling_mode_mean_tokens", pooling != 2}, {"pooling_mode_max_tokens", false}});
  } else {
    config = {{"architectures", {architecture == "qwen2" ? "Qwen2ForCausalLM" : "LlamaForCausalLM"}},
              {"model_type", architecture}, {"hidden_size", hidden}, {"intermediate_size", ffn},
              {"num_attention_heads", heads}, {"num_key_value_heads", kv_heads}, {"num_hidden_layers", layers},
              {"head_dim", head_dim}, {"max_position_embeddings", context}, {"vocab_size", vocab},
              {"rms_norm_eps", file->get_float(p + "attention.layer_norm_rms_epsilon").value_or(1e-5)},
              {"rope_theta", file->get_float(p + "rope.freq_base").value_or(10000.0)},
              {"tie_word_embeddings", file->find_tensor("output.weight") == nullptr},
              {"hidden_act", "silu"}};
    if (auto rope_dimensions = file->get_int(p + "rope.dimension_count"); rope_dimensions && *rope_dimensions != head_dim)
      throw ModelError(source + ": partial rotary embeddings cannot be exported");
  }
  config["torch_dtype"] = embedding->type == static_cast<std::uint32_t>(TensorType::f16) ? "float16" : "float32";
  write_json(output_folder / "config.json", config);
  // Benchmark models with random weights carry no tokenizer; their ONNX graphs are still useful.
  if (require_tokenizer || file->get_string_array("tokenizer.ggml.tokens") != nullptr) conversion::export_hf_tokenizer(*file, output_folder);
}

}  // namespace docent::engine
