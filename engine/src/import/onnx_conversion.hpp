#pragma once
// ONNX import/export internals shared with the Hugging Face conversion.

#include <filesystem>
#include <string>

namespace docent::engine::conversion {

// The few config.json facts the ONNX graph layout depends on (read by hf_import.cpp's parser).
struct HfModelShape {
  std::string architecture;
  int layers = 0, heads = 0, kv_heads = 0;
  double norm_epsilon = 0;
};
HfModelShape read_hf_shape(const std::filesystem::path& folder);

}  // namespace docent::engine::conversion
