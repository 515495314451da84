// `docent config` and the defaults it feeds: the file's place, set/get/list/unset, the order
// flag > environment > file > default, and one-line errors for a bad file.
#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "docent_run.hpp"

namespace fs = std::filesystem;
using docent::test::DocentRun;
using docent::test::run_cli;
using docent::test::shell_quote;

namespace {
class Config : public ::testing::Test {
 protected:
  // Each run sees only this test's config folder, and none of the variables that would override it.
  DocentRun docent(const std::string& arguments, std::map<std::string, std::string> extra = {}) {
    std::map<std::string, std::string> environment = {{"XDG_CONFIG_HOME", config_home()}, {"DOCENT_HOME", ""},
                                                      {"DOCENT_MODEL", ""}, {"DOCENT_EMBEDDER", ""},
                                                      {"XDG_DATA_HOME", (home.path() / "data").string()}};
    for (auto& [name, value] : extra) environment[name] = value;
    return run_cli(arguments, environment);
  }
  std::string config_home() const { return (home.path() / "config").string(); }
  fs::path config_file() const { return home.path() / "config" / "docent" / "config.toml"; }
  docent::test::TempDir home;
};
}  // namespace

TEST_F(Config, PathFollowsXdgConfigHome) {
  auto run = docent("config path");
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_EQ(run.out, config_file().string() + "\n");
  auto fallback = run_cli("config path", {{"XDG_CONFIG_HOME", ""}, {"HOME", home.path().string()}});
  EXPECT_EQ(fallback.out, (home.path() / ".config/docent/config.toml").string() + "\n");
}

TEST_F(Config, SetGetListUnset) {
  EXPECT_EQ(docent("config get generator.model").exit_code, 4);  // unset
  ASSERT_EQ(docent("config set generation.temperature 0.7").exit_code, 0);
  ASSERT_EQ(docent("config set generator.model " + shell_quote((home.path() / "r1.gguf").string())).exit_code, 0);
  EXPECT_EQ(docent("config get generation.temperature").out, "0.7\n");
  EXPECT_EQ(docent("config get generator.model").out, (home.path() / "r1.gguf").string() + "\n");
  EXPECT_EQ(docent("config get generation.max_tokens").out, "512\n");  // built-in default

  // The file is TOML a person can read, private to the user.
  auto text = docent::test::read_text(config_file());
  EXPECT_NE(text.find("[generation]\ntemperature = 0.7\n"), std::string::npos) << text;
  struct stat info {};
  ASSERT_EQ(::stat(config_file().c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);

  auto list = nlohmann::json::parse(docent("--json config list").out);
  bool seen = false;
  for (const auto& row : list["keys"])
    if (row["key"] == "generation.temperature") {
      seen = true;
      EXPECT_EQ(row["value"].get<double>(), 0.7);
      EXPECT_EQ(row["source"], "config file");
      EXPECT_EQ(row["type"], "number");
    }
  EXPECT_TRUE(seen);
  ASSERT_EQ(docent("config unset generation.temperature").exit_code, 0);
  EXPECT_EQ(docent("config get generation.temperature").exit_code, 4);  // unset: the model's recommendation applies
  EXPECT_EQ(docent("config get generator.model").out, (home.path() / "r1.gguf").string() + "\n");  // kept
}

TEST_F(Config, BadKeysAndValuesAreOneLineErrors) {
  auto typo = docent("config set generator.modle x.gguf");
  EXPECT_EQ(typo.exit_code, 2);
  EXPECT_EQ(typo.err, "docent: unknown config key 'generator.modle'; did you mean 'generator.model'?\n");
  auto wrong = docent("config set generation.max_tokens many");
  EXPECT_EQ(wrong.exit_code, 2);
  EXPECT_EQ(wrong.err, "docent: generation.max_tokens: 'many' is not a whole number\n");
  EXPECT_FALSE(fs::exists(config_file()));  // nothing written
}

TEST_F(Config, ABadFileNamesTheFileTheLineAndTheReason) {
  fs::create_directories(config_file().parent_path());
  std::ofstream(config_file()) << "# mine\n[generation]\ntemperature = \"warm\"\n";
  auto run = docent("--library " + shell_quote(home.path().string()) + " search anything");
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_EQ(run.err, "docent: " + config_file().string() + ":3: 'generation.temperature' must be a number\n");

  std::ofstream(config_file()) << "[generator]\nmodle = \"x.gguf\"\n";
  run = docent("config list");
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_EQ(run.out, "");
  EXPECT_EQ(run.err, "docent: " + config_file().string() + ":2: unknown config key 'generator.modle'; did you mean "
                     "'generator.model'?\n");

  std::ofstream(config_file()) << "library = \"/x\"\n[generation\n";
  run = docent("config get library");
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_EQ(run.err.rfind("docent: " + config_file().string() + ":2: ", 0), 0u) << run.err;
  EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1);
}

