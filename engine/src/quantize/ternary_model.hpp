#pragma once
// `models quantize` to the ternary formats (tq1_0, tq2_0, i2_s): the linears the architecture
// table marks ternary (BitNet's q/k/v/o/gate/up/down) are re-encoded, every other tensor is kept
// as it is. Weights already ternary (one magnitude per tensor, as BitNet converters write
// F16/BF16 checkpoints) are stored exactly; latent full-precision weights are first ternarized
// the way BitNet b1.58 does at inference: s = mean |w|, w -> s * clamp(round(w / s), -1, 1).

#include <filesystem>
#include <optional>
#include <string_view>
#include <vector>

#include "quant/type_traits.hpp"

namespace docent::engine {

// The ternary type a quantization name stands for ("tq1_0", "tq2_0", "i2_s").
std::optional<TensorType> ternary_quantization_type(std::string_view name);
// Throws ModelError naming the file when its architecture has no ternary linears or a
// ternary linear's rows do not fit the type's blocks.
void write_ternary_model(const std::filesystem::path& input, const std::filesystem::path& output, TensorType type);

// In place: BitNet's absmean ternarization, unless `values` already hold one magnitude.
// Returns whether the values changed.
bool ternarize(std::vector<float>& values);

}  // namespace docent::engine
