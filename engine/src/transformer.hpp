#pragma once
// The shared decoder-only transformer (Llama, Qwen2, BitNet): RMSNorm, rotary attention with
// grouped KV heads and optional q/k/v biases, gated feed-forward (SiLU or squared ReLU), tied or
// untied output; BitNet's sub-norms and ternary BitLinear projections where the table has them.
// Everything architecture-specific comes from the ArchitectureSpec tables.

#include <memory>
#include <span>
#include <vector>

#include "bitnet/bit_linear.hpp"
#include "kv_cache.hpp"
#include "matmul.hpp"
#include "model_weights.hpp"

namespace docent::engine {

struct DecoderOptions {
  ActivationRounding rounding = ActivationRounding::like_reference;
  // With an F16 cache, the reference also rounds queries and attention probabilities to F16
  // before the two attention products; mirror it (only matters at the 1e-4 level).
  bool round_attention_like_reference = true;
  // BitNet's int8 activations: per token as BitNet b1.58 does, or as llama.cpp's Q8_K.
  Int8Activations bitnet_activations = Int8Activations::per_token;
};

class Transformer {
 public:
  // Throws ModelError when the file is not a supported, well-formed decoder.
  explicit Transformer(std::shared_ptr<const GgufFile> file, DecoderOptions options = {});

  const HyperParameters& parameters() const { return weights_.parameters(); }
  const ModelWeights& weights() const { return weights_; }
  const DecoderOptions& options() const { return options_; }
  RopeStyle rope_style() const { return rope_style_; }

  // Runs `tokens` at positions cache.length()... and appends them to the cache. Writes logits for
  // every token (tokens.size() x vocabulary, row-major) when `all_positions`, else only for the
  // last token. Throws ModelError on an out-of-range token or when the cache is full.
  void forward(std::span<const std::int32_t> tokens, KvCache& cache, std::vector<float>& logits,
               bool all_positions) const;

  // forward() in windows of `window` tokens (bounded scratch memory for long prompts); same
  // logits as one call.
  void prefill(std::span<const std::int32_t> tokens, KvCache& cache, std::vector<float>& logits, bool all_positions,
               int window) const;

  // Drops cached positions [first, first + count); the later ones move down and their keys
  // are re-rotated to their new positions (a sliding window that keeps a prefix).
  void discard(KvCache& cache, int first, int count) const;

 private:
  void attention(int layer, int first_position, int count, const float* queries, const KvCache& cache,
                 float* output) const;
  ModelWeights weights_;
  // Norm weights decoded to floats once, not on every call.
  std::vector<std::vector<float>> attention_norms_, ffn_norms_;
  std::vector<std::vector<float>> attention_sub_norms_, ffn_sub_norms_;  // empty where the family has none
  // BitLinear projections (bitnet/bit_linear.hpp) where the table marks the weights ternary.
  bool ternary_attention_ = false, ternary_ffn_ = false;
  std::vector<float> output_norm_;
  DecoderOptions options_;
  RopeStyle rope_style_;
  std::int64_t ffn_down_hadamard_block_ = 0;  // online rotation of a QuaRot model (0: none)
};

// RMSNorm of each row in place: x * w / sqrt(mean(x^2) + eps).
void rms_norm(float* rows, std::int64_t count, std::int64_t width, const TensorView& weight, double epsilon);
// Rotates the first `rope_dimensions` of each head of one row at `position`.
void apply_rope(float* row, int heads, int head_dim, int rope_dimensions, RopeStyle style, int position,
                double theta_base);
// The cosines and sines apply_rope uses at `position` (rope_dimensions / 2 of each), computed
// once per token and shared by every layer.
void rope_angles(int rope_dimensions, int position, double theta_base, float* cosines, float* sines);
// apply_rope with angles from rope_angles().
void apply_rope(float* row, int heads, int head_dim, int rope_dimensions, RopeStyle style, const float* cosines,
                const float* sines);

}  // namespace docent::engine
