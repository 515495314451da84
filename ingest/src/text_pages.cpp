// TextPageStream: a text file's pages, read a block at a time. Memory holds at most one page
// limit plus one read block, so a 2 GB file costs what a 100 KB one does.

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "ingest_internal.hpp"

namespace docent::ingest {
namespace {

constexpr std::size_t kReadBlockBytes = 64 * 1024;

struct FileCloser {
  void operator()(std::FILE* file) const { std::fclose(file); }
};

bool only_whitespace(std::string_view text) { return text.find_first_not_of(" \t\r\n") == std::string_view::npos; }

// Latin-1 or Windows-1252 notes put an undecodable byte in each accented letter (a few percent
// of the bytes); binary data is mostly such bytes.
constexpr std::size_t kMostlyNotTextPercent = 10;

// Why the first block of a .txt/.md says it is not text (an executable, an image, random bytes
// under a text name), or empty when it is text.
std::string why_not_text(std::string_view head) {
  if (head.find('\0') != std::string_view::npos)
    return "not a text file: it holds NUL bytes (binary data, or text in UTF-16)";
  std::size_t odd = 0;
  for (std::size_t at = 0; at < head.size();) {
    const std::size_t before = at;
    const char32_t code_point = utf8::decode(head, at);
    const bool undecodable = code_point == utf8::kReplacement && at == before + 1;
    // Controls other than layout (tab, line breaks, form feed) and escape (coloured logs).
    const bool control = code_point < 0x20 && code_point != '\t' && code_point != '\n' && code_point != '\r' &&
                         code_point != '\f' && code_point != 0x1B;
    if (undecodable || control) ++odd;
  }
  if (odd * 100 > head.size() * kMostlyNotTextPercent)
    return "not a text file: " + std::to_string(odd * 100 / head.size()) + "% of its first " +
           std::to_string((head.size() + 1023) / 1024) + " KiB is neither UTF-8 text nor layout";
  return {};
}

}  // namespace

struct TextPageStream::Impl {
  std::filesystem::path path;
  std::unique_ptr<std::FILE, FileCloser> file;
  std::size_t max_page_bytes = kDefaultMaxPageBytes;
  bool markdown = false;
  std::string pending;  // read but not yet handed out
  bool end_of_file = false;
  bool at_start = true;  // a byte order mark is only looked for at the very start
  bool finished = false;
  int next_number = 1;
  int pages_with_text = 0;
  std::string title;
  std::string not_text;  // why the file is not text; empty when it is

  void read_block() {
    const std::size_t before = pending.size();
    pending.resize(before + kReadBlockBytes);
    const std::size_t got = std::fread(pending.data() + before, 1, kReadBlockBytes, file.get());
    pending.resize(before + got);
    if (got < kReadBlockBytes) {
      if (std::ferror(file.get())) throw std::runtime_error(path.string() + ": read error: " + std::strerror(errno));
      end_of_file = true;
    }
    if (at_start && (pending.size() >= 3 || end_of_file)) {
      if (pending.rfind("\xEF\xBB\xBF", 0) == 0) pending.erase(0, 3);
      at_start = false;
    }
  }

  // Where a page longer than the limit ends: after the last blank line, line break or space in
  // the last three quarters of the allowed length, else at the limit moved back to the start of
  // a UTF-8 sequence, so no character is split between two pages.
  std::size_t cut_point() const {
    const std::string_view window = std::string_view(pending).substr(0, max_page_bytes);
    const std::size_t earliest = max_page_bytes / 4;
    for (std::string_view separator : {"\n\n", "\n\r\n"}) {
      const std::size_t at = window.rfind(separator);
      if (at != std::string_view::npos && at >= earliest) return at + separator.size();
    }
    for (char separator : {'\n', ' '}) {
      const std::size_t at = window.rfind(separator);
      if (at != std::string_view::npos && at >= earliest) return at + 1;
    }
    std::size_t cut = max_page_bytes;
    while (cut > max_page_bytes - 3 && utf8::is_continuation(static_cast<unsigned char>(pending[cut]))) --cut;
    return cut;
  }

  Page make_page(std::string_view raw) {
    Page page;
    page.number = next_number++;
    page.text = detail::normalise_whitespace(expand_ligatures(detail::make_valid_utf8(raw)), /*collapse_spaces=*/false);
    if (detail::has_text_content(page.text)) {
      ++pages_with_text;
      if (markdown && title.empty()) title = detail::markdown_title(page.text);
    } else {
      page.status = PageStatus::no_text_layer;
      page.text.clear();
    }
    return page;
  }

  // Hands out pending[0, length) as a page and drops `skip` more bytes (the form feed).
  Page take(std::size_t length, std::size_t skip) {
    Page page = make_page(std::string_view(pending).substr(0, length));
    pending.erase(0, length + skip);
    return page;
  }
};

TextPageStream::TextPageStream(const std::filesystem::path& path, std::size_t max_page_bytes)
    : impl_(std::make_unique<Impl>()) {
  impl_->path = path;
  impl_->max_page_bytes = std::max<std::size_t>(max_page_bytes, 16);
  impl_->markdown = detail::is_markdown_file(path);
  impl_->file.reset(std::fopen(path.c_str(), "rb"));
  if (!impl_->file) throw std::runtime_error(path.string() + ": cannot open: " + std::strerror(errno));
  impl_->read_block();
  impl_->not_text = why_not_text(impl_->pending);
}

TextPageStream::TextPageStream(TextPageStream&&) noexcept = default;
TextPageStream& TextPageStream::operator=(TextPageStream&&) noexcept = default;
TextPageStream::~TextPageStream() = default;

std::optional<Page> TextPageStream::next() {
  Impl& state = *impl_;
  if (state.finished) return std::nullopt;
  if (!state.not_text.empty()) throw std::runtime_error(state.path.string() + ": " + state.not_text);
  for (;;) {
    const std::size_t feed = state.pending.find('\f');
    if (feed != std::string::npos && feed <= state.max_page_bytes) return state.take(feed, 1);
    if (state.pending.size() > state.max_page_bytes) return state.take(state.cut_point(), 0);
    if (state.end_of_file) {
      state.finished = true;
      // A trailing form feed (or whitespace after a cut) ends the last page rather than
      // starting an empty one; an empty file still has its one (empty) page.
      if (state.next_number > 1 && only_whitespace(state.pending)) return std::nullopt;
      return state.take(state.pending.size(), 0);
    }
    state.read_block();
  }
}

const std::string& TextPageStream::title() const { return impl_->title; }
const std::string& TextPageStream::not_text_reason() const { return impl_->not_text; }
int TextPageStream::pages_with_text() const { return impl_->pages_with_text; }

}  // namespace docent::ingest
