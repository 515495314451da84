#include "quant/quantize.hpp"

#include "quant/int4_channel.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "quant/dequantize.hpp"
#include "quant/half.hpp"
#include "quant/ternary.hpp"

namespace docent::engine {

namespace {

// Round half away from zero, as roundf does; the reference uses it for Q8_0 activations.
int round_away(float value) { return static_cast<int>(std::round(value)); }
// Round half to even, as the reference's float trick does for K-quant activations.
int round_even(float value) { return static_cast<int>(std::nearbyint(value)); }

// The element of largest magnitude, keeping its sign.
float signed_extreme(const float* values, int count) {
  float extreme = 0, magnitude = 0;
  for (int i = 0; i < count; ++i) {
    if (std::fabs(values[i]) > magnitude) {
      magnitude = std::fabs(values[i]);
      extreme = values[i];
    }
  }
  return extreme;
}

}  // namespace

void quantize_row_q8_0(const float* in, BlockQ8_0* out, std::int64_t count) {
  for (std::int64_t b = 0; b < count / kBlock32; ++b, in += kBlock32) {
    float magnitude = 0;
    for (int j = 0; j < kBlock32; ++j) magnitude = std::max(magnitude, std::fabs(in[j]));
    float d = magnitude / 127.0f;
    float inverse = d != 0 ? 1.0f / d : 0.0f;
    out[b].d = float_to_half(d);
    for (int j = 0; j < kBlock32; ++j) out[b].qs[j] = static_cast<std::int8_t>(round_away(in[j] * inverse));
  }
}

void quantize_row_q4_0(const float* in, BlockQ4_0* out, std::int64_t count) {
  for (std::int64_t b = 0; b < count / kBlock32; ++b, in += kBlock32) {
    // Map the extreme value to -8 exactly so the full 16-level range is used.
    float d = signed_extreme(in, kBlock32) / -8.0f;
    float inverse = d != 0 ? 1.0f / d : 0.0f;
    out[b].d = float_to_half(d);
    for (int j = 0; j < kBlock32 / 2; ++j) {
      int low = std::min(15, static_cast<int>(in[j] * inverse + 8.5f));
      int high = std::min(15, static_cast<int>(in[j + 16] * inverse + 8.5f));
      out[b].qs[j] = static_cast<std::uint8_t>(std::max(0, low) | (std::max(0, high) << 4));
    }
  }
}

void quantize_row_q8_k(const float* in, BlockQ8_K* out, std::int64_t count) {
  for (std::int64_t b = 0; b < count / kSuperBlock; ++b, in += kSuperBlock) {
    BlockQ8_K& block = out[b];
    float extreme = signed_extreme(in, kSuperBlock);
    if (extreme == 0) {
      std::memset(&block, 0, sizeof(block));
      continue;
    }
    float inverse_scale = -127.0f / extreme;
    for (int j = 0; j < kSuperBlock; ++j)
      block.qs[j] = static_cast<std::int8_t>(std::min(127, round_even(inverse_scale * in[j])));
    for (int group = 0; group < kSuperBlock / 16; ++group) {
      int sum = 0;
      for (int j = 0; j < 16; ++j) sum += block.qs[16 * group + j];
      block.bsums[group] = static_cast<std::int16_t>(sum);
    }
    block.d = 1.0f / inverse_scale;
  }
}

void quantize_row_q4_k(const float* in, BlockQ4_K* out, std::int64_t count) {
  // Simple asymmetric scheme (per sub-block scale and offset, both re-quantized to 6 bits).
  // Good enough for benchmark weights; not the reference's search-based quantizer.
  for (std::int64_t b = 0; b < count / kSuperBlock; ++b, in += kSuperBlock) {
    float scales[8], mins[8];
    float max_scale = 0, max_min = 0;
    for (int sub = 0; sub < 8; ++sub) {
      const float* x = in + 32 * sub;
      float low = std::min(0.0f, *std::min_element(x, x + 32));
      float high = *std::max_element(x, x + 32);
      scales[sub] = (high - low) / 15.0f;
      mins[sub] = -low;
      max_scale = std::max(max_scale, scales[sub]);
      max_min = std::max(max_min, mins[sub]);
    }
    BlockQ4_K& block = out[b];
    float d = max_scale / 63.0f, dmin = max_min / 63.0f;
    block.d = float_to_half(d);
    block.dmin = float_to_half(dmin);
    d = half_to_float(block.d);
    dmin = half_to_float(block.dmin);
    std::uint8_t scale_codes[8], min_codes[8];
    for (int sub = 0; sub < 8; ++sub) {
      scale_codes[sub] = static_cast<std::uint8_t>(std::clamp(d > 0 ? round_away(scales[sub] / d) : 0, 0, 63));
      min_codes[sub] = static_cast<std::uint8_t>(std::clamp(dmin > 0 ? round_away(mins[sub] / dmin) : 0, 0, 63));
    }
    for (int sub = 0; sub < 4; ++sub) {
      block.scales[sub] = static_cast<std::uint8_t>(scale_codes[sub] | ((scale_codes[sub + 4] >> 4) << 6));
      block.scales[sub + 4] = static_cast<std::uint8_t>(min_codes[sub] | ((min_codes[sub + 4] >> 4) << 6));
      block.scales[sub + 8] = static_cast<std::uint8_t>((scale_codes[sub + 4] & 0x0f) | ((min_codes[sub + 4] & 0x0f) << 4));
    }
    std::memset(block.qs, 0, sizeof(block.qs));
    for (int sub = 0; sub < 8; ++sub) {
      float step = d * scale_codes[sub], offset = dmin * min_codes[sub];
      for (int l = 0; l < 32; ++l) {
        int q = step > 0 ? std::clamp(round_away((in[32 * sub + l] + offset) / step), 0, 15) : 0;
        block.qs[32 * (sub / 2) + l] |= static_cast<std::uint8_t>(sub % 2 == 0 ? q : q << 4);
      }
    }
  }
}

void quantize_row_q6_k(const float* in, BlockQ6_K* out, std::int64_t count) {
  for (std::int64_t b = 0; b < count / kSuperBlock; ++b, in += kSuperBlock) {
    float sub_scales[16];
    float largest = 0;
    for (int sub = 0; sub < 16; ++sub) {
      sub_scales[sub] = signed_extreme(in + 16 * sub, 16) / -32.0f;
      if (std::fabs(sub_scales[sub]) > std::fabs(largest)) largest = sub_scales[sub];
    }
    BlockQ6_K& block = out[b];
    float d = largest / -128.0f;
    block.d = float_to_half(d);
    d = half_to_float(block.d);
    std::memset(block.ql, 0, sizeof(block.ql));
    std::memset(block.qh, 0, sizeof(block.qh));
    for (int sub = 0; sub < 16; ++sub) {
      int code = d != 0 ? std::clamp(round_away(sub_scales[sub] / d), -128, 127) : 0;
      block.scales[sub] = static_cast<std::int8_t>(code);
      float step = d * static_cast<float>(code);
      for (int j = 0; j < 16; ++j) {
        int element = 16 * sub + j;
        int q = step != 0 ? std::clamp(round_away(in[element] / step), -32, 31) + 32 : 32;
        // Inverse of the layout in dequantize_q6_k.
        int half = element / 128, within = element % 128, quarter = within / 32, l = within % 32;
        std::uint8_t* ql = block.ql + 64 * half;
        std::uint8_t* qh = block.qh + 32 * half;
        int ql_index = l + (quarter % 2 == 1 ? 32 : 0);
        ql[ql_index] |= static_cast<std::uint8_t>(quarter < 2 ? (q & 0x0f) : ((q & 0x0f) << 4));
        qh[l] |= static_cast<std::uint8_t>(((q >> 4) & 3) << (2 * quarter));
      }
    }
  }
}

bool quantize_row(TensorType type, const float* in, void* out, std::int64_t count) {
  switch (type) {
    case TensorType::q8_0: quantize_row_q8_0(in, static_cast<BlockQ8_0*>(out), count); return true;
    case TensorType::q4_0: quantize_row_q4_0(in, static_cast<BlockQ4_0*>(out), count); return true;
    case TensorType::q4_k: quantize_row_q4_k(in, static_cast<BlockQ4_K*>(out), count); return true;
    case TensorType::q6_k: quantize_row_q6_k(in, static_cast<BlockQ6_K*>(out), count); return true;
    case TensorType::int4_channel: quantize_row_int4_channel(in, out, count); return true;
    case TensorType::tq1_0: quantize_row_tq1_0(in, static_cast<BlockTQ1_0*>(out), count); return true;
    case TensorType::tq2_0: quantize_row_tq2_0(in, static_cast<BlockTQ2_0*>(out), count); return true;
    case TensorType::i2_s_rows: quantize_row_i2s_rows(in, out, count); return true;
    default: return false;
  }
}

void round_trip_q8_0(float* values, std::int64_t count) {
  // The reference's vectorized activation quantizer multiplies by 127/max (not 1/d) and rounds
  // half to even; matching that keeps rounding ties identical.
  for (std::int64_t offset = 0; offset < count; offset += kBlock32) {
    float* x = values + offset;
    float magnitude = 0;
    for (int j = 0; j < kBlock32; ++j) magnitude = std::max(magnitude, std::fabs(x[j]));
    float d = half_to_float(float_to_half(magnitude / 127.0f));
    float inverse = magnitude != 0 ? 127.0f / magnitude : 0.0f;
    for (int j = 0; j < kBlock32; ++j) x[j] = d * static_cast<float>(round_even(x[j] * inverse));
  }
}

void round_trip_q8_k(float* values, std::int64_t count) {
  BlockQ8_K block;
  for (std::int64_t offset = 0; offset < count; offset += kSuperBlock) {
    quantize_row_q8_k(values + offset, &block, kSuperBlock);
    for (int j = 0; j < kSuperBlock; ++j) values[offset + j] = block.d * static_cast<float>(block.qs[j]);
  }
}

}  // namespace docent::engine
