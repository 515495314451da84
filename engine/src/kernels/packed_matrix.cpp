#include "kernels/packed_matrix.hpp"

#include <algorithm>
#include <cassert>
#include <cstdlib>
#include <cstring>
#include <new>

#include <sys/mman.h>

#include "quant/blocks.hpp"
#include "parallel/thread_pool.hpp"
#include "quant/dequantize.hpp"
#include "quant/ternary.hpp"

namespace docent::engine::kernels {

namespace {

// One source row's block decoded to unsigned integer quants plus its scales, the common
// ground from which every packed layout is written.
struct DecodedBlock {
  std::uint16_t d = 0, dmin = 0;
  std::uint8_t quants[256];       // unsigned: Q4 0..15, Q8 offset by 128, Q6 0..63
  std::uint8_t scales[16], mins[8];  // K-quant sub-block scales (Q6_K's are signed bytes)
};

void decode_block(TensorType type, const std::uint8_t* source, DecodedBlock& out) {
  switch (type) {
    case TensorType::q4_0: {
      const auto* block = reinterpret_cast<const BlockQ4_0*>(source);
      out.d = block->d;
      for (int j = 0; j < 16; ++j) {
        out.quants[j] = block->qs[j] & 0x0f;
        out.quants[j + 16] = block->qs[j] >> 4;
      }
      return;
    }
    case TensorType::int4_channel:  // a Q4_0 block without its scale (the row's comes first)
      for (int j = 0; j < 16; ++j) {
        out.quants[j] = source[j] & 0x0f;
        out.quants[j + 16] = source[j] >> 4;
      }
      return;
    case TensorType::q8_0: {
      const auto* block = reinterpret_cast<const BlockQ8_0*>(source);
      out.d = block->d;
      for (int j = 0; j < 32; ++j) out.quants[j] = static_cast<std::uint8_t>(block->qs[j]) ^ 0x80;
      return;
    }
    case TensorType::q4_k: {
      const auto* block = reinterpret_cast<const BlockQ4_K*>(source);
      out.d = block->d;
      out.dmin = block->dmin;
      for (int j = 0; j < 8; ++j) unpack_k_scale_min(block->scales, j, out.scales[j], out.mins[j]);
      for (int pair = 0; pair < 4; ++pair)
        for (int l = 0; l < 32; ++l) {
          out.quants[64 * pair + l] = block->qs[32 * pair + l] & 0x0f;
          out.quants[64 * pair + 32 + l] = block->qs[32 * pair + l] >> 4;
        }
      return;
    }
    case TensorType::q6_k: {
      const auto* block = reinterpret_cast<const BlockQ6_K*>(source);
      out.d = block->d;
      for (int j = 0; j < 16; ++j) out.scales[j] = static_cast<std::uint8_t>(block->scales[j]);
      for (int half = 0; half < 2; ++half) {
        const std::uint8_t* ql = block->ql + 64 * half;
        const std::uint8_t* qh = block->qh + 32 * half;
        std::uint8_t* q = out.quants + 128 * half;
        for (int l = 0; l < 32; ++l) {
          q[l] = static_cast<std::uint8_t>((ql[l] & 0x0f) | (((qh[l] >> 0) & 3) << 4));
          q[l + 32] = static_cast<std::uint8_t>((ql[l + 32] & 0x0f) | (((qh[l] >> 2) & 3) << 4));
          q[l + 64] = static_cast<std::uint8_t>((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4));
          q[l + 96] = static_cast<std::uint8_t>((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4));
        }
      }
      return;
    }
    default: return;
  }
}

// Writes row r's decoded block into the packed block of its group.
void pack_row_block(TensorType type, const DecodedBlock& in, int r, std::uint8_t* packed) {
  auto* d = reinterpret_cast<std::uint16_t*>(packed);
  switch (type) {
    case TensorType::q4_0: {
      d[r] = in.d;
      std::uint8_t* lines = packed + 32;
      for (int line = 0; line < 4; ++line)
        for (int i = 0; i < 4; ++i)
          lines[64 * line + 4 * r + i] =
              static_cast<std::uint8_t>(in.quants[4 * line + i] | (in.quants[16 + 4 * line + i] << 4));
      return;
    }
    case TensorType::int4_channel: {
      for (int line = 0; line < 4; ++line)
        for (int i = 0; i < 4; ++i)
          packed[64 * line + 4 * r + i] =
              static_cast<std::uint8_t>(in.quants[4 * line + i] | (in.quants[16 + 4 * line + i] << 4));
      return;
    }
    case TensorType::q8_0: {
      d[r] = in.d;
      std::uint8_t* lines = packed + 32;
      for (int group = 0; group < 8; ++group)
        for (int i = 0; i < 4; ++i) lines[64 * group + 4 * r + i] = in.quants[4 * group + i];
      return;
    }
    case TensorType::q4_k: {
      d[r] = in.d;
      d[16 + r] = in.dmin;
      std::uint8_t* scales = packed + 64;
      std::uint8_t* mins = packed + 64 + 128;
      for (int j = 0; j < 8; ++j) {
        scales[16 * j + r] = in.scales[j];
        mins[16 * j + r] = in.mins[j];
      }
      std::uint8_t* lines = packed + 64 + 256;
      for (int pair = 0; pair < 4; ++pair)
        for (int line = 0; line < 8; ++line)
          for (int i = 0; i < 4; ++i)
            lines[512 * pair + 64 * line + 4 * r + i] = static_cast<std::uint8_t>(
                in.quants[64 * pair + 4 * line + i] | (in.quants[64 * pair + 32 + 4 * line + i] << 4));
      return;
    }
    case TensorType::q6_k: {
      d[r] = in.d;
      std::uint8_t* scales = packed + 32;
      for (int j = 0; j < 16; ++j) scales[16 * j + r] = in.scales[j];
      for (int pair = 0; pair < 4; ++pair) {
        std::uint8_t* high = packed + 32 + 256 + 768 * pair;
        std::uint8_t* low = high + 256;
        const std::uint8_t* q = in.quants + 64 * pair;
        for (int line = 0; line < 8; ++line)
          for (int i = 0; i < 4; ++i)
            low[64 * line + 4 * r + i] =
                static_cast<std::uint8_t>((q[4 * line + i] & 0x0f) | ((q[32 + 4 * line + i] & 0x0f) << 4));
        for (int line = 0; line < 4; ++line)
          for (int i = 0; i < 4; ++i) {
            std::uint8_t bits = 0;
            for (int s = 0; s < 4; ++s) bits |= static_cast<std::uint8_t>((q[4 * (line + 4 * s) + i] >> 4) << (2 * s));
            high[64 * line + 4 * r + i] = bits;
          }
      }
      return;
    }
    default: return;
  }
}

// The nibble formats need no decoding: a packed lane's 4 bytes are 4 consecutive source bytes
// (the source already pairs column j with j+16, or sub-block 2p with 2p+1, in one byte), so
// these copy words. Returns false for formats that go through decode_block.
bool pack_row_block_directly(TensorType type, const std::uint8_t* source, int r, std::uint8_t* packed) {
  auto* d = reinterpret_cast<std::uint16_t*>(packed);
  switch (type) {
    case TensorType::q4_0: {
      const auto* block = reinterpret_cast<const BlockQ4_0*>(source);
      d[r] = block->d;
      for (int line = 0; line < 4; ++line) std::memcpy(packed + 32 + 64 * line + 4 * r, block->qs + 4 * line, 4);
      return true;
    }
    case TensorType::int4_channel:
      for (int line = 0; line < 4; ++line) std::memcpy(packed + 64 * line + 4 * r, source + 4 * line, 4);
      return true;
    case TensorType::q8_0: {
      const auto* block = reinterpret_cast<const BlockQ8_0*>(source);
      d[r] = block->d;
      for (int group = 0; group < 8; ++group) {
        std::uint32_t word;
        std::memcpy(&word, block->qs + 4 * group, 4);
        word ^= 0x80808080u;
        std::memcpy(packed + 32 + 64 * group + 4 * r, &word, 4);
      }
      return true;
    }
    case TensorType::q4_k: {
      const auto* block = reinterpret_cast<const BlockQ4_K*>(source);
      d[r] = block->d;
      d[16 + r] = block->dmin;
      for (int j = 0; j < 8; ++j) unpack_k_scale_min(block->scales, j, packed[64 + 16 * j + r], packed[192 + 16 * j + r]);
      for (int pair = 0; pair < 4; ++pair)
        for (int line = 0; line < 8; ++line)
          std::memcpy(packed + 320 + 512 * pair + 64 * line + 4 * r, block->qs + 32 * pair + 4 * line, 4);
      return true;
    }
    default: return false;
  }
}

// Ternary rows: every 256 columns decoded to codes, then spread over the 16 lines.
void pack_ternary_group(const TensorView& weight, std::int64_t group, std::int64_t blocks, std::uint8_t* group_start) {
  const std::int64_t first_row = group * kGroupRows, rows = std::min<std::int64_t>(kGroupRows, weight.row_count() - first_row);
  std::uint8_t codes[256];
  for (std::int64_t r = 0; r < rows; ++r) {
    const void* row = weight.row(first_row + r);
    for (std::int64_t b = 0; b < blocks; ++b) {
      std::uint8_t* packed = group_start + static_cast<std::size_t>(b) * (64 + 1024);
      float scale;
      decode_ternary_block(weight.type, row, b, codes, &scale);
      std::memcpy(packed + 4 * r, &scale, sizeof(scale));
      std::uint8_t* lines = packed + 64;
      for (int line = 0; line < 16; ++line)
        for (int i = 0; i < 4; ++i) {
          std::uint8_t byte = 0;
          for (int s = 0; s < 4; ++s) byte |= static_cast<std::uint8_t>(codes[64 * s + 4 * line + i] << (2 * s));
          lines[64 * line + 4 * r + i] = byte;
        }
    }
  }
}

// F16 is a transpose of 16 rows: written column by column, so the group's output is one
// sequential stream (row by row, every row would touch all of the group's cache lines).
void pack_f16_group(const TensorView& weight, std::int64_t group, std::uint8_t* group_start) {
  const std::int64_t first_row = group * kGroupRows, rows = std::min<std::int64_t>(kGroupRows, weight.row_count() - first_row);
  const std::uint16_t* source[kGroupRows];
  for (std::int64_t r = 0; r < rows; ++r) source[r] = static_cast<const std::uint16_t*>(weight.row(first_row + r));
  auto* out = reinterpret_cast<std::uint16_t*>(group_start);
  const std::int64_t columns = weight.row_length();
  for (std::int64_t c = 0; c < columns; ++c, out += kGroupRows)
    for (std::int64_t r = 0; r < rows; ++r) out[r] = source[r][c];  // rows past the end stay zero
}

}  // namespace

std::size_t packed_block_bytes(TensorType type) {
  switch (type) {
    case TensorType::q4_0: return 32 + 256;
    case TensorType::q8_0: return 32 + 512;
    case TensorType::q4_k: return 64 + 256 + 2048;
    case TensorType::q6_k: return 32 + 256 + 3072;
    case TensorType::int4_channel: return 256;
    case TensorType::f16: return 32 * 16 * 2;
    case TensorType::tq1_0: case TensorType::tq2_0: case TensorType::i2_s_rows: return 64 + 1024;
    default: return 0;
  }
}

std::int64_t packed_block_columns(TensorType type) {
  if (type == TensorType::f16) return 32;
  if (is_ternary(type)) return 256;  // I2_S_ROWS's two 128-blocks share one row scale
  const auto traits = type_traits(type);
  return traits ? traits->block_elements : 0;
}

std::size_t packed_group_header_bytes(TensorType type) { return type == TensorType::int4_channel ? 64 : 0; }

bool packable(TensorType type) { return packed_block_bytes(type) != 0; }

bool packable(TensorType type, std::int64_t columns) {
  return packable(type) && columns > 0 && columns % packed_block_columns(type) == 0;
}

namespace {
// Large matrices get their own mapping backed by 2 MiB pages where the kernel allows (fewer
// page faults while repacking, fewer TLB misses and unbroken hardware prefetch while the
// kernels stream the weights); small ones come from the heap.
constexpr std::size_t kHugePage = std::size_t{2} << 20;
}  // namespace

PackedMatrix::~PackedMatrix() {
  if (mapped_bytes_ > 0) ::munmap(storage_, mapped_bytes_);
  else std::free(storage_);
}

PackedMatrix::PackedMatrix(const TensorView& weight)
    : type_(weight.type), rows_(weight.row_count()), columns_(weight.row_length()) {
  const auto traits = type_traits(type_);
  assert(packable(type_, columns_));  // else trailing columns would be dropped silently
  const std::int64_t block_columns = packed_block_columns(type_);
  blocks_per_row_ = columns_ / block_columns;
  const std::size_t block_bytes = packed_block_bytes(type_);
  const std::size_t header_bytes = packed_group_header_bytes(type_);
  group_bytes_ = header_bytes + block_bytes * static_cast<std::size_t>(blocks_per_row_);
  const std::size_t total = group_bytes_ * static_cast<std::size_t>(groups());
  if (total >= 2 * kHugePage) {
    // Over-map by one huge page so the start can be aligned to it; the slack is unmapped. The
    // length stays a multiple of small pages: a huge page is only used where it is fully
    // covered, so the tail never drags in up to 2 MiB of resident padding.
    const std::size_t small_page = 4096;
    const std::size_t length = (total + small_page - 1) / small_page * small_page;
    void* memory = ::mmap(nullptr, length + kHugePage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (memory == MAP_FAILED) throw std::bad_alloc();
    const auto address = reinterpret_cast<std::uintptr_t>(memory);
    const std::uintptr_t aligned = (address + kHugePage - 1) / kHugePage * kHugePage;
    if (aligned > address) ::munmap(memory, aligned - address);
    if (const std::size_t tail = address + length + kHugePage - (aligned + length); tail > 0)
      ::munmap(reinterpret_cast<void*>(aligned + length), tail);
    ::madvise(reinterpret_cast<void*>(aligned), length, MADV_HUGEPAGE);  // advice only: fine if refused
    storage_ = reinterpret_cast<std::uint8_t*>(aligned);
    mapped_bytes_ = length;  // anonymous memory is already zero
  } else {
    // 64-byte alignment: every packed line is one aligned cache line.
    void* memory = std::aligned_alloc(64, (total + 63) / 64 * 64 + 64);
    if (memory == nullptr) throw std::bad_alloc();
    storage_ = static_cast<std::uint8_t*>(memory);
    std::memset(memory, 0, total);
  }
  // Repacking a billion-parameter model is a second or so of work: spread it over the pool.
  ThreadPool::shared().parallel_for(groups(), 4, [&](std::int64_t first_group, std::int64_t end_group) {
    if (type_ == TensorType::f16) {
      for (std::int64_t g = first_group; g < end_group; ++g) pack_f16_group(weight, g, storage_ + static_cast<std::size_t>(g) * group_bytes_);
      return;
    }
    if (is_ternary(type_)) {
      for (std::int64_t g = first_group; g < end_group; ++g)
        pack_ternary_group(weight, g, blocks_per_row_, storage_ + static_cast<std::size_t>(g) * group_bytes_);
      return;
    }
    DecodedBlock decoded;
    const std::int64_t end_row = std::min(rows_, end_group * kGroupRows);
    for (std::int64_t row = first_group * kGroupRows; row < end_row; ++row) {
      const auto* source = static_cast<const std::uint8_t*>(weight.row(row));
      std::uint8_t* group_start = storage_ + static_cast<std::size_t>(row / kGroupRows) * group_bytes_;
      if (header_bytes != 0) {  // INT4_CHANNEL: the row's F32 scale joins the group's header
        std::memcpy(group_start + 4 * (row % kGroupRows), source, 4);
        source += traits->row_header_bytes;
        group_start += header_bytes;
      }
      const int r = static_cast<int>(row % kGroupRows);
      for (std::int64_t b = 0; b < blocks_per_row_; ++b) {
        const std::uint8_t* block = source + static_cast<std::size_t>(b) * traits->block_bytes;
        std::uint8_t* packed = group_start + static_cast<std::size_t>(b) * block_bytes;
        if (pack_row_block_directly(type_, block, r, packed)) continue;
        decode_block(type_, block, decoded);
        pack_row_block(type_, decoded, r, packed);
      }
    }
  });
}

}  // namespace docent::engine::kernels
