#include "testing/random_model.hpp"

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "architectures/architecture.hpp"
#include "docent/utf8.hpp"
#include "gguf/gguf_writer.hpp"
#include "import/hf_tokenizer_import.hpp"
#include "quant/half.hpp"
#include "quant/quantize.hpp"
#include "quant/ternary.hpp"

namespace docent::engine {

namespace {

constexpr int kFirstWordId = 104;  // after [PAD], [unused0..98], [UNK], [CLS], [SEP], [MASK]

std::vector<std::uint8_t> encode_rows(const std::vector<float>& values, std::int64_t row_length, TensorType type) {
  const std::int64_t rows = static_cast<std::int64_t>(values.size()) / row_length;
  auto bytes_per_row = row_bytes(type, row_length);
  if (!bytes_per_row) throw ModelError("random model: rows of " + std::to_string(row_length) + " do not fit " +
                                       std::string(type_name(static_cast<std::uint32_t>(type))) + " blocks");
  std::vector<std::uint8_t> out(static_cast<std::size_t>(rows * *bytes_per_row));
  for (std::int64_t r = 0; r < rows; ++r) {
    const float* in = values.data() + r * row_length;
    std::uint8_t* row = out.data() + r * *bytes_per_row;
    switch (type) {
      case TensorType::f32: std::memcpy(row, in, static_cast<std::size_t>(row_length) * 4); break;
      case TensorType::f16:
        for (std::int64_t i = 0; i < row_length; ++i) {
          std::uint16_t half = float_to_half(in[i]);
          std::memcpy(row + 2 * i, &half, 2);
        }
        break;
      default:
        if (!quantize_row(type, in, row, row_length)) throw ModelError("random model: cannot write weights of this type");
    }
  }
  return out;
}

// The printable stand-in of every byte in byte-level BPE vocabularies: printable Latin-1 bytes
// stand for themselves, the others (controls, space, DEL, NBSP, soft hyphen) take the code points
// from U+0100 on, in byte order.
std::vector<std::string> byte_level_pieces() {
  std::vector<std::string> pieces;
  int next_substitute = 256;
  for (int byte = 0; byte < 256; ++byte) {
    const bool printable = (byte >= 33 && byte <= 126) || (byte >= 161 && byte <= 172) || byte >= 174;
    const int code_point = printable ? byte : next_substitute++;
    std::string piece;
    utf8::append(piece, static_cast<char32_t>(code_point));
    pieces.push_back(std::move(piece));
  }
  return pieces;
}

class RandomWriter {
 public:
  explicit RandomWriter(const RandomModelSpec& spec) : spec_(spec), random_(spec.seed) {}

  GgufWriter& gguf() { return writer_; }

  TensorType type_of(const std::string& name, TensorType fallback) const {
    auto it = spec_.tensor_types.find(name);
    return it == spec_.tensor_types.end() ? fallback : it->second;
  }

  void matrix(const std::string& name, std::int64_t in, std::int64_t out) { matrix(name, in, out, spec_.weight_type); }
  void matrix(const std::string& name, std::int64_t in, std::int64_t out, TensorType fallback, bool ternary = false) {
    const TensorType type = type_of(name, fallback);
    std::vector<float> values(static_cast<std::size_t>(in * out));
    const float scale = 1.0f / std::sqrt(static_cast<float>(in));
    if (ternary) {
      // BitNet-trained weights: -s, 0 or s, one scale per tensor (codes from 16-bit slices).
      for (std::size_t i = 0; i < values.size(); i += 4) {
        std::uint64_t bits = random_();
        for (std::size_t j = i; j < std::min(values.size(), i + 4); ++j, bits >>= 16)
          values[j] = scale * static_cast<float>(static_cast<int>((bits & 0xFFFF) % 3) - 1);
      }
    } else if (spec_.fast_random) {
      // Four 16-bit uniforms from one draw; their sum has mean 2 * 65535 and variance 4 * 65536^2 / 12.
      const float to_unit = std::sqrt(3.0f) / 65536.0f;
      for (auto& value : values) {
        const std::uint64_t bits = random_();
        const float sum = static_cast<float>((bits & 0xFFFF) + ((bits >> 16) & 0xFFFF) + ((bits >> 32) & 0xFFFF) + (bits >> 48));
        value = (sum - 2.0f * 65535.0f) * to_unit * scale;
      }
    } else {
      for (auto& value : values) value = normal_(random_) * scale;
    }
    if (type == TensorType::i2_s) {  // one scale for the whole tensor
      if (in % kI2sBlock != 0) throw ModelError("random model: rows of " + std::to_string(in) + " do not fit I2_S blocks");
      writer_.add_tensor(name, static_cast<std::uint32_t>(type), {in, out}, quantize_i2s_tensor(values.data(), in * out));
      return;
    }
    writer_.add_tensor(name, static_cast<std::uint32_t>(type), {in, out}, encode_rows(values, in, type));
  }

