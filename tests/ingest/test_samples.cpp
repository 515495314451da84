// The committed samples (written by scripts/make_samples.py) come out as intended: running
// headers and page-number footers gone, hyphenated words whole, and every answer in
// samples/questions.tsv on the page it names.

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "docent/ingest.hpp"
#include "test_support.hpp"

namespace docent::ingest {
namespace {

std::string collapse_whitespace(std::string_view text) {
  std::string out;
  bool space = false;
  for (char c : text) {
    if (c == ' ' || c == '\n' || c == '\t') {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

const std::filesystem::path& samples() {
  static const std::filesystem::path folder = test::source_dir() / "samples";
  return folder;
}

TEST(Samples, PdfsLoseHeadersAndKeepWordsWhole) {
  struct Expectation {
    const char* file;
    std::size_t pages;
    const char* title;
    const char* header;
    const char* hyphenated_word;
  };
  for (const Expectation& expected :
       {Expectation{"tarrow-point-light.pdf", 5, "Tarrow Point Light: A Keeper's Field Guide",
                    "Tarrow Point Light Trust - Keeper's Field Guide", "maintenance schedule"},
        Expectation{"brennmoor-tramways.pdf", 4, "The Brennmoor Tramways, 1889 to 1974",
                    "Brennmoor Tramway Society - A Short History", "electrification plaque"}}) {
    SCOPED_TRACE(expected.file);
    const auto document = extract(samples() / expected.file);
    ASSERT_EQ(document.status, DocumentStatus::ok) << document.error;
    EXPECT_EQ(document.title, expected.title);
    ASSERT_EQ(document.pages.size(), expected.pages);
    std::string all;
    for (const Page& page : document.pages) {
      EXPECT_EQ(page.status, PageStatus::ok);
      EXPECT_EQ(page.text.find(expected.header), std::string::npos) << "page " << page.number;
      EXPECT_EQ(page.text.find(" of " + std::to_string(expected.pages)), std::string::npos) << "page " << page.number;
      all += page.text + "\n";
    }
    EXPECT_NE(collapse_whitespace(all).find(expected.hyphenated_word), std::string::npos);

    // Without header removal they are there, so the check above is not vacuous.
    ExtractOptions keep;
    keep.remove_running_headers = false;
    const auto raw = extract(samples() / expected.file, keep);
    EXPECT_NE(raw.pages.at(1).text.find(expected.header), std::string::npos);
    EXPECT_NE(raw.pages.at(1).text.find("Page 2 of " + std::to_string(expected.pages)), std::string::npos);
  }
}

TEST(Samples, WordHyphenatedAcrossAPageBreakIsWholeOnItsFirstPage) {
  // Poppler joins hyphenated line ends inside a text block itself; across a page break (with a
  // footer and a header between the halves) the join is ours.
  const auto document = extract(samples() / "tarrow-point-light.pdf");
  ASSERT_EQ(document.status, DocumentStatus::ok);
  const std::string& first = document.pages.at(0).text;
  ASSERT_GE(first.size(), 7u);
  EXPECT_EQ(first.substr(first.size() - 7), " padded");
  EXPECT_EQ(document.pages.at(1).text.rfind("box in the service room", 0), 0u);
}

TEST(Samples, MarkdownNoteIsOnePage) {
  const auto document = extract(samples() / "notes/kitchen-garden.md");
  ASSERT_EQ(document.status, DocumentStatus::ok);
  EXPECT_EQ(document.title, "Kitchen Garden Notes");
  ASSERT_EQ(document.pages.size(), 1u);
  EXPECT_NE(document.pages[0].text.find("\n\n## Soil\n\n"), std::string::npos);
}

TEST(Samples, EveryQuestionIsAnsweredOnItsPage) {
  std::ifstream in(samples() / "questions.tsv");
  ASSERT_TRUE(in) << "samples/questions.tsv missing";
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "question\tfile\tpage\tanswer");
  int questions = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::istringstream fields(line);
    std::string question, file, page, answer;
    std::getline(fields, question, '\t');
    std::getline(fields, file, '\t');
    std::getline(fields, page, '\t');
    std::getline(fields, answer, '\t');
    SCOPED_TRACE(question);
    const auto document = extract(samples() / file);
    ASSERT_EQ(document.status, DocumentStatus::ok);
    const std::size_t number = std::stoul(page);
    ASSERT_GE(number, 1u);
    ASSERT_LE(number, document.pages.size());
    EXPECT_NE(collapse_whitespace(document.pages[number - 1].text).find(answer), std::string::npos) << answer;
    // The chunks that hold the answer cite that page.
    const auto chunks = chunk_pages(document.pages, ChunkOptions{}, approximate_token_count);
    bool cited = false;
    for (const Chunk& chunk : chunks) {
      if (collapse_whitespace(chunk.text).find(answer) != std::string::npos)
        cited = cited || (chunk.first_page <= int(number) && int(number) <= chunk.last_page);
    }
    EXPECT_TRUE(cited);
    ++questions;
  }
  EXPECT_GE(questions, 10);
}

}  // namespace
}  // namespace docent::ingest
