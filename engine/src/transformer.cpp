#include "transformer.hpp"

#include <algorithm>
#include <cmath>

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
                     "' is not a supported decoder (supported: llama, qwen2)");
  return *spec;
}

std::vector<float> decode_vector(const TensorView& view) {
  std::vector<float> values(static_cast<std::size_t>(view.row_length()));
  dequantize_row(view.type, view.data, values.data(), view.row_length());
  return values;
}

float silu(float x) { return x / (1.0f + std::exp(-x)); }

}  // namespace

void rms_norm(float* rows, std::int64_t count, std::int64_t width, const TensorView& weight, double epsilon) {
  std::vector<float> scale = decode_vector(weight);
  for (std::int64_t r = 0; r < count; ++r) {
    float* x = rows + r * width;
    double sum = 0;
    for (std::int64_t i = 0; i < width; ++i) sum += static_cast<double>(x[i] * x[i]);  // float products, double sum: as the reference
    float inverse = 1.0f / std::sqrt(static_cast<float>(sum / static_cast<double>(width)) + static_cast<float>(epsilon));
    for (std::int64_t i = 0; i < width; ++i) x[i] = x[i] * inverse * scale[static_cast<std::size_t>(i)];
  }
}

void apply_rope(float* row, int heads, int head_dim, int rope_dimensions, RopeStyle style, int position,
                double theta_base) {
  if (style == RopeStyle::none || rope_dimensions == 0) return;
  const int pairs = rope_dimensions / 2;
  // Angles advance geometrically in float, as the reference computes them.
  std::vector<float> cosines(static_cast<std::size_t>(pairs)), sines(static_cast<std::size_t>(pairs));
  const float step = std::pow(static_cast<float>(theta_base), -2.0f / static_cast<float>(rope_dimensions));
  float theta = static_cast<float>(position);
  for (int i = 0; i < pairs; ++i) {
    cosines[static_cast<std::size_t>(i)] = std::cos(theta);
    sines[static_cast<std::size_t>(i)] = std::sin(theta);
    theta *= step;
  }
  for (int h = 0; h < heads; ++h) {
    float* x = row + static_cast<std::ptrdiff_t>(h) * head_dim;
    for (int i = 0; i < pairs; ++i) {
      int first = style == RopeStyle::interleaved ? 2 * i : i;
      int second = style == RopeStyle::interleaved ? 2 * i + 1 : i + pairs;
      float a = x[first], b = x[second];
      float c = cosines[static_cast<std::size_t>(i)], s = sines[static_cast<std::size_t>(i)];
      x[first] = a * c - b * s;
      x[second] = a * s + b * c;
    }
  }
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
}

