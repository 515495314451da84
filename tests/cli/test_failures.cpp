// Every failure says what it is: binary data under a text name, an unsupported type, files that
// failed before, and the password options.
#include <fstream>
#include <random>

#include <nlohmann/json.hpp>

#include "docent_run.hpp"

namespace fs = std::filesystem;
using docent::test::write_file;
using docent::test::run_cli;
using docent::test::run_docent;
using docent::test::shell_quote;

namespace {

// Bytes that are never NUL, so only the share of undecodable bytes gives them away.
std::string random_bytes(std::size_t count) {
  std::mt19937 random(7);
  std::uniform_int_distribution<int> byte(1, 255);
  std::string bytes(count, ' ');
  for (char& c : bytes) c = static_cast<char>(byte(random));
  return bytes;
}

class Failures : public ::testing::Test {
 protected:
  fs::path docs() const { return scratch.path() / "docs"; }
  docent::test::DocentRun docent(const std::string& arguments) { return run_docent(scratch.path() / "library", arguments); }
  docent::test::TempDir scratch;
};

using NotText = Failures;
using Unsupported = Failures;
using FailedAgain = Failures;
using PasswordOptions = Failures;

}  // namespace

TEST_F(NotText, BinaryDataUnderATextNameIsRejected) {
  write_file(docs() / "program.md", docent::test::read_text("/bin/true"));  // an executable: NUL bytes
  write_file(docs() / "noise.txt", random_bytes(20000));                    // no NUL, mostly not UTF-8
  write_file(docs() / "big-noise.txt", random_bytes(5 << 20));               // large enough to be streamed
  // A Latin-1 note (é, à, ç as single bytes) is still text.
  write_file(docs() / "latin1.txt", "Le caf\xe9 est \xe0 c\xf4t\xe9 de la gare; on y parle fran\xe7" "ais tous les jours.\n");
  auto run = docent("--json ingest " + shell_quote(docs().string()));
  EXPECT_EQ(run.exit_code, 3) << run.err;
  for (const char* name : {"program.md", "noise.txt", "big-noise.txt"})
    EXPECT_NE(run.err.find((docs() / name).string() + ": not a text file"), std::string::npos) << name << "\n" << run.err;
  auto summary = nlohmann::json::parse(run.out);
  EXPECT_EQ(summary["failed"], 3);
  EXPECT_EQ(summary["added"], 1);
  for (const auto& file : summary["files"])
    if (file["path"].get<std::string>().find("noise") != std::string::npos) {
      EXPECT_EQ(file["status"], "unsupported");
      EXPECT_EQ(file["pages"], 0);
    }
  EXPECT_EQ(docent("search gare").exit_code, 0);
}

TEST_F(Unsupported, AFileOfAnUnsupportedTypeSaysSo) {
  write_file(docs() / "table.xyz", "a file docent does not read");
  auto run = docent("--json ingest " + shell_quote((docs() / "table.xyz").string()));
  EXPECT_EQ(run.exit_code, 3) << run.err;
  EXPECT_NE(run.err.find((docs() / "table.xyz").string() + ": unsupported file type '.xyz'"), std::string::npos) << run.err;
  EXPECT_EQ(run.err.find("no such file"), std::string::npos) << run.err;
  EXPECT_EQ(nlohmann::json::parse(run.out)["files"][0]["status"], "unsupported");
  // A missing file is still called missing.
  auto missing = docent("ingest " + shell_quote((docs() / "nowhere.md").string()));
  EXPECT_NE(missing.err.find("nowhere.md: no such file or folder"), std::string::npos) << missing.err;
}

TEST_F(FailedAgain, ReIngestingABatchWithFailedFilesExitsThreeAgain) {
  write_file(docs() / "good.md", "A good note about harbours.");
  write_file(docs() / "bad.pdf", "%PDF-1.4 this is not really a pdf");
  ASSERT_EQ(docent("ingest " + shell_quote(docs().string())).exit_code, 3);
  auto again = docent("--json ingest " + shell_quote(docs().string()));
  EXPECT_EQ(again.exit_code, 3) << again.out;
  auto summary = nlohmann::json::parse(again.out);
  EXPECT_EQ(summary["failed"], 1);
  EXPECT_EQ(summary["unchanged"], 1);
  EXPECT_NE(again.err.find("bad.pdf: "), std::string::npos) << again.err;  // named again, with its reason
  EXPECT_EQ(docent("sync").exit_code, 3);
}

TEST_F(PasswordOptions, AnUnsetVariableIsNamedAndBothOptionsAreRefused) {
  write_file(docs() / "note.md", "A note.");
  const std::string library = shell_quote((scratch.path() / "library").string());
  auto unset = run_cli("--library " + library + " ingest --password-env DOCENT_TEST_NO_SUCH_PASSWORD " +
                           shell_quote(docs().string()),
                       {{"DOCENT_TEST_NO_SUCH_PASSWORD", ""}});
  EXPECT_EQ(unset.exit_code, 2);
  EXPECT_NE(unset.err.find("DOCENT_TEST_NO_SUCH_PASSWORD is not set"), std::string::npos) << unset.err;
  EXPECT_FALSE(fs::exists(scratch.path() / "library"));  // refused before anything was done

  auto both = run_cli("--library " + library + " ingest --password x --password-env PW " + shell_quote(docs().string()),
                      {{"PW", "y"}});
  EXPECT_EQ(both.exit_code, 2);
  EXPECT_NE(both.err.find("--password"), std::string::npos) << both.err;
  EXPECT_NE(both.err.find("excludes"), std::string::npos) << both.err;

  auto set = run_cli("--library " + library + " ingest --password-env PW " + shell_quote(docs().string()), {{"PW", "y"}});
  EXPECT_EQ(set.exit_code, 0) << set.err;
}

TEST(Quantize, Q4KOnRowsItCannotHoldWarnsAndLabelsTheFileWithWhatItHolds) {
  DOCENT_REQUIRE_SHARED("fixtures/models/tiny-qwen2-f16.gguf");
  docent::test::TempDir temp;
  const auto out = temp.path() / "q4k.gguf";
  auto run = run_cli("models quantize --type q4_k " +
                     shell_quote((docent::test::shared_dir() / "fixtures/models/tiny-qwen2-f16.gguf").string()) + " " +
                     shell_quote(out.string()));
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.err.find("warning: "), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("written as Q8_0 (rows of 64, 128 values are not whole Q4_K blocks of 256)"), std::string::npos)
      << run.err;
  EXPECT_NE(run.err.find("(Q8_0: "), std::string::npos) << run.err;
  auto info = nlohmann::json::parse(run_cli("--json models info " + shell_quote(out.string())).out);
  EXPECT_EQ(info["file_type"], "Q8_0") << info.dump();
}
