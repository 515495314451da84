#include "quant/type_traits.hpp"

#include "quant/blocks.hpp"
#include "quant/ternary.hpp"

namespace docent::engine {

std::optional<TypeTraits> type_traits(std::uint32_t id) {
  switch (static_cast<TensorType>(id)) {
    case TensorType::f32: return TypeTraits{"F32", 1, 4, true};
    case TensorType::f16: return TypeTraits{"F16", 1, 2, true};
    case TensorType::bf16: return TypeTraits{"BF16", 1, 2, true};
    case TensorType::q4_0: return TypeTraits{"Q4_0", 32, 18, true};
    case TensorType::q4_1: return TypeTraits{"Q4_1", 32, 20, true};
    case TensorType::q5_0: return TypeTraits{"Q5_0", 32, 22, true};
    case TensorType::q5_1: return TypeTraits{"Q5_1", 32, 24, true};
    case TensorType::q8_0: return TypeTraits{"Q8_0", 32, 34, true};
    case TensorType::q8_1: return TypeTraits{"Q8_1", 32, 36, false};
    case TensorType::q2_k: return TypeTraits{"Q2_K", 256, 84, false};
    case TensorType::q3_k: return TypeTraits{"Q3_K", 256, 110, false};
    case TensorType::q4_k: return TypeTraits{"Q4_K", 256, 144, true};
    case TensorType::q5_k: return TypeTraits{"Q5_K", 256, 176, true};
    case TensorType::q6_k: return TypeTraits{"Q6_K", 256, 210, true};
    case TensorType::q8_k: return TypeTraits{"Q8_K", 256, 292, false};
    case TensorType::iq2_xxs: return TypeTraits{"IQ2_XXS", 256, 66, false};
    case TensorType::iq2_xs: return TypeTraits{"IQ2_XS", 256, 74, false};
    case TensorType::iq3_xxs: return TypeTraits{"IQ3_XXS", 256, 98, false};
    case TensorType::iq1_s: return TypeTraits{"IQ1_S", 256, 50, false};
    case TensorType::iq4_nl: return TypeTraits{"IQ4_NL", 32, 18, false};
    case TensorType::iq3_s: return TypeTraits{"IQ3_S", 256, 110, false};
    case TensorType::iq2_s: return TypeTraits{"IQ2_S", 256, 82, false};
    case TensorType::iq4_xs: return TypeTraits{"IQ4_XS", 256, 136, false};
    case TensorType::i8: return TypeTraits{"I8", 1, 1, false};
    case TensorType::i16: return TypeTraits{"I16", 1, 2, false};
    case TensorType::i32: return TypeTraits{"I32", 1, 4, false};
    case TensorType::i64: return TypeTraits{"I64", 1, 8, false};
    case TensorType::f64: return TypeTraits{"F64", 1, 8, false};
    case TensorType::iq1_m: return TypeTraits{"IQ1_M", 256, 56, false};
    case TensorType::tq1_0: return TypeTraits{"TQ1_0", 256, sizeof(BlockTQ1_0), true};
    case TensorType::tq2_0: return TypeTraits{"TQ2_0", 256, sizeof(BlockTQ2_0), true};
    // Rows cannot be decoded alone (one scale after the tensor); loaders convert to I2_S_ROWS.
    case TensorType::i2_s: return TypeTraits{"I2_S", kI2sBlock, sizeof(BlockI2S), false, 0, kI2sTrailerBytes};
    case TensorType::mxfp4: return TypeTraits{"MXFP4", 32, 17, false};
    case TensorType::int4_channel: return TypeTraits{"INT4_CHANNEL", 32, 16, true, 4};
    case TensorType::i2_s_rows: return TypeTraits{"I2_S_ROWS", kI2sBlock, sizeof(BlockI2S), true, kI2sRowHeaderBytes};
  }
  return std::nullopt;
}

std::string_view type_name(std::uint32_t id) {
  auto traits = type_traits(id);
  return traits ? traits->name : std::string_view("unknown");
}

std::optional<std::int64_t> row_bytes(TensorType type, std::int64_t elements) {
  auto traits = type_traits(type);
  if (!traits || elements < 0 || elements % traits->block_elements != 0) return std::nullopt;
  return traits->row_header_bytes + elements / traits->block_elements * traits->block_bytes;
}

std::int64_t tensor_bytes(const TypeTraits& traits, std::int64_t row_length, std::int64_t rows) {
  return rows * (traits.row_header_bytes + row_length / traits.block_elements * traits.block_bytes);
}

}  // namespace docent::engine
