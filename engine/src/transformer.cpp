#include "transformer.hpp"

#include <algorithm>
#include <cmath>

#include "attention/cached_attention.hpp"
#include "bitnet/bit_linear.hpp"
#include "ops/row_ops.hpp"
#include "quant/dequantize.hpp"
#include "quant/half.hpp"
#include "rotation/hadamard.hpp"

namespace docent::engine {

namespace {

const ArchitectureSpec& decoder_spec(const GgufFile& file) {
  auto name = file.get_string("general.architecture");
  if (!name) throw ModelError(file.path().string() + ": missing metadata 'general.architecture'");
  const ArchitectureSpec* spec = find_architecture(*name);
  if (spec == nullptr || spec->kind != ModelKind::decoder)
    throw ModelError(file.path().string() + ": architecture '" + *name +
                     "' is not a supported decoder (supported: " + supported_architectures(ModelKind::decoder) + ")");
  return *spec;
}

std::vector<float> decode_vector(const TensorView& view) {
  std::vector<float> values(static_cast<std::size_t>(view.row_length()));
  dequantize_row(view.type, view.data, values.data(), view.row_length());
  return values;
}

}  // namespace

void rms_norm(float* rows, std::int64_t count, std::int64_t width, const TensorView& weight, double epsilon) {
  std::vector<float> scale = decode_vector(weight);
  ops::rms_norm(rows, count, width, scale.data(), static_cast<float>(epsilon));
}

void rope_angles(int rope_dimensions, int position, double theta_base, float* cosines, float* sines) {
  const int pairs = rope_dimensions / 2;
  // Angles advance geometrically in float, as the reference computes them.
  const float step = std::pow(static_cast<float>(theta_base), -2.0f / static_cast<float>(rope_dimensions));
  float theta = static_cast<float>(position);
  for (int i = 0; i < pairs; ++i) {
    cosines[i] = std::cos(theta);
    sines[i] = std::sin(theta);
    theta *= step;
  }
}

void apply_rope(float* row, int heads, int head_dim, int rope_dimensions, RopeStyle style, const float* cosines,
                const float* sines) {
  if (style == RopeStyle::none || rope_dimensions == 0) return;
  const int pairs = rope_dimensions / 2;
  for (int h = 0; h < heads; ++h) {
    float* x = row + static_cast<std::ptrdiff_t>(h) * head_dim;
    if (style == RopeStyle::interleaved) {
      for (int i = 0; i < pairs; ++i) {
        const float a = x[2 * i], b = x[2 * i + 1];
        x[2 * i] = a * cosines[i] - b * sines[i];
        x[2 * i + 1] = a * sines[i] + b * cosines[i];
      }
    } else {
      float* second = x + pairs;
      for (int i = 0; i < pairs; ++i) {
        const float a = x[i], b = second[i];
        x[i] = a * cosines[i] - b * sines[i];
        second[i] = a * sines[i] + b * cosines[i];
      }
    }
  }
}

void apply_rope(float* row, int heads, int head_dim, int rope_dimensions, RopeStyle style, int position,
                double theta_base) {
  if (style == RopeStyle::none || rope_dimensions == 0) return;
  std::vector<float> cosines(static_cast<std::size_t>(rope_dimensions / 2)), sines(cosines.size());
  rope_angles(rope_dimensions, position, theta_base, cosines.data(), sines.data());
  apply_rope(row, heads, head_dim, rope_dimensions, style, cosines.data(), sines.data());
}

Transformer::Transformer(std::shared_ptr<const GgufFile> file, DecoderOptions options)
    : weights_(file, decoder_spec(*file)), options_(options), rope_style_(weights_.spec().rope_style) {
  if (auto block = file->get_int(kFfnDownHadamardKey); block && *block != 0) {
    if (*block < 0 || (*block & (*block - 1)) != 0 || parameters().ffn % *block != 0)
      throw ModelError(file->path().string() + ": metadata '" + std::string(kFfnDownHadamardKey) + "' = " +
                       std::to_string(*block) + " is not a power of two dividing the FFN width " +
                       std::to_string(parameters().ffn));
    ffn_down_hadamard_block_ = *block;
  }
  auto optional_vector = [&](TensorRole role, int layer) {
    return weights_.has(role, layer) ? decode_vector(weights_.get(role, layer)) : std::vector<float>();
  };
  for (int layer = 0; layer < parameters().layers; ++layer) {
    attention_norms_.push_back(decode_vector(weights_.get(TensorRole::attention_norm, layer)));
    ffn_norms_.push_back(decode_vector(weights_.get(TensorRole::ffn_norm, layer)));
    attention_sub_norms_.push_back(optional_vector(TensorRole::attention_sub_norm, layer));
    ffn_sub_norms_.push_back(optional_vector(TensorRole::ffn_sub_norm, layer));
  }
  output_norm_ = decode_vector(weights_.get(TensorRole::output_norm));
  auto ternary = [&](TensorRole role) {
    const TensorSlot* slot = weights_.spec().slot(role);
    return slot != nullptr && slot->ternary;
  };
  ternary_attention_ = ternary(TensorRole::attention_query);
  ternary_ffn_ = ternary(TensorRole::ffn_down);
}

void Transformer::attention(int layer, int first_position, int count, const float* queries, const KvCache& cache,
                            float* output) const {
  cached_attention(cache, layer, parameters().heads, first_position, count, queries, output,
                   options_.round_attention_like_reference);
}

void Transformer::forward(std::span<const std::int32_t> tokens, KvCache& cache, std::vector<float>& logits,
                          bool all_positions) const {
  const HyperParameters& p = parameters();
  const ModelWeights& w = weights_;
  const int count = static_cast<int>(tokens.size());
  if (count == 0) return;
  const int first = cache.length();
  if (static_cast<std::int64_t>(first) + count > cache.capacity())
    throw ModelError("context length " + std::to_string(cache.capacity()) + " exceeded: " + std::to_string(first) +
                     " tokens in context + " + std::to_string(count) + " new");
  for (auto token : tokens)
    if (token < 0 || token >= p.vocabulary)
      throw ModelError("token id " + std::to_string(token) + " is outside the vocabulary (size " +
                       std::to_string(p.vocabulary) + ")");

  const std::int64_t hidden = p.hidden, query_width = static_cast<std::int64_t>(p.heads) * p.head_dim,
                     kv_width = static_cast<std::int64_t>(p.kv_heads) * p.head_dim;
  // Scratch reused across calls on this thread (forward may run on several threads at once,
  // each with its own cache); kept between calls up to kKeptScratchFloats floats a buffer
  // (a 512-token prefill window of a 1.5B model fits).
  constexpr std::int64_t kKeptScratchFloats = 8 << 20;
  struct Scratch {
    std::vector<float> x, normed, q, k, v, attended, projected, gate, up, cosines, sines;
  };
  thread_local Scratch scratch;
  auto sized = [count](std::vector<float>& buffer, std::int64_t width) -> std::vector<float>& {
    buffer.resize(static_cast<std::size_t>(count * width));
    return buffer;
  };
  std::vector<float>&x = sized(scratch.x, hidden), &normed = sized(scratch.normed, hidden),
  &q = sized(scratch.q, query_width), &k = sized(scratch.k, kv_width), &v = sized(scratch.v, kv_width),
  &attended = sized(scratch.attended, query_width), &projected = sized(scratch.projected, hidden),
  &gate = sized(scratch.gate, p.ffn), &up = sized(scratch.up, p.ffn);
  const int pairs = p.rope_dimensions / 2;
  std::vector<float>&cosines = sized(scratch.cosines, pairs), &sines = sized(scratch.sines, pairs);
  for (int t = 0; t < count; ++t)
    rope_angles(p.rope_dimensions, first + t, p.rope_theta, cosines.data() + t * pairs, sines.data() + t * pairs);
  const float epsilon = static_cast<float>(p.norm_epsilon);

  const TensorView& embedding = w.get(TensorRole::token_embedding);
  for (int t = 0; t < count; ++t) embedding_row(embedding, tokens[static_cast<std::size_t>(t)], &x[static_cast<std::size_t>(t * hidden)]);

  for (int layer = 0; layer < p.layers; ++layer) {
    std::copy(x.begin(), x.end(), normed.begin());
    ops::rms_norm(normed.data(), count, hidden, attention_norms_[static_cast<std::size_t>(layer)].data(), epsilon);
    auto optional = [&](TensorRole role) { return w.has(role, layer) ? &w.get(role, layer) : nullptr; };
    {
      // q, k and v read the same normed rows: one fused call (one parallel region).
      const TensorView* projections[] = {&w.get(TensorRole::attention_query, layer), &w.get(TensorRole::attention_key, layer),
                                         &w.get(TensorRole::attention_value, layer)};
      float* outputs[] = {q.data(), k.data(), v.data()};
      if (ternary_attention_) {
        const TensorView* scales[] = {optional(TensorRole::attention_query_scale), optional(TensorRole::attention_key_scale),
                                      optional(TensorRole::attention_value_scale)};
        bit_linear_many(projections, scales, 3, normed.data(), count, outputs, options_.bitnet_activations);
      } else {
        const TensorView* biases[] = {optional(TensorRole::attention_query_bias), optional(TensorRole::attention_key_bias),
                                      optional(TensorRole::attention_value_bias)};
        linear_many(projections, biases, 3, normed.data(), count, outputs, options_.rounding);
      }
    }
    for (int t = 0; t < count; ++t) {
      const float* cosine = cosines.data() + t * pairs;
      const float* sine = sines.data() + t * pairs;
      apply_rope(&q[static_cast<std::size_t>(t * query_width)], p.heads, p.head_dim, p.rope_dimensions, rope_style_, cosine, sine);
      apply_rope(&k[static_cast<std::size_t>(t * kv_width)], p.kv_heads, p.head_dim, p.rope_dimensions, rope_style_, cosine, sine);
      cache.store(layer, first + t, &k[static_cast<std::size_t>(t * kv_width)], &v[static_cast<std::size_t>(t * kv_width)]);
    }
    attention(layer, first, count, q.data(), cache, attended.data());
    if (const auto& sub_norm = attention_sub_norms_[static_cast<std::size_t>(layer)]; !sub_norm.empty())
      ops::rms_norm(attended.data(), count, query_width, sub_norm.data(), epsilon);
    if (ternary_attention_)
      bit_linear(w.get(TensorRole::attention_output, layer), optional(TensorRole::attention_output_scale), attended.data(), count,
                 projected.data(), options_.bitnet_activations);
    else
      linear(w.get(TensorRole::attention_output, layer), nullptr, attended.data(), count, projected.data(), options_.rounding);
    ops::add(x.data(), projected.data(), static_cast<std::int64_t>(x.size()));

    std::copy(x.begin(), x.end(), normed.begin());
    ops::rms_norm(normed.data(), count, hidden, ffn_norms_[static_cast<std::size_t>(layer)].data(), epsilon);
    {
      const TensorView* projections[] = {&w.get(TensorRole::ffn_gate, layer), &w.get(TensorRole::ffn_up, layer)};
      float* outputs[] = {gate.data(), up.data()};
      if (ternary_ffn_) {
        const TensorView* scales[] = {optional(TensorRole::ffn_gate_scale), optional(TensorRole::ffn_up_scale)};
        bit_linear_many(projections, scales, 2, normed.data(), count, outputs, options_.bitnet_activations);
      } else {
        const TensorView* no_biases[] = {nullptr, nullptr};
        linear_many(projections, no_biases, 2, normed.data(), count, outputs, options_.rounding);
      }
    }
    if (p.ffn_activation == FfnActivation::squared_relu_gated)
      squared_relu_multiply(gate.data(), up.data(), static_cast<std::int64_t>(gate.size()));
    else
      ops::silu_multiply(gate.data(), up.data(), static_cast<std::int64_t>(gate.size()));
    if (const auto& sub_norm = ffn_sub_norms_[static_cast<std::size_t>(layer)]; !sub_norm.empty())
      ops::rms_norm(gate.data(), count, p.ffn, sub_norm.data(), epsilon);
    if (ffn_down_hadamard_block_ > 0)
      for (int t = 0; t < count; ++t) walsh_hadamard_blocks(&gate[static_cast<std::size_t>(t * p.ffn)], p.ffn, ffn_down_hadamard_block_);
    if (ternary_ffn_)
      bit_linear(w.get(TensorRole::ffn_down, layer), optional(TensorRole::ffn_down_scale), gate.data(), count, projected.data(),
                 options_.bitnet_activations);
    else
      linear(w.get(TensorRole::ffn_down, layer), nullptr, gate.data(), count, projected.data(), options_.rounding);
    ops::add(x.data(), projected.data(), static_cast<std::int64_t>(x.size()));
  }
  cache.set_length(first + count);

  const int output_rows = all_positions ? count : 1;
  float* final_rows = all_positions ? x.data() : &x[static_cast<std::size_t>((count - 1) * hidden)];
  ops::rms_norm(final_rows, output_rows, hidden, output_norm_.data(), epsilon);  // x is not needed afterwards
  const TensorView& output = w.has(TensorRole::output) ? w.get(TensorRole::output) : embedding;
  logits.resize(static_cast<std::size_t>(output_rows * p.vocabulary));
  linear(output, nullptr, final_rows, output_rows, logits.data(), options_.rounding);
  if (static_cast<std::int64_t>(gate.size()) > kKeptScratchFloats) scratch = Scratch{};
}

void Transformer::discard(KvCache& cache, int first, int count) const {
  const HyperParameters& p = parameters();
  const int pairs = p.rope_dimensions / 2;
  // A rotation by -count: the frequencies as rope_angles() forms them (float, geometric), the
  // angles themselves in double since they multiply a possibly large count.
  std::vector<float> cosines(static_cast<std::size_t>(pairs)), sines(cosines.size());
  const float step = std::pow(static_cast<float>(p.rope_theta), -2.0f / static_cast<float>(p.rope_dimensions));
  float frequency = 1.0f;
  for (int i = 0; i < pairs; ++i) {
    const double angle = -static_cast<double>(count) * frequency;
    cosines[static_cast<std::size_t>(i)] = static_cast<float>(std::cos(angle));
    sines[static_cast<std::size_t>(i)] = static_cast<float>(std::sin(angle));
    frequency *= step;
  }
  cache.discard(first, count, [&](float* key) {
    apply_rope(key, 1, p.head_dim, p.rope_dimensions, rope_style_, cosines.data(), sines.data());
  });
}

void Transformer::prefill(std::span<const std::int32_t> tokens, KvCache& cache, std::vector<float>& logits,
                          bool all_positions, int window) const {
  if (window <= 0) window = static_cast<int>(tokens.size());
  if (all_positions) logits.clear();
  std::vector<float> chunk_logits;
  for (std::size_t start = 0; start < tokens.size(); start += static_cast<std::size_t>(window)) {
    auto chunk = tokens.subspan(start, std::min(tokens.size() - start, static_cast<std::size_t>(window)));
    bool last_chunk = start + chunk.size() == tokens.size();
    if (!all_positions && !last_chunk) {
      // Only the final position's logits are wanted: skip intermediate outputs cheaply.
      forward(chunk, cache, chunk_logits, false);
      continue;
    }
    forward(chunk, cache, chunk_logits, all_positions);
    if (all_positions)
      logits.insert(logits.end(), chunk_logits.begin(), chunk_logits.end());
    else
      logits = chunk_logits;
  }
}

}  // namespace docent::engine