  void vector(const std::string& name, std::int64_t length, float base, float spread) {
    std::vector<float> values(static_cast<std::size_t>(length));
    for (auto& value : values) value = base + spread * normal_(random_);
    std::vector<std::uint8_t> bytes(values.size() * 4);
    std::memcpy(bytes.data(), values.data(), bytes.size());
    writer_.add_tensor(name, 0, {length}, std::move(bytes));
  }

 private:
  const RandomModelSpec& spec_;
  GgufWriter writer_;
  std::mt19937_64 random_;
  std::normal_distribution<float> normal_{0.0f, 1.0f};
};

void write_decoder_tokenizer(GgufWriter& writer, const RandomModelSpec& spec, std::string_view family_pre) {
  if (spec.vocabulary < 258) throw ModelError("random model: a tokenizer needs at least 258 entries");
  std::vector<std::string> tokens = byte_level_pieces();
  for (int id = 256; id < spec.vocabulary - 2; ++id) {
    std::string token(1, 't');  // appended, not "t" + ...: GCC 12 warns falsely (-Wrestrict) on that
    token += std::to_string(id);
    tokens.push_back(std::move(token));
  }
  tokens.push_back("<|begin|>");
  tokens.push_back("<|end|>");
  std::vector<std::int64_t> types(tokens.size(), 1);  // normal
  types[types.size() - 2] = types[types.size() - 1] = 3;  // control
  writer.set_string("tokenizer.ggml.model", "gpt2");
  writer.set_string("tokenizer.ggml.pre", family_pre.empty() ? "default" : std::string(family_pre));
  writer.set_string_array("tokenizer.ggml.tokens", std::move(tokens));
  writer.set_int32_array("tokenizer.ggml.token_type", std::move(types));
  writer.set_string_array("tokenizer.ggml.merges", {});
  writer.set_uint32("tokenizer.ggml.bos_token_id", static_cast<std::uint32_t>(spec.vocabulary - 2));
  writer.set_uint32("tokenizer.ggml.eos_token_id", static_cast<std::uint32_t>(spec.vocabulary - 1));
  writer.set_bool("tokenizer.ggml.add_bos_token", false);
}

void write_bert_tokenizer(GgufWriter& writer, const RandomModelSpec& spec) {
  if (spec.vocabulary <= kFirstWordId) throw ModelError("random model: a bert tokenizer needs more than 104 entries");
  std::vector<std::string> tokens;
  std::vector<std::int64_t> types;
  for (int id = 0; id < spec.vocabulary; ++id) {
    std::string token;
    if (id == 0) token = "[PAD]";
    else if (id < 100) token = "[unused" + std::to_string(id - 1) + "]";
    else if (id == 100) token = "[UNK]";
    else if (id == 101) token = "[CLS]";
    else if (id == 102) token = "[SEP]";
    else if (id == 103) token = "[MASK]";
    else token = "\xE2\x96\x81" + random_model_word(id);  // U+2581 marks a word start, as GGUF WordPiece vocabularies do
    const bool control = id == 0 || (id >= 100 && id < kFirstWordId);
    types.push_back(control ? 3 : 1);
    tokens.push_back(std::move(token));
  }
  writer.set_string("tokenizer.ggml.model", "bert");
  writer.set_string_array("tokenizer.ggml.tokens", std::move(tokens));
  writer.set_int32_array("tokenizer.ggml.token_type", std::move(types));
  writer.set_uint32("tokenizer.ggml.token_type_count", 2);
  writer.set_uint32("tokenizer.ggml.unknown_token_id", 100);
  writer.set_uint32("tokenizer.ggml.cls_token_id", 101);
  writer.set_uint32("tokenizer.ggml.seperator_token_id", 102);  // the GGUF key's own spelling
  writer.set_uint32("tokenizer.ggml.padding_token_id", 0);
  writer.set_uint32("tokenizer.ggml.mask_token_id", 103);
}

void write_metadata(GgufWriter& writer, const ArchitectureSpec& spec, const RandomModelSpec& random) {
  const std::string& prefix = random.architecture;
  for (HyperKey key : spec.metadata) {
    const std::string name = metadata_key(prefix, key);
    switch (key) {
      case HyperKey::block_count: writer.set_uint32(name, static_cast<std::uint32_t>(random.layers)); break;
      case HyperKey::embedding_length: writer.set_uint32(name, static_cast<std::uint32_t>(random.hidden)); break;
      case HyperKey::feed_forward_length: writer.set_uint32(name, static_cast<std::uint32_t>(random.ffn)); break;
      case HyperKey::head_count: writer.set_uint32(name, static_cast<std::uint32_t>(random.heads)); break;
      case HyperKey::head_count_kv: writer.set_uint32(name, static_cast<std::uint32_t>(random.kv_heads)); break;
      case HyperKey::context_length: writer.set_uint32(name, static_cast<std::uint32_t>(random.context_length)); break;
      case HyperKey::rope_freq_base: writer.set_float32(name, 10000.0f); break;
      case HyperKey::rms_epsilon: writer.set_float32(name, 1e-6f); break;
      case HyperKey::layer_norm_epsilon: writer.set_float32(name, 1e-12f); break;
      case HyperKey::causal: writer.set_bool(name, spec.kind == ModelKind::decoder); break;
      case HyperKey::pooling_type: writer.set_uint32(name, 2); break;  // CLS, as bge models pool
      // Implied by the others (head_dim = hidden / heads, full rotation).
      case HyperKey::key_length: case HyperKey::value_length: case HyperKey::rope_dimension_count: break;
    }
  }
}

// Every tensor the family's usual form has, in table order, filled by its role's kind.
void write_tensors(RandomWriter& out, const ArchitectureSpec& spec, const RandomModelSpec& random) {
  const std::int64_t head_dim = random.hidden / random.heads;
  const int kv_heads = spec.uses(HyperKey::head_count_kv) ? random.kv_heads : random.heads;
  ShapeSizes sizes;
  sizes.hidden = random.hidden;
  sizes.query_width = random.heads * head_dim;
  sizes.kv_width = kv_heads * head_dim;
  sizes.ffn = random.ffn;
  sizes.vocabulary = random.vocabulary;
  sizes.positions = random.context_length;
  sizes.token_types = 2;
  auto write = [&](const TensorSlot& slot, int layer) {
    if (slot.presence == Presence::accepted || (slot.presence == Presence::tied && random.tied_output)) return;
    const std::string name = tensor_name(slot.gguf, layer);
    const auto shape = gguf_shape(slot.role, sizes);
    switch (role_rule(slot.role).kind) {
      case RoleKind::matrix: {
        // Ternary formats hold only the ternary linears; the other matrices (embedding, output)
        // stay F16 as converters keep them.
        const bool ternary_type = is_ternary(random.weight_type) || random.weight_type == TensorType::i2_s;
        const TensorType type = ternary_type && !slot.ternary ? TensorType::f16 : random.weight_type;
        out.matrix(name, shape[0], shape[1], type, slot.ternary);
        break;
      }
      // The small position and token-type tables stay F32 (converters keep them so as well).
      case RoleKind::small_table: out.matrix(name, shape[0], shape[1], TensorType::f32); break;
      case RoleKind::norm: out.vector(name, shape[0], 1.0f, 0.0f); break;
      case RoleKind::norm_bias: out.vector(name, shape[0], 0.0f, 0.0f); break;
      case RoleKind::bias: out.vector(name, shape[0], 0.0f, 0.1f); break;
      case RoleKind::scale: out.vector(name, shape[0], 1.0f, 0.0f); break;
    }
  };
  for (const TensorSlot& slot : spec.tensors)
    if (!slot.per_layer()) write(slot, -1);
  for (int layer = 0; layer < random.layers; ++layer)
    for (const TensorSlot& slot : spec.tensors)
      if (slot.per_layer()) write(slot, layer);
}

}  // namespace

void apply_q4_k_m_mix(RandomModelSpec& spec) {
  spec.weight_type = TensorType::q4_k;
  spec.file_type = 15;
  spec.tensor_types["output.weight"] = TensorType::q6_k;
  const int layers = spec.layers, first = layers / 8, last = 7 * layers / 8;
  for (int layer = 0; layer < layers; ++layer) {
    const bool more_bits = layer < first || layer >= last || (layer - first) % 3 == 2;
    if (!more_bits) continue;
    const std::string prefix = "blk." + std::to_string(layer) + ".";
    spec.tensor_types[prefix + "attn_v.weight"] = TensorType::q6_k;
    spec.tensor_types[prefix + "ffn_down.weight"] = TensorType::q6_k;
  }
}

std::string random_model_word(int id) {
  if (id < kFirstWordId) return {};
  int rest = id - kFirstWordId;
  std::string word(4, 'a');
  for (int i = 3; i >= 0; --i, rest /= 26) word[static_cast<std::size_t>(i)] = static_cast<char>('a' + rest % 26);
  return word;
}

void write_random_model(const std::filesystem::path& path, const RandomModelSpec& spec) {
  const ArchitectureSpec* family = find_architecture(spec.architecture);
  if (family == nullptr)
    throw ModelError("random model: unknown architecture '" + spec.architecture + "' (" + supported_architectures() + ")");
  if (spec.heads <= 0 || spec.hidden % spec.heads != 0)
    throw ModelError("random model: hidden size must be a multiple of the head count");
  RandomWriter out(spec);
  GgufWriter& writer = out.gguf();
  writer.set_string("general.architecture", spec.architecture);  // the name asked for: its prefix and activation
  writer.set_string("general.name", "random-" + spec.architecture);
  if (spec.file_type >= 0) writer.set_uint32("general.file_type", static_cast<std::uint32_t>(spec.file_type));
  write_metadata(writer, *family, spec);
  write_tensors(out, *family, spec);
  if (family->kind == ModelKind::encoder) {
    if (spec.tokenizer_metadata) write_bert_tokenizer(writer, spec);
  } else if (!spec.tokenizer_folder.empty()) {
    conversion::import_hf_tokenizer(writer, spec.tokenizer_folder, family->tokenizer_pre, spec.vocabulary);
  } else if (spec.tokenizer_metadata) {
    write_decoder_tokenizer(writer, spec, family->tokenizer_pre);
  }
  writer.write(path);
}

}  // namespace docent::engine
