// Hostile-file robustness: truncated and bit-flipped copies of every fixture model are either
// rejected with a ModelError or load cleanly (and then run); nothing crashes or reads out of
// bounds. Bounded to a few seconds; run under -DDOCENT_SANITIZE=ON to check memory safety.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <random>

#include "encoder.hpp"
#include "gguf/gguf_reader.hpp"
#include "test_support.hpp"
#include "transformer.hpp"

using namespace docent::engine;

namespace {

std::vector<std::uint8_t> read_all(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

struct Outcome {
  int rejected = 0, loaded = 0, model_rejected = 0, model_ran = 0;
};

// Parses, builds the model if the file parses, and runs two tokens through it.
void exercise(const std::vector<std::uint8_t>& bytes, Outcome& outcome) {
  std::shared_ptr<const GgufFile> file;
  try {
    file = GgufFile::from_bytes(bytes, "fuzzed.gguf");
  } catch (const ModelError& error) {
    EXPECT_EQ(std::string(error.what()).rfind("fuzzed.gguf: ", 0), 0u) << error.what();
    ++outcome.rejected;
    return;
  }
  ++outcome.loaded;
  try {
    if (file->get_string("general.architecture") == "bert") {
      Encoder encoder(file);
      encoder.embed({{1, 2, 3}}, Pooling::mean);
    } else {
      Transformer model(file);
      KvCache cache(model.parameters(), 4, CachePrecision::f16);
      std::vector<float> logits;
      std::vector<std::int32_t> tokens = {1, 2};
      model.forward(tokens, cache, logits, true);
    }
    ++outcome.model_ran;
  } catch (const ModelError&) {
    ++outcome.model_rejected;
  }
}

std::size_t data_section_start(const std::vector<std::uint8_t>& bytes) {
  auto file = GgufFile::from_bytes(bytes, "original");
  std::size_t start = bytes.size();
  for (const auto& tensor : file->tensors()) start = std::min(start, static_cast<std::size_t>(tensor.data - bytes.data()));
  return start;
}

}  // namespace

TEST(GgufFuzz, TruncatedAndBitFlippedFixtures) {
  DOCENT_REQUIRE_SHARED("fixtures/models");
  std::mt19937_64 random(20261123);
  for (const char* name : {"stories260K", "tiny-qwen2-f16", "tiny-qwen2-q4_0", "small-qwen2-q4_k_m", "tiny-bert-f16"}) {
    const auto original = read_all(docent::test::shared_dir() / "fixtures/models" / (std::string(name) + ".gguf"));
    ASSERT_FALSE(original.empty());
    const std::size_t header = data_section_start(original);
    Outcome truncated, flipped;

    // Truncation: every cut in the first 64 bytes, random cuts across the header, a few in the data.
    std::vector<std::size_t> cuts;
    for (std::size_t cut = 0; cut < 64; ++cut) cuts.push_back(cut);
    for (int i = 0; i < 120; ++i) cuts.push_back(random() % header);
    for (int i = 0; i < 8; ++i) cuts.push_back(header + random() % (original.size() - header));
    cuts.push_back(original.size() - 1);
    for (std::size_t cut : cuts) {
      std::vector<std::uint8_t> copy(original.begin(), original.begin() + static_cast<std::ptrdiff_t>(cut));
      exercise(copy, truncated);
    }
    EXPECT_EQ(truncated.loaded, 0) << name << ": a truncated file was accepted";

    // Bit flips: mostly in the header (where the structure is), some in the tensor data; several
    // flips per copy so that combinations occur too.
    for (int trial = 0; trial < 150; ++trial) {
      std::vector<std::uint8_t> copy = original;
      int flips = 1 + static_cast<int>(random() % 4);
      for (int f = 0; f < flips; ++f) {
        bool in_header = random() % 10 != 0;
        std::size_t at = in_header ? random() % header : header + random() % (original.size() - header);
        copy[at] ^= static_cast<std::uint8_t>(1u << (random() % 8));
      }
      exercise(copy, flipped);
    }
    std::printf("%-20s truncated: %d rejected; bit-flipped: %d rejected, %d parsed (%d model errors, %d ran)\n", name,
                truncated.rejected, flipped.rejected, flipped.loaded, flipped.model_rejected, flipped.model_ran);
    EXPECT_GT(flipped.rejected, 0) << name;
    EXPECT_GT(flipped.model_ran, 0) << name;
  }
}

// Hand-made hostile headers that random flips rarely hit.
TEST(GgufFuzz, HugeCountsAndOffsetsAreRejectedWithoutAllocating) {
  auto put = [](std::vector<std::uint8_t>& bytes, auto value) {
    auto offset = bytes.size();
    bytes.resize(offset + sizeof(value));
    std::memcpy(bytes.data() + offset, &value, sizeof(value));
  };
  auto start = [&](std::uint64_t tensors, std::uint64_t metadata) {
    std::vector<std::uint8_t> bytes = {'G', 'G', 'U', 'F'};
    put(bytes, std::uint32_t{3});
    put(bytes, tensors);
    put(bytes, metadata);
    return bytes;
  };
  // A string array claiming 2^61 elements.
  auto array = start(0, 1);
  put(array, std::uint64_t{1});
  array.push_back('k');
  put(array, std::uint32_t{9});
  put(array, std::uint32_t{8});
  put(array, std::uint64_t{1} << 61);
  EXPECT_THROW(GgufFile::from_bytes(array, "x"), ModelError);
  // Nested arrays, deeper than allowed.
  auto nested = start(0, 1);
  put(nested, std::uint64_t{1});
  nested.push_back('k');
  put(nested, std::uint32_t{9});
  for (int depth = 0; depth < 6; ++depth) {
    put(nested, std::uint32_t{9});
    put(nested, std::uint64_t{1});
  }
  EXPECT_THROW(GgufFile::from_bytes(nested, "x"), ModelError);
  // Alignment that is not a power of two.
  auto alignment = start(0, 1);
  put(alignment, std::uint64_t{17});
  for (char c : std::string("general.alignment")) alignment.push_back(static_cast<std::uint8_t>(c));
  put(alignment, std::uint32_t{4});
  put(alignment, std::uint32_t{48});
  EXPECT_THROW(GgufFile::from_bytes(alignment, "x"), ModelError);
  // A tensor with 5 dimensions.
  auto dims = start(1, 0);
  put(dims, std::uint64_t{1});
  dims.push_back('t');
  put(dims, std::uint32_t{5});
  for (int d = 0; d < 5; ++d) put(dims, std::uint64_t{1});
  put(dims, std::uint32_t{0});
  put(dims, std::uint64_t{0});
  EXPECT_THROW(GgufFile::from_bytes(dims, "x"), ModelError);
  // Dimensions whose product overflows 64 bits.
  auto overflow = start(1, 0);
  put(overflow, std::uint64_t{1});
  overflow.push_back('t');
  put(overflow, std::uint32_t{2});
  put(overflow, std::uint64_t{1} << 40);
  put(overflow, std::uint64_t{1} << 40);
  put(overflow, std::uint32_t{0});
  put(overflow, std::uint64_t{0});
  try {
    GgufFile::from_bytes(overflow, "x");
    FAIL();
  } catch (const ModelError& error) {
    EXPECT_NE(std::string(error.what()).find("64 bits"), std::string::npos) << error.what();
  }
}
