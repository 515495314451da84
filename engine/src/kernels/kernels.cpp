#include "kernels/kernels.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "kernels/activations.hpp"
#include "parallel/thread_pool.hpp"

namespace docent::engine::kernels {

bool cpu_supports(InstructionSet set) {
#if defined(__x86_64__)
  switch (set) {
    case InstructionSet::none: return true;
    case InstructionSet::avx2:
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case InstructionSet::avx512_vnni:
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni");
  }
  return false;
#else
  return set == InstructionSet::none;
#endif
}

const KernelSet* kernel_set(InstructionSet set) {
  if (!cpu_supports(set)) return nullptr;
  switch (set) {
    case InstructionSet::avx512_vnni: return avx512_kernel_set();
    case InstructionSet::avx2: return avx2_kernel_set();
    default: return nullptr;
  }
}

namespace {
const KernelSet* choose_kernel_set() {
  const char* forced = std::getenv("DOCENT_KERNELS");
  std::string choice = forced ? forced : "";
  if (choice == "none" || choice == "scalar") return nullptr;
  if (choice == "avx2") return kernel_set(InstructionSet::avx2);
  if (const KernelSet* best = kernel_set(InstructionSet::avx512_vnni)) return best;
  return kernel_set(InstructionSet::avx2);
}
}  // namespace

const KernelSet* active_kernel_set() {
  static const KernelSet* chosen = choose_kernel_set();
  return chosen;
}

std::string active_kernel_name() {
  const KernelSet* set = active_kernel_set();
  return set ? set->name : "none";
}

namespace {

GroupKernel kernel_for(const KernelSet& set, TensorType type) {
  switch (type) {
    case TensorType::q4_0: return set.q4_0;
    case TensorType::q8_0: return set.q8_0;
    case TensorType::q4_k: return set.q4_k;
    case TensorType::q6_k: return set.q6_k;
    case TensorType::int4_channel: return set.int4_channel;
    case TensorType::f16: return set.f16;
    case TensorType::tq1_0: case TensorType::tq2_0: case TensorType::i2_s_rows: return set.ternary;
    default: return nullptr;
  }
}

// Tokens processed against one sweep of the weights: their quantized rows should stay in the
// core's L2 while every row group passes over them. F16 is different: its weights are twice
// the bytes of Q8_0 and its kernel reads only 4 bytes of activation per 16 multiply-adds, so
// the rows can live in L3 instead (the prefetchers follow them well) and more tokens share
// each pass of the weights from memory (measured with bench_kernels on the 1.5B shapes: 29
// GMAC/s with a 512 KiB budget, 43-48 with 4-8 MiB, at 512 tokens).
std::int64_t tokens_per_sweep(std::size_t activation_row_bytes, ActivationFormat format) {
  const std::size_t budget = format == ActivationFormat::half_rounded_floats ? std::size_t{4} << 20
                                                                              : std::size_t{512} << 10;  // half a Zen 4/5 or recent Intel core's L2
  std::int64_t tokens = static_cast<std::int64_t>(budget / std::max<std::size_t>(activation_row_bytes, 1));
  return std::max<std::int64_t>(8, tokens / 8 * 8);  // whole 8-token tiles
}

}  // namespace

void packed_linear(const PackedMatrix& weight, const float* input, std::int64_t tokens, float* output,
                   const KernelSet& set, Int8Scale scale) {
  const PackedMatrix* weights[] = {&weight};
  float* outputs[] = {output};
  packed_linear_many(weights, outputs, 1, input, tokens, set, scale);
}

bool can_share_activations(const PackedMatrix* const* weights, int count) {
  for (int i = 1; i < count; ++i)
    if (weights[i]->columns() != weights[0]->columns() ||
        activation_format(weights[i]->type()) != activation_format(weights[0]->type()))
      return false;
  return true;
}

void packed_linear_many(const PackedMatrix* const* weights, float* const* outputs, int count, const float* input,
                        std::int64_t tokens, const KernelSet& set, Int8Scale scale) {
  // Per calling thread, reused across calls. Workers must reach it through this reference: a
  // lambda naming the thread_local itself would see the worker's own (empty) instance.
  thread_local QuantizedActivations scratch;
  QuantizedActivations& activations = scratch;
  ActivationFormat format = activation_format(weights[0]->type());
  if (scale == Int8Scale::per_row && format == ActivationFormat::blocks256) format = ActivationFormat::blocks256_row_scaled;
  activations.quantize(format, input, tokens, weights[0]->columns(), set.round_to_half);
  // The matrices' row groups form one index space, so a single parallel region (one wake-up of
  // the workers) covers them all: a decode step has few enough rows that this matters.
  constexpr int kMaxMatrices = 8;
  std::int64_t first_group[kMaxMatrices + 1] = {0};
  GroupKernel kernels_used[kMaxMatrices];
  for (int i = 0; i < count; ++i) {
    first_group[i + 1] = first_group[i] + weights[i]->groups();
    kernels_used[i] = kernel_for(set, weights[i]->type());
  }
  const std::int64_t sweep = tokens_per_sweep(activations.row_bytes(), activations.format());
  ThreadPool& pool = ThreadPool::shared();
  for (std::int64_t first_token = 0; first_token < tokens; first_token += sweep) {
    const std::int64_t span = std::min(sweep, tokens - first_token);
    // Small grains for decode (a few groups), so both threads share even a 1536-row matrix.
    pool.parallel_for(first_group[count], 2, [&](std::int64_t begin, std::int64_t end) {
      int matrix = 0;
      for (std::int64_t flat = begin; flat < end; ++flat) {
        while (flat >= first_group[matrix + 1]) ++matrix;
        const PackedMatrix& weight = *weights[matrix];
        const std::int64_t g = flat - first_group[matrix], rows = weight.rows();
        GroupTask task;
        task.group = weight.group(g);
        task.blocks = weight.blocks_per_row();
        task.activations = activations.row(first_token);
        task.activation_stride = activations.row_bytes();
        task.tokens = span;
        task.output = outputs[matrix] + first_token * rows + g * kGroupRows;
        task.output_stride = rows;
        task.rows = static_cast<int>(std::min<std::int64_t>(kGroupRows, rows - g * kGroupRows));
        kernels_used[matrix](task);
      }
    });
  }
}

}  // namespace docent::engine::kernels
