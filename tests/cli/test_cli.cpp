// The docent binary as a user runs it: exit codes, --json, errors, the shipped samples and the
// shared PDFs.
#include <array>
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>
#include <sys/wait.h>

#include <nlohmann/json.hpp>

#include "test_support.hpp"

namespace fs = std::filesystem;

namespace {
struct Run {
  int exit_code = -1;
  std::string out, err;
};

std::string quote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

Run run_docent(const fs::path& library, const std::string& arguments) {
  docent::test::TempDir scratch;
  auto err_file = scratch.path() / "stderr";
  std::string command = quote(docent::test::docent_binary().string()) + " --library " + quote(library.string()) + " " +
                        arguments + " 2>" + quote(err_file.string());
  Run run;
  FILE* pipe = ::popen(command.c_str(), "r");
  std::array<char, 4096> buffer{};
  std::size_t n;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) run.out.append(buffer.data(), n);
  int status = ::pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream err(err_file);
  std::stringstream text;
  text << err.rdbuf();
  run.err = text.str();
  return run;
}
}  // namespace

TEST(Cli, HelpDocumentsExitCodes) {
  docent::test::TempDir home;
  auto run = run_docent(home.path(), "--help");
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_NE(run.out.find("Exit codes"), std::string::npos);
  EXPECT_NE(run.out.find("ingest"), std::string::npos);
}

TEST(Cli, UsageErrorsExitTwo) {
  docent::test::TempDir home;
  EXPECT_EQ(run_docent(home.path(), "frobnicate").exit_code, 2);
  EXPECT_EQ(run_docent(home.path(), "search").exit_code, 2);
}

TEST(Cli, ReadingAMissingLibraryIsAClearError) {
  docent::test::TempDir home;
  auto run = run_docent(home.path() / "none", "search anything");
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("docent ingest"), std::string::npos) << run.err;
  EXPECT_FALSE(fs::exists(home.path() / "none"));  // a read never creates a library
}

TEST(Cli, SamplesAnswerEveryQuestionAtTheExpectedPage) {
  docent::test::TempDir home;
  auto samples = docent::test::source_dir() / "samples";
  auto ingest = run_docent(home.path(), "--json ingest " + quote(samples.string()));
  ASSERT_EQ(ingest.exit_code, 0) << ingest.err;
  auto summary = nlohmann::json::parse(ingest.out);
  EXPECT_GE(summary["added"].get<int>(), 3);
  EXPECT_EQ(summary["failed"].get<int>(), 0);

  std::ifstream questions(samples / "questions.tsv");
  ASSERT_TRUE(questions) << "samples/questions.tsv missing";
  std::string line;
  std::getline(questions, line);  // header
  int asked = 0, found_in_top3 = 0;
  while (std::getline(questions, line)) {
    std::istringstream fields(line);
    std::string question, file, page;
    std::getline(fields, question, '\t');
    std::getline(fields, file, '\t');
    std::getline(fields, page, '\t');
    auto run = run_docent(home.path(), "--json search -k 3 " + quote(question));
    ++asked;
    auto results = nlohmann::json::parse(run.out)["results"];
    for (const auto& hit : results) {
      bool same_file = hit["path"].get<std::string>() == (samples / file).string();
      int wanted = std::stoi(page);
      if (same_file && hit["first_page"].get<int>() <= wanted && wanted <= hit["last_page"].get<int>()) {
        ++found_in_top3;
        break;
      }
    }
  }
  EXPECT_GE(asked, 8);
  std::cout << "samples: " << found_in_top3 << "/" << asked << " questions have the expected file+page in the top 3\n";
  EXPECT_GE(found_in_top3 * 10, asked * 8);  // keyword search alone: at least 80%
}

