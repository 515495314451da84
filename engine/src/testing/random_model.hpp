#pragma once
// Writes GGUF decoder models with random weights in a chosen quantization: benchmarks measure
// speed at real sizes with them (no pretrained model can be shipped), tests use small ones.

#include <cstdint>
#include <filesystem>
#include <string>

#include "quant/type_traits.hpp"

namespace docent::engine {

struct RandomModelSpec {
  std::string architecture = "qwen2";  // "qwen2" (q/k/v biases, halves RoPE) or "llama"
  int layers = 2;
  int hidden = 256;
  int heads = 4;
  int kv_heads = 2;
  int ffn = 512;
  int vocabulary = 1024;
  int context_length = 4096;
  bool tied_output = false;
  // Type of the 2-D weights: F32, F16, Q8_0, Q4_0, Q4_K or Q6_K (row lengths must fit the block).
  TensorType weight_type = TensorType::q8_0;
  std::uint64_t seed = 1;
};

// Weights ~ N(0, 1/sqrt(fan_in)) so activations stay in a realistic range; norms are 1.
// No tokenizer metadata: use token ids directly. Throws ModelError on I/O failure or an
// unsupported type / shape combination.
void write_random_model(const std::filesystem::path& path, const RandomModelSpec& spec);

}  // namespace docent::engine
