#include "encoder.hpp"

#include <algorithm>
#include <cmath>
#include <memory>
#include <span>

#include "attention/sequence_attention.hpp"
#include "ops/row_ops.hpp"
#include "quant/dequantize.hpp"
#include "quant/half.hpp"

namespace docent::engine {

namespace {

const ArchitectureSpec& encoder_spec(const GgufFile& file) {
  auto name = file.get_string("general.architecture");
  if (!name) throw ModelError(file.path().string() + ": missing metadata 'general.architecture'");
  const ArchitectureSpec* spec = find_architecture(*name);
  if (spec == nullptr || spec->kind != ModelKind::encoder)
    throw ModelError(file.path().string() + ": architecture '" + *name + "' is not a supported encoder (supported: " + supported_architectures(ModelKind::encoder) + ")");
  return *spec;
}

std::vector<float> decode_vector(const TensorView& view) {
  std::vector<float> values(static_cast<std::size_t>(view.row_length()));
  dequantize_row(view.type, view.data, values.data(), view.row_length());
  return values;
}

float gelu_tanh(float x) {
  constexpr float kSqrtTwoOverPi = 0.79788456080286535588f;
  return 0.5f * x * (1.0f + std::tanh(kSqrtTwoOverPi * x * (1.0f + 0.044715f * x * x)));
}

}  // namespace

float gelu(float x, GeluVariant variant) {
  switch (variant) {
    case GeluVariant::erf: return 0.5f * x * (1.0f + std::erf(x * 0.70710678118654752440f));
    case GeluVariant::tanh: return gelu_tanh(x);
    case GeluVariant::tanh_half_table:
      // The reference tabulates GELU over all F16 inputs and clamps beyond +-10.
      if (x <= -10.0f) return 0.0f;
      if (x >= 10.0f) return x;
      return round_to_half(gelu_tanh(round_to_half(x)));
  }
  return x;
}

void layer_norm(float* rows, std::int64_t count, std::int64_t width, const TensorView& weight, const TensorView& bias,
                double epsilon) {
  std::vector<float> scale = decode_vector(weight), shift = decode_vector(bias);
  ops::layer_norm(rows, count, width, scale.data(), shift.data(), static_cast<float>(epsilon));
}

Encoder::Encoder(std::shared_ptr<const GgufFile> file, EncoderOptions options)
    : weights_(file, encoder_spec(*file)), options_(options) {}

Pooling Encoder::default_pooling() const { return parameters().pooling_type == 2 ? Pooling::cls : Pooling::mean; }

std::vector<std::vector<float>> Encoder::embed(const std::vector<std::vector<std::int32_t>>& sequences, Pooling pooling,
                                               bool normalize) const {
  const HyperParameters& p = parameters();
  const ModelWeights& w = weights_;
  const std::int64_t hidden = p.hidden, query_width = static_cast<std::int64_t>(p.heads) * p.head_dim;
  std::vector<std::int64_t> starts;
  std::int64_t total = 0;
  for (const auto& sequence : sequences) {
    if (sequence.empty()) throw ModelError("cannot embed an empty token sequence");
    if (static_cast<std::int64_t>(sequence.size()) > p.max_positions)
      throw ModelError("sequence of " + std::to_string(sequence.size()) + " tokens exceeds the encoder's " +
                       std::to_string(p.max_positions) + " positions");
    for (auto token : sequence)
      if (token < 0 || token >= p.vocabulary)
        throw ModelError("token id " + std::to_string(token) + " is outside the vocabulary");
    starts.push_back(total);
    total += static_cast<std::int64_t>(sequence.size());
  }
  if (total == 0) return {};

  // Buffers reused across calls on this thread (embed may run on several threads at once);
  // up to kKeptBufferFloats floats each are kept between calls: enough for the Embedder's
  // batches of 32 passages x 256 tokens of a small model, whose fresh pages (and zeroing)
  // otherwise cost several percent of every call. Peak memory is the same either way.
  constexpr std::int64_t kKeptBufferFloats = 16 << 20;
  // Grown, never cleared: every element is written before it is read.
  struct Floats {
    std::unique_ptr<float[]> data;
    std::size_t capacity = 0;
    std::span<float> take(std::int64_t count) {
      const auto wanted = static_cast<std::size_t>(count);
      if (wanted > capacity) data.reset(new float[wanted]), capacity = wanted;
      return {data.get(), wanted};
    }
  };
  struct Buffers {
    Floats x, q, k, v, attended, projected, up;
  };
  thread_local Buffers buffers;
  const std::span<float> x = buffers.x.take(total * hidden), q = buffers.q.take(total * query_width),
                         k = buffers.k.take(total * query_width), v = buffers.v.take(total * query_width),
                         attended = buffers.attended.take(total * query_width),
                         projected = buffers.projected.take(total * hidden), up = buffers.up.take(total * p.ffn);
  std::vector<float> scratch(static_cast<std::size_t>(hidden));
  const TensorView& types = w.get(TensorRole::token_type_embedding);
  for (std::size_t s = 0; s < sequences.size(); ++s) {
    for (std::size_t t = 0; t < sequences[s].size(); ++t) {
      float* row = &x[static_cast<std::size_t>((starts[s] + static_cast<std::int64_t>(t)) * hidden)];
      embedding_row(w.get(TensorRole::token_embedding), sequences[s][t], row);
      embedding_row(w.get(TensorRole::position_embedding), static_cast<std::int64_t>(t), scratch.data());
      for (std::int64_t i = 0; i < hidden; ++i) row[i] += scratch[static_cast<std::size_t>(i)];
      if (!types.empty()) {  // every token is of type 0 (single-segment input)
        embedding_row(types, 0, scratch.data());
        for (std::int64_t i = 0; i < hidden; ++i) row[i] += scratch[static_cast<std::size_t>(i)];
      }
    }
  }
  layer_norm(x.data(), total, hidden, w.get(TensorRole::embedding_norm), w.get(TensorRole::embedding_norm_bias),
             p.norm_epsilon);

  std::vector<std::int64_t> lengths;
  for (const auto& sequence : sequences) lengths.push_back(static_cast<std::int64_t>(sequence.size()));
  for (int layer = 0; layer < p.layers; ++layer) {
    auto get = [&](TensorRole role) -> const TensorView& { return w.get(role, layer); };
    {
      // q, k and v read the same rows: one fused call quantizes them once.
      const TensorView* projections[] = {&get(TensorRole::attention_query), &get(TensorRole::attention_key),
                                         &get(TensorRole::attention_value)};
      const TensorView* biases[] = {&get(TensorRole::attention_query_bias), &get(TensorRole::attention_key_bias),
                                    &get(TensorRole::attention_value_bias)};
      float* outputs[] = {q.data(), k.data(), v.data()};
      linear_many(projections, biases, 3, x.data(), total, outputs, options_.rounding);
    }
    sequence_attention(starts, lengths, p.heads, p.head_dim, q.data(), k.data(), v.data(), attended.data());
    linear(get(TensorRole::attention_output), &get(TensorRole::attention_output_bias), attended.data(), total,
           projected.data(), options_.rounding);
    ops::add(x.data(), projected.data(), static_cast<std::int64_t>(x.size()));
    layer_norm(x.data(), total, hidden, get(TensorRole::attention_output_norm), get(TensorRole::attention_output_norm_bias),
               p.norm_epsilon);
    linear(get(TensorRole::ffn_up), &get(TensorRole::ffn_up_bias), x.data(), total, up.data(), options_.rounding);
    if (options_.gelu == GeluVariant::tanh_half_table)
      ops::gelu_half_table(up.data(), static_cast<std::int64_t>(up.size()));
    else
      for (float& value : up) value = gelu(value, options_.gelu);
    linear(get(TensorRole::ffn_down), &get(TensorRole::ffn_down_bias), up.data(), total, projected.data(), options_.rounding);
    ops::add(x.data(), projected.data(), static_cast<std::int64_t>(x.size()));
    layer_norm(x.data(), total, hidden, get(TensorRole::layer_output_norm), get(TensorRole::layer_output_norm_bias),
               p.norm_epsilon);
  }

  std::vector<std::vector<float>> result;
  result.reserve(sequences.size());
  // A big batch's buffers are not kept for the thread's lifetime.
  const bool release_buffers = static_cast<std::int64_t>(up.size()) > kKeptBufferFloats;
  for (std::size_t s = 0; s < sequences.size(); ++s) {
    std::vector<float> pooled(static_cast<std::size_t>(hidden), 0.0f);
    const std::int64_t length = static_cast<std::int64_t>(sequences[s].size());
    if (pooling == Pooling::cls) {
      std::copy_n(&x[static_cast<std::size_t>(starts[s] * hidden)], hidden, pooled.begin());
    } else {
      for (std::int64_t t = 0; t < length; ++t)
        for (std::int64_t i = 0; i < hidden; ++i)
          pooled[static_cast<std::size_t>(i)] += x[static_cast<std::size_t>((starts[s] + t) * hidden + i)];
      for (float& value : pooled) value /= static_cast<float>(length);
    }
    if (normalize) {
      double norm = 0;
      for (float value : pooled) norm += static_cast<double>(value) * value;
      norm = std::sqrt(norm);
      if (norm > 0)
        for (float& value : pooled) value = static_cast<float>(value / norm);
    }
    result.push_back(std::move(pooled));
  }
  if (release_buffers) buffers = Buffers{};
  return result;
}

}  // namespace docent::engine
