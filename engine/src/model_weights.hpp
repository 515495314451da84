#pragma once
// Reads a model's hyper-parameters from GGUF metadata and binds every tensor role of its
// architecture to a validated view (shape and type checked), so the compute code never has
// to distrust the file again.

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "architectures/architecture.hpp"
#include "kernels/packed_matrix.hpp"
#include "gguf/gguf_reader.hpp"
#include "tensor.hpp"

namespace docent::engine {

struct HyperParameters {
  std::string architecture;  // general.architecture as the file spells it (the metadata prefix)
  Architecture family = Architecture::llama;
  FfnActivation ffn_activation = FfnActivation::silu_gated;
  int layers = 0;
  int hidden = 0;
  int heads = 0;
  int kv_heads = 0;
  int head_dim = 0;
  int ffn = 0;
  int context_length = 0;   // what the model was trained for
  std::int64_t vocabulary = 0;
  double rope_theta = 10000.0;
  int rope_dimensions = 0;  // leading dimensions of each head that rotate
  double norm_epsilon = 1e-5;
  int token_types = 0;      // encoders
  int max_positions = 0;    // encoders: rows of the position table
  int pooling_type = 0;     // encoders: GGUF pooling id (1 mean, 2 cls), 0 unknown
};

class ModelWeights {
 public:
  // Throws ModelError("<file>: <reason>") on missing/mis-shaped tensors or bad metadata.
  ModelWeights(std::shared_ptr<const GgufFile> file, const ArchitectureSpec& spec);

  const HyperParameters& parameters() const { return parameters_; }
  const ArchitectureSpec& spec() const { return *spec_; }
  const GgufFile& file() const { return *file_; }
  // An empty view when an optional tensor is absent.
  const TensorView& get(TensorRole role, int layer = -1) const;
  bool has(TensorRole role, int layer = -1) const { return !get(role, layer).empty(); }

 private:
  std::shared_ptr<const GgufFile> file_;
  const ArchitectureSpec* spec_;
  HyperParameters parameters_;
  void pack_matrices();

  std::map<std::pair<int, int>, TensorView> views_;  // (role, layer or -1)
  std::vector<std::unique_ptr<kernels::PackedMatrix>> packed_;
  std::vector<std::vector<std::uint8_t>> owned_;  // tensors converted at load (I2_S -> I2_S_ROWS)
  TensorView absent_;
};

HyperParameters read_hyper_parameters(const GgufFile& file, const ArchitectureSpec& spec);
// The prefix of the file's hyper-parameter keys: its general.architecture when that names `spec`.
std::string metadata_prefix(const GgufFile& file, const ArchitectureSpec& spec);

}  // namespace docent::engine
