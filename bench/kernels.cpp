// Matrix-product kernels alone, on the weight shapes of DeepSeek-R1-Distill-Qwen-1.5B (one
// layer's seven matrices; the output head separately): decode (1 token) and prompt (64 and
// 512 tokens) time per layer for each quantized type and F16, SIMD kernels against the portable
// dequantize-and-multiply path run in the same process, with the weight bandwidth (decode) and
// multiply-accumulate throughput (prompt) they reach. TQ1_0/TQ2_0 run with llama.cpp's Q8_K
// activations (BitLinear's per-token scaling costs the same in the kernel). Usage: bench_kernels [--threads N] [--quick] [--type NAME]
#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "kernels/kernels.hpp"
#include "matmul.hpp"
#include "parallel/thread_pool.hpp"
#include "quant/blocks.hpp"
#include "quant/half.hpp"
#include "quant/int4_channel.hpp"
#include "quant/quantize.hpp"

using namespace docent::engine;

namespace {

struct Weight {
  std::vector<std::uint8_t> bytes;
  TensorView view;
  std::unique_ptr<kernels::PackedMatrix> packed;
};

Weight make_weight(TensorType type, std::int64_t rows, std::int64_t columns, std::mt19937& random) {
  std::normal_distribution<float> normal(0.0f, 0.05f);
  const auto traits = *type_traits(type);
  const std::int64_t row_size = columns / traits.block_elements * traits.block_bytes + traits.row_header_bytes;
  Weight w;
  w.bytes.resize(static_cast<std::size_t>(row_size * rows));
  std::vector<float> values(static_cast<std::size_t>(columns));
  for (std::int64_t r = 0; r < rows; ++r) {
    for (auto& v : values) v = normal(random);
    void* out = w.bytes.data() + r * row_size;
    if (type == TensorType::f16) {  // plain conversion, not a quantizer
      auto* halves = static_cast<std::uint16_t*>(out);
      for (std::int64_t c = 0; c < columns; ++c) halves[c] = float_to_half(values[static_cast<std::size_t>(c)]);
    } else {
      quantize_row(type, values.data(), out, columns);
    }
  }
  w.view = make_view(w.bytes.data(), type, {columns, rows, 1, 1}, 2, "bench");
  w.packed = std::make_unique<kernels::PackedMatrix>(w.view);
  return w;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 2;
  bool quick = false;
  std::string only_type;  // e.g. F16: just that type
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--threads") == 0 && i + 1 < argc) threads = std::atoi(argv[++i]);
    else if (std::strcmp(argv[i], "--quick") == 0) quick = true;
    else if (std::strcmp(argv[i], "--type") == 0 && i + 1 < argc) only_type = argv[++i];
    else {
      std::fprintf(stderr, "usage: bench_kernels [--threads N] [--quick] [--type NAME]\n");
      return 2;
    }
  }
  set_engine_threads(threads);
  const kernels::KernelSet* set = kernels::active_kernel_set();
  std::printf("kernels: %s, threads: %d\n", kernels::active_kernel_name().c_str(), threads);
  if (set == nullptr) {
    std::printf("no SIMD kernels on this CPU\n");
    return 0;
  }
  // One layer of the 1.5B model: q, k, v, o, gate, up, down as (rows, columns).
  const std::vector<std::pair<std::int64_t, std::int64_t>> layer = {
      {1536, 1536}, {256, 1536}, {256, 1536}, {1536, 1536}, {8960, 1536}, {8960, 1536}, {1536, 8960}};
  std::mt19937 random(1);
  std::printf("%-5s %7s %12s %12s %8s %10s\n", "type", "tokens", "simd ms", "portable ms", "ratio", "simd rate");
  for (TensorType type : {TensorType::q4_0, TensorType::q8_0, TensorType::q4_k, TensorType::q6_k, TensorType::int4_channel,
                          TensorType::f16, TensorType::tq1_0, TensorType::tq2_0}) {
    if (!only_type.empty() && only_type != type_name(static_cast<std::uint32_t>(type))) continue;
    std::vector<Weight> weights;
    std::size_t layer_bytes = 0;
    for (auto [rows, columns] : layer) {
      weights.push_back(make_weight(type, rows, columns, random));
      layer_bytes += weights.back().bytes.size();
    }
    {
      // Load-time repacking speed (the whole model is repacked once when it is opened).
      auto start = std::chrono::steady_clock::now();
      for (auto& w : weights) w.packed = std::make_unique<kernels::PackedMatrix>(w.view);
      const double seconds = seconds_since(start);
      std::printf("%-5s repack %.1f MB in %.1f ms: %.2f GB/s\n", std::string(type_name(static_cast<std::uint32_t>(type))).c_str(),
                  static_cast<double>(layer_bytes) / 1e6, seconds * 1e3, static_cast<double>(layer_bytes) / seconds / 1e9);
    }
    for (std::int64_t tokens : {1, 64, 512}) {
      if (quick && tokens == 512) continue;
      std::vector<float> input(static_cast<std::size_t>(tokens * 8960)), output(static_cast<std::size_t>(tokens * 8960));
      std::normal_distribution<float> normal(0.0f, 1.0f);
      for (auto& v : input) v = normal(random);
      auto run = [&](bool simd) {
        for (auto& w : weights) {
          if (simd) kernels::packed_linear(*w.packed, input.data(), tokens, output.data(), *set);
          else {
            TensorView plain = w.view;  // no packed pointer: the portable path
            linear(plain, nullptr, input.data(), tokens, output.data());
          }
        }
      };
      const int repeats = tokens == 1 ? (quick ? 20 : 100) : (tokens == 64 ? 4 : 1);
      run(true);
      auto start = std::chrono::steady_clock::now();
      for (int r = 0; r < repeats; ++r) run(true);
      const double simd = seconds_since(start) / repeats;
      const int portable_repeats = tokens == 1 ? 5 : 1;
      start = std::chrono::steady_clock::now();
      for (int r = 0; r < portable_repeats; ++r) run(false);
      const double portable = seconds_since(start) / portable_repeats;
      char rate[64];
      if (tokens == 1) std::snprintf(rate, sizeof rate, "%.1f GB/s", static_cast<double>(layer_bytes) / simd / 1e9);
      else {
        double macs = 0;
        for (auto [rows, columns] : layer) macs += static_cast<double>(rows) * static_cast<double>(columns) * static_cast<double>(tokens);
        std::snprintf(rate, sizeof rate, "%.0f GMAC/s", macs / simd / 1e9);
      }
      std::printf("%-5s %7lld %12.3f %12.3f %7.1fx %10s\n", std::string(type_name(static_cast<std::uint32_t>(type))).c_str(),
                  static_cast<long long>(tokens), simd * 1e3, portable * 1e3, portable / simd, rate);
    }
  }
  return 0;
}
