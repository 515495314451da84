#pragma once
// Quantization recipes beyond re-encoding every matrix with one ggml type (quantize_model.cpp):
//   "int4-channel": matrices INT4_CHANNEL, token embedding and output head Q4_0, vectors F32;
//   "npu":          QuaRot rotation (quantize/quarot.hpp), then as "int4-channel";
//   "npu-float":    QuaRot rotation only, every tensor F32 (the exactness reference).
// A matrix whose rows are not whole groups of 32 stays F32.
// Activations: the recipe's "int8/int16 activations in the kernels" is what the Q4_0 tables get
// already (linear() rounds activations to Q8_0 blocks for Q4_0 weights). INT4_CHANNEL matrices go
// through linear()'s generic dequantize-to-F32 path and keep F32 activations until a kernel for
// them exists; rounding them to Q8_0 as well changed stories260K's mean KL by < 0.001 (measured).

#include <cstdint>
#include <filesystem>
#include <string_view>

namespace docent::engine {

struct ChannelRecipe {
  bool rotate = false;                     // QuaRot first
  bool quantize_blocks = true;             // transformer-block matrices -> INT4_CHANNEL (else F32)
  bool quantize_vocabulary_tables = true;  // token embedding, output head -> Q4_0 (else F32)
  std::uint32_t seed = 0x5eed7;            // of the rotation's random signs
};

bool is_channel_recipe(std::string_view type);
ChannelRecipe channel_recipe(std::string_view type);  // for a name is_channel_recipe accepts
// Throws ModelError naming the input file on a model the recipe cannot handle.
void write_channel_recipe(const std::filesystem::path& input, const std::filesystem::path& output, const ChannelRecipe& recipe);

}  // namespace docent::engine
