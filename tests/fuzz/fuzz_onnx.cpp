// libFuzzer target: the ONNX importer on arbitrary model.onnx bytes. At start-up our own exporter
// writes stories260K (DOCENT_FUZZ_ONNX_MODEL) as an ONNX folder with external data into a temp
// folder, so config.json, the tokenizer files and model.onnx.data sit beside the fuzzed
// model.onnx: mutated graphs reach the node mapping, the initializer reader (inline and external,
// with fuzzed offsets, lengths and locations; a location naming a file that is not there is the
// "external data missing" case) and the GGUF writer. A bad model must end in ModelError.
// DOCENT_FUZZ_ONNX_SEEDS=<dir>: also copy our exporter's model.onnx files (external data; inline
// float, int4 MatMulNBits, QDQ int4/int8) into <dir> as the seed corpus (scripts/fuzz.sh does this).
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "docent/engine.hpp"

namespace fs = std::filesystem;

namespace {
fs::path make_temp_folder() {
  std::string pattern = (fs::temp_directory_path() / "docent-fuzz-onnx-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) std::abort();
  return pattern;
}

const fs::path& model_folder() {
  static const fs::path folder = [] {
    const fs::path external = make_temp_folder();
    docent::engine::export_onnx_model(DOCENT_FUZZ_ONNX_MODEL, external, /*external_data=*/true);
    if (const char* seeds = std::getenv("DOCENT_FUZZ_ONNX_SEEDS")) {
      fs::create_directories(seeds);
      fs::copy_file(external / "model.onnx", fs::path(seeds) / "external-data.onnx", fs::copy_options::overwrite_existing);
      // Inline float weights, and the quantized forms the importer maps back (MatMulNBits, QDQ).
      for (const char* weights : {"float", "int4", "qdq-int4", "qdq-int8"}) {
        const fs::path inline_folder = make_temp_folder();
        docent::engine::OnnxExportOptions options;
        options.weights = weights;
        docent::engine::export_onnx_model(DOCENT_FUZZ_ONNX_MODEL, inline_folder, options);
        fs::copy_file(inline_folder / "model.onnx", fs::path(seeds) / (std::string("inline-") + weights + ".onnx"),
                      fs::copy_options::overwrite_existing);
        fs::remove_all(inline_folder);
      }
    }
    return external;
  }();
  return folder;
}

void remove_model_folder() {
  std::error_code ignored;
  fs::remove_all(model_folder(), ignored);
}
}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  (void)model_folder();
  std::atexit(remove_model_folder);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const fs::path model = model_folder() / "fuzzed.onnx";
  if (FILE* out = std::fopen(model.c_str(), "wb")) {
    std::fwrite(data, 1, size, out);
    std::fclose(out);
  }
  try {
    docent::engine::import_onnx_model(model, model_folder() / "imported.gguf");
  } catch (const docent::engine::ModelError&) {
  }
  return 0;
}
