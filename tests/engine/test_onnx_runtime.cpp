// The exported ONNX graphs run in ONNX Runtime (npm onnxruntime-node, CPU) and give the engine's
// outputs: ORT on the export versus the engine on the GGUF imported back from the same file
// (identical weights), for float, MatMulNBits and QDQ weights; decoders run a prompt, then
// single tokens through the exported KV cache. Skips with a message when ONNX Runtime or node
// is not installed (bench/ort/setup.sh installs it; DOCENT_ORT_DIR points at it).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "docent/engine.hpp"
#include "gguf/gguf_reader.hpp"
#include "kv_cache.hpp"
#include "test_support.hpp"
#include "transformer.hpp"

namespace docent::engine {
namespace {

using test::TempDir;

std::filesystem::path fixture(const std::string& name) { return test::shared_dir() / "fixtures/models" / name; }

std::filesystem::path ort_folder() {
  if (const char* env = std::getenv("DOCENT_ORT_DIR")) return env;
  // bench/ort/setup.sh's default folder. The XDG spec says a relative XDG_CACHE_HOME is invalid.
  if (const char* cache = std::getenv("XDG_CACHE_HOME"); cache != nullptr && cache[0] == '/')
    return std::filesystem::path(cache) / "docent/ort";
  const char* home = std::getenv("HOME");
  return std::filesystem::path(home != nullptr ? home : "/") / ".cache/docent/ort";
}

#define DOCENT_REQUIRE_ORT()                                                                                        \
  do {                                                                                                              \
    if (!std::filesystem::exists(ort_folder() / "node_modules/onnxruntime-node") || std::system("node --version > /dev/null 2>&1") != 0) \
      GTEST_SKIP() << "ONNX Runtime not found: no node or no " << (ort_folder() / "node_modules/onnxruntime-node")                    \
                   << " (run bench/ort/setup.sh, or set DOCENT_ORT_DIR)";                                           \
  } while (0)

nlohmann::json run_ort(const std::filesystem::path& model, const std::string& kind, const std::vector<TokenId>& tokens, int prefill,
                       const TempDir& temp, const std::string& optimization = "basic") {
  std::ostringstream list;
  for (std::size_t i = 0; i < tokens.size(); ++i) list << (i ? "," : "") << tokens[i];
  const auto out = temp.path() / "ort.json";
  std::filesystem::remove(out);
  const std::string command = "node '" + (test::source_dir() / "tests/engine/ort_run.mjs").string() + "' --ort '" + ort_folder().string() +
                              "' --model '" + model.string() + "' --kind " + kind + " --tokens " + list.str() + " --prefill " +
                              std::to_string(prefill) + " --optimization " + optimization + " --out '" + out.string() + "'";
  EXPECT_EQ(std::system(command.c_str()), 0) << command;
  std::ifstream in(out);
  if (!in) return {};
  return nlohmann::json::parse(in);
}

OnnxExportOptions format(const std::string& weights, int block_size = 32, bool zero_points = false) {
  OnnxExportOptions options;
  options.weights = weights;
  options.block_size = block_size;
  options.zero_points = zero_points;
  return options;
}

struct Agreement {
  double max_error = 0, largest_logit = 0;
  int argmax_matches = 0, rows = 0;
};

// The engine with every rounding of the reference implementation turned off (F32 activations,
// F32 KV cache), token by token, against ORT's rows.
Agreement compare_decoder(const std::filesystem::path& gguf, const nlohmann::json& ort, const std::vector<TokenId>& tokens) {
  Agreement result;
  DecoderOptions exact;
  exact.rounding = ActivationRounding::none;
  exact.round_attention_like_reference = false;
  const Transformer model(GgufFile::open(gguf), exact);
  KvCache cache(model.parameters(), static_cast<int>(tokens.size()), CachePrecision::f32);
  const auto& rows = ort["logits"];
  EXPECT_EQ(rows.size(), tokens.size());
  std::vector<float> ours;
  for (std::size_t t = 0; t < tokens.size() && t < rows.size(); ++t) {
    model.forward(std::span<const TokenId>(&tokens[t], 1), cache, ours, false);
    const auto theirs = rows[t].get<std::vector<float>>();
    EXPECT_EQ(ours.size(), theirs.size());
    std::size_t best_ours = 0, best_theirs = 0;
    for (std::size_t i = 0; i < ours.size() && i < theirs.size(); ++i) {
      result.max_error = std::max(result.max_error, static_cast<double>(std::fabs(ours[i] - theirs[i])));
      result.largest_logit = std::max(result.largest_logit, static_cast<double>(std::fabs(ours[i])));
      if (ours[i] > ours[best_ours]) best_ours = i;
      if (theirs[i] > theirs[best_theirs]) best_theirs = i;
    }
    result.argmax_matches += best_ours == best_theirs;
    ++result.rows;
  }
  return result;
}

// With the engine's reference roundings off and ORT's graph rewrites limited to "basic", both
// sides compute in F32 on identical weights; what remains is summation order and the exp/cos/
// sin implementations: measured ~1e-6 of the logit scale, allowed 1e-4.
constexpr double kRelativeTolerance = 1e-4;
// At level "all" ORT replaces DequantizeLinear -> MatMul by kernels that round activations to
// 8 bits (as the reference implementation does); that moves logits by up to ~1.5% of their scale
// (measured on stories260K), so only argmax agreement and 5% are asked of it.
constexpr double kRelativeToleranceFused = 5e-2;

class OnnxRuntimeDecoder : public ::testing::TestWithParam<std::string> {};

TEST_P(OnnxRuntimeDecoder, ExportedGraphsGiveTheEnginesLogits) {
  DOCENT_REQUIRE_SHARED("fixtures/models/" + GetParam());
  DOCENT_REQUIRE_ORT();
  TempDir temp;
  const auto source = fixture(GetParam());
  const auto tokens = Model::load(source)->tokenizer().encode("Once upon a time, a little girl named", true);
  ASSERT_GE(tokens.size(), 6u);
  OnnxExportOptions int8_activations = format("int4");
  int8_activations.int4_accuracy_level = 4;
  for (const auto& options :
       {format("float"), format("int4"), format("int4", 32, true), format("qdq-int8", 0), format("qdq-int4"), int8_activations}) {
    const std::string label = options.weights + (options.zero_points ? " zero points" : "") + " block " + std::to_string(options.block_size) +
                              (options.int4_accuracy_level ? " accuracy level " + std::to_string(options.int4_accuracy_level) : "");
    const bool exact = options.int4_accuracy_level == 0;  // level 4 rounds activations even at optimization "basic"
    SCOPED_TRACE(label);
    const auto folder = temp.path() / "onnx";
    std::filesystem::remove_all(folder);
    export_onnx_model(source, folder, options);
    import_onnx_model(folder / "model.onnx", temp.path() / "back.gguf");
    // A prompt of all but 3 tokens, then 3 single-token steps through the KV cache.
    const auto ort = run_ort(folder / "model.onnx", "decoder", tokens, static_cast<int>(tokens.size()) - 3, temp);
    ASSERT_TRUE(ort.contains("logits"));
    const Agreement imported = compare_decoder(temp.path() / "back.gguf", ort, tokens);
    std::cout << "[ ORT vs engine ] " << GetParam() << " " << label << ": max |logit difference| " << imported.max_error
              << " (largest logit " << imported.largest_logit << "), argmax " << imported.argmax_matches << "/" << imported.rows << "\n";
    EXPECT_LE(imported.max_error, (exact ? kRelativeTolerance : kRelativeToleranceFused) * std::max(1.0, imported.largest_logit));
    EXPECT_EQ(imported.argmax_matches, imported.rows);
    // What users get: every ORT optimization on.
    const auto fused = run_ort(folder / "model.onnx", "decoder", tokens, static_cast<int>(tokens.size()) - 3, temp, "all");
    ASSERT_TRUE(fused.contains("logits"));
    const Agreement optimized = compare_decoder(temp.path() / "back.gguf", fused, tokens);
    std::cout << "[ ORT vs engine ] " << GetParam() << " " << label << " (ORT optimization all): max |logit difference| "
              << optimized.max_error << ", argmax " << optimized.argmax_matches << "/" << optimized.rows << "\n";
    EXPECT_LE(optimized.max_error, kRelativeToleranceFused * std::max(1.0, optimized.largest_logit));
    EXPECT_EQ(optimized.argmax_matches, optimized.rows);
    if (options.weights == "float") {  // the float export is the original model itself
      const Agreement original = compare_decoder(source, ort, tokens);
      EXPECT_LE(original.max_error, kRelativeTolerance * std::max(1.0, original.largest_logit));
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, OnnxRuntimeDecoder, ::testing::Values("stories260K.gguf", "tiny-qwen2-f16.gguf"), [](const auto& info) {
  return info.param == "stories260K.gguf" ? std::string("stories260K") : std::string("tiny_qwen2");
});

TEST(OnnxRuntimeEncoder, ExportedBertGivesTheEnginesEmbeddings) {
  DOCENT_REQUIRE_SHARED("fixtures/models/tiny-bert-f16.gguf");
  DOCENT_REQUIRE_ORT();
  TempDir temp;
  const auto source = fixture("tiny-bert-f16.gguf");
  const auto tokens = Model::load(source)->tokenizer().encode("A small test of the encoder, with punctuation!", true);
  for (const auto& options : {format("float"), format("int4"), format("qdq-int8", 0), format("qdq-int4", 32, true)}) {
    SCOPED_TRACE(options.weights);
    const auto folder = temp.path() / "onnx";
    std::filesystem::remove_all(folder);
    export_onnx_model(source, folder, options);
    import_onnx_model(folder / "model.onnx", temp.path() / "back.gguf");
    const auto ort = run_ort(folder / "model.onnx", "encoder", tokens, 0, temp);
    ASSERT_TRUE(ort.contains("sentence_embedding"));
    const auto theirs = ort["sentence_embedding"].get<std::vector<float>>();
    const auto ours = Embedder(Model::load(temp.path() / "back.gguf")).embed_tokens({tokens})[0];
    ASSERT_EQ(ours.size(), theirs.size());
    double worst = 0;
    for (std::size_t i = 0; i < ours.size(); ++i) worst = std::max(worst, static_cast<double>(std::fabs(ours[i] - theirs[i])));
    std::cout << "[ ORT vs engine ] tiny-bert " << options.weights << ": max |embedding difference| " << worst << "\n";
    // Unit vectors of 64 components (~0.12 each). The Embedder keeps the reference's roundings
    // (activations to F16 or 8 bits inside products) and tanh-GELU: measured <= 6e-5, allowed 5e-4.
    EXPECT_LE(worst, 5e-4);
    EXPECT_EQ(ort["last_hidden_state"].size(), tokens.size());
  }
}

}  // namespace
}  // namespace docent::engine
