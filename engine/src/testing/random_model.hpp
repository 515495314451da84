#pragma once
// Writes GGUF models with random weights in a chosen quantization: benchmarks measure speed at
// real sizes with them (no pretrained model can be shipped), tests use small ones. Decoders
// and encoders of every family in the architecture table; one weight type for every matrix, or a
// per-tensor mix.

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>

#include "quant/type_traits.hpp"

namespace docent::engine {

struct RandomModelSpec {
  // Any general.architecture name of the architecture table, written in the family's usual form
  // (e.g. "qwen2": q/k/v biases; "bert": post-LN encoder with biases, learned positions and two
  // token types, where `kv_heads` and `tied_output` do not apply).
  std::string architecture = "qwen2";
  int layers = 2;
  int hidden = 256;
  int heads = 4;
  int kv_heads = 2;
  int ffn = 512;
  int vocabulary = 1024;
  int context_length = 4096;  // bert: rows of the position table
  bool tied_output = false;
  // Type of the 2-D weights: F32, F16, Q8_0, Q4_0, Q4_K or Q6_K (row lengths must fit the block),
  // or a ternary format (TQ1_0, TQ2_0, I2_S) for the ternary linears of a BitNet (its other
  // matrices are then F16). A family's ternary linears get ternary values whatever the type.
  TensorType weight_type = TensorType::q8_0;
  // Exceptions to weight_type by GGUF tensor name, e.g. {"output.weight", Q6_K}.
  std::map<std::string, TensorType> tensor_types;
  // general.file_type (ggml's "ftype" numbering: 0 F32, 1 F16, 2 Q4_0, 7 Q8_0, 15 Q4_K_M); -1: not written.
  int file_type = -1;
  // Also write a synthetic tokenizer (byte-level BPE vocabulary for decoders, WordPiece for bert:
  // lowercase four-letter words) so other runtimes, which insist on one, load the file too.
  bool tokenizer_metadata = false;
  // Instead, a Hugging Face tokenizer (a folder with tokenizer.json and tokenizer_config.json,
  // whose chat template comes along): benchmarks that run the real text path use it.
  std::filesystem::path tokenizer_folder;
  std::uint64_t seed = 1;
  // Draw weights from a cheap near-normal (sum of four uniforms) instead of std::normal_distribution:
  // ~10x faster, for billion-weight benchmark files whose speed does not depend on the exact values.
  bool fast_random = false;
};

// Turns `spec` into a Q4_K_M-style mix, approximating llama.cpp's rule for that file type: Q4_K
// everywhere (token embedding included), Q6_K for the output head, and Q6_K for attn_v and
// ffn_down in the first and last eighth of the layers and every third layer between them (14 of
// 28 layers for a 28-layer model).
void apply_q4_k_m_mix(RandomModelSpec& spec);

// The word of vocabulary entry `id` in a bert tokenizer_metadata file ("" for the special and
// unused entries below 104). Feeding these words, space-separated, to a WordPiece tokenizer
// gives one token per word.
std::string random_model_word(int id);

// Weights ~ N(0, 1/sqrt(fan_in)) so activations stay in a realistic range; norms are 1. Use token
// ids directly (docent reads no tokenizer from these files). Throws ModelError on I/O failure or
// an unsupported type / shape combination.
void write_random_model(const std::filesystem::path& path, const RandomModelSpec& spec);

}  // namespace docent::engine
