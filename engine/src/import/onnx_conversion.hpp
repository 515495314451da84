#pragma once
// ONNX import/export internals shared with the Hugging Face conversion.

#include <filesystem>
#include <string>

#include "architectures/architecture.hpp"
#include "gguf/gguf_reader.hpp"

namespace docent::engine::conversion {

// The few config.json facts the ONNX graph layout depends on (read by hf_import.cpp's parser).
struct HfModelShape {
  const ArchitectureSpec* spec = nullptr;
  int layers = 0, heads = 0, kv_heads = 0;
  double norm_epsilon = 0;
};
HfModelShape read_hf_shape(const std::filesystem::path& folder);

// config.json, 1_Pooling/config.json (BERT) and the tokenizer files of a GGUF model, without the
// weights (export_hf_model writes those as safetensors, the ONNX export as initializers).
// Without `require_tokenizer`, a model that has no tokenizer gets none (instead of an error).
// The entry of a GGUF file's architecture when it has a Hugging Face form; throws ModelError.
const ArchitectureSpec& exportable_architecture(const GgufFile& file);

// Whether the ONNX graph builder can express the family's block (it has no BitLinear
// activation quantization, sub-norms or squared-ReLU gate).
bool onnx_exportable(const ArchitectureSpec& spec);

void export_hf_metadata(const GgufFile& file, const std::filesystem::path& output_folder, bool require_tokenizer = true);

}  // namespace docent::engine::conversion
