#pragma once
// QuaRot for RMSNorm GGUF decoders (Llama, Qwen2): an orthogonal rotation R of the residual stream folded
// into the weights so that the rotated model computes exactly the same function.
//
// With column vectors and the rotated residual x' = R x:
//  - every RMSNorm scale g is folded into the linears that read the normed stream and the norm
//    becomes 1 (rms(R x) = rms(x) because R is orthogonal);
//  - a linear W reading the residual becomes W diag(g) R^T: each stored row w (one output's
//    input weights) becomes R (g * w); the token embedding rows become R e;
//  - a linear writing into the residual (attn_output, ffn_down) becomes R W (each column
//    rotated), its bias R b;
//  - ffn_down additionally becomes W H^T with H the block Walsh-Hadamard of the FFN width; the
//    decoder applies H to the down projection's input at run time (kFfnDownHadamardKey);
//  - q/k/v biases act on unrotated outputs and stay as they are;
//  - a tied output head (no output.weight) is untied, since the head needs R (g * e) while the
//    input embedding needs R e.
// R = diag(H_b, ...) * D with random signs D (rotation/hadamard.hpp). Not done (a possible
// follow-up): the per-head value/output rotation and the online key rotation of the paper.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "architectures/architecture.hpp"
#include "gguf/gguf_reader.hpp"
#include "rotation/hadamard.hpp"

namespace docent::engine {

class QuarotRotation {
 public:
  // Throws ModelError naming the file when it is not an RMSNorm decoder this can rotate.
  QuarotRotation(const GgufFile& file, std::uint64_t seed);

  // The rotated values of `tensor` (row-major floats, ne[0] fastest).
  std::vector<float> rotate(const GgufTensorInfo& tensor, std::vector<float> values) const;
  // True when the file ties its output head to the embedding; output_head() then builds the
  // untied, rotated head from the (unrotated) embedding values.
  bool needs_output_head() const { return tied_output_; }
  std::vector<float> output_head(const std::vector<float>& embedding_values) const;

  std::int64_t ffn_block() const { return ffn_block_; }
  std::uint64_t seed() const { return seed_; }

 private:
  void rotate_rows(std::vector<float>& values, const std::vector<float>* scale) const;
  void rotate_columns(std::vector<float>& values, std::int64_t columns) const;

  std::string source_;
  const ArchitectureSpec* spec_;
  std::string output_norm_;
  std::int64_t hidden_ = 0, ffn_block_ = 0;
  std::uint64_t seed_;
  RandomHadamard residual_;
  bool tied_output_ = false;
  std::map<std::string, std::vector<float>> norms_;  // norm tensor name -> scale
};

}  // namespace docent::engine