// Extractive `ask` (no language model): every sample question is answered with a quote holding
// the expected answer, cited to the file and page that holds it; every passage read is listed
// and marked when quoted.
TEST(Cli, ExtractiveAskQuotesAndCitesTheAnswerToEverySampleQuestion) {
  docent::test::TempDir home;
  auto samples = docent::test::source_dir() / "samples";
  ASSERT_EQ(run_docent(home.path(), "ingest " + quote(samples.string())).exit_code, 0);
  std::ifstream questions(samples / "questions.tsv");
  std::string line;
  std::getline(questions, line);
  int asked = 0, cited = 0, cited_first = 0, answered = 0;
  while (std::getline(questions, line)) {
    std::istringstream fields(line);
    std::string question, file, page, expected;
    std::getline(fields, question, '\t');
    std::getline(fields, file, '\t');
    std::getline(fields, page, '\t');
    std::getline(fields, expected, '\t');
    ++asked;
    auto run = run_docent(home.path(), "--json ask " + quote(question));
    ASSERT_EQ(run.exit_code, 0) << question << "\n" << run.err;
    auto answer = nlohmann::json::parse(run.out);
    EXPECT_TRUE(answer["extractive"].get<bool>());
    bool found = false;
    for (std::size_t i = 0; i < answer["citations"].size(); ++i) {
      const auto& citation = answer["citations"][i];
      int wanted = std::stoi(page);
      if (citation["path"] == (samples / file).string() && citation["page"] <= wanted && wanted <= citation["last_page"]) {
        found = true;
        if (i == 0) ++cited_first;
      }
      EXPECT_FALSE(citation["quote"].get<std::string>().empty());
    }
    cited += found;
    EXPECT_TRUE(found) << question << " -> " << answer["citations"].dump();
    bool holds = answer["answer"].get<std::string>().find(expected) != std::string::npos;
    answered += holds;
    EXPECT_TRUE(holds) << question << " expected " << expected << " -> " << answer["answer"];
    // Every passage read is listed with its text; the quoted ones are marked with their numbers.
    const auto& windows = answer["context"]["windows"];
    ASSERT_FALSE(windows.empty());
    std::set<int> quoted;
    for (const auto& window : windows) {
      EXPECT_FALSE(window["text"].get<std::string>().empty());
      EXPECT_EQ(window["cited"].get<bool>(), !window["cited_as"].empty());
      for (int number : window["cited_as"]) quoted.insert(number);
    }
    EXPECT_EQ(quoted.size(), answer["citations"].size()) << "each citation points to one listed passage";
  }
  std::cout << "extractive ask: " << answered << "/" << asked << " hold the expected answer; " << cited << "/" << asked
            << " cite the expected file+page (" << cited_first << " as the first source)\n";
  // The text output lists the passages read, marking the quoted ones.
  auto text = run_docent(home.path(), "ask " + quote("How many tram cars were destroyed in the 1947 Kessel Lane depot fire?"));
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("23 cars"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("Passages read ("), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("quoted as [1]"), std::string::npos) << text.out;
  // Nothing relevant: says so, exit 4, no citations.
  auto none = run_docent(home.path(), "--json ask " + quote("What is the capital of Mongolia?"));
  EXPECT_EQ(none.exit_code, 4);
  EXPECT_FALSE(nlohmann::json::parse(none.out)["found"].get<bool>());
  // Weak evidence (the topic's words are there, what is asked about is not): says so too, with
  // the reason, instead of quoting sentences about something else.
  auto weak = run_docent(home.path(), "--json ask " + quote("When did Brennmoor build its first airport?"));
  EXPECT_EQ(weak.exit_code, 4) << weak.out;
  auto declined = nlohmann::json::parse(weak.out);
  EXPECT_FALSE(declined["found"].get<bool>());
  EXPECT_FALSE(declined["abstain_reason"].get<std::string>().empty());
  EXPECT_TRUE(declined["citations"].empty());
  auto weak_text = run_docent(home.path(), "ask " + quote("When did Brennmoor build its first airport?"));
  EXPECT_EQ(weak_text.exit_code, 4);
  EXPECT_NE(weak_text.out.find("No passage in the library answers this question."), std::string::npos) << weak_text.out;
}