void Transformer::attention(int layer, int first_position, int count, const float* queries, KvCache& cache,
                            float* output) const {
  const HyperParameters& p = parameters();
  const int width = p.kv_heads * p.head_dim, query_width = p.heads * p.head_dim;
  const int group = p.heads / p.kv_heads;
  const int end = first_position + count;
  const bool round_f16 = options_.round_attention_like_reference && cache.precision() == CachePrecision::f16;
  std::vector<float> keys(static_cast<std::size_t>(end) * width), values(static_cast<std::size_t>(end) * width);
  for (int position = 0; position < end; ++position) {
    cache.load_key(layer, position, &keys[static_cast<std::size_t>(position) * width]);
    cache.load_value(layer, position, &values[static_cast<std::size_t>(position) * width]);
  }
  const float scale = 1.0f / std::sqrt(static_cast<float>(p.head_dim));
  std::vector<float> scores(static_cast<std::size_t>(end)), query(static_cast<std::size_t>(p.head_dim));
  for (int t = 0; t < count; ++t) {
    const int visible = first_position + t + 1;  // causal: positions 0..current
    for (int h = 0; h < p.heads; ++h) {
      const float* q = queries + static_cast<std::ptrdiff_t>(t) * query_width + h * p.head_dim;
      for (int i = 0; i < p.head_dim; ++i) query[static_cast<std::size_t>(i)] = round_f16 ? round_to_half(q[i]) : q[i];
      const int kv_head = h / group;
      float maximum = -INFINITY;
      for (int j = 0; j < visible; ++j) {
        const float* k = &keys[static_cast<std::size_t>(j) * width + static_cast<std::size_t>(kv_head) * p.head_dim];
        float dot = 0;
        for (int i = 0; i < p.head_dim; ++i) dot += query[static_cast<std::size_t>(i)] * k[i];
        scores[static_cast<std::size_t>(j)] = dot * scale;
        maximum = std::max(maximum, scores[static_cast<std::size_t>(j)]);
      }
      double sum = 0;
      for (int j = 0; j < visible; ++j) {
        float e = std::exp(scores[static_cast<std::size_t>(j)] - maximum);
        scores[static_cast<std::size_t>(j)] = e;
        sum += e;
      }
      const float inverse = static_cast<float>(1.0 / sum);
      float* out = output + static_cast<std::ptrdiff_t>(t) * query_width + h * p.head_dim;
      std::fill(out, out + p.head_dim, 0.0f);
      for (int j = 0; j < visible; ++j) {
        float weight = scores[static_cast<std::size_t>(j)] * inverse;
        if (round_f16) weight = round_to_half(weight);
        const float* v = &values[static_cast<std::size_t>(j) * width + static_cast<std::size_t>(kv_head) * p.head_dim];
        for (int i = 0; i < p.head_dim; ++i) out[i] += weight * v[i];
      }
    }
  }
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
  auto buffer = [count](std::int64_t width) { return std::vector<float>(static_cast<std::size_t>(count * width)); };
  std::vector<float> x = buffer(hidden), normed = buffer(hidden), q = buffer(query_width), k = buffer(kv_width),
                     v = buffer(kv_width), attended = buffer(query_width), projected = buffer(hidden),
                     gate = buffer(p.ffn), up = buffer(p.ffn);

  const TensorView& embedding = w.get(TensorRole::token_embedding);
  for (int t = 0; t < count; ++t) embedding_row(embedding, tokens[static_cast<std::size_t>(t)], &x[static_cast<std::size_t>(t * hidden)]);

  for (int layer = 0; layer < p.layers; ++layer) {
    normed = x;
    rms_norm(normed.data(), count, hidden, w.get(TensorRole::attention_norm, layer), p.norm_epsilon);
    auto bias = [&](TensorRole role) { return w.has(role, layer) ? &w.get(role, layer) : nullptr; };
    linear(w.get(TensorRole::attention_query, layer), bias(TensorRole::attention_query_bias), normed.data(), count, q.data(),
           options_.rounding);
    linear(w.get(TensorRole::attention_key, layer), bias(TensorRole::attention_key_bias), normed.data(), count, k.data(),
           options_.rounding);
    linear(w.get(TensorRole::attention_value, layer), bias(TensorRole::attention_value_bias), normed.data(), count, v.data(),
           options_.rounding);
    for (int t = 0; t < count; ++t) {
      apply_rope(&q[static_cast<std::size_t>(t * query_width)], p.heads, p.head_dim, p.rope_dimensions, rope_style_,
                 first + t, p.rope_theta);
      apply_rope(&k[static_cast<std::size_t>(t * kv_width)], p.kv_heads, p.head_dim, p.rope_dimensions, rope_style_,
                 first + t, p.rope_theta);
      cache.store(layer, first + t, &k[static_cast<std::size_t>(t * kv_width)], &v[static_cast<std::size_t>(t * kv_width)]);
    }
    attention(layer, first, count, q.data(), cache, attended.data());
    linear(w.get(TensorRole::attention_output, layer), nullptr, attended.data(), count, projected.data(), options_.rounding);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] += projected[i];

    normed = x;
    rms_norm(normed.data(), count, hidden, w.get(TensorRole::ffn_norm, layer), p.norm_epsilon);
    linear(w.get(TensorRole::ffn_gate, layer), nullptr, normed.data(), count, gate.data(), options_.rounding);
    linear(w.get(TensorRole::ffn_up, layer), nullptr, normed.data(), count, up.data(), options_.rounding);
    for (std::size_t i = 0; i < gate.size(); ++i) gate[i] = silu(gate[i]) * up[i];
    if (ffn_down_hadamard_block_ > 0)
      for (int t = 0; t < count; ++t) walsh_hadamard_blocks(&gate[static_cast<std::size_t>(t * p.ffn)], p.ffn, ffn_down_hadamard_block_);
    linear(w.get(TensorRole::ffn_down, layer), nullptr, gate.data(), count, projected.data(), options_.rounding);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] += projected[i];
  }
  cache.set_length(first + count);

  const int output_rows = all_positions ? count : 1;
  const float* final_rows = all_positions ? x.data() : &x[static_cast<std::size_t>((count - 1) * hidden)];
  std::vector<float> final_normed(final_rows, final_rows + output_rows * hidden);
  rms_norm(final_normed.data(), output_rows, hidden, w.get(TensorRole::output_norm), p.norm_epsilon);
  const TensorView& output = w.has(TensorRole::output) ? w.get(TensorRole::output) : embedding;
  logits.resize(static_cast<std::size_t>(output_rows * p.vocabulary));
  linear(output, nullptr, final_normed.data(), output_rows, logits.data(), options_.rounding);
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
