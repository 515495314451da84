// The AVX2 + FMA + F16C attention kernel, for CPUs without AVX-512 (most laptops, AMD Zen 2/3,
// Intel client chips). Same structure and arithmetic as attention_avx512.cpp, 8 lanes wide:
// a key block of 16 positions is two vectors ("units" of 8 positions). Only 16 vector
// registers, so the tiles are smaller. Compiled for AVX2 by the target pragma below; attend()
// only calls into it after checking the CPU at run time.
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "attention/attention.hpp"
#include "quant/half.hpp"

#if defined(__x86_64__) && defined(__GNUC__)
// GCC takes a target pragma; clang (the fuzz build) needs the attribute applied per function.
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,fma,f16c"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx2,fma,f16c")
#endif
#include "attention/avx2_math.hpp"

namespace docent::engine::attention {

namespace {

constexpr int kLanes = 8;

// The loops over a tile's rows, units and chunks, unrolled before GCC decides where the
// accumulator arrays live: left to its own heuristics it keeps them in registers but also
// stores every one back to the stack on each iteration (for the larger tiles).
#define DOCENT_UNROLL _Pragma("GCC unroll 16")

template <Storage S>
inline __m256 load8(const void* base, std::size_t at) {
  if constexpr (S == Storage::f16)
    return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(static_cast<const std::uint16_t*>(base) + at)));
  else
    return _mm256_loadu_ps(static_cast<const float*>(base) + at);
}

template <Storage S>
inline float load1(const void* base, std::size_t at) {
  if constexpr (S == Storage::f16)
    return half_to_float(static_cast<const std::uint16_t*>(base)[at]);
  else
    return static_cast<const float*>(base)[at];
}

// Element offset of unit `unit` (8 positions: half of a key block) at dimension 0.
inline std::size_t unit_offset(int unit, int dim) {
  return static_cast<std::size_t>(unit / 2) * static_cast<std::size_t>(dim) * kKeyBlock + static_cast<std::size_t>(unit % 2) * kLanes;
}

// Scores of every row against the positions of units [first_unit, first_unit + Units).
template <Storage S, int Rows, int Units>
inline void score_units(const void* keys, int dim, const float* queries, int first_unit, float* scores,
                        std::size_t score_stride, float scale) {
  __m256 sums[Rows][Units];
  DOCENT_UNROLL for (int r = 0; r < Rows; ++r)
    DOCENT_UNROLL for (int u = 0; u < Units; ++u) sums[r][u] = _mm256_setzero_ps();
  std::size_t base[Units];
  DOCENT_UNROLL for (int u = 0; u < Units; ++u) base[u] = unit_offset(first_unit + u, dim);
  for (int d = 0; d < dim; ++d) {
    const std::size_t row = static_cast<std::size_t>(d) * kKeyBlock;
    __m256 key[Units];
    DOCENT_UNROLL for (int u = 0; u < Units; ++u) key[u] = load8<S>(keys, base[u] + row);
    DOCENT_UNROLL for (int r = 0; r < Rows; ++r) {
      const __m256 query = _mm256_broadcast_ss(queries + r * dim + d);
      DOCENT_UNROLL for (int u = 0; u < Units; ++u) sums[r][u] = _mm256_fmadd_ps(query, key[u], sums[r][u]);
    }
  }
  const __m256 factor = _mm256_set1_ps(scale);
  DOCENT_UNROLL for (int r = 0; r < Rows; ++r)
    DOCENT_UNROLL for (int u = 0; u < Units; ++u)
      _mm256_storeu_ps(scores + static_cast<std::size_t>(r) * score_stride + static_cast<std::size_t>(first_unit + u) * kLanes,
                       _mm256_mul_ps(sums[r][u], factor));
}

// Turns one row of scores into probabilities over [0, visible), zero up to `padded`. The lanes
// past `visible` hold whatever the padding keys gave (even inf or NaN): masked out by bits.
inline void softmax_row(float* scores, int visible, int padded, bool round_like_reference) {
  const __m256 lowest = _mm256_set1_ps(-INFINITY);
  __m256 maxima = lowest;
  for (int j = 0; j < visible; j += kLanes)
    maxima = _mm256_max_ps(maxima, _mm256_blendv_ps(lowest, _mm256_loadu_ps(scores + j), avx2::first_lanes(visible - j)));
  const __m256 maximum = _mm256_set1_ps(avx2::horizontal_max(maxima));
  __m256d low = _mm256_setzero_pd(), high = _mm256_setzero_pd();  // double sums, as the reference
  for (int j = 0; j < visible; j += kLanes) {
    const __m256 e = _mm256_and_ps(avx2::first_lanes(visible - j), avx2::exp(_mm256_sub_ps(_mm256_loadu_ps(scores + j), maximum)));
    _mm256_storeu_ps(scores + j, e);
    low = _mm256_add_pd(low, _mm256_cvtps_pd(_mm256_castps256_ps128(e)));
    high = _mm256_add_pd(high, _mm256_cvtps_pd(_mm256_extractf128_ps(e, 1)));
  }
  const double sum = avx2::horizontal_sum(_mm256_add_pd(low, high));
  const __m256 inverse = _mm256_set1_ps(static_cast<float>(1.0 / sum));
  for (int j = 0; j < padded; j += kLanes) {
    __m256 weight = _mm256_and_ps(avx2::first_lanes(visible - j), _mm256_mul_ps(_mm256_loadu_ps(scores + j), inverse));
    if (round_like_reference) weight = avx2::round_to_half(weight);
    _mm256_storeu_ps(scores + j, weight);
  }
}

