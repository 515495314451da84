// TextPageStream: long text pages are cut into bounded pages at paragraph, line, space or
// character boundaries, without losing or repeating text.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "docent/ingest.hpp"
#include "test_support.hpp"

namespace docent::ingest {
namespace {

std::filesystem::path write_file(const std::filesystem::path& path, std::string_view content) {
  std::ofstream(path, std::ios::binary).write(content.data(), std::streamsize(content.size()));
  return path;
}

std::vector<Page> read_all(const std::filesystem::path& path, std::size_t limit) {
  TextPageStream stream(path, limit);
  std::vector<Page> pages;
  while (auto page = stream.next()) pages.push_back(std::move(*page));
  return pages;
}

TEST(TextPageStream, LongTextIsCutAtBlankLinesWithNothingLostOrRepeated) {
  test::TempDir dir;
  std::string text;
  for (int i = 0; i < 3000; ++i) text += "Paragraph " + std::to_string(i) + " holds a few words of prose.\nA second line.\n\n";
  const auto path = write_file(dir.path() / "long.txt", text);
  const std::size_t limit = 4096;
  const auto pages = read_all(path, limit);
  ASSERT_GT(pages.size(), text.size() / limit);
  std::string joined;
  for (std::size_t i = 0; i < pages.size(); ++i) {
    EXPECT_EQ(pages[i].number, int(i) + 1);
    EXPECT_LE(pages[i].text.size(), limit);
    // Cut at a blank line: every page starts a paragraph and ends one.
    EXPECT_EQ(pages[i].text.rfind("Paragraph ", 0), 0u) << "page " << i + 1;
    EXPECT_EQ(pages[i].text.substr(pages[i].text.size() - 14), "A second line.") << "page " << i + 1;
    joined += pages[i].text + "\n\n";
  }
  EXPECT_EQ(joined, text);
}

TEST(TextPageStream, OneLongLineIsCutAtSpacesAndCharactersAreNeverSplit) {
  test::TempDir dir;
  std::string words;
  for (int i = 0; i < 2000; ++i) words += "caf\xC3\xA9" + std::to_string(i) + " ";
  const auto spaced = read_all(write_file(dir.path() / "line.txt", words), 1000);
  std::string joined;
  for (const auto& page : spaced) {
    EXPECT_LE(page.text.size(), 1000u);
    EXPECT_NE(page.text.back(), ' ');  // trimmed, and the cut fell after a space
    joined += page.text + " ";
  }
  EXPECT_EQ(joined, words);

  // No separator at all: cut at the limit moved back to a character's first byte.
  std::string solid;
  for (int i = 0; i < 5000; ++i) solid += "\xE6\x97\xA5";  // 日, three bytes each
  const auto cut = read_all(write_file(dir.path() / "solid.txt", solid), 1000);
  std::string rejoined;
  for (const auto& page : cut) {
    EXPECT_EQ(page.text.size() % 3, 0u);
    EXPECT_EQ(page.text.find("\xEF\xBF\xBD"), std::string::npos);  // no replacement character
    rejoined += page.text;
  }
  EXPECT_EQ(rejoined, solid);
}

TEST(TextPageStream, FormFeedsStillEndPagesAndMarkdownTitleIsFound) {
  test::TempDir dir;
  std::string text = "\xEF\xBB\xBFintro\f";
  text += std::string(3000, 'x') + "\n\n# The Title\n\nbody\f\f";
  TextPageStream stream(write_file(dir.path() / "notes.md", text), 2000);
  std::vector<Page> pages;
  while (auto page = stream.next()) pages.push_back(std::move(*page));
  ASSERT_EQ(pages.size(), 4u);
  EXPECT_EQ(pages[0].text, "intro");
  EXPECT_EQ(pages[1].text, std::string(2000, 'x'));  // no separator: cut at the limit
  EXPECT_EQ(pages[2].text, std::string(1000, 'x') + "\n\n# The Title\n\nbody");
  EXPECT_EQ(pages[3].status, PageStatus::no_text_layer);
  EXPECT_EQ(stream.title(), "The Title");
  EXPECT_EQ(stream.pages_with_text(), 3);
  EXPECT_FALSE(stream.next());
}

TEST(TextPageStream, ExtractGivesTheSamePages) {
  test::TempDir dir;
  std::string text;
  for (int i = 0; i < 8000; ++i) text += "Line " + std::to_string(i) + " of the log.\n";
  const auto path = write_file(dir.path() / "log.txt", text);
  const auto streamed = read_all(path, TextPageStream::kDefaultMaxPageBytes);
  ExtractOptions options;
  options.remove_running_headers = false;
  const auto extracted = extract(path, options);
  ASSERT_EQ(extracted.status, DocumentStatus::ok);
  ASSERT_GT(streamed.size(), 1u);
  ASSERT_EQ(extracted.pages.size(), streamed.size());
  for (std::size_t i = 0; i < streamed.size(); ++i) EXPECT_EQ(extracted.pages[i].text, streamed[i].text);
  EXPECT_THROW(TextPageStream(dir.path() / "missing.txt"), std::runtime_error);
}

}  // namespace
}  // namespace docent::ingest
