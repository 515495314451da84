// libFuzzer target: one fixture tokenizer (DOCENT_FUZZ_TOKENIZER, set per target at build time)
// encodes arbitrary bytes, with and without special-token parsing, and decodes the result and
// arbitrary id lists (ids out of range must not crash).
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

#include "docent/engine.hpp"

namespace {
const docent::engine::Tokenizer& tokenizer() {
  static const std::unique_ptr<docent::engine::Tokenizer> loaded =
      docent::engine::Tokenizer::load(DOCENT_FUZZ_TOKENIZER);
  return *loaded;
}
}  // namespace

// Loading the 151k-token Qwen2 vocabulary takes ~10 s under the sanitizers (more on a busy
// machine): done here, it no longer counts against the first input's -timeout, which once
// reported it as a hang.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  (void)tokenizer();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto& t = tokenizer();
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (bool parse_special : {false, true}) {
    auto ids = t.encode(text, parse_special, parse_special);
    (void)t.decode(ids, false);
    (void)t.decode(ids, true);
    for (auto id : ids) (void)t.token_text(id);
  }
  // Raw ids from the bytes, including negative and out-of-range ones.
  std::vector<docent::engine::TokenId> raw(size / sizeof(docent::engine::TokenId));
  if (!raw.empty()) std::memcpy(raw.data(), data, raw.size() * sizeof(docent::engine::TokenId));
  try {
    (void)t.decode(raw, false);
  } catch (const docent::engine::ModelError&) {
  } catch (const std::out_of_range&) {  // a documented-enough refusal; a crash would not be
  }
  return 0;
}
