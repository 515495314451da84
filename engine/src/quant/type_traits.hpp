#pragma once
// Facts about every ggml tensor type id a GGUF file may carry: name, block geometry, and
// whether this engine can dequantize it. The reader needs the geometry to bound tensor
// extents even for types we cannot compute with.

#include <cstdint>
#include <optional>
#include <string_view>

namespace docent::engine {

enum class TensorType : std::uint32_t {
  f32 = 0, f16 = 1, q4_0 = 2, q4_1 = 3, q5_0 = 6, q5_1 = 7, q8_0 = 8, q8_1 = 9,
  q2_k = 10, q3_k = 11, q4_k = 12, q5_k = 13, q6_k = 14, q8_k = 15,
  iq2_xxs = 16, iq2_xs = 17, iq3_xxs = 18, iq1_s = 19, iq4_nl = 20, iq3_s = 21, iq2_s = 22,
  iq4_xs = 23, i8 = 24, i16 = 25, i32 = 26, i64 = 27, f64 = 28, iq1_m = 29, bf16 = 30,
  tq1_0 = 34, tq2_0 = 35, i2_s = 36, mxfp4 = 39,
  // docent-private ids live in 0x44430000..0x4443FFFF ("DC" in the high bytes), far above
  // ggml's small consecutive ids, so they can never collide with a future ggml type. A file
  // using one carries the metadata key kRequiresDocentKey (see quant/int4_channel.hpp).
  int4_channel = 0x44430001,
  i2_s_rows = 0x44430002,  // quant/ternary.hpp; only in memory, never written
};

struct TypeTraits {
  std::string_view name;
  std::int64_t block_elements = 0;  // elements per block along ne[0]
  std::int64_t block_bytes = 0;
  bool dequantizable = false;       // this engine has a reference dequantizer for it
  // Bytes every row carries before its first block (a per-row scale); 0 for all ggml types.
  std::int64_t row_header_bytes = 0;
  // Bytes the whole tensor carries after its last block (I2_S's scale); 0 for the others.
  std::int64_t tensor_trailer_bytes = 0;
};

// nullopt for an id that no known GGUF writer produces.
std::optional<TypeTraits> type_traits(std::uint32_t type_id);
inline std::optional<TypeTraits> type_traits(TensorType type) {
  return type_traits(static_cast<std::uint32_t>(type));
}
std::string_view type_name(std::uint32_t type_id);  // "unknown" when not known

// Bytes of one row of `elements` values; nullopt if `elements` is not a whole number of blocks.
std::optional<std::int64_t> row_bytes(TensorType type, std::int64_t elements);
// Bytes of `rows` rows of `row_length` elements (row_length a whole number of blocks).
std::int64_t tensor_bytes(const TypeTraits& traits, std::int64_t row_length, std::int64_t rows);

}  // namespace docent::engine
