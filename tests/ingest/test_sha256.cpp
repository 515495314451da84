#include <gtest/gtest.h>

#include <fstream>

#include "docent/ingest.hpp"
#include "ingest_internal.hpp"
#include "test_support.hpp"

namespace docent::ingest {
namespace {

// Vectors from FIPS 180-4's examples (NIST CSRC "SHA256.pdf", "SHA2_Additional").
TEST(Sha256, KnownVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(sha256_hex(std::string(1000000, 'a')), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, IncrementalUpdatesMatchOneShot) {
  std::string data;
  for (int i = 0; i < 1000; ++i) data.push_back(char(i * 7 + 3));
  const std::string expected = sha256_hex(data);
  // Split at awkward places: around the 55/56/64-byte padding edges.
  for (std::size_t split : {0u, 1u, 55u, 56u, 63u, 64u, 65u, 119u, 999u}) {
    detail::Sha256 hasher;
    hasher.update(data.data(), split);
    hasher.update(data.data() + split, data.size() - split);
    EXPECT_EQ(hasher.hex_digest(), expected) << split;
  }
  for (std::size_t length : {55u, 56u, 57u, 63u, 64u, 65u}) {
    detail::Sha256 hasher;
    for (std::size_t i = 0; i < length; ++i) hasher.update(data.data() + i, 1);
    EXPECT_EQ(hasher.hex_digest(), sha256_hex(std::string_view(data).substr(0, length))) << length;
  }
}

TEST(Sha256, FileIsStreamedAcrossBlocks) {
  test::TempDir dir;
  const auto path = dir.path() / "big.bin";
  std::string data(3 * (1 << 20) + 12345, '\0');
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = char((i * 2654435761u) >> 13);
  std::ofstream(path, std::ios::binary).write(data.data(), std::streamsize(data.size()));
  EXPECT_EQ(file_sha256(path), sha256_hex(data));

  const auto empty = dir.path() / "empty";
  std::ofstream(empty, std::ios::binary).flush();
  EXPECT_EQ(file_sha256(empty), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_THROW(file_sha256(dir.path() / "missing"), std::runtime_error);
}

}  // namespace
}  // namespace docent::ingest
