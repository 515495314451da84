// libFuzzer target: the GGUF reader on arbitrary bytes. A bad file must end in ModelError, never
// in a crash, a sanitizer report, a hang or an unbounded allocation.
#include <cstddef>
#include <cstdint>
#include <span>

#include "docent/engine.hpp"
#include "gguf/gguf_reader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    auto file = docent::engine::GgufFile::from_bytes(std::span<const std::uint8_t>(data, size), "fuzz.gguf");
    // Walk what a loader reads next: every key through the typed getters, every tensor view.
    for (const auto& [key, value] : file->metadata()) {
      (void)file->get_string(key);
      (void)file->get_int(key);
      (void)file->get_float(key);
      (void)file->get_bool(key);
      (void)file->get_string_array(key);
      (void)file->get_int_array(key);
      (void)file->get_float_array(key);
    }
    for (const auto& tensor : file->tensors()) (void)tensor.element_count();
  } catch (const docent::engine::ModelError&) {
  }
  return 0;
}
