// Attention cost alone (no matrix products) at the shapes of issue #5:
//  - decode: one token against a KV cache at context 0 / 1024 / 4096, all 28 layers of a
//    DeepSeek-R1-Distill-Qwen-1.5B-shaped model (12 query heads, 2 KV heads, head dim 128);
//  - prefill: 512 tokens from an empty cache, 28 layers;
//  - encoder: one 256-token passage through 12 layers of bge-small (12 heads, head dim 32).
//  - then each vector implementation (and with --scalar the portable one) called directly.
// Usage: bench_attention [--threads N] [--scalar]   (--scalar: also time the portable kernel)
// DOCENT_ATTENTION=avx2 makes the first three measure the AVX2 path (what attend() picks on a
// CPU without AVX-512).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <random>
#include <string>
#include <vector>

#include "attention/attention.hpp"
#include "attention/cached_attention.hpp"
#include "attention/sequence_attention.hpp"
#include "kv_cache.hpp"
#include "model_weights.hpp"
#include "parallel/thread_pool.hpp"

using namespace docent::engine;
using Clock = std::chrono::steady_clock;

// Process CPU time: on a busy machine wall time mostly measures the other processes; with
// --threads 1 this is the kernel's own cost.
double cpu_ms() {
  timespec now{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) * 1e3 + static_cast<double>(now.tv_nsec) * 1e-6;
}

