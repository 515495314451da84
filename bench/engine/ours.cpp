// Our engine's measurements, run in a child process (bench_engine --internal measure ...). Uses the
// internal Transformer / Encoder directly: random models carry no tokenizer docent uses, and the
// figures should be the engine's, not the tokenizer's. Default options, as Model::load uses.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>

#include "bench_engine.hpp"
#include "docent/engine.hpp"
#include "encoder.hpp"
#include "gguf/gguf_reader.hpp"
#include "kv_cache.hpp"
#include "transformer.hpp"

namespace docent::bench {

using engine::Encoder;
using engine::GgufFile;
using engine::KvCache;
using engine::Transformer;

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

class RandomTokens {
 public:
  RandomTokens(std::int64_t low, std::int64_t high) : pick_(static_cast<std::int32_t>(low), static_cast<std::int32_t>(high - 1)) {}
  std::vector<std::int32_t> next(int count) {
    std::vector<std::int32_t> tokens(static_cast<std::size_t>(count));
    for (auto& token : tokens) token = pick_(random_);
    return tokens;
  }

 private:
  std::mt19937 random_{12345};
  std::uniform_int_distribution<std::int32_t> pick_;
};

// The Generator's default prompt window, so TTFT is what `docent ask` would see.
constexpr int kGeneratorPrefillWindow = 256;
// Windows that build long contexts for the decode measurements (not timed).
constexpr int kFillWindow = 512;

Json measure_decoder(const Preset& preset, const Plan& plan) {
  Json result;
  const auto load_start = Clock::now();
  auto file = GgufFile::open(model_path(preset));
  Transformer model(file);
  KvCache cache(model.parameters(), plan.cache_capacity());
  result["open_seconds"] = seconds_since(load_start);
  RandomTokens tokens(0, model.parameters().vocabulary);
  std::vector<float> logits;
  model.forward(tokens.next(1), cache, logits, false);
  result["load_seconds"] = seconds_since(load_start);  // open + first forward (weights paged in)
  result["kv_cache_bytes"] = cache.bytes();
  result["kv_cache_positions"] = cache.capacity();
  std::fprintf(stderr, "  ours: loaded in %.2f s\n", result["load_seconds"].get<double>());

  result["prefill"] = Json::array();
  for (int length : plan.prefill_lengths) {
    double total = 0;
    for (int repetition = 0; repetition < plan.repetitions; ++repetition) {
      cache.clear();
      auto prompt = tokens.next(length);
      const auto start = Clock::now();
      model.prefill(prompt, cache, logits, false, length);
      total += seconds_since(start);
    }
    const double mean = total / plan.repetitions;
    result["prefill"].push_back({{"tokens", length}, {"seconds", mean}, {"tokens_per_second", length / mean}});
    std::fprintf(stderr, "  ours: prefill %d: %.2f tok/s\n", length, length / mean);
  }

  result["decode"] = Json::array();
  for (int context : plan.decode_contexts) {
    cache.clear();
    if (context > 0) model.prefill(tokens.next(context), cache, logits, false, kFillWindow);
    double total = 0;
    for (int repetition = 0; repetition < plan.repetitions; ++repetition) {
      cache.truncate(context);
      auto steps = tokens.next(plan.decode_tokens);
      const auto start = Clock::now();
      for (std::int32_t token : steps) model.forward(std::span<const std::int32_t>(&token, 1), cache, logits, false);
      total += seconds_since(start);
    }
    const double mean = total / plan.repetitions;
    result["decode"].push_back({{"context", context}, {"tokens", plan.decode_tokens}, {"seconds", mean},
                                {"tokens_per_second", plan.decode_tokens / mean}});
    std::fprintf(stderr, "  ours: decode at context %d: %.2f tok/s\n", context, plan.decode_tokens / mean);
  }

  // Prompt submitted -> first token chosen (greedy, as sampling at temperature 0 does).
  double total = 0;
  for (int repetition = 0; repetition < plan.repetitions; ++repetition) {
    cache.clear();
    auto prompt = tokens.next(plan.ttft_tokens);
    const auto start = Clock::now();
    model.prefill(prompt, cache, logits, false, kGeneratorPrefillWindow);
    volatile auto first = std::max_element(logits.begin(), logits.end()) - logits.begin();
    (void)first;
    total += seconds_since(start);
  }
  result["ttft_tokens"] = plan.ttft_tokens;
  result["ttft_seconds"] = total / plan.repetitions;
  return result;
}

Json measure_encoder(const Preset& preset, const Plan& plan) {
  Json result;
  const auto load_start = Clock::now();
  auto file = GgufFile::open(model_path(preset));
  Encoder encoder(file);
  result["open_seconds"] = seconds_since(load_start);
  const auto pooling = encoder.default_pooling();
  RandomTokens words(104, encoder.parameters().vocabulary);  // past [PAD], [UNK], [CLS], [SEP], [MASK]
  auto passage = [&](int length) {
    auto tokens = words.next(length);
    tokens.front() = 101, tokens.back() = 102;  // [CLS] ... [SEP]
    return tokens;
  };
  encoder.embed({passage(8)}, pooling);
  result["load_seconds"] = seconds_since(load_start);
  result["kv_cache_bytes"] = 0;
  std::fprintf(stderr, "  ours: loaded in %.2f s\n", result["load_seconds"].get<double>());

  std::vector<std::vector<std::int32_t>> passages;
  for (int i = 0; i < plan.passages; ++i) passages.push_back(passage(plan.passage_tokens));
  double total = 0;
  for (int repetition = 0; repetition < plan.repetitions; ++repetition) {
    const auto start = Clock::now();
    for (std::size_t first = 0; first < passages.size(); first += static_cast<std::size_t>(plan.embed_batch)) {
      const auto last = std::min(passages.size(), first + static_cast<std::size_t>(plan.embed_batch));
      std::vector<std::vector<std::int32_t>> batch(passages.begin() + static_cast<std::ptrdiff_t>(first),
                                                   passages.begin() + static_cast<std::ptrdiff_t>(last));
      auto vectors = encoder.embed(batch, pooling);
      if (vectors.size() != batch.size()) throw std::runtime_error("encoder returned the wrong number of vectors");
    }
    total += seconds_since(start);
  }
  const double mean = total / plan.repetitions;
  result["embedding"] = {{"passages", plan.passages}, {"tokens_per_passage", plan.passage_tokens},
                         {"batch", plan.embed_batch}, {"seconds", mean},
                         {"chunks_per_second", plan.passages / mean},
                         {"tokens_per_second", static_cast<double>(plan.passages) * plan.passage_tokens / mean}};
  std::fprintf(stderr, "  ours: %.2f chunks/s\n", plan.passages / mean);
  return result;
}

}  // namespace

int measure_ours(const Preset& preset, const Plan& plan, int threads) {
  engine::set_engine_threads(threads);
  Json result = preset.encoder ? measure_encoder(preset, plan) : measure_decoder(preset, plan);
  result["threads"] = engine::engine_threads();
  result["file_bytes"] = static_cast<std::int64_t>(fs::file_size(model_path(preset)));
  std::printf("%s\n", result.dump().c_str());
  return 0;
}

int export_onnx(const Preset& preset) {
  engine::OnnxExportOptions options;
  options.external_data = true;
  if (!preset.encoder) {
    // What ONNX Runtime runs best for 4-bit decoders: MatMulNBits, blocks of 32, logits of the
    // last position only (as our engine computes them).
    options.weights = "int4";
    options.block_size = 32;
    options.last_logits_only = true;
  }
  const fs::path folder = onnx_directory(preset), partial = folder.string() + ".partial";
  fs::remove_all(partial);
  engine::export_onnx_model(model_path(preset), partial, options);
  fs::remove_all(folder);
  fs::rename(partial, folder);
  std::printf("{\"folder\": %s}\n", Json(folder.string()).dump().c_str());
  return 0;
}

}  // namespace docent::bench