// The generator a command uses: --model, else $DOCENT_MODEL, else the file. A missing model file
// makes `ask` fail naming the file it tried, which shows which one was chosen.
TEST_F(Config, AskTakesItsModelFromFlagThenEnvironmentThenFile) {
  auto samples = docent::test::source_dir() / "samples";
  auto library = home.path() / "lib";
  ASSERT_EQ(docent("--library " + shell_quote(library.string()) + " ingest " + shell_quote(samples.string())).exit_code, 0);
  const std::string ask = "--library " + shell_quote(library.string()) + " ask 'When was the Tarrow Point Light first lit?'";

  auto extractive = docent("--json " + ask);  // nothing configured: extractive, as before
  ASSERT_EQ(extractive.exit_code, 0) << extractive.err;
  EXPECT_TRUE(nlohmann::json::parse(extractive.out)["extractive"].get<bool>());

  ASSERT_EQ(docent("config set generator.model " + shell_quote((home.path() / "from-file.gguf").string())).exit_code, 0);
  auto from_file = docent(ask);
  EXPECT_EQ(from_file.exit_code, 1);
  EXPECT_NE(from_file.err.find("from-file.gguf"), std::string::npos) << from_file.err;

  auto from_env = docent(ask, {{"DOCENT_MODEL", (home.path() / "from-env.gguf").string()}});
  EXPECT_NE(from_env.err.find("from-env.gguf"), std::string::npos) << from_env.err;

  auto from_flag = docent(ask + " --model " + shell_quote((home.path() / "from-flag.gguf").string()),
                          {{"DOCENT_MODEL", (home.path() / "from-env.gguf").string()}});
  EXPECT_NE(from_flag.err.find("from-flag.gguf"), std::string::npos) << from_flag.err;

  EXPECT_EQ(docent(ask + " --extractive").exit_code, 0);  // --extractive ignores any model
  auto generate = docent("generate hello");
  EXPECT_NE(generate.err.find("from-file.gguf"), std::string::npos) << generate.err;
}

TEST_F(Config, GenerationSettingsReachTheModel) {
  DOCENT_REQUIRE_SHARED("fixtures/models/tiny-qwen2-f16.gguf");
  auto model = docent::test::shared_dir() / "fixtures/models/tiny-qwen2-f16.gguf";
  ASSERT_EQ(docent("config set generator.model " + shell_quote(model.string())).exit_code, 0);
  ASSERT_EQ(docent("config set generation.max_tokens 3").exit_code, 0);
  auto run = docent("--json generate --raw --show-thinking hello");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  auto out = nlohmann::json::parse(run.out);
  EXPECT_EQ(out["model"], fs::absolute(model).lexically_normal().string());
  EXPECT_EQ(out["tokens"].size(), 3u);
  auto flag = nlohmann::json::parse(docent("--json generate --raw --max-tokens 5 hello").out);
  EXPECT_EQ(flag["tokens"].size(), 5u);  // the flag wins over the file
}

TEST_F(Config, TheLibraryKeyChoosesTheDefaultLibrary) {
  auto library = home.path() / "chosen";
  ASSERT_EQ(docent("config set library " + shell_quote(library.string())).exit_code, 0);
  docent::test::TempDir docs;
  std::ofstream(docs.path() / "note.md") << "The quokka is a small marsupial.";
  ASSERT_EQ(docent("ingest " + shell_quote(docs.path().string())).exit_code, 0);
  EXPECT_TRUE(fs::exists(library / "library.sqlite3"));
  EXPECT_FALSE(fs::exists(home.path() / "data" / "docent"));
  // $DOCENT_HOME wins over the file.
  auto other = home.path() / "env";
  ASSERT_EQ(docent("ingest " + shell_quote(docs.path().string()), {{"DOCENT_HOME", other.string()}}).exit_code, 0);
  EXPECT_TRUE(fs::exists(other / "library.sqlite3"));
}
