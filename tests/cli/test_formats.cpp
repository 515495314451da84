// `docent ingest` and `docent search` on DOCX, ODT, EPUB and HTML written by pandoc from the
// samples' notes: every paragraph is found, cited by the unit it is in.
#include <nlohmann/json.hpp>

#include "docent_run.hpp"
#include "markdown_paragraphs.hpp"

namespace fs = std::filesystem;
using docent::test::run_docent;
using docent::test::shell_quote;

TEST(FormatSearch, EveryParagraphOfPandocFilesIsFoundWithItsUnit) {
  if (docent::test::command_output("command -v pandoc").empty()) GTEST_SKIP() << "pandoc is not installed (scripts/setup.sh installs it)";
  docent::test::TempDir dir;
  const fs::path notes = docent::test::source_dir() / "samples/notes/kitchen-garden.md";
  const fs::path docs = dir.path() / "docs";
  fs::create_directories(docs);
  struct Rendering {
    std::string file, flags, unit;
    int offset;  // pandoc's EPUB title page is chapter 1
  };
  const std::vector<Rendering> renderings = {{"notes.docx", "", "section", 0},
                                             {"notes.odt", "", "section", 0},
                                             {"notes.html", "", "section", 0},
                                             {"notes.epub", "--epub-chapter-level=2", "chapter", 1}};
  for (const auto& r : renderings)
    docent::test::command_output("pandoc -s --metadata title=Notes " + r.flags + " " + shell_quote(notes.string()) +
                                 " -o " + shell_quote((docs / r.file).string()) + " 2>/dev/null");
  const fs::path library = dir.path() / "library";
  auto ingest = run_docent(library, "ingest " + shell_quote(docs.string()));
  ASSERT_EQ(ingest.exit_code, 0) << ingest.err;

  const auto paragraphs = docent::test::paragraphs_of(docent::test::read_text(notes));
  ASSERT_GE(paragraphs.size(), 12u);
  for (const auto& paragraph : paragraphs) {
    // The paragraph's first words as the query (up to eight); the hit must hold all of them in order.
    std::istringstream words(paragraph.text);
    std::string query, word;
    for (int n = 0; n < 8 && words >> word; ++n) query += (query.empty() ? "" : " ") + word;
    auto search = run_docent(library, "--json search --full -k 60 " + shell_quote(query));
    ASSERT_EQ(search.exit_code, 0) << query << "\n" << search.err;
    const auto results = nlohmann::json::parse(search.out)["results"];
    for (const auto& r : renderings) {
      const int unit = paragraph.section + r.offset;
      bool found = false;
      for (const auto& hit : results) {
        if (fs::path(hit["path"].get<std::string>()).filename() != r.file) continue;
        if (docent::test::collapse(hit["text"].get<std::string>()).find(query) == std::string::npos) continue;
        EXPECT_EQ(hit["unit"], r.unit) << r.file;
        if (hit["first_page"].get<int>() <= unit && unit <= hit["last_page"].get<int>()) found = true;
      }
      EXPECT_TRUE(found) << r.file << ": \"" << query << "\" not found in " << r.unit << " " << unit;
    }
  }
  // The plain listing names the unit.
  auto plain = run_docent(library, "search fleece barrier");
  EXPECT_NE(plain.out.find("notes.epub, chapter"), std::string::npos) << plain.out;
  EXPECT_NE(plain.out.find("notes.docx, section"), std::string::npos) << plain.out;
}
