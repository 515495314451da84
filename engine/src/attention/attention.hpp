#pragma once
// Attention of a few query rows against one key/value head, reading the cache in place.
//
// Keys are stored in blocks of kKeyBlock positions, each block laid out [head_dim][kKeyBlock]
// (position fastest): a dot product of one query against 16 keys is then 16-wide
// multiply-adds over head_dim, with no horizontal sums. Values stay one row per position,
// which is what the weighted sum wants. All query rows of one GQA group (and, in prefill,
// of a few consecutive tokens) go through one pass, so each key and value row is loaded and
// converted from F16 once for all of them.

#include <cstddef>
#include <cstdint>
#include <string>

namespace docent::engine::attention {

constexpr int kKeyBlock = 16;
constexpr int kMaxRows = 12;  // query rows per pass: what fits the vector registers

enum class Storage { f16, f32 };

struct HeadView {
  Storage storage = Storage::f32;
  const void* keys = nullptr;     // blocks of kKeyBlock positions, each [head_dim][kKeyBlock]
  const void* values = nullptr;   // one row of head_dim per position
  std::int64_t value_stride = 0;  // elements between two positions' value rows
  int head_dim = 0;
};

// Query rows that share one key/value head. Row r sees keys [0, visible[r]) and writes
// head_dim floats to outputs[r].
struct QueryRows {
  int rows = 0;
  const float* queries[kMaxRows] = {};
  int visible[kMaxRows] = {};
  float* outputs[kMaxRows] = {};
};

struct Settings {
  float scale = 1.0f;
  // Round queries and softmax probabilities to F16 before the two products (what the reference
  // engine does with an F16 cache).
  bool round_like_reference = false;
};

// Floats of scratch attend() needs for these rows.
std::size_t scratch_floats(const QueryRows& rows, int head_dim);

// Picks the widest implementation the CPU supports (AVX-512, else AVX2 + FMA + F16C, else
// scalar). DOCENT_ATTENTION=avx512|avx2|scalar|auto, read once, forces one for tests and
// comparisons (falling back to scalar, with a warning, when the CPU lacks it).
void attend(const HeadView& head, const QueryRows& rows, const Settings& settings, float* scratch);
// The portable implementation (always available).
void attend_scalar(const HeadView& head, const QueryRows& rows, const Settings& settings, float* scratch);
// AVX-512 implementation; only call when avx512_available().
void attend_avx512(const HeadView& head, const QueryRows& rows, const Settings& settings, float* scratch);
bool avx512_available();
// AVX2 + FMA + F16C implementation; only call when avx2_available().
void attend_avx2(const HeadView& head, const QueryRows& rows, const Settings& settings, float* scratch);
bool avx2_available();
// The implementation attend() uses: "avx512", "avx2" or "scalar".
const char* active_implementation();
// Makes attend() use `name` ("avx512", "avx2", "scalar", "auto"; "" returns to the start-up
// choice), for tests that compare whole models across implementations. False, changing
// nothing, when the name is unknown or the CPU lacks it. Not for use while attention runs.
bool force_implementation(const std::string& name);

// Offset (in elements) of key element `dimension` of `position` inside the blocked key layout.
inline std::size_t key_offset(int position, int dimension, int head_dim) {
  return (static_cast<std::size_t>(position / kKeyBlock) * static_cast<std::size_t>(head_dim) + static_cast<std::size_t>(dimension)) *
             kKeyBlock +
         static_cast<std::size_t>(position % kKeyBlock);
}

// Positions rounded up to whole key blocks.
inline int padded_positions(int positions) { return (positions + kKeyBlock - 1) / kKeyBlock * kKeyBlock; }

}  // namespace docent::engine::attention
