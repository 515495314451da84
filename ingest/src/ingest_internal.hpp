#pragma once
// Internal seams of the ingest module, reachable by tests and benchmarks through
// docent_ingest_internal. Nothing here names a third-party type.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "docent/ingest.hpp"
#include "docent/utf8.hpp"

namespace docent::ingest::detail {

// ---- UTF-8 ----

// Decodes one code point at `text[pos]`; returns U+FFFD and advances by 1 on invalid input.
// Copies `bytes`, replacing every invalid UTF-8 sequence with U+FFFD.
std::string make_valid_utf8(std::string_view bytes);

// ---- clean-up ----

// Drops control characters (except tab/newline), turns CR/CRLF into LF, trims line ends,
// collapses runs of blank lines into one blank line and trims the text's ends. With
// `collapse_spaces`, runs of horizontal whitespace inside a line become one space (PDF text
// uses spaces for layout; notes may use them for indentation, so they keep theirs).
std::string normalise_whitespace(std::string_view text, bool collapse_spaces);

// The whole clean-up for one PDF page before running headers are looked at.
std::string clean_pdf_page_text(std::string_view raw);

// Joins a word hyphenated across a page break ("...infor-" | "mation ...") onto the first
// page, so the whole word is searchable and cited on the page where it starts. Run after
// running headers are gone, since a footer would otherwise sit between the halves.
void repair_hyphenation_across_pages(std::vector<Page>& pages);

// True when the text holds at least one letter or digit.
bool has_text_content(std::string_view text);

// A PDF's metadata title made presentable: whitespace collapsed, "Microsoft Word - " style
// prefixes dropped, and titles that are only a file name ("report.doc") or "Untitled" emptied.
std::string tidy_pdf_title(std::string_view title);

// ---- readers ----

// Raw (uncleaned) pages of a PDF, or a status saying why there are none.
// A document that could not be read: its path, status broken and the one-line reason.
ExtractedDocument broken_document(const std::filesystem::path& path, std::string reason);

ExtractedDocument read_pdf(const std::filesystem::path& path, const std::optional<std::string>& password);
// A .txt/.md file through TextPageStream: form feeds split pages (long ones are cut), pages
// cleaned; Markdown's first "# " heading is the title.
ExtractedDocument read_text_file(const std::filesystem::path& path);
bool is_markdown_file(const std::filesystem::path& path);
// The first line starting "# ", without the marker and trailing '#'s; empty if none.
std::string markdown_title(std::string_view text);

// ---- structured documents: DOCX, ODT, EPUB, HTML, MHTML ----

// Why a file of one of these formats cannot be read, as the one-line reason a user sees
// ("not a ZIP archive (damaged or truncated)", "word/document.xml expands past 256 MiB").
struct FormatError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A ZIP archive (libzip) whose entries are read whole, within a byte budget shared by every
// read: declared sizes are checked before inflating and actual sizes while inflating, so an
// entry that lies about its size cannot get past the budget either.
class ZipArchive {
 public:
  // Throws FormatError when the file is not a readable ZIP archive.
  ZipArchive(const std::filesystem::path& path, std::size_t budget_bytes);
  ~ZipArchive();
  ZipArchive(const ZipArchive&) = delete;
  ZipArchive& operator=(const ZipArchive&) = delete;

  bool contains(const std::string& name) const;
  // The entry's bytes. Throws FormatError if it is missing, damaged or goes past the budget.
  std::string read(const std::string& name);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A paragraph-like piece of text in reading order, as the format readers produce them.
struct TextBlock {
  std::string text;
  int heading_level = 0;        // 1 = top level; 0 = not a heading
  bool rendered_break = false;  // the writing program laid out a page break before it
  bool explicit_break = false;  // the author asked for a page break before it
};

// Collects blocks as a reader walks a document: text goes into the current block until it ends.
class BlockCollector {
 public:
  void text(std::string_view text) { current_ += text; }
  // Closes the current block (dropped when it holds only whitespace).
  void end_block(int heading_level = 0);
  // The text that follows starts a new page; a block in progress is closed first.
  void page_break(bool rendered);
  std::vector<TextBlock> take();

 private:
  std::vector<TextBlock> blocks_;
  std::string current_;
  bool pending_rendered_ = false;
  bool pending_explicit_ = false;
};

struct BlockPages {
  PageUnit unit = PageUnit::section;
  std::vector<Page> pages;
};
// Pages of a word-processor document (`paginated`: page breaks count) or a web page: by the
// breaks the writing program laid out when there are any, else by the author's explicit ones,
// else sections starting at each heading of the top two levels used (text before the first
// heading is section 1; headings with no text between them open one section together). Each page's blocks are joined by blank lines and cleaned.
BlockPages pages_from_blocks(const std::vector<TextBlock>& blocks, bool paginated);
// Blocks joined by blank lines and cleaned as every page of these formats is.
std::string join_blocks(const std::vector<TextBlock>& blocks, std::size_t first, std::size_t last);

// The first heading of the top level among the blocks (a title when the file names none).
std::string first_heading(const std::vector<TextBlock>& blocks);

ExtractedDocument read_docx(const std::filesystem::path& path, std::size_t budget_bytes);
ExtractedDocument read_odt(const std::filesystem::path& path, std::size_t budget_bytes);
ExtractedDocument read_epub(const std::filesystem::path& path, std::size_t budget_bytes);
ExtractedDocument read_html_file(const std::filesystem::path& path, std::size_t budget_bytes);
ExtractedDocument read_mhtml(const std::filesystem::path& path, std::size_t budget_bytes);

// A whole file, or FormatError when it holds more than `limit_bytes`.
std::string read_file_within(const std::filesystem::path& path, std::size_t limit_bytes);

// MHTML: the first text/html part of a MIME message, transfer-decoded, with its charset ("" if
// none is declared). Nothing when the message has no HTML part.
struct MimeHtml {
  std::string html;
  std::string charset;
};
std::optional<MimeHtml> mhtml_main_part(std::string_view message);
std::string decode_quoted_printable(std::string_view text);
std::string decode_base64(std::string_view text);

// ---- chunking ----

struct TextSpan {
  std::size_t start = 0;  // offsets into the text that was split
  std::size_t end = 0;
};

// Paragraphs are separated by blank lines; returned spans exclude the separators.
std::vector<TextSpan> split_paragraphs(std::string_view text);
// Sentences inside one paragraph (offsets relative to `paragraph`), trimmed of whitespace.
// Knows common abbreviations ("e.g.", "Dr.", "Fig."), initials and decimals.
std::vector<TextSpan> split_sentences(std::string_view paragraph);

// The joined document text the chunk offsets refer to.
std::string join_pages(const std::vector<Page>& pages);

// ---- hashing ----

class Sha256 {
 public:
  Sha256();
  void update(const void* data, std::size_t size);
  // Finishes and returns the digest as 64 lowercase hex digits; the object is then spent.
  std::string hex_digest();

 private:
  void process_block(const std::uint8_t* block);
  std::uint32_t state_[8];
  std::uint8_t buffer_[64];
  std::size_t buffered_ = 0;
  std::uint64_t total_bytes_ = 0;
};

}  // namespace docent::ingest::detail
