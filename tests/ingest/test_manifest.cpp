// Every PDF in ../shared/data/pdfs gets the outcome its MANIFEST row describes.
//
// How characters are counted: MANIFEST's `text_chars` is the number of non-whitespace code
// points in `pdftotext FILE -` output (checked: it matches exactly for every file). We count
// the same way over our page texts, with running-header removal off, so the comparison measures
// extraction, not clean-up. We read the crop box (as viewers show the page) while pdftotext reads
// the media box, so printer's marks outside the crop box (line numbers, proof stamps in Free
// Culture's margins) are rightly missing from ours: about 7% there, hence the 10% tolerance.

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

#include "docent/ingest.hpp"
#include "test_support.hpp"

namespace docent::ingest {
namespace {

using Row = std::map<std::string, std::string>;

std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> fields;
  std::size_t start = 0;
  while (true) {
    const std::size_t tab = line.find('\t', start);
    fields.push_back(line.substr(start, tab == std::string::npos ? std::string::npos : tab - start));
    if (tab == std::string::npos) break;
    start = tab + 1;
  }
  return fields;
}

std::vector<Row> read_manifest(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  const auto header = split_tabs(line);
  std::vector<Row> rows;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const auto fields = split_tabs(line);
    Row row;
    for (std::size_t i = 0; i < header.size() && i < fields.size(); ++i) row[header[i]] = fields[i];
    rows.push_back(std::move(row));
  }
  return rows;
}

std::size_t non_whitespace_code_points(const std::vector<Page>& pages) {
  std::size_t count = 0;
  for (const Page& page : pages) {
    for (char c : page.text) {
      const unsigned char byte = static_cast<unsigned char>(c);
      if (byte == ' ' || byte == '\n' || byte == '\t' || byte == '\r' || byte == '\f') continue;
      if ((byte & 0xC0) != 0x80) ++count;
    }
  }
  return count;
}

class Manifest : public ::testing::Test {
 protected:
  void SetUp() override {
    folder_ = test::shared_dir() / "data/pdfs";
    if (!std::filesystem::exists(folder_ / "MANIFEST.tsv")) return;
    rows_ = read_manifest(folder_ / "MANIFEST.tsv");
  }
  const Row& row(const std::string& file) const {
    for (const Row& row : rows_) {
      if (row.at("file") == file) return row;
    }
    throw std::runtime_error("no MANIFEST row for " + file);
  }
  std::filesystem::path folder_;
  std::vector<Row> rows_;
};

TEST_F(Manifest, EveryFileGetsItsOutcome) {
  DOCENT_REQUIRE_SHARED("data/pdfs/MANIFEST.tsv");
  ASSERT_GE(rows_.size(), 30u);
  for (const Row& row : rows_) {
    const std::string& file = row.at("file");
    SCOPED_TRACE(file);
    ExtractOptions options;
    options.remove_running_headers = false;
    if (!row.at("password").empty()) options.password = row.at("password");
    const ExtractedDocument document = extract(folder_ / file, options);
    const std::string& kind = row.at("kind");

    if (row.at("pages") == "NA") {
      // Poppler cannot open it, or it is locked with a password nobody knows.
      EXPECT_TRUE(document.status == DocumentStatus::broken || document.status == DocumentStatus::needs_password)
          << to_string(document.status);
      EXPECT_FALSE(document.error.empty());
      EXPECT_EQ(document.error.find('\n'), std::string::npos);
      EXPECT_TRUE(document.pages.empty());
      continue;
    }
    EXPECT_EQ(document.pages.size(), std::stoul(row.at("pages")));
    for (std::size_t i = 0; i < document.pages.size(); ++i) EXPECT_EQ(document.pages[i].number, int(i) + 1);

    const std::size_t expected_chars = std::stoul(row.at("text_chars"));
    if (kind == "broken") {
      EXPECT_EQ(document.status, DocumentStatus::broken);
      EXPECT_FALSE(document.error.empty());
    } else if (expected_chars == 0) {
      EXPECT_EQ(document.status, DocumentStatus::scanned) << document.error;
      for (const Page& page : document.pages) EXPECT_EQ(page.status, PageStatus::no_text_layer);
    } else {
      EXPECT_EQ(document.status, DocumentStatus::ok) << document.error;
      const double chars = double(non_whitespace_code_points(document.pages));
      EXPECT_NEAR(chars / double(expected_chars), 1.0, 0.10) << chars << " vs " << expected_chars;
    }
  }
}

