#include <gtest/gtest.h>

#include "docent/ingest.hpp"
#include "ingest_internal.hpp"

namespace docent::ingest {
namespace {

std::vector<Page> make_pages(const std::vector<std::string>& texts) {
  std::vector<Page> pages;
  for (std::size_t i = 0; i < texts.size(); ++i) pages.push_back({int(i) + 1, texts[i], PageStatus::ok});
  return pages;
}

TEST(Ligatures, ExpandsEveryLatinLigature) {
  EXPECT_EQ(expand_ligatures("\xEF\xAC\x81nd the \xEF\xAC\x82ow"), "find the flow");
  EXPECT_EQ(expand_ligatures("e\xEF\xAC\x80" "ect, o\xEF\xAC\x83" "ce, ba\xEF\xAC\x84" "e"), "effect, office, baffle");
  EXPECT_EQ(expand_ligatures("\xEF\xAC\x85\xEF\xAC\x86"), "stst");
}

TEST(Ligatures, LeavesOtherTextAlone) {
  EXPECT_EQ(expand_ligatures(""), "");
  EXPECT_EQ(expand_ligatures("plain ascii"), "plain ascii");
  // U+FB4F (outside the ligature range) and a truncated sequence stay as they are.
  EXPECT_EQ(expand_ligatures("\xEF\xAD\x8F and \xEF\xAC"), "\xEF\xAD\x8F and \xEF\xAC");
  EXPECT_EQ(expand_ligatures("caf\xC3\xA9"), "caf\xC3\xA9");
}

TEST(Hyphenation, JoinsWordsBrokenAcrossLines) {
  EXPECT_EQ(repair_hyphenation("the infor-\nmation is here"), "the information is here");
  EXPECT_EQ(repair_hyphenation("infor- \n  mation"), "information");
  EXPECT_EQ(repair_hyphenation("gro\xC3\x9F-\n\xC3\xBC\x62\x65r"), "gro\xC3\x9F\xC3\xBC\x62\x65r");  // groß-über
  EXPECT_EQ(repair_hyphenation("soft\xC2\xAD\nhyphen"), "softhyphen");
}

TEST(Hyphenation, KeepsRealHyphens) {
  EXPECT_EQ(repair_hyphenation("a state-of-the-art method"), "a state-of-the-art method");
  // Capital after the break: a name or a new sentence, not a broken word.
  EXPECT_EQ(repair_hyphenation("Jean-\nPaul"), "Jean-\nPaul");
  EXPECT_EQ(repair_hyphenation("page 3-\n4"), "page 3-\n4");
  EXPECT_EQ(repair_hyphenation("a list:\n- item"), "a list:\n- item");
  EXPECT_EQ(repair_hyphenation("ends with a dash -\nnext"), "ends with a dash -\nnext");
  // A compound broken at one of its own hyphens keeps it.
  EXPECT_EQ(repair_hyphenation("state-of-the-\nart"), "state-of-the-art");
  EXPECT_EQ(repair_hyphenation("trailing-"), "trailing-");
}

TEST(Hyphenation, JoinsAcrossPageBreaks) {
  std::vector<Page> pages = make_pages({"the lamp needs main-", "tenance every week.\nNext line.", "Page three-",
                                        "Capital start", "state-of-the-", "art methods"});
  detail::repair_hyphenation_across_pages(pages);
  EXPECT_EQ(pages[0].text, "the lamp needs maintenance");
  EXPECT_EQ(pages[1].text, "every week.\nNext line.");
  EXPECT_EQ(pages[2].text, "Page three-");
  EXPECT_EQ(pages[3].text, "Capital start");
  EXPECT_EQ(pages[4].text, "state-of-the-art");
  EXPECT_EQ(pages[5].text, "methods");
}

TEST(Whitespace, KeepsParagraphsCollapsesTheRest) {
  using detail::normalise_whitespace;
  EXPECT_EQ(normalise_whitespace("  a   b \t c  \r\n\r\n\r\n\n d\x0c e \n\n", true), "a b c\n\nd e");
  EXPECT_EQ(normalise_whitespace("line one\nline two", true), "line one\nline two");
  EXPECT_EQ(normalise_whitespace("    code\n\n\n\ntext  ", false), "    code\n\ntext");
  EXPECT_EQ(normalise_whitespace("a\xC2\xA0\xC2\xA0\x62", true), "a b");
  EXPECT_EQ(normalise_whitespace("", true), "");
  EXPECT_EQ(normalise_whitespace("\n\n  \n", true), "");
}

TEST(Utf8, InvalidBytesAreReplaced) {
  EXPECT_EQ(detail::make_valid_utf8("ok \xFF end"), "ok \xEF\xBF\xBD end");
  EXPECT_EQ(detail::make_valid_utf8("\xC3\xA9t\xC3\xA9"), "\xC3\xA9t\xC3\xA9");
  EXPECT_EQ(detail::make_valid_utf8("cut \xE2\x82"), "cut \xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(detail::make_valid_utf8("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");  // overlong '/'
}

TEST(RunningHeaders, RemovesRepeatedEdgeLinesWithPageNumbers) {
  std::vector<Page> pages = make_pages({
      "Harbour Light Field Guide\nFirst page body text.\nMore body.\nPage 1 of 4",
      "Harbour Light Field Guide\nSecond page talks about lamps.\nPage 2 of 4",
      "Harbour Light Field Guide\nThird page about the fog bell.\n\nPage 3 of 4",
      "Harbour Light Field Guide\nFourth page lists the keepers.\nPage 4 of 4",
  });
  remove_running_headers_and_footers(pages);
  EXPECT_EQ(pages[0].text, "First page body text.\nMore body.");
  EXPECT_EQ(pages[1].text, "Second page talks about lamps.");
  EXPECT_EQ(pages[2].text, "Third page about the fog bell.");
  EXPECT_EQ(pages[3].text, "Fourth page lists the keepers.");
}

TEST(RunningHeaders, KeepsTextThatOnlyRepeatsInTheMiddle) {
  std::vector<Page> pages = make_pages({
      "Alpha one\nBeta\nRepeated middle line\nGamma\nDelta",
      "Alpha two\nBeta two\nRepeated middle line\nGamma two\nDelta two",
      "Alpha three\nBeta three\nRepeated middle line\nGamma three\nDelta three",
  });
  const auto before = pages;
  remove_running_headers_and_footers(pages);
  for (std::size_t i = 0; i < pages.size(); ++i) EXPECT_EQ(pages[i].text, before[i].text);
}

TEST(RunningHeaders, TableValuesAtPageEdgesStay) {
  // "Closure Permanent" opens and closes every page, but it is a table value: it recurs far more
  // often in the middle of pages than at their edges.
  std::vector<std::string> texts;
  for (int i = 0; i < 4; ++i) {
    std::string text = "Closure Permanent\n";
    for (int row = 0; row < 6; ++row) text += "Acme " + std::to_string(i * 10 + row) + "\nClosure Permanent\n";
    texts.push_back(text);
  }
  std::vector<Page> pages = make_pages(texts);
  remove_running_headers_and_footers(pages);
  for (std::size_t i = 0; i < pages.size(); ++i) EXPECT_EQ(pages[i].text, texts[i]);
}

TEST(RunningHeaders, NeedsAtLeastThreePages) {
  std::vector<Page> pages = make_pages({"Header\nbody one\n1", "Header\nbody two\n2"});
  remove_running_headers_and_footers(pages);
  EXPECT_EQ(pages[0].text, "Header\nbody one\n1");
}

TEST(RunningHeaders, RareLinesStay) {
  // "Chapter" heading appears at the top of one page in ten: not a running header.
  std::vector<std::string> texts;
  for (int i = 0; i < 10; ++i) texts.push_back((i == 0 ? "Chapter One\n" : "") + std::string("Body of page ") + char('a' + i));
  std::vector<Page> pages = make_pages(texts);
  remove_running_headers_and_footers(pages);
  EXPECT_EQ(pages[0].text, "Chapter One\nBody of page a");
}

TEST(TextContent, LettersOrDigitsCount) {
  EXPECT_FALSE(detail::has_text_content(""));
  EXPECT_FALSE(detail::has_text_content(" \n\t . - "));
  EXPECT_TRUE(detail::has_text_content("7"));
  EXPECT_TRUE(detail::has_text_content("\xD0\x96"));  // Cyrillic Zhe
}

}  // namespace
}  // namespace docent::ingest
