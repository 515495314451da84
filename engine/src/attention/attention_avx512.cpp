// The AVX-512 attention kernel. This file is compiled for AVX-512 (target pragma below) and
// attend() only calls into it after checking the CPU at run time.
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "attention/attention.hpp"

#if defined(__x86_64__) && defined(__GNUC__)
// GCC takes a target pragma; clang (the fuzz build) needs the attribute applied per function.
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,fma,f16c"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512vl,avx512dq,fma,f16c")
#endif
// GCC 12's own intrinsic headers trip this (the "undefined" pass-through operand).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include "attention/avx512_math.hpp"

namespace docent::engine::attention {

namespace {

template <Storage S>
inline __m512 load16(const void* base, std::size_t at) {
  if constexpr (S == Storage::f16)
    return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(static_cast<const std::uint16_t*>(base) + at)));
  else
    return _mm512_loadu_ps(static_cast<const float*>(base) + at);
}

template <Storage S>
inline __m512 load16(const void* base, std::size_t at, __mmask16 mask) {
  if constexpr (S == Storage::f16)
    return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(mask, static_cast<const std::uint16_t*>(base) + at));
  else
    return _mm512_maskz_loadu_ps(mask, static_cast<const float*>(base) + at);
}

// Scores of every row against key blocks [first_block, first_block + Blocks).
template <Storage S, int Rows, int Blocks>
inline void score_blocks(const void* keys, int dim, const float* queries, int first_block, float* scores,
                         std::size_t score_stride, float scale) {
  __m512 sums[Rows][Blocks];
  for (int r = 0; r < Rows; ++r)
    for (int b = 0; b < Blocks; ++b) sums[r][b] = _mm512_setzero_ps();
  const std::size_t block_size = static_cast<std::size_t>(dim) * kKeyBlock;
  const std::size_t base = static_cast<std::size_t>(first_block) * block_size;
  for (int d = 0; d < dim; ++d) {
    __m512 key[Blocks];
    for (int b = 0; b < Blocks; ++b) key[b] = load16<S>(keys, base + b * block_size + static_cast<std::size_t>(d) * kKeyBlock);
    for (int r = 0; r < Rows; ++r) {
      const __m512 query = _mm512_set1_ps(queries[r * dim + d]);
      for (int b = 0; b < Blocks; ++b) sums[r][b] = _mm512_fmadd_ps(query, key[b], sums[r][b]);
    }
  }
  const __m512 factor = _mm512_set1_ps(scale);
  for (int r = 0; r < Rows; ++r)
    for (int b = 0; b < Blocks; ++b)
      _mm512_storeu_ps(scores + static_cast<std::size_t>(r) * score_stride + static_cast<std::size_t>(first_block + b) * kKeyBlock,
                       _mm512_mul_ps(sums[r][b], factor));
}

// Turns one row of scores into probabilities over [0, visible), zero up to `padded`.
inline void softmax_row(float* scores, int visible, int padded, bool round_like_reference) {
  __m512 maxima = _mm512_set1_ps(-INFINITY);
  for (int j = 0; j < visible; j += 16)
    maxima = _mm512_mask_max_ps(maxima, avx512::first_lanes(visible - j), maxima, _mm512_loadu_ps(scores + j));
  const __m512 maximum = _mm512_set1_ps(_mm512_reduce_max_ps(maxima));
  __m512d low = _mm512_setzero_pd(), high = _mm512_setzero_pd();  // double sums, as the reference
  for (int j = 0; j < visible; j += 16) {
    const __m512 e = _mm512_maskz_mov_ps(avx512::first_lanes(visible - j),
                                         avx512::exp(_mm512_sub_ps(_mm512_loadu_ps(scores + j), maximum)));
    _mm512_storeu_ps(scores + j, e);
    low = _mm512_add_pd(low, _mm512_cvtps_pd(_mm512_castps512_ps256(e)));
    high = _mm512_add_pd(high, _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(e), 1))));
  }
  const double sum = _mm512_reduce_add_pd(_mm512_add_pd(low, high));
  const __m512 inverse = _mm512_set1_ps(static_cast<float>(1.0 / sum));
  for (int j = 0; j < padded; j += 16) {
    __m512 weight = _mm512_maskz_mul_ps(avx512::first_lanes(visible - j), _mm512_loadu_ps(scores + j), inverse);
    if (round_like_reference) weight = avx512::round_to_half(weight);
    _mm512_storeu_ps(scores + j, weight);
  }
}

