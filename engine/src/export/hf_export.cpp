// GGUF -> Hugging Face folder: model.safetensors, config.json, tokenizer files.
#include <fstream>
#include <nlohmann/json.hpp>

#include "docent/engine.hpp"
#include "gguf/gguf_reader.hpp"
#include "import/hf_layout.hpp"
#include "import/hf_tokenizer_import.hpp"
#include "import/onnx_conversion.hpp"
#include "import/safetensors.hpp"
#include "model_weights.hpp"
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

const ArchitectureSpec& conversion::exportable_architecture(const GgufFile& file) {
  const std::string architecture = file.get_string("general.architecture").value_or("");
  const ArchitectureSpec* spec = find_architecture(architecture);
  if (spec == nullptr || spec->hf_model_type.empty())
    throw ModelError(file.path().string() + ": architecture '" + architecture + "' cannot be exported (supported: " +
                     supported_hf_model_types() + ")");
  return *spec;
}

void export_hf_model(const std::filesystem::path& gguf, const std::filesystem::path& output_folder) {
  const auto file = GgufFile::open(gguf);
  const std::string source = gguf.string();
  conversion::export_hf_metadata(*file, output_folder);
  const ArchitectureSpec& spec = conversion::exportable_architecture(*file);
  const std::string p = metadata_prefix(*file, spec);
  const std::int64_t layers = required_int(*file, metadata_key(p, HyperKey::block_count));
  const std::int64_t heads = required_int(*file, metadata_key(p, HyperKey::head_count));
  const std::int64_t kv_heads =
      spec.uses(HyperKey::head_count_kv) ? file->get_int(metadata_key(p, HyperKey::head_count_kv)).value_or(heads) : heads;

  std::vector<conversion::SafetensorsOutput> outputs;
  for (const TensorSlot& slot : spec.tensors) {
    const int layer_count = slot.per_layer() ? static_cast<int>(layers) : 1;
    for (int layer = 0; layer < layer_count; ++layer) {
      const std::string gguf_name = tensor_name(slot.gguf, layer);
      const GgufTensorInfo* tensor = file->find_tensor(gguf_name);
      if (tensor == nullptr) {
        if (slot.presence == Presence::required) throw ModelError(source + ": tensor '" + gguf_name + "' is missing");
        continue;
      }
      std::vector<float> values = conversion::gguf_tensor_floats(*tensor, source);
      std::vector<std::int64_t> shape(tensor->shape.rbegin(), tensor->shape.rend());
      if (const int head_count = conversion::permuted_heads(slot.rows, static_cast<int>(heads), static_cast<int>(kv_heads)); head_count > 0)
        values = conversion::rope_rows_to_halves(values, shape[0], shape.size() == 2 ? shape[1] : 1, head_count);
      // Half-precision tensors stay half; everything else (F32, dequantized blocks) is F32.
      const std::string dtype = tensor->type == static_cast<std::uint32_t>(TensorType::f16)    ? "F16"
                                : tensor->type == static_cast<std::uint32_t>(TensorType::bf16) ? "BF16"
                                                                                                : "F32";
      outputs.push_back({tensor_name(slot.hf, layer), dtype, shape, conversion::encode_floats(values, dtype)});
    }
  }
  conversion::write_safetensors(output_folder / "model.safetensors", outputs, {{"format", "pt"}});
}