// outputs[r][column, column + 8 * Chunks) += sum_{j in [begin, end)} weights[r][j] * value[j][...].
// Every chunk lies inside the row (the columns past the last whole chunk go to weighted_tail).
template <Storage S, int Rows, int Chunks>
inline void weighted_sum(const void* values, std::int64_t value_stride, int column, int begin, int end, const float* weights,
                         std::size_t weight_stride, float* const* outputs) {
  __m256 sums[Rows][Chunks];
  DOCENT_UNROLL for (int r = 0; r < Rows; ++r)
    DOCENT_UNROLL for (int c = 0; c < Chunks; ++c) sums[r][c] = _mm256_loadu_ps(outputs[r] + column + kLanes * c);
  for (int j = begin; j < end; ++j) {
    const std::size_t row = static_cast<std::size_t>(j) * static_cast<std::size_t>(value_stride) + static_cast<std::size_t>(column);
    __m256 value[Chunks];
    DOCENT_UNROLL for (int c = 0; c < Chunks; ++c) value[c] = load8<S>(values, row + static_cast<std::size_t>(kLanes * c));
    DOCENT_UNROLL for (int r = 0; r < Rows; ++r) {
      const __m256 weight = _mm256_broadcast_ss(weights + static_cast<std::size_t>(r) * weight_stride + static_cast<std::size_t>(j));
      DOCENT_UNROLL for (int c = 0; c < Chunks; ++c) sums[r][c] = _mm256_fmadd_ps(weight, value[c], sums[r][c]);
    }
  }
  DOCENT_UNROLL for (int r = 0; r < Rows; ++r)
    DOCENT_UNROLL for (int c = 0; c < Chunks; ++c) _mm256_storeu_ps(outputs[r] + column + kLanes * c, sums[r][c]);
}

// The same for the last dim % 8 columns, one at a time (a head dim that is not a multiple of
// 8 is rare; a vector load there could read past the last value row).
template <Storage S, int Rows>
void weighted_tail(const void* values, std::int64_t value_stride, int first_column, int dim, int begin, int end,
                   const float* weights, std::size_t weight_stride, float* const* outputs) {
  for (int j = begin; j < end; ++j) {
    const std::size_t row = static_cast<std::size_t>(j) * static_cast<std::size_t>(value_stride);
    for (int i = first_column; i < dim; ++i) {
      const float value = load1<S>(values, row + static_cast<std::size_t>(i));
      for (int r = 0; r < Rows; ++r)
        outputs[r][i] = std::fma(weights[static_cast<std::size_t>(r) * weight_stride + static_cast<std::size_t>(j)], value, outputs[r][i]);
    }
  }
}

