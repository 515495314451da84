#pragma once
// BERT-style encoder: token + position + token-type embeddings, LayerNorm, post-LN blocks with
// bidirectional attention and a GELU feed-forward, then mean or CLS pooling.
//
// A batch is packed: all sequences' tokens go through the linear layers together (one large
// product), and attention is masked per sequence — the same result as padding every sequence to
// the longest and masking the pads, without computing the pads.

#include <memory>
#include <span>
#include <vector>

#include "matmul.hpp"
#include "model_weights.hpp"

namespace docent::engine {


enum class GeluVariant {
  erf,               // exact 0.5 x (1 + erf(x / sqrt 2))
  tanh,              // tanh approximation
  tanh_half_table,   // tanh approximation evaluated at F16 inputs, result rounded to F16 (reference CPU)
};

struct EncoderOptions {
  ActivationRounding rounding = ActivationRounding::like_reference;
  GeluVariant gelu = GeluVariant::tanh_half_table;
};

class Encoder {
 public:
  explicit Encoder(std::shared_ptr<const GgufFile> file, EncoderOptions options = {});

  const HyperParameters& parameters() const { return weights_.parameters(); }
  const ModelWeights& weights() const { return weights_; }
  // The pooling the file asks for (bert.pooling_type), mean when unspecified.
  Pooling default_pooling() const;

  // One vector per sequence (hidden floats), L2-normalized when `normalize`. Throws ModelError for
  // an empty sequence, one longer than the position table, or an out-of-range token.
  std::vector<std::vector<float>> embed(const std::vector<std::vector<std::int32_t>>& sequences, Pooling pooling,
                                        bool normalize = true) const;

 private:
  ModelWeights weights_;
  EncoderOptions options_;
};

void layer_norm(float* rows, std::int64_t count, std::int64_t width, const TensorView& weight, const TensorView& bias,
                double epsilon);
float gelu(float x, GeluVariant variant);

}  // namespace docent::engine