// outputs[r][column, column + 16 * Chunks) += sum_{j in [begin, end)} weights[r][j] * value[j][...].
// Whole: every chunk lies inside the row, so plain loads do (GCC keeps the sums in registers
// only then: around a masked load it stores them back to memory on every iteration).
template <Storage S, int Rows, int Chunks, bool Whole>
inline void weighted_sum(const void* values, std::int64_t value_stride, int dim, int column, int begin, int end,
                         const float* weights, std::size_t weight_stride, float* const* outputs) {
  __mmask16 masks[Chunks];
  for (int c = 0; c < Chunks; ++c) masks[c] = avx512::first_lanes(dim - column - 16 * c);
  __m512 sums[Rows][Chunks];
  for (int r = 0; r < Rows; ++r)
    for (int c = 0; c < Chunks; ++c) sums[r][c] = _mm512_maskz_loadu_ps(masks[c], outputs[r] + column + 16 * c);
  for (int j = begin; j < end; ++j) {
    const std::size_t row = static_cast<std::size_t>(j) * static_cast<std::size_t>(value_stride) + static_cast<std::size_t>(column);
    __m512 value[Chunks];
    for (int c = 0; c < Chunks; ++c)
      value[c] = Whole ? load16<S>(values, row + 16 * static_cast<std::size_t>(c))
                       : load16<S>(values, row + 16 * static_cast<std::size_t>(c), masks[c]);
    for (int r = 0; r < Rows; ++r) {
      const __m512 weight = _mm512_set1_ps(weights[static_cast<std::size_t>(r) * weight_stride + static_cast<std::size_t>(j)]);
      for (int c = 0; c < Chunks; ++c) sums[r][c] = _mm512_fmadd_ps(weight, value[c], sums[r][c]);
    }
  }
  for (int r = 0; r < Rows; ++r)
    for (int c = 0; c < Chunks; ++c) _mm512_mask_storeu_ps(outputs[r] + column + 16 * c, masks[c], sums[r][c]);
}

template <Storage S, int Rows>
void attend_rows(const HeadView& head, const QueryRows& rows, const Settings& settings, float* scratch) {
  const int dim = head.head_dim;
  int longest = 0;
  for (int r = 0; r < Rows; ++r) longest = longest > rows.visible[r] ? longest : rows.visible[r];
  const int padded = padded_positions(longest);
  const std::size_t stride = static_cast<std::size_t>(padded);
  float* queries = scratch;
  float* scores = scratch + static_cast<std::size_t>(Rows) * static_cast<std::size_t>(dim);
  for (int r = 0; r < Rows; ++r) {
    float* query = queries + static_cast<std::size_t>(r) * static_cast<std::size_t>(dim);
    for (int i = 0; i < dim; i += 16) {
      const __mmask16 mask = avx512::first_lanes(dim - i);
      __m512 value = _mm512_maskz_loadu_ps(mask, rows.queries[r] + i);
      if (settings.round_like_reference) value = avx512::round_to_half(value);
      _mm512_mask_storeu_ps(query + i, mask, value);
    }
  }
  // Enough independent sums per pass to hide the multiply-add latency (12 at most, see below).
  constexpr int kBlocks = Rows <= 3 ? 4 : Rows <= 6 ? 2 : 1;
  const int blocks = padded / kKeyBlock;
  int block = 0;
  const std::size_t key_block_bytes = static_cast<std::size_t>(dim) * kKeyBlock * (S == Storage::f16 ? 2 : 4);
  for (; block + kBlocks <= blocks; block += kBlocks) {
    // The next pass's key blocks, while this one computes.
    const int next_end = block + 2 * kBlocks < blocks ? block + 2 * kBlocks : blocks;
    const char* next = static_cast<const char*>(head.keys) + static_cast<std::size_t>(block + kBlocks) * key_block_bytes;
    const std::size_t next_bytes = next_end > block + kBlocks ? static_cast<std::size_t>(next_end - block - kBlocks) * key_block_bytes : 0;
    for (std::size_t offset = 0; offset < next_bytes; offset += 64) _mm_prefetch(next + offset, _MM_HINT_T0);
    score_blocks<S, Rows, kBlocks>(head.keys, dim, queries, block, scores, stride, settings.scale);
  }
  for (; block < blocks; ++block) score_blocks<S, Rows, 1>(head.keys, dim, queries, block, scores, stride, settings.scale);
  for (int r = 0; r < Rows; ++r)
    softmax_row(scores + static_cast<std::size_t>(r) * stride, rows.visible[r], padded, settings.round_like_reference);
  // At most 12 accumulators: GCC keeps a larger array of vectors in memory (stored back on
  // every iteration), which halves the speed.
  constexpr int kChunks = Rows <= 3 ? 4 : Rows <= 6 ? 2 : 1;
  // Positions in slices whose value rows stay in L1 while every column group passes over
  // them, so each value row comes from memory once.
  constexpr int kSlice = 64;
  for (int r = 0; r < Rows; ++r)
    for (int i = 0; i < dim; i += 16) _mm512_mask_storeu_ps(rows.outputs[r] + i, avx512::first_lanes(dim - i), _mm512_setzero_ps());
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
    if (dim % (16 * kChunks) == 0) {
      for (int column = 0; column < dim; column += 16 * kChunks)
        weighted_sum<S, Rows, kChunks, true>(head.values, head.value_stride, dim, column, begin, end, scores, stride, rows.outputs);
    } else if (dim % 16 == 0) {
      for (int column = 0; column < dim; column += 16)
        weighted_sum<S, Rows, 1, true>(head.values, head.value_stride, dim, column, begin, end, scores, stride, rows.outputs);
    } else {
      for (int column = 0; column < dim; column += 16 * kChunks)
        weighted_sum<S, Rows, kChunks, false>(head.values, head.value_stride, dim, column, begin, end, scores, stride, rows.outputs);
    }
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

}  // namespace

void attend_avx512(const HeadView& head, const QueryRows& rows, const Settings& settings, float* scratch) {
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
void attend_avx512(const HeadView& head, const QueryRows& rows, const Settings& settings, float* scratch) {
  attend_scalar(head, rows, settings, scratch);
}
}  // namespace docent::engine::attention

#endif
