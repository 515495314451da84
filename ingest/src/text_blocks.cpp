// Blocks of structured documents (DOCX, ODT, EPUB, HTML) grouped into pages, sections or chapters.

#include <algorithm>
#include <cstdio>
#include <functional>

#include "ingest_internal.hpp"

namespace docent::ingest::detail {
namespace {

bool blank(std::string_view text) { return text.find_first_not_of(" \t\r\n") == std::string_view::npos; }

std::string clean(std::string_view raw) {
  return normalise_whitespace(expand_ligatures(make_valid_utf8(raw)), /*collapse_spaces=*/true);
}

}  // namespace

void BlockCollector::end_block(int heading_level) {
  if (blank(current_)) {
    current_.clear();
    return;
  }
  TextBlock block;
  block.text = std::move(current_);
  block.heading_level = heading_level;
  block.rendered_break = pending_rendered_;
  block.explicit_break = pending_explicit_;
  pending_rendered_ = pending_explicit_ = false;
  blocks_.push_back(std::move(block));
  current_.clear();
}

void BlockCollector::page_break(bool rendered) {
  end_block();
  (rendered ? pending_rendered_ : pending_explicit_) = true;
}

std::vector<TextBlock> BlockCollector::take() {
  end_block();
  return std::move(blocks_);
}

std::string join_blocks(const std::vector<TextBlock>& blocks, std::size_t first, std::size_t last) {
  std::string raw;
  for (std::size_t i = first; i < last; ++i) {
    if (!raw.empty()) raw += "\n\n";
    raw += blocks[i].text;
  }
  return clean(raw);
}

std::string first_heading(const std::vector<TextBlock>& blocks) {
  int top = 0;
  for (const auto& block : blocks)
    if (block.heading_level > 0 && (top == 0 || block.heading_level < top)) top = block.heading_level;
  for (const auto& block : blocks)
    if (top > 0 && block.heading_level == top) return tidy_pdf_title(block.text);
  return {};
}

BlockPages pages_from_blocks(const std::vector<TextBlock>& blocks, bool paginated) {
  BlockPages result;
  const bool rendered = paginated && std::any_of(blocks.begin(), blocks.end(), [](const auto& b) { return b.rendered_break; });
  const bool explicit_breaks =
      paginated && std::any_of(blocks.begin(), blocks.end(), [](const auto& b) { return b.explicit_break; });
  // Whether block i starts a new unit (the first block never does: it is on unit 1).
  std::function<bool(const TextBlock&)> starts_unit;
  if (rendered || explicit_breaks) {
    // Programs that lay out pages mark every break, explicit ones included, so their marks alone
    // give the page numbers a reader sees; explicit breaks are the next best thing.
    result.unit = PageUnit::page;
    starts_unit = [rendered](const TextBlock& b) { return rendered ? b.rendered_break : b.explicit_break; };
  } else {
    result.unit = PageUnit::section;
    int top = 0;
    for (const auto& block : blocks)
      if (block.heading_level > 0 && (top == 0 || block.heading_level < top)) top = block.heading_level;
    starts_unit = [top](const TextBlock& b) { return b.heading_level > 0 && b.heading_level <= top + 1; };
  }
  std::size_t begin = 0;
  // Headings that follow each other (a title, then a chapter heading) open one section together.
  bool body_since_begin = false;
  auto flush = [&](std::size_t end) {
    Page page;
    page.number = static_cast<int>(result.pages.size()) + 1;
    page.text = join_blocks(blocks, begin, end);
    result.pages.push_back(std::move(page));
    begin = end;
  };
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    if (i > 0 && starts_unit(blocks[i]) && (result.unit == PageUnit::page || body_since_begin)) {
      flush(i);
      body_since_begin = false;
    }
    if (blocks[i].heading_level == 0) body_since_begin = true;
  }
  flush(blocks.size());
  // A page break before the first text leaves page 1 empty, as the reader shows it.
  if (result.unit == PageUnit::page && !blocks.empty() && starts_unit(blocks.front())) {
    result.pages.insert(result.pages.begin(), Page{});
    for (std::size_t i = 0; i < result.pages.size(); ++i) result.pages[i].number = static_cast<int>(i) + 1;
  }
  return result;
}

std::string read_file_within(const std::filesystem::path& path, std::size_t limit_bytes) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!file) throw std::runtime_error(path.string() + ": cannot open");
  std::string bytes;
  for (;;) {
    const std::size_t before = bytes.size();
    bytes.resize(before + 64 * 1024);
    const std::size_t got = std::fread(bytes.data() + before, 1, 64 * 1024, file.get());
    bytes.resize(before + got);
    if (bytes.size() > limit_bytes)
      throw FormatError("the file holds more than " + std::to_string(limit_bytes >> 20) + " MiB (too big to index)");
    if (got == 0) {
      if (std::ferror(file.get())) throw std::runtime_error(path.string() + ": read error");
      break;
    }
  }
  return bytes;
}

}  // namespace docent::ingest::detail