void conversion::export_hf_metadata(const GgufFile& gguf_file, const std::filesystem::path& output_folder, bool require_tokenizer) {
  const GgufFile* file = &gguf_file;
  const std::string source = file->path().string();
  const ArchitectureSpec& spec = exportable_architecture(*file);
  const std::string p = metadata_prefix(*file, spec);
  auto key = [&](HyperKey k) { return metadata_key(p, k); };
  const std::int64_t layers = required_int(*file, key(HyperKey::block_count));
  const std::int64_t hidden = required_int(*file, key(HyperKey::embedding_length));
  const std::int64_t heads = required_int(*file, key(HyperKey::head_count));
  const std::int64_t kv_heads = file->get_int(key(HyperKey::head_count_kv)).value_or(heads);
  const std::int64_t head_dim = file->get_int(key(HyperKey::key_length)).value_or(hidden / heads);
  const std::string embedding_name(spec.slot(TensorRole::token_embedding)->gguf);
  const GgufTensorInfo* embedding = file->find_tensor(embedding_name);
  if (embedding == nullptr || embedding->shape.size() != 2) throw ModelError(source + ": no 2-D " + embedding_name);
  std::filesystem::create_directories(output_folder);
  const std::int64_t vocab = embedding->shape[1];
  const std::int64_t ffn = required_int(*file, key(HyperKey::feed_forward_length));
  const std::int64_t context = file->get_int(key(HyperKey::context_length)).value_or(2048);
  auto hf = [](HyperKey k) { return std::string(hyper_key_name(k).hf); };
  Json config = {{"architectures", {std::string(spec.hf_class)}}, {"model_type", std::string(spec.hf_model_type)}, {hf(HyperKey::embedding_length), hidden},
                 {hf(HyperKey::feed_forward_length), ffn}, {hf(HyperKey::head_count), heads}};
  if (spec.uses(HyperKey::head_count_kv)) config[hf(HyperKey::head_count_kv)] = kv_heads;
  config[hf(HyperKey::block_count)] = layers;
  if (spec.kind == ModelKind::decoder) config[hf(HyperKey::key_length)] = head_dim;
  config[hf(HyperKey::context_length)] = context;
  config["vocab_size"] = vocab;
  if (const TensorSlot* types = spec.slot(TensorRole::token_type_embedding)) {
    const GgufTensorInfo* table = file->find_tensor(std::string(types->gguf));
    config["type_vocab_size"] = table != nullptr && table->shape.size() == 2 ? table->shape[1] : 2;
  }
  if (spec.norm == NormKind::layer)
    config[hf(HyperKey::layer_norm_epsilon)] = file->get_float(key(HyperKey::layer_norm_epsilon)).value_or(1e-12);
  else
    config[hf(HyperKey::rms_epsilon)] = file->get_float(key(HyperKey::rms_epsilon)).value_or(1e-5);
  if (spec.rope_style != RopeStyle::none) {
    config[hf(HyperKey::rope_freq_base)] = file->get_float(key(HyperKey::rope_freq_base)).value_or(10000.0);
    if (auto rope_dimensions = file->get_int(key(HyperKey::rope_dimension_count)); rope_dimensions && *rope_dimensions != head_dim)
      throw ModelError(source + ": partial rotary embeddings cannot be exported");
  }
  if (const TensorSlot* output = spec.slot(TensorRole::output); output != nullptr && output->presence == Presence::tied)
    config["tie_word_embeddings"] = file->find_tensor(std::string(output->gguf)) == nullptr;
  config["hidden_act"] = std::string(hf_activation(spec.activation(p)));
  if (spec.slot(TensorRole::position_embedding) != nullptr) config["position_embedding_type"] = "absolute";
  if (spec.uses(HyperKey::pooling_type)) {
    const auto pooling = file->get_int(key(HyperKey::pooling_type)).value_or(1);
    std::filesystem::create_directories(output_folder / "1_Pooling");
    write_json(output_folder / "1_Pooling" / "config.json",
               {{"word_embedding_dimension", hidden}, {"pooling_mode_cls_token", pooling == 2},
                {"pooling_mode_mean_tokens", pooling != 2}, {"pooling_mode_max_tokens", false}});
  }
  config["torch_dtype"] = embedding->type == static_cast<std::uint32_t>(TensorType::f16) ? "float16" : "float32";
  write_json(output_folder / "config.json", config);
  // Benchmark models with random weights carry no tokenizer; their ONNX graphs are still useful.
  if (require_tokenizer || file->get_string_array("tokenizer.ggml.tokens") != nullptr) conversion::export_hf_tokenizer(*file, output_folder);
}

}  // namespace docent::engine
