#include "attention/attention.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#if defined(__x86_64__) && defined(__GNUC__)
#include <cpuid.h>
#endif

#include "quant/half.hpp"

namespace docent::engine::attention {

namespace {

int longest_visible(const QueryRows& rows) {
  int longest = 0;
  for (int r = 0; r < rows.rows; ++r) longest = std::max(longest, rows.visible[r]);
  return longest;
}

float key_at(const HeadView& head, int position, int dimension) {
  std::size_t at = key_offset(position, dimension, head.head_dim);
  return head.storage == Storage::f16 ? half_to_float(static_cast<const std::uint16_t*>(head.keys)[at])
                                      : static_cast<const float*>(head.keys)[at];
}

float value_at(const HeadView& head, int position, int dimension) {
  std::size_t at = static_cast<std::size_t>(position) * static_cast<std::size_t>(head.value_stride) + static_cast<std::size_t>(dimension);
  return head.storage == Storage::f16 ? half_to_float(static_cast<const std::uint16_t*>(head.values)[at])
                                      : static_cast<const float*>(head.values)[at];
}

}  // namespace

std::size_t scratch_floats(const QueryRows& rows, int head_dim) {
  return static_cast<std::size_t>(rows.rows) *
         (static_cast<std::size_t>(head_dim) + static_cast<std::size_t>(padded_positions(longest_visible(rows))));
}

void attend_scalar(const HeadView& head, const QueryRows& rows, const Settings& settings, float* scratch) {
  const int dim = head.head_dim;
  const std::size_t stride = static_cast<std::size_t>(padded_positions(longest_visible(rows)));
  float* queries = scratch;
  float* scores = scratch + static_cast<std::size_t>(rows.rows) * static_cast<std::size_t>(dim);
  for (int r = 0; r < rows.rows; ++r) {
    float* query = queries + static_cast<std::size_t>(r) * static_cast<std::size_t>(dim);
    for (int i = 0; i < dim; ++i)
      query[i] = settings.round_like_reference ? round_to_half(rows.queries[r][i]) : rows.queries[r][i];
    float* row_scores = scores + static_cast<std::size_t>(r) * stride;
    const int visible = rows.visible[r];
    float maximum = -INFINITY;
    for (int j = 0; j < visible; ++j) {
      float dot = 0;
      for (int i = 0; i < dim; ++i) dot += query[i] * key_at(head, j, i);
      row_scores[j] = dot * settings.scale;
      maximum = std::max(maximum, row_scores[j]);
    }
    double sum = 0;  // double, as the reference sums the exponentials
    for (int j = 0; j < visible; ++j) {
      row_scores[j] = std::exp(row_scores[j] - maximum);
      sum += row_scores[j];
    }
    const float inverse = static_cast<float>(1.0 / sum);
    float* out = rows.outputs[r];
    std::fill(out, out + dim, 0.0f);
    for (int j = 0; j < visible; ++j) {
      float weight = row_scores[j] * inverse;
      if (settings.round_like_reference) weight = round_to_half(weight);
      for (int i = 0; i < dim; ++i) out[i] += weight * value_at(head, j, i);
    }
  }
}

bool avx512_available() {
#if defined(__x86_64__) && defined(__GNUC__)
  static const bool available = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                                __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq");
  return available;
#else
  return false;
#endif
}

bool avx2_available() {
#if defined(__x86_64__) && defined(__GNUC__)
  // clang 14 does not know "f16c" in __builtin_cpu_supports: read CPUID leaf 1 (ECX bit 29)
  // directly. The AVX2 check already covers the OS saving the vector registers.
  static const bool available = [] {
    unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
    const bool f16c = __get_cpuid(1, &eax, &ebx, &ecx, &edx) != 0 && (ecx & (1u << 29)) != 0;
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && f16c;
  }();
  return available;
#else
  return false;
#endif
}

namespace {

struct Implementation {
  const char* name;
  void (*kernel)(const HeadView&, const QueryRows&, const Settings&, float*);
  bool (*available)();
};

bool always() { return true; }

constexpr Implementation kAvx512{"avx512", attend_avx512, avx512_available};
constexpr Implementation kAvx2{"avx2", attend_avx2, avx2_available};
constexpr Implementation kScalar{"scalar", attend_scalar, always};

const Implementation* best_available() {
  for (const Implementation* candidate : {&kAvx512, &kAvx2})
    if (candidate->available()) return candidate;
  return &kScalar;
}

// nullptr for an unknown name.
const Implementation* named(const std::string& name) {
  if (name == "auto") return best_available();
  for (const Implementation* candidate : {&kAvx512, &kAvx2, &kScalar})
    if (name == candidate->name) return candidate;
  return nullptr;
}

const Implementation* choose_implementation() {
  const char* forced = std::getenv("DOCENT_ATTENTION");
  const std::string choice = forced != nullptr ? forced : "";
  if (choice.empty()) return best_available();
  const Implementation* implementation = named(choice);
  if (implementation == nullptr) {
    std::fprintf(stderr, "docent: DOCENT_ATTENTION=%s is not one of avx512, avx2, scalar, auto; choosing automatically\n",
                 choice.c_str());
    return best_available();
  }
  if (!implementation->available()) {
    std::fprintf(stderr, "docent: DOCENT_ATTENTION=%s: this CPU lacks it, using the scalar attention\n", choice.c_str());
    return &kScalar;
  }
  return implementation;
}

std::atomic<const Implementation*> forced_for_tests{nullptr};

const Implementation& active() {
  static const Implementation* const chosen = choose_implementation();
  const Implementation* forced = forced_for_tests.load(std::memory_order_relaxed);
  return forced != nullptr ? *forced : *chosen;
}

}  // namespace

const char* active_implementation() { return active().name; }

bool force_implementation(const std::string& name) {
  if (name.empty()) {
    forced_for_tests.store(nullptr);
    return true;
  }
  const Implementation* implementation = named(name);
  if (implementation == nullptr || !implementation->available()) return false;
  forced_for_tests.store(implementation);
  return true;
}

void attend(const HeadView& head, const QueryRows& rows, const Settings& settings, float* scratch) {
  if (rows.rows <= 0) return;
  active().kernel(head, rows, settings, scratch);
}

}  // namespace docent::engine::attention