TEST_F(Manifest, EncryptedFilesNeedTheirPassword) {
  DOCENT_REQUIRE_SHARED("data/pdfs/MANIFEST.tsv");
  int checked = 0;
  for (const Row& row : rows_) {
    if (row.at("kind") != "encrypted" || row.at("password").empty()) continue;
    SCOPED_TRACE(row.at("file"));
    const auto path = folder_ / row.at("file");
    const auto locked = extract(path);
    EXPECT_EQ(locked.status, DocumentStatus::needs_password);
    EXPECT_EQ(locked.error, "needs a password (use --password)");
    EXPECT_TRUE(locked.pages.empty());

    ExtractOptions wrong;
    wrong.password = "not-" + row.at("password");
    const auto refused = extract(path, wrong);
    EXPECT_EQ(refused.status, DocumentStatus::wrong_password);
    EXPECT_EQ(refused.error.find(*wrong.password), std::string::npos) << "the password must not be echoed";

    ExtractOptions right;
    right.password = row.at("password");
    const auto opened = extract(path, right);
    EXPECT_EQ(opened.status, DocumentStatus::ok) << opened.error;
    EXPECT_EQ(opened.pages.size(), std::stoul(row.at("pages")));
    ++checked;
  }
  EXPECT_GE(checked, 3);
}

TEST_F(Manifest, SpecialCases) {
  DOCENT_REQUIRE_SHARED("data/pdfs/MANIFEST.tsv");
  // AES-256 with a non-ASCII (UTF-8) user password.
  ExtractOptions umlauts;
  umlauts.password = "p\xC3\xA4sssw\xC3\xB6rt";
  EXPECT_EQ(extract(folder_ / "pdfjs/issue21579.pdf", umlauts).status, DocumentStatus::wrong_password);
  umlauts.password = "p\xC3\xA4ssw\xC3\xB6rt";
  const auto opened = extract(folder_ / "pdfjs/issue21579.pdf", umlauts);
  ASSERT_EQ(opened.status, DocumentStatus::ok);
  EXPECT_NE(opened.pages.at(0).text.find("decryption succeeded"), std::string::npos);

  // Unknown user password: refused gracefully, with or without a guess.
  EXPECT_EQ(extract(folder_ / "pdfjs/print_protection.pdf").status, DocumentStatus::needs_password);
  ExtractOptions guess;
  guess.password = "guess";
  EXPECT_EQ(extract(folder_ / "pdfjs/print_protection.pdf", guess).status, DocumentStatus::wrong_password);

  // Owner-password-only encryption opens without a password.
  const auto owner_only = extract(folder_ / "pdfjs/issue9972-1.pdf");
  EXPECT_EQ(owner_only.status, DocumentStatus::ok);
  EXPECT_NE(owner_only.pages.at(0).text.find("SLEEP ENVIRONMENT"), std::string::npos);
  // ... and with a password meant for some other file.
  EXPECT_EQ(extract(folder_ / "pdfjs/issue9972-1.pdf", guess).status, DocumentStatus::ok);

  // Broken files carry poppler's reason.
  EXPECT_EQ(extract(folder_ / "pdfjs/REDHAT-1531897-0.pdf").error, "Couldn't read xref table");
  EXPECT_EQ(extract(folder_ / "pdfjs/bug1020226.pdf").error, "Couldn't read page catalog");
  EXPECT_EQ(extract(folder_ / "pdfplumber/empty.pdf").error, "file is empty");

  // A scanned file with an OCR layer is text; one without is not.
  EXPECT_EQ(extract(folder_ / "pdfplumber/pr-136-example.pdf").status, DocumentStatus::ok);
  const auto scanned = extract(folder_ / "ocrmypdf/cardinal.pdf");
  EXPECT_EQ(scanned.status, DocumentStatus::scanned);
  EXPECT_EQ(scanned.pages.size(), 4u);

  // Two columns come out one after the other, not interleaved line by line.
  const auto paper = extract(folder_ / "pdfjs/tracemonkey.pdf");
  ASSERT_EQ(paper.status, DocumentStatus::ok);
  const std::string& page2 = paper.pages.at(1).text;
  EXPECT_NE(page2.find("speculates that the path and\ntyping will be exactly as they were during recording"), std::string::npos);
  EXPECT_EQ(paper.title, "");
  EXPECT_EQ(extract(folder_ / "papermage/2020.acl-main.447.pdf").title,
            "S2ORC: The Semantic Scholar Open Research Corpus");
}

TEST_F(Manifest, ChunksOfARealPaperRespectLimits) {
  DOCENT_REQUIRE_SHARED("data/pdfs/papermage/papermage.pdf");
  const auto document = extract(folder_ / "papermage/papermage.pdf");
  ASSERT_EQ(document.status, DocumentStatus::ok);
  const ChunkOptions options;
  const auto chunks = chunk_pages(document.pages, options, approximate_token_count);
  ASSERT_GT(chunks.size(), 30u);
  int last_page = 0;
  for (const Chunk& chunk : chunks) {
    EXPECT_LE(chunk.token_count, options.max_tokens);
    EXPECT_GE(chunk.first_page, last_page > 1 ? last_page - 1 : 1);
    EXPECT_LE(chunk.first_page, chunk.last_page);
    last_page = chunk.last_page;
  }
  EXPECT_EQ(chunks.back().last_page, 13);
}

}  // namespace
}  // namespace docent::ingest
