// DOCX, ODT, EPUB, HTML, XHTML and MHTML: files written by pandoc from the samples' text are read
// paragraph by paragraph into the unit they belong to; damaged and hostile files are one-line
// errors with bounded memory.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>

#include "docent/ingest.hpp"
#include "docent_run.hpp"
#include "markdown_paragraphs.hpp"
#include "ingest_internal.hpp"
#include "test_support.hpp"

namespace docent::ingest {
namespace {

namespace fs = std::filesystem;
using test::collapse;
using test::command_output;
using test::paragraphs_of;
using test::SourceParagraph;
using test::shell_quote;

fs::path write_file(const fs::path& path, std::string_view content) {
  std::ofstream(path, std::ios::binary).write(content.data(), std::streamsize(content.size()));
  return path;
}

bool have(const char* tool) { return !command_output(std::string("command -v ") + tool + " 2>/dev/null").empty(); }

#define REQUIRE_TOOL(tool) \
  if (!have(tool)) GTEST_SKIP() << tool << " is not installed (scripts/setup.sh installs it)"

// pandoc's rendering of a Markdown file; `extra` are more pandoc flags.
fs::path pandoc(const fs::path& markdown, const fs::path& out, const std::string& extra = "") {
  command_output("pandoc -s --metadata title=Notes " + extra + " " + shell_quote(markdown.string()) + " -o " +
                 shell_quote(out.string()) + " 2>/dev/null");
  return out;
}

void expect_every_paragraph_in_its_unit(const ExtractedDocument& document, const std::vector<SourceParagraph>& source,
                                        PageUnit unit) {
  ASSERT_EQ(document.status, DocumentStatus::ok) << document.error;
  EXPECT_EQ(document.unit, unit);
  for (const auto& paragraph : source) {
    int found_in = 0;
    for (const auto& page : document.pages)
      if (collapse(page.text).find(paragraph.text) != std::string::npos) found_in = page.number;
    EXPECT_EQ(found_in, paragraph.section) << document.path << ": \"" << paragraph.text << "\"";
  }
}

const fs::path kNotes = test::source_dir() / "samples/notes/kitchen-garden.md";

TEST(Formats, EveryParagraphOfPandocFilesLandsInItsSection) {
  REQUIRE_TOOL("pandoc");
  test::TempDir dir;
  const auto source = paragraphs_of(test::read_text(kNotes));
  ASSERT_GE(source.size(), 12u);
  for (const char* extension : {"docx", "odt", "html"}) {
    const auto file = pandoc(kNotes, dir.path() / (std::string("notes.") + extension));
    SCOPED_TRACE(file.string());
    const auto document = extract(file);
    expect_every_paragraph_in_its_unit(document, source, PageUnit::section);
    EXPECT_EQ(document.pages.size(), 6u);
    EXPECT_EQ(document.title, "Notes");
  }
}

TEST(Formats, XhtmlAndMhtmlReadAsTheirHtml) {
  REQUIRE_TOOL("pandoc");
  test::TempDir dir;
  const auto source = paragraphs_of(test::read_text(kNotes));
  const auto html = pandoc(kNotes, dir.path() / "notes.html");
  const std::string page = test::read_text(html);
  write_file(dir.path() / "notes.xhtml", page);
  expect_every_paragraph_in_its_unit(extract(dir.path() / "notes.xhtml"), source, PageUnit::section);
  // A saved web page: the HTML quoted-printable inside a multipart/related message, as browsers write it.
  std::string encoded;
  std::size_t column = 0;
  for (unsigned char c : page) {
    std::string piece;
    if (c == '\n') {
      encoded += "\r\n";
      column = 0;
      continue;
    }
    if (c == '=' || c >= 0x80) {
      char hex[4];
      std::snprintf(hex, sizeof hex, "=%02X", c);
      piece = hex;
    } else {
      piece = std::string(1, char(c));
    }
    if (column + piece.size() > 75) {
      encoded += "=\r\n";
      column = 0;
    }
    encoded += piece;
    column += piece.size();
  }
  const std::string mhtml =
      "From: <Saved by a browser>\r\nSubject: Notes\r\nMIME-Version: 1.0\r\nContent-Type: multipart/related;\r\n"
      "\ttype=\"text/html\";\r\n\tboundary=\"----=_NextPart_000\"\r\n\r\n------=_NextPart_000\r\n"
      "Content-Type: text/html; charset=\"utf-8\"\r\nContent-Transfer-Encoding: quoted-printable\r\n"
      "Content-Location: file:///notes.html\r\n\r\n" +
      encoded + "\r\n------=_NextPart_000\r\nContent-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                "iVBORw0KGgo=\r\n------=_NextPart_000--\r\n";
  expect_every_paragraph_in_its_unit(extract(write_file(dir.path() / "notes.mhtml", mhtml)), source, PageUnit::section);
}

TEST(Formats, EpubChaptersAreItsReadingOrderDocumentsWithText) {
  REQUIRE_TOOL("pandoc");
  test::TempDir dir;
  // One chapter file per heading of the top two levels, after pandoc's title page (in the
  // reading order, so chapter 1); the navigation document is left out.
  auto source = paragraphs_of(test::read_text(kNotes));
  for (auto& paragraph : source) ++paragraph.section;
  const auto file = pandoc(kNotes, dir.path() / "notes.epub", "--epub-chapter-level=2");
  const auto document = extract(file);
  expect_every_paragraph_in_its_unit(document, source, PageUnit::chapter);
  ASSERT_EQ(document.pages.size(), 7u);
  EXPECT_EQ(document.pages[0].text, "Notes");
  EXPECT_EQ(document.title, "Notes");
}

TEST(Formats, PageBreaksMakePagesInWordAndOpenDocumentFiles) {
  REQUIRE_TOOL("pandoc");
  test::TempDir dir;
  // Word: explicit breaks (w:br type=page); OpenDocument: the breaks a layout program records.
  const std::string docx_break = "\n```{=openxml}\n<w:p><w:r><w:br w:type=\"page\"/></w:r></w:p>\n```\n\n";
  const std::string odt_break = "\n```{=opendocument}\n<text:soft-page-break/>\n```\n\n";
  for (const auto& [extension, marker] : {std::pair{"docx", docx_break}, std::pair{"odt", odt_break}}) {
    const auto markdown = write_file(dir.path() / "paged.md", "First page: the pump house.\n\nStill the first page.\n" +
                                                               marker + "Second page: the sluice gate.\n" + marker +
                                                               "## Third page\n\nThird page: the weir.\n");
    const auto document = extract(pandoc(markdown, dir.path() / (std::string("paged.") + extension)));
    SCOPED_TRACE(extension);
    ASSERT_EQ(document.status, DocumentStatus::ok) << document.error;
    EXPECT_EQ(document.unit, PageUnit::page);
    ASSERT_EQ(document.pages.size(), 3u);
    EXPECT_NE(document.pages[0].text.find("Still the first page."), std::string::npos);
    EXPECT_NE(document.pages[1].text.find("sluice gate"), std::string::npos);
    EXPECT_NE(document.pages[2].text.find("weir"), std::string::npos);
  }
}

TEST(Formats, UnitLabelsNameTheUnit) {
  EXPECT_EQ(unit_label(PageUnit::page, 3, 3), "p. 3");
  EXPECT_EQ(unit_label(PageUnit::page, 3, 4), "pp. 3-4");
  EXPECT_EQ(unit_label(PageUnit::section, 2, 2), "section 2");
  EXPECT_EQ(unit_label(PageUnit::chapter, 5, 6), "chapters 5-6");
  EXPECT_EQ(unit_label(PageUnit::chapter, 0, 0), "");
  EXPECT_EQ(parse_page_unit("chapter"), PageUnit::chapter);
  EXPECT_FALSE(parse_page_unit("leaf"));
  EXPECT_TRUE(is_supported("a.docx") && is_supported("b.ODT") && is_supported("c.epub") && is_supported("d.htm") &&
              is_supported("e.xhtml") && is_supported("f.mht"));
}

TEST(Formats, HtmlDropsScriptsAndStylesAndReadsItsDeclaredEncoding) {
  test::TempDir dir;
  const auto document = extract(write_file(
      dir.path() / "page.html",
      "<html><head><meta charset=\"windows-1252\"><title>Caf\xE9 notes</title><style>p{color:red}</style>"
      "<script>var hidden = 'secret';</script></head><body><nav>Home | About</nav><h1>Menu</h1>"
      "<p>The caf\xE9 opens at\n   nine.</p><table><tr><td>Tea</td><td>2</td></tr></table></body></html>"));
  ASSERT_EQ(document.status, DocumentStatus::ok) << document.error;
  EXPECT_EQ(document.title, "Caf\xC3\xA9 notes");
  ASSERT_EQ(document.pages.size(), 1u);
  EXPECT_EQ(document.pages[0].text, "Menu\n\nThe caf\xC3\xA9 opens at nine.\n\nTea 2");
}

// A ZIP file written by Python's zipfile (an independent writer), entries given as name -> bytes
// expression.
fs::path python_zip(const fs::path& path, const std::string& entries) {
  command_output("python3 -c " +
                 shell_quote("import zipfile,sys\nz=zipfile.ZipFile(sys.argv[1],'w',zipfile.ZIP_DEFLATED)\n"
                             "for n,d in {" + entries + "}.items(): z.writestr(n,d)\nz.close()") +
                 " " + shell_quote(path.string()));
  return path;
}

TEST(Formats, DamagedArchivesAreOneLineErrors) {
  REQUIRE_TOOL("pandoc");
  test::TempDir dir;
  const std::string whole = test::read_text(pandoc(kNotes, dir.path() / "notes.docx"));
  for (const char* extension : {"docx", "odt", "epub"}) {
    const auto truncated = write_file(dir.path() / (std::string("cut.") + extension), whole.substr(0, whole.size() / 2));
    const auto document = extract(truncated);
    EXPECT_EQ(document.status, DocumentStatus::broken);
    EXPECT_EQ(document.error, "not a ZIP archive (damaged or truncated)");
  }
  const auto empty = extract(write_file(dir.path() / "empty.docx", ""));
  EXPECT_EQ(empty.status, DocumentStatus::broken);
  const auto other = extract(python_zip(dir.path() / "other.docx", "'readme.txt': 'hello'"));
  EXPECT_EQ(other.status, DocumentStatus::broken);
  EXPECT_EQ(other.error, "not a Word document (no word/document.xml)");
  const auto bad_xml = extract(python_zip(dir.path() / "bad.odt", "'content.xml': '<office:document><unclosed>'"));
  EXPECT_EQ(bad_xml.status, DocumentStatus::broken);
  EXPECT_EQ(bad_xml.error.rfind("content.xml: line 1: ", 0), 0u) << bad_xml.error;
  EXPECT_EQ(bad_xml.error.find('\n'), std::string::npos);
}

TEST(Formats, AZipBombStopsAtTheBudget) {
  test::TempDir dir;
  // 64 MiB of one byte deflates to about 64 KiB; a 4 MiB budget stops inflating at 4 MiB.
  const auto bomb = python_zip(dir.path() / "bomb.docx", "'word/document.xml': b'<a>' + b'x' * (64 << 20) + b'</a>'");
  ASSERT_LT(fs::file_size(bomb), 1u << 20);
  ExtractOptions options;
  options.max_expanded_bytes = 4u << 20;
  const auto document = extract(bomb, options);
  EXPECT_EQ(document.status, DocumentStatus::broken);
  EXPECT_EQ(document.error, "word/document.xml expands past 4 MiB (a zip bomb, or too big to index)");
  // The budget is shared by every entry an EPUB reads, so many small ones cannot add up past it.
  std::string entries = "'META-INF/container.xml': '<container><rootfiles><rootfile full-path=\"p.opf\"/></rootfiles></container>',";
  std::string manifest, spine;
  for (int i = 0; i < 8; ++i) {
    entries += "'c" + std::to_string(i) + ".xhtml': '<html><body><p>' + 'word ' * (200 << 10) + '</p></body></html>',";
    manifest += "<item id=\"c" + std::to_string(i) + "\" href=\"c" + std::to_string(i) + ".xhtml\" media-type=\"application/xhtml+xml\"/>";
    spine += "<itemref idref=\"c" + std::to_string(i) + "\"/>";
  }
  entries += "'p.opf': '<package><manifest>" + manifest + "</manifest><spine>" + spine + "</spine></package>'";
  const auto book = extract(python_zip(dir.path() / "many.epub", entries), options);
  EXPECT_EQ(book.status, DocumentStatus::broken);
  EXPECT_NE(book.error.find("expands past 4 MiB"), std::string::npos) << book.error;
}

TEST(Formats, EntitiesAreNeitherExpandedNorFetched) {
  test::TempDir dir;
  const auto secret = write_file(dir.path() / "secret.txt", "TOPSECRET-CONTENT");
  // Billion laughs: ten levels of ten references each would be 10^9 "lol"s.
  std::string laughs = "<!DOCTYPE w:document [<!ENTITY l0 \"lol\">";
  for (int level = 1; level <= 9; ++level) {
    laughs += "<!ENTITY l" + std::to_string(level) + " \"";
    for (int i = 0; i < 10; ++i) laughs += "&l" + std::to_string(level - 1) + ";";
    laughs += "\">";
  }
  laughs += "<!ENTITY xxe SYSTEM \"file://" + secret.string() + "\">]>";
  const std::string body = "<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>"
                           "<w:p><w:r><w:t>Keep &l9; and &xxe; out.</w:t></w:r></w:p></w:body></w:document>";
  const auto file = python_zip(dir.path() / "laughs.docx", "'word/document.xml': " + shell_quote(laughs + body).replace(0, 1, "'"));
  const auto document = extract(file);
  for (const auto& page : document.pages) {
    EXPECT_LT(page.text.size(), 1000u);
    EXPECT_EQ(page.text.find("TOPSECRET"), std::string::npos);
    EXPECT_EQ(page.text.find("lollol"), std::string::npos);
  }
  if (document.status == DocumentStatus::ok) {
    ASSERT_EQ(document.pages.size(), 1u);
    EXPECT_EQ(document.pages[0].text, "Keep and out.");
  } else {
    EXPECT_EQ(document.error.find('\n'), std::string::npos);
  }
}

TEST(Formats, AnHtmlFileBeyondTheBudgetIsRefused) {
  test::TempDir dir;
  const auto file = write_file(dir.path() / "huge.html", "<p>" + std::string(3u << 20, 'a') + "</p>");
  ExtractOptions options;
  options.max_expanded_bytes = 1u << 20;
  const auto document = extract(file, options);
  EXPECT_EQ(document.status, DocumentStatus::broken);
  EXPECT_EQ(document.error, "the file holds more than 1 MiB (too big to index)");
}

TEST(Formats, MimeDecodingHandlesSoftBreaksAndBase64) {
  EXPECT_EQ(detail::decode_quoted_printable("caf=C3=A9 =\r\nau lait=3D"), "café au lait=");
  EXPECT_EQ(detail::decode_base64("aGVs\r\nbG8="), "hello");
  auto part = detail::mhtml_main_part("Content-Type: text/html; charset=iso-8859-1\r\n\r\n<p>x</p>");
  ASSERT_TRUE(part);
  EXPECT_EQ(part->charset, "iso-8859-1");
  EXPECT_EQ(part->html, "<p>x</p>");
  EXPECT_FALSE(detail::mhtml_main_part("Content-Type: multipart/related; boundary=b\r\n\r\n--b\r\nContent-Type: image/png\r\n\r\nxx\r\n--b--"));
}

}  // namespace
}  // namespace docent::ingest
