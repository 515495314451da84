// Inputs that once crashed the ONNX importer (found for the fuzz_onnx libFuzzer target, kept
// in tests/fuzz/regressions/fuzz_onnx/) now end in one clear error line naming the file, beside
// our own exporter's stories260K folder (config.json, tokenizer, model.onnx.data).
#include "process.hpp"

namespace fs = std::filesystem;
using docent::test::run_docent;
using docent::test::TempDir;

TEST(OnnxImportRegressions, CrashInputsGiveOneLineErrorsNamingTheFile) {
  DOCENT_REQUIRE_SHARED("fixtures/models/stories260K.gguf");
  TempDir dir;
  const fs::path folder = dir.path() / "onnx", library = dir.path() / "library";
  const auto exported = run_docent(library, {"models", "export", (docent::test::shared_dir() / "fixtures/models/stories260K.gguf").string(),
                                             folder.string(), "--format", "onnx", "--external-data"});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  const auto control = run_docent(library, {"models", "import", (folder / "model.onnx").string(), (dir.path() / "ok.gguf").string()});
  ASSERT_EQ(control.exit_code, 0) << control.err;

  const fs::path regressions = docent::test::source_dir() / "tests/fuzz/regressions/fuzz_onnx";
  int cases = 0;
  for (const auto& entry : fs::directory_iterator(regressions)) {
    const fs::path input = folder / entry.path().filename();
    fs::copy_file(entry.path(), input, fs::copy_options::overwrite_existing);
    const auto imported = run_docent(library, {"models", "import", input.string(), (dir.path() / "out.gguf").string()});
    SCOPED_TRACE(entry.path().filename().string());
    EXPECT_EQ(imported.signal, 0);
    EXPECT_NE(imported.exit_code, 0);
    EXPECT_NE(imported.err.find(input.filename().string()), std::string::npos) << imported.err;
    EXPECT_EQ(imported.err.find('\n'), imported.err.size() - 1) << "one line: " << imported.err;
    if (input.filename() == "missing-external-data.onnx") EXPECT_NE(imported.err.find("missing"), std::string::npos) << imported.err;
    ++cases;
  }
  EXPECT_GE(cases, 4);
}