TEST(Cli, EveryManifestPdfInOneRunWithoutACrash) {
  DOCENT_REQUIRE_SHARED("data/pdfs/MANIFEST.tsv");
  docent::test::TempDir home;
  auto pdfs = docent::test::shared_dir() / "data/pdfs";
  auto run = run_docent(home.path(), "--json ingest " + quote(pdfs.string()));
  EXPECT_EQ(run.exit_code, 3) << "some manifest files are broken or locked, so the batch is partial\n" << run.err;
  auto summary = nlohmann::json::parse(run.out);
  std::ifstream manifest(pdfs / "MANIFEST.tsv");
  std::string line;
  std::getline(manifest, line);
  int rows = 0;
  while (std::getline(manifest, line)) ++rows;
  ASSERT_EQ(summary["files"].size(), static_cast<std::size_t>(rows));
  for (const auto& file : summary["files"]) {
    if (file["outcome"] == "failed") {
      // One line per failed file on stderr, naming the file and the reason.
      EXPECT_NE(run.err.find(file["path"].get<std::string>() + ": "), std::string::npos) << file.dump();
      EXPECT_FALSE(file["reason"].get<std::string>().empty()) << file.dump();
    }
  }
  auto list = run_docent(home.path(), "--json list");
  EXPECT_EQ(nlohmann::json::parse(list.out).size(), static_cast<std::size_t>(rows));
  auto search = run_docent(home.path(), "--json search tracemonkey trace");
  ASSERT_EQ(search.exit_code, 0);
  EXPECT_NE(search.out.find("tracemonkey.pdf"), std::string::npos);
}

TEST(Cli, RemoveLeavesNothingSearchable) {
  docent::test::TempDir home, docs;
  std::ofstream(docs.path() / "note.md") << "The quokka is a small marsupial.";
  ASSERT_EQ(run_docent(home.path(), "ingest " + quote(docs.path().string())).exit_code, 0);
  EXPECT_EQ(run_docent(home.path(), "search quokka").exit_code, 0);
  EXPECT_EQ(run_docent(home.path(), "remove " + quote((docs.path() / "note.md").string())).exit_code, 0);
  EXPECT_EQ(run_docent(home.path(), "search quokka").exit_code, 4);
  EXPECT_EQ(run_docent(home.path(), "remove " + quote((docs.path() / "note.md").string())).exit_code, 4);
}

TEST(Cli, LibraryIsPrivate) {
  docent::test::TempDir home, docs;
  std::ofstream(docs.path() / "note.md") << "private words";
  auto library = home.path() / "lib";
  ASSERT_EQ(run_docent(library, "ingest " + quote(docs.path().string())).exit_code, 0);
  EXPECT_EQ(fs::status(library).permissions() & fs::perms::all, fs::perms::owner_all);
  for (const auto& entry : fs::directory_iterator(library))
    EXPECT_EQ(entry.status().permissions() & (fs::perms::group_all | fs::perms::others_all), fs::perms::none)
        << entry.path();
}

TEST(Cli, ChineseJapaneseKoreanAndThaiWordsAreFoundInsideSentences) {
  docent::test::TempDir home, docs;
  std::ofstream(docs.path() / "tokyo.txt") << "東京タワーは1958年に完成した。高さは333メートルです。\n";
  std::ofstream(docs.path() / "beijing.txt") << "我们在北京大学学习中文。图书馆很大。\n";
  std::ofstream(docs.path() / "seoul.txt") << "서울은 한국의 수도입니다. 한강이 서울을 가로지릅니다.\n";
  std::ofstream(docs.path() / "thai.txt") << "ภาษาไทยเป็นภาษาที่สวยงาม และมีวรรณยุกต์ห้าเสียง\n";
  ASSERT_EQ(run_docent(home.path(), "ingest " + quote(docs.path().string())).exit_code, 0);
  const std::array<std::array<std::string, 3>, 4> cases = {{
      {"東京", "tokyo.txt", "<<東京>>タワーは1958年"},
      {"北京", "beijing.txt", "我们在<<北京>>大学"},
      {"서울", "seoul.txt", "<<서울은>> 한국의"},
      {"สวยงาม", "thai.txt", "ภาษาที่<<สวยงาม>>"},
  }};
  for (const auto& [query, file, marked] : cases) {
    auto run = run_docent(home.path(), "--json search " + quote(query));
    ASSERT_EQ(run.exit_code, 0) << query << run.err;
    auto results = nlohmann::json::parse(run.out)["results"];
    ASSERT_EQ(results.size(), 1u) << query << run.out;
    EXPECT_EQ(fs::path(results[0]["path"].get<std::string>()).filename(), file) << query;
    EXPECT_NE(results[0]["snippet"].get<std::string>().find(marked), std::string::npos) << run.out;
  }
  auto text = run_docent(home.path(), "search 完成");
  EXPECT_NE(text.out.find("年に[完成]した"), std::string::npos) << text.out;
}