namespace {

HyperParameters qwen_1_5b() {
  HyperParameters p;
  p.layers = 28;
  p.hidden = 1536;
  p.heads = 12;
  p.kv_heads = 2;
  p.head_dim = 128;
  return p;
}

std::vector<float> random_floats(std::size_t count, std::mt19937& random, float spread = 1.0f) {
  std::normal_distribution<float> normal(0.0f, spread);
  std::vector<float> values(count);
  for (auto& x : values) x = normal(random);
  return values;
}

void fill_cache(KvCache& cache, const HyperParameters& p, int positions, std::mt19937& random) {
  auto rows = random_floats(static_cast<std::size_t>(cache.row_width()) * 2, random);
  for (int layer = 0; layer < p.layers; ++layer)
    for (int position = 0; position < positions; ++position) cache.store(layer, position, rows.data(), rows.data() + cache.row_width());
  cache.set_length(positions);
}

struct Timing {
  double wall_ms, cpu_ms;
};

// Milliseconds per decoded token (store + attention in every layer), median of `repeats`.
Timing decode_ms(const HyperParameters& p, int context, CachePrecision precision, int repeats) {
  std::mt19937 random(1);
  KvCache cache(p, context + 1, precision);
  fill_cache(cache, p, context, random);
  auto query = random_floats(static_cast<std::size_t>(p.heads) * p.head_dim, random, 2.0f);
  auto kv = random_floats(static_cast<std::size_t>(cache.row_width()) * 2, random);
  std::vector<float> output(query.size());
  std::vector<double> times, cpu_times;
  for (int repeat = 0; repeat < repeats + 2; ++repeat) {
    auto start = Clock::now();
    const double cpu_start = cpu_ms();
    for (int layer = 0; layer < p.layers; ++layer) {
      cache.store(layer, context, kv.data(), kv.data() + cache.row_width());
      cached_attention(cache, layer, p.heads, context, 1, query.data(), output.data(), true);
    }
    if (repeat >= 2) {
      times.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
      cpu_times.push_back(cpu_ms() - cpu_start);
    }
  }
  std::sort(times.begin(), times.end());
  std::sort(cpu_times.begin(), cpu_times.end());
  return {times[times.size() / 2], cpu_times[cpu_times.size() / 2]};
}

Timing prefill_ms(const HyperParameters& p, int tokens, CachePrecision precision, int repeats) {
  std::mt19937 random(2);
  KvCache cache(p, tokens, precision);
  auto queries = random_floats(static_cast<std::size_t>(tokens) * p.heads * p.head_dim, random, 2.0f);
  auto keys = random_floats(static_cast<std::size_t>(tokens) * cache.row_width(), random);
  std::vector<float> output(queries.size());
  std::vector<double> times, cpu_times;
  for (int repeat = 0; repeat < repeats + 1; ++repeat) {
    auto start = Clock::now();
    const double cpu_start = cpu_ms();
    for (int layer = 0; layer < p.layers; ++layer) {
      for (int t = 0; t < tokens; ++t) {
        const float* row = keys.data() + static_cast<std::size_t>(t) * cache.row_width();
        cache.store(layer, t, row, row);
      }
      cached_attention(cache, layer, p.heads, 0, tokens, queries.data(), output.data(), true);
    }
    if (repeat >= 1) {
      times.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
      cpu_times.push_back(cpu_ms() - cpu_start);
    }
  }
  std::sort(times.begin(), times.end());
  std::sort(cpu_times.begin(), cpu_times.end());
  return {times[times.size() / 2], cpu_times[cpu_times.size() / 2]};
}

Timing encoder_ms(int repeats) {
  const int layers = 12, heads = 12, head_dim = 32, tokens = 256;
  std::mt19937 random(3);
  const std::size_t size = static_cast<std::size_t>(tokens) * heads * head_dim;
  auto q = random_floats(size, random, 2.0f), k = random_floats(size, random), v = random_floats(size, random);
  std::vector<float> out(size);
  std::vector<double> times, cpu_times;
  for (int repeat = 0; repeat < repeats + 1; ++repeat) {
    auto start = Clock::now();
    const double cpu_start = cpu_ms();
    for (int layer = 0; layer < layers; ++layer) sequence_attention({0}, {tokens}, heads, head_dim, q.data(), k.data(), v.data(), out.data());
    if (repeat >= 1) {
      times.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
      cpu_times.push_back(cpu_ms() - cpu_start);
    }
  }
  std::sort(times.begin(), times.end());
  std::sort(cpu_times.begin(), cpu_times.end());
  return {times[times.size() / 2], cpu_times[cpu_times.size() / 2]};
}

using Kernel = void (*)(const attention::HeadView&, const attention::QueryRows&, const attention::Settings&, float*);

// One implementation called directly (single thread, CPU time) on one layer's worth of work,
// times 28 layers: `tokens` consecutive tokens of all 6 query heads of each of the 2 kv heads
// against a cache of `context` positions, median of `repeats`.
double kernel_ms(Kernel kernel, const HyperParameters& p, int context, int tokens, CachePrecision precision, int repeats) {
  std::mt19937 random(4);
  KvCache cache(p, context, precision);
  fill_cache(cache, p, context, random);
  const int group = p.heads / p.kv_heads;
  auto query = random_floats(static_cast<std::size_t>(tokens) * p.heads * p.head_dim, random, 2.0f);
  std::vector<float> output(query.size());
  std::vector<float> scratch;
  std::vector<double> times;
  for (int repeat = 0; repeat < repeats + 1; ++repeat) {
    const double start = cpu_ms();
    for (int kv_head = 0; kv_head < p.kv_heads; ++kv_head)
      for (int first = 0; first < tokens * group; first += attention::kMaxRows) {
        attention::QueryRows rows;
        rows.rows = std::min(attention::kMaxRows, tokens * group - first);
        for (int r = 0; r < rows.rows; ++r) {
          const int token = (first + r) / group, head = kv_head * group + (first + r) % group;
          const std::size_t offset = (static_cast<std::size_t>(token) * p.heads + static_cast<std::size_t>(head)) * p.head_dim;
          rows.queries[r] = query.data() + offset;
          rows.outputs[r] = output.data() + offset;
          rows.visible[r] = context - tokens + token + 1;
        }
        attention::Settings settings;
        settings.scale = 0.088f;
        settings.round_like_reference = precision == CachePrecision::f16;
        scratch.resize(attention::scratch_floats(rows, p.head_dim));
        kernel(cache.head(0, kv_head), rows, settings, scratch.data());
      }
    if (repeat >= 1) times.push_back((cpu_ms() - start) * p.layers);
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  bool scalar = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--threads") == 0 && i + 1 < argc) set_engine_threads(std::stoi(argv[++i]));
    else if (std::strcmp(argv[i], "--scalar") == 0) scalar = true;
    else {
      std::fprintf(stderr, "usage: bench_attention [--threads N] [--scalar]\n");
      return 2;
    }
  }
  const HyperParameters p = qwen_1_5b();
  std::printf("attention only, %d threads, kernel: %s\n", engine_threads(), attention::active_implementation());
  std::printf("decode (28 layers, 12 q heads / 2 kv heads, dim 128), ms per token:\n");
  for (CachePrecision precision : {CachePrecision::f16, CachePrecision::f32})
    for (int context : {0, 1024, 4096}) {
      const Timing t = decode_ms(p, context, precision, context >= 4096 ? 30 : 60);
      std::printf("  %s cache  context %4d: %7.3f ms/token wall (%7.0f tok/s if attention were all), %7.3f ms CPU\n",
                  precision == CachePrecision::f16 ? "f16" : "f32", context, t.wall_ms, 1000.0 / t.wall_ms, t.cpu_ms);
    }
  const Timing prefill = prefill_ms(p, 512, CachePrecision::f16, 3);
  std::printf("prefill 512 tokens (28 layers, f16 cache): %.1f ms wall (%.0f tok/s attention alone), %.1f ms CPU\n",
              prefill.wall_ms, 512 * 1000.0 / prefill.wall_ms, prefill.cpu_ms);
  const Timing encoder = encoder_ms(20);
  std::printf("encoder 256-token passage (12 layers, 12 heads, dim 32): %.2f ms wall (%.0f passages/s attention alone), %.2f ms CPU\n",
              encoder.wall_ms, 1000.0 / encoder.wall_ms, encoder.cpu_ms);
  // Each implementation this CPU has, called directly: the AVX2 path is what a CPU without
  // AVX-512 gets from attend().
  struct Implementation {
    const char* name;
    Kernel kernel;
    bool available;
  };
  const Implementation implementations[] = {
      {"avx512", attention::attend_avx512, attention::avx512_available()},
      {"avx2", attention::attend_avx2, attention::avx2_available()},
      {"scalar", attention::attend_scalar, scalar},
  };
  std::printf("per implementation, 1 thread, CPU ms (28 layers): decode = 1 token, tile = 2 tokens x 6 heads\n");
  std::printf("  %-7s %13s %13s %13s %13s\n", "", "f16 dec 1024", "f16 dec 4096", "f32 dec 4096", "f16 tile 4096");
  for (const Implementation& implementation : implementations) {
    if (!implementation.available) continue;
    const int repeats = implementation.kernel == attention::attend_scalar ? 3 : 15;
    std::printf("  %-7s %13.3f %13.3f %13.3f %13.3f\n", implementation.name,
                kernel_ms(implementation.kernel, p, 1024, 1, CachePrecision::f16, repeats),
                kernel_ms(implementation.kernel, p, 4096, 1, CachePrecision::f16, repeats),
                kernel_ms(implementation.kernel, p, 4096, 1, CachePrecision::f32, repeats),
                kernel_ms(implementation.kernel, p, 4096, 2, CachePrecision::f16, repeats));
  }
  return 0;
}
