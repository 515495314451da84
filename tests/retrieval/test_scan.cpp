#include <fstream>

#include "docent/retrieval.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using docent::test::write_file;
using docent::retrieval::glob_match;

TEST(Glob, StarStaysWithinAFolder) {
  EXPECT_TRUE(glob_match("*.pdf", "paper.pdf"));
  EXPECT_FALSE(glob_match("*.pdf", "drafts/paper.pdf"));
  EXPECT_FALSE(glob_match("*.pdf", "paper.pdf.bak"));
}

TEST(Glob, DoubleStarCrossesFolders) {
  EXPECT_TRUE(glob_match("**/*.pdf", "a/b/c.pdf"));
  EXPECT_TRUE(glob_match("**/*.pdf", "c.pdf"));
  EXPECT_TRUE(glob_match("drafts/**", "drafts/x/y.md"));
  EXPECT_FALSE(glob_match("drafts/**", "final/x.md"));
}

TEST(Glob, QuestionMarkAndClasses) {
  EXPECT_TRUE(glob_match("v?.md", "v1.md"));
  EXPECT_FALSE(glob_match("v?.md", "v10.md"));
  EXPECT_TRUE(glob_match("[a-c]*.txt", "b.txt"));
  EXPECT_FALSE(glob_match("[!a-c]*.txt", "b.txt"));
}

TEST(Scan, RecursesFiltersAndSkipsHiddenFolders) {
  docent::test::TempDir dir;
  const auto& root = dir.path();
  write_file(root / "a.md", "# A\n");
  write_file(root / "notes" / "b.txt", "b");
  write_file(root / "notes" / "drafts" / "c.md", "c");
  write_file(root / ".git" / "d.md", "d");
  write_file(root / "image.png", "not a document");

  auto all = docent::retrieval::scan_paths({root}, {});
  ASSERT_EQ(all.files.size(), 3u);
  EXPECT_EQ(all.files[0], root / "a.md");

  docent::retrieval::ScanOptions only_md;
  only_md.include_globs = {"*.md"};
  only_md.exclude_globs = {"drafts/"};
  auto filtered = docent::retrieval::scan_paths({root}, only_md);
  ASSERT_EQ(filtered.files.size(), 1u);
  EXPECT_EQ(filtered.files[0], root / "a.md");
}

TEST(Scan, ReportsMissingAndUnsupported) {
  docent::test::TempDir dir;
  write_file(dir.path() / "x.png", "png");
  auto result = docent::retrieval::scan_paths({dir.path() / "nope", dir.path() / "x.png"}, {});
  EXPECT_TRUE(result.files.empty());
  ASSERT_EQ(result.problems.size(), 2u);
  EXPECT_EQ(result.problems[0].kind, docent::retrieval::ScanProblemKind::missing);
  EXPECT_EQ(result.problems[0].reason, "no such file or folder");
  EXPECT_EQ(result.problems[1].kind, docent::retrieval::ScanProblemKind::unsupported);
  EXPECT_EQ(result.problems[1].reason, "unsupported file type '.png'");
  EXPECT_EQ(result.unseen, std::vector<fs::path>{dir.path() / "nope"});
}

TEST(Scan, AnExcludedFolderIsNotEnteredAndARemovedOneIsSkipped) {
  docent::test::TempDir dir;
  const auto& root = dir.path();
  write_file(root / "a.md", "a");
  write_file(root / "drafts" / "b.md", "b");
  write_file(root / "gone" / "c.md", "c");
  docent::retrieval::ScanRoot scan{root, {}};
  scan.filters.exclude_globs = {"drafts"};
  auto result = docent::retrieval::scan_paths({scan}, {root / "gone"});
  EXPECT_EQ(result.files, std::vector<fs::path>{root / "a.md"});
  EXPECT_TRUE(result.problems.empty());
}