template <Storage S, int Rows>
void attend_rows(const HeadView& head, const QueryRows& rows, const Settings& settings, float* scratch) {
  const int dim = head.head_dim;
  const int whole_columns = dim / kLanes * kLanes;
  int longest = 0;
  for (int r = 0; r < Rows; ++r) longest = longest > rows.visible[r] ? longest : rows.visible[r];
  const int padded = padded_positions(longest);
  const std::size_t stride = static_cast<std::size_t>(padded);
  float* queries = scratch;
  float* scores = scratch + static_cast<std::size_t>(Rows) * static_cast<std::size_t>(dim);
  for (int r = 0; r < Rows; ++r) {
    float* query = queries + static_cast<std::size_t>(r) * static_cast<std::size_t>(dim);
    int i = 0;
    for (; i < whole_columns; i += kLanes) {
      __m256 value = _mm256_loadu_ps(rows.queries[r] + i);
      if (settings.round_like_reference) value = avx2::round_to_half(value);
      _mm256_storeu_ps(query + i, value);
    }
    for (; i < dim; ++i) query[i] = settings.round_like_reference ? round_to_half(rows.queries[r][i]) : rows.queries[r][i];
  }
  // Accumulators (Rows x Units) plus the Units key vectors and one broadcast query must fit the
  // 16 vector registers, or GCC keeps them in memory; one row needs its key vectors only
  // briefly, so it can take more units.
  constexpr int kUnits = Rows == 1 ? 8 : Rows == 2 ? 4 : Rows == 3 ? 3 : Rows <= 6 ? 2 : 1;
  const int units = padded / kLanes;
  const int blocks = padded / kKeyBlock;
  const std::size_t key_block_bytes = static_cast<std::size_t>(dim) * kKeyBlock * (S == Storage::f16 ? 2 : 4);
  int unit = 0;
  int prefetched = (kUnits + 1) / 2 < blocks ? (kUnits + 1) / 2 : blocks;  // blocks requested so far
  for (; unit + kUnits <= units; unit += kUnits) {
    // The next pass's key blocks, while this one computes.
    const int wanted_end = (unit + 2 * kUnits + 1) / 2;
    const int wanted = wanted_end < blocks ? wanted_end : blocks;
    for (; prefetched < wanted; ++prefetched) {
      const char* block = static_cast<const char*>(head.keys) + static_cast<std::size_t>(prefetched) * key_block_bytes;
      for (std::size_t offset = 0; offset < key_block_bytes; offset += 64) _mm_prefetch(block + offset, _MM_HINT_T0);
    }
    score_units<S, Rows, kUnits>(head.keys, dim, queries, unit, scores, stride, settings.scale);
  }
  for (; unit < units; ++unit) score_units<S, Rows, 1>(head.keys, dim, queries, unit, scores, stride, settings.scale);
  for (int r = 0; r < Rows; ++r)
    softmax_row(scores + static_cast<std::size_t>(r) * stride, rows.visible[r], padded, settings.round_like_reference);
  // Same register budget: Rows x Chunks sums, Chunks value vectors, one broadcast weight.
  constexpr int kChunks = Rows == 1 ? 8 : Rows == 2 ? 4 : Rows == 3 ? 3 : Rows <= 6 ? 2 : 1;
  // Positions in slices whose value rows stay in L1 while every column group passes over
  // them, so each value row comes from memory once.
  constexpr int kSlice = 64;
  for (int r = 0; r < Rows; ++r)
    for (int i = 0; i < dim; ++i) rows.outputs[r][i] = 0.0f;
  const std::size_t element = S == Storage::f16 ? 2 : 4;
  const std::size_t row_bytes = static_cast<std::size_t>(dim) * element;
  for (int begin = 0; begin < longest; begin += kSlice) {
    const int end = begin + kSlice < longest ? begin + kSlice : longest;
    // The next slice's value rows, whole, while this one is summed: the column passes would
    // otherwise each fetch a different part of every row on demand.
    const int next_end = end + kSlice < longest ? end + kSlice : longest;
    for (int j = end; j < next_end; ++j) {
      const char* row = static_cast<const char*>(head.values) +
                        static_cast<std::size_t>(j) * static_cast<std::size_t>(head.value_stride) * element;
      for (std::size_t offset = 0; offset < row_bytes; offset += 64) _mm_prefetch(row + offset, _MM_HINT_T0);
    }
    int column = 0;
    for (; column + kLanes * kChunks <= whole_columns; column += kLanes * kChunks)
      weighted_sum<S, Rows, kChunks>(head.values, head.value_stride, column, begin, end, scores, stride, rows.outputs);
    for (; column < whole_columns; column += kLanes)
      weighted_sum<S, Rows, 1>(head.values, head.value_stride, column, begin, end, scores, stride, rows.outputs);
    if (whole_columns < dim)
      weighted_tail<S, Rows>(head.values, head.value_stride, whole_columns, dim, begin, end, scores, stride, rows.outputs);
  }
}

template <Storage S>
void attend_rows_dispatch(const HeadView& head, const QueryRows& rows, const Settings& settings, float* scratch) {
  switch (rows.rows) {
#define DOCENT_ATTEND_CASE(n) \
  case n: attend_rows<S, n>(head, rows, settings, scratch); break;
    DOCENT_ATTEND_CASE(1) DOCENT_ATTEND_CASE(2) DOCENT_ATTEND_CASE(3) DOCENT_ATTEND_CASE(4)
    DOCENT_ATTEND_CASE(5) DOCENT_ATTEND_CASE(6) DOCENT_ATTEND_CASE(7) DOCENT_ATTEND_CASE(8)
    DOCENT_ATTEND_CASE(9) DOCENT_ATTEND_CASE(10) DOCENT_ATTEND_CASE(11) DOCENT_ATTEND_CASE(12)
#undef DOCENT_ATTEND_CASE
    default: break;
  }
}

#undef DOCENT_UNROLL

}  // namespace

void attend_avx2(const HeadView& head, const QueryRows& rows, const Settings& settings, float* scratch) {
  if (rows.rows <= 0 || rows.rows > kMaxRows) return;
  if (head.storage == Storage::f16)
    attend_rows_dispatch<Storage::f16>(head, rows, settings, scratch);
  else
    attend_rows_dispatch<Storage::f32>(head, rows, settings, scratch);
}

}  // namespace docent::engine::attention

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif

#else

namespace docent::engine::attention {
void attend_avx2(const HeadView& head, const QueryRows& rows, const Settings& settings, float* scratch) {
  attend_scalar(head, rows, settings, scratch);
}
}  // namespace docent::engine::attention

#endif
