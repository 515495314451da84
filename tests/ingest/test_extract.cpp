#include <gtest/gtest.h>

#include <fstream>

#include "docent/ingest.hpp"
#include "ingest_internal.hpp"
#include "test_support.hpp"

namespace docent::ingest {
namespace {

std::filesystem::path write_file(const std::filesystem::path& path, std::string_view content) {
  std::ofstream(path, std::ios::binary).write(content.data(), std::streamsize(content.size()));
  return path;
}

TEST(Extract, SupportedExtensions) {
  EXPECT_TRUE(is_supported("a.pdf"));
  EXPECT_TRUE(is_supported("a.PDF"));
  EXPECT_TRUE(is_supported("notes.md"));
  EXPECT_TRUE(is_supported("notes.markdown"));
  EXPECT_TRUE(is_supported("notes.txt"));
  EXPECT_TRUE(is_supported("notes.text"));
  EXPECT_FALSE(is_supported("slides.pptx"));
  EXPECT_FALSE(is_supported("README"));
}

TEST(Extract, MarkdownKeepsParagraphsAndTakesTitle) {
  test::TempDir dir;
  const auto path = write_file(dir.path() / "garden.md",
                               "Intro line before the heading.\n\n# Kitchen Garden  \n\nBeans go in *May*.\r\n"
                               "Second line.\n\n\n\n## Later\n\n    indented code\n");
  const auto document = extract(path);
  EXPECT_EQ(document.status, DocumentStatus::ok);
  EXPECT_EQ(document.title, "Kitchen Garden");
  ASSERT_EQ(document.pages.size(), 1u);
  EXPECT_EQ(document.pages[0].number, 1);
  EXPECT_EQ(document.pages[0].text,
            "Intro line before the heading.\n\n# Kitchen Garden\n\nBeans go in *May*.\nSecond line.\n\n## Later\n\n"
            "    indented code");
}

TEST(Extract, TextFileFormFeedsArePages) {
  test::TempDir dir;
  const auto path = write_file(dir.path() / "pages.txt", "first page\fsecond page\f\fgood \xFF bytes\f");
  const auto document = extract(path);
  EXPECT_EQ(document.status, DocumentStatus::ok);
  EXPECT_EQ(document.title, "");
  ASSERT_EQ(document.pages.size(), 4u);
  EXPECT_EQ(document.pages[1].text, "second page");
  EXPECT_EQ(document.pages[2].status, PageStatus::no_text_layer);
  EXPECT_EQ(document.pages[3].text, "good \xEF\xBF\xBD bytes");
  EXPECT_EQ(document.pages[3].number, 4);
}

TEST(Extract, EmptyAndUnsupportedFiles) {
  test::TempDir dir;
  const auto empty_pdf = extract(write_file(dir.path() / "empty.pdf", ""));
  EXPECT_EQ(empty_pdf.status, DocumentStatus::broken);
  EXPECT_EQ(empty_pdf.error, "file is empty");

  const auto empty_text = extract(write_file(dir.path() / "empty.txt", ""));
  EXPECT_EQ(empty_text.status, DocumentStatus::broken);
  EXPECT_FALSE(empty_text.error.empty());

  const auto not_pdf = extract(write_file(dir.path() / "fake.pdf", "hello, I am not a PDF"));
  EXPECT_EQ(not_pdf.status, DocumentStatus::broken);
  EXPECT_FALSE(not_pdf.error.empty());
  EXPECT_EQ(not_pdf.error.find('\n'), std::string::npos);

  const auto unsupported = extract(write_file(dir.path() / "deck.pptx", "zip"));
  EXPECT_EQ(unsupported.status, DocumentStatus::unsupported);
  EXPECT_NE(unsupported.error.find(".pptx"), std::string::npos);

  EXPECT_THROW(extract(dir.path() / "missing.pdf"), std::runtime_error);
  std::filesystem::create_directory(dir.path() / "folder.pdf");
  EXPECT_THROW(extract(dir.path() / "folder.pdf"), std::runtime_error);
}

TEST(Extract, PdfTitlesAreTidied) {
  using detail::tidy_pdf_title;
  EXPECT_EQ(tidy_pdf_title("  S2ORC: The Semantic\n Scholar Corpus "), "S2ORC: The Semantic Scholar Corpus");
  EXPECT_EQ(tidy_pdf_title("Microsoft Word - Annual Report 2020"), "Annual Report 2020");
  EXPECT_EQ(tidy_pdf_title("Microsoft Word - Backup4all_network_backup_solution.doc"), "");
  EXPECT_EQ(tidy_pdf_title("10811.exe"), "");
  EXPECT_EQ(tidy_pdf_title("IBM-PDFs.graffle"), "");
  EXPECT_EQ(tidy_pdf_title("Untitled"), "");
  EXPECT_EQ(tidy_pdf_title("Version 2.0"), "Version 2.0");
  EXPECT_EQ(tidy_pdf_title("Free Culture"), "Free Culture");
  EXPECT_EQ(tidy_pdf_title(""), "");
}

TEST(Extract, StatusNames) {
  EXPECT_EQ(to_string(DocumentStatus::needs_password), "needs_password");
  EXPECT_EQ(to_string(DocumentStatus::wrong_password), "wrong_password");
  EXPECT_EQ(to_string(DocumentStatus::scanned), "scanned");
  EXPECT_EQ(to_string(PageStatus::no_text_layer), "no_text_layer");
  EXPECT_EQ(to_string(PageStatus::ok), "ok");
}

}  // namespace
}  // namespace docent::ingest
