#pragma once
// The paragraphs of a Markdown file with the section each is in, to check what readers of
// pandoc's renderings of it (DOCX, ODT, EPUB, HTML) put where.
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace docent::test {

inline std::string collapse(std::string_view text) {
  std::string out;
  for (char c : text) {
    const bool space = c == ' ' || c == '\n' || c == '\t';
    if (space && (out.empty() || out.back() == ' ')) continue;
    out.push_back(space ? ' ' : c);
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

// The source's paragraphs (headings, list items and text), each with the number of the section
// it is in: a new section at every heading of the top two levels ('#', '##').
struct SourceParagraph {
  std::string text;
  int section = 0;
};
inline std::vector<SourceParagraph> paragraphs_of(const std::string& markdown) {
  std::vector<SourceParagraph> out;
  int section = 0;
  std::string current;
  auto flush = [&] {
    if (!current.empty()) out.push_back({collapse(current), std::max(section, 1)});
    current.clear();
  };
  std::istringstream lines(markdown);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) {
      flush();
    } else if (line.rfind("#", 0) == 0) {
      flush();
      const std::size_t level = line.find_first_not_of('#');
      if (level <= 2) ++section;
      current = line.substr(line.find_first_not_of("# "));
      flush();
    } else if (line.rfind("- ", 0) == 0) {
      flush();
      current = line.substr(2);
    } else {
      current += " " + line;
    }
  }
  flush();
  return out;
}

}  // namespace docent::test
