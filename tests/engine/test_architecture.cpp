// The architecture table: every entry is reachable by its names, its shape rules are complete,
// and every family survives random-model writer -> loader -> HF export -> import (and ONNX
// export -> import) with identical outputs, driven by the table alone.
#include <gtest/gtest.h>

#include <cctype>
#include <cstring>
#include <fstream>
#include <iterator>
#include <set>

#include "architectures/architecture.hpp"
#include "docent/engine.hpp"
#include "encoder.hpp"
#include "gguf/gguf_reader.hpp"
#include "import/onnx_conversion.hpp"
#include "quant/dequantize.hpp"
#include "test_support.hpp"
#include "testing/random_model.hpp"
#include "transformer.hpp"

namespace docent::engine {
namespace {

using test::TempDir;

std::string family_name(const testing::TestParamInfo<const ArchitectureSpec*>& info) {
  std::string name(info.param->name());
  for (char& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return name;
}

// A small model of the family with F32 weights (so every conversion is exact) and a tokenizer
// (the Hugging Face form needs one).
RandomModelSpec small_model(const ArchitectureSpec& spec, std::string_view gguf_name = {}) {
  RandomModelSpec random;
  random.architecture = std::string(gguf_name.empty() ? spec.name() : gguf_name);
  random.layers = 2;
  random.hidden = 64;
  random.heads = 4;
  random.kv_heads = 2;
  random.ffn = 96;
  random.vocabulary = 300;
  random.context_length = 32;
  random.weight_type = TensorType::f32;
  random.tokenizer_metadata = true;
  random.seed = 11;
  return random;
}

const std::vector<std::int32_t> kTokens{5, 17, 200, 3, 299, 42, 108, 7};

// Decoder logits at every position, or the encoder's pooled, unnormalized embedding.
std::vector<float> outputs(const std::filesystem::path& gguf) {
  const auto file = GgufFile::open(gguf);
  const ArchitectureSpec* spec = find_architecture(file->get_string("general.architecture").value_or(""));
  if (spec == nullptr) throw ModelError(gguf.string() + ": unknown architecture");
  if (spec->kind == ModelKind::encoder) {
    Encoder encoder(file);
    return encoder.embed({kTokens}, Pooling::cls, false).front();
  }
  Transformer decoder(file);
  KvCache cache(decoder.parameters(), 16);
  std::vector<float> logits;
  decoder.forward(kTokens, cache, logits, true);
  return logits;
}

// Every tensor of `a` in `b` with the same type, shape and values (as floats).
void expect_same_tensors(const std::filesystem::path& a, const std::filesystem::path& b) {
  const auto first = GgufFile::open(a), second = GgufFile::open(b);
  std::set<std::string> names_a, names_b;
  for (const auto& tensor : first->tensors()) names_a.insert(tensor.name);
  for (const auto& tensor : second->tensors()) names_b.insert(tensor.name);
  EXPECT_EQ(names_a, names_b);
  for (const auto& tensor : first->tensors()) {
    const GgufTensorInfo* other = second->find_tensor(tensor.name);
    if (other == nullptr) continue;
    EXPECT_EQ(tensor.shape, other->shape) << tensor.name;
    EXPECT_EQ(tensor.type, other->type) << tensor.name;
    if (tensor.type == other->type && tensor.bytes == other->bytes) {
      EXPECT_EQ(0, std::memcmp(tensor.data, other->data, tensor.bytes)) << tensor.name;
    }
  }
}

class ArchitectureTable : public testing::TestWithParam<const ArchitectureSpec*> {};

TEST_P(ArchitectureTable, EntryIsFoundByEachOfItsNamesAndListedInErrors) {
  const ArchitectureSpec& spec = *GetParam();
  EXPECT_EQ(&architecture_spec(spec.id), &spec);
  for (const GgufName& entry : spec.gguf_names) {
    const std::string_view name = entry.name;
    EXPECT_EQ(find_architecture(name), &spec) << name;
    EXPECT_EQ(spec.activation(name), entry.ffn) << name;
    EXPECT_NE(supported_architectures().find(std::string(name)), std::string::npos) << name;
    EXPECT_NE(supported_architectures(spec.kind).find(std::string(name)), std::string::npos) << name;
  }
  if (!spec.hf_model_type.empty()) {
    EXPECT_EQ(find_hf_architecture(spec.hf_model_type), &spec);
    EXPECT_NE(supported_hf_model_types().find(std::string(spec.hf_model_type)), std::string::npos);
  }
}

TEST_P(ArchitectureTable, EverySlotHasOneRoleAndResolvesBackFromItsName) {
  const ArchitectureSpec& spec = *GetParam();
  std::set<TensorRole> roles;
  std::set<std::string_view> gguf_names, hf_names;
  ASSERT_NE(spec.slot(TensorRole::token_embedding), nullptr);
  for (const TensorSlot& slot : spec.tensors) {
    EXPECT_TRUE(roles.insert(slot.role).second) << slot.gguf;
    EXPECT_TRUE(gguf_names.insert(slot.gguf).second) << slot.gguf;
    if (!spec.hf_model_type.empty()) {
      EXPECT_TRUE(hf_names.insert(slot.hf).second) << slot.hf;
    }
    EXPECT_EQ(role_rule(slot.role).role, slot.role);
    // A name from the pattern maps back to this slot and layer.
    const int layer = slot.per_layer() ? 7 : -1;
    int found_layer = -2;
    EXPECT_EQ(spec.slot_of(tensor_name(slot.gguf, layer), &found_layer), &slot) << slot.gguf;
    EXPECT_EQ(found_layer, layer) << slot.gguf;
    EXPECT_EQ(slot.per_layer(), slot.hf.find("{layer}") != std::string_view::npos) << slot.hf;
    // Rows are only permuted for RoPE q/k tensors of a family that rotates.
    if (slot.rows != RowOrder::same) {
      EXPECT_NE(spec.rope_style, RopeStyle::none) << slot.gguf;
    }
  }
  EXPECT_EQ(spec.slot_of("blk.x.attn_q.weight"), nullptr);
  EXPECT_EQ(spec.slot_of("not.a.tensor"), nullptr);
}

TEST_P(ArchitectureTable, RandomModelRoundTripsThroughHuggingFaceWithIdenticalOutputs) {
  const ArchitectureSpec& spec = *GetParam();
  if (spec.hf_model_type.empty()) GTEST_SKIP() << spec.name() << " has no Hugging Face form";
  for (const GgufName& name : spec.gguf_names) {
    SCOPED_TRACE(std::string(name.name));
    TempDir dir;
    const auto original = dir.path() / "original.gguf", imported = dir.path() / "imported.gguf";
    write_random_model(original, small_model(spec, name.name));
    const std::vector<float> expected = outputs(original);
    ASSERT_FALSE(expected.empty());

    export_hf_model(original, dir.path() / "hf");
    import_hf_model(dir.path() / "hf", imported);
    expect_same_tensors(original, imported);
    EXPECT_EQ(outputs(imported), expected);
    // Names sharing an activation share a Hugging Face form, which imports as the first of them.
    EXPECT_EQ(GgufFile::open(imported)->get_string("general.architecture"),
              std::string(spec.name_for_hf_activation(hf_activation(name.ffn))));
  }
}

TEST_P(ArchitectureTable, RandomModelRoundTripsThroughOnnxWithIdenticalOutputs) {
  const ArchitectureSpec& spec = *GetParam();
  if (spec.hf_model_type.empty()) GTEST_SKIP() << spec.name() << " has no Hugging Face form";
  TempDir dir;
  const auto original = dir.path() / "original.gguf", imported = dir.path() / "imported.gguf";
  write_random_model(original, small_model(spec));
  if (!conversion::onnx_exportable(spec)) {
    try {
      export_onnx_model(original, dir.path() / "onnx", false);
      FAIL() << spec.name() << " exported although the graph builder cannot express it";
    } catch (const ModelError& error) {
      EXPECT_NE(std::string(error.what()).find("cannot be exported to ONNX"), std::string::npos) << error.what();
    }
    EXPECT_FALSE(std::filesystem::exists(dir.path() / "onnx" / "model.onnx"));
    return;
  }
  export_onnx_model(original, dir.path() / "onnx", false);
  import_onnx_model(dir.path() / "onnx" / "model.onnx", imported);
  expect_same_tensors(original, imported);
  EXPECT_EQ(outputs(imported), outputs(original));
}

TEST_P(ArchitectureTable, LoaderNamesAMissingRequiredTensor) {
  const ArchitectureSpec& spec = *GetParam();
  // The last required per-layer tensor of the table, dropped from an otherwise good file.
  const TensorSlot* dropped = nullptr;
  for (const TensorSlot& slot : spec.tensors)
    if (slot.per_layer() && slot.presence == Presence::required) dropped = &slot;
  ASSERT_NE(dropped, nullptr);
  TempDir dir;
  const auto path = dir.path() / "model.gguf";
  RandomModelSpec random = small_model(spec);
  write_random_model(path, random);
  // Re-write without that tensor: rename it so the name is absent.
  const auto file = GgufFile::open(path);
  const std::string name = tensor_name(dropped->gguf, 1);
  ASSERT_NE(file->find_tensor(name), nullptr);
  try {
    Model::load(path);  // loads fine as written
  } catch (const ModelError& error) {
    FAIL() << error.what();
  }
  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  const auto at = bytes.find(name);
  ASSERT_NE(at, std::string::npos);
  bytes[at] = 'X';  // "blk.1..." -> "Xlk.1...": the same length, a different name
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << bytes;
  }
  try {
    Model::load(path);
    FAIL() << "loaded without " << name;
  } catch (const ModelError& error) {
    EXPECT_NE(std::string(error.what()).find("missing tensor '" + name + "'"), std::string::npos) << error.what();
  }
}

INSTANTIATE_TEST_SUITE_P(EveryFamily, ArchitectureTable,
                         testing::ValuesIn(architectures().begin(), architectures().end()), family_name);

TEST(ArchitectureTable, UnknownArchitectureErrorListsTheTable) {
  TempDir dir;
  RandomModelSpec random;
  random.architecture = "gpt_neox";
  try {
    write_random_model(dir.path() / "x.gguf", random);
    FAIL();
  } catch (const ModelError& error) {
    EXPECT_NE(std::string(error.what()).find(supported_architectures()), std::string::npos) << error.what();
  }
}

TEST(ArchitectureTable, ShapeRulesResolveOverTheHyperParameters) {
  ShapeSizes sizes;
  sizes.hidden = 64;
  sizes.query_width = 64;
  sizes.kv_width = 32;
  sizes.ffn = 96;
  sizes.vocabulary = 300;
  EXPECT_EQ(gguf_shape(TensorRole::attention_key, sizes), (std::vector<std::int64_t>{64, 32}));
  EXPECT_EQ(hf_shape(TensorRole::attention_key, sizes), (std::vector<std::int64_t>{32, 64}));
  EXPECT_EQ(gguf_shape(TensorRole::ffn_down, sizes), (std::vector<std::int64_t>{96, 64}));
  EXPECT_EQ(gguf_shape(TensorRole::output, sizes), (std::vector<std::int64_t>{64, 300}));
  EXPECT_EQ(gguf_shape(TensorRole::attention_key_bias, sizes), (std::vector<std::int64_t>{32}));
  EXPECT_EQ(gguf_shape(TensorRole::ffn_norm, sizes), (std::vector<std::int64_t>{64}));
}

}  // namespace
}  // namespace docent::engine
