#pragma once
// Internal seams of the ingest module, reachable by tests and benchmarks through
// docent_ingest_internal. Nothing here names a third-party type.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
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
ExtractedDocument read_pdf(const std::filesystem::path& path, const std::optional<std::string>& password);
// A .txt/.md file through TextPageStream: form feeds split pages (long ones are cut), pages
// cleaned; Markdown's first "# " heading is the title.
ExtractedDocument read_text_file(const std::filesystem::path& path);
bool is_markdown_file(const std::filesystem::path& path);
// The first line starting "# ", without the marker and trailing '#'s; empty if none.
std::string markdown_title(std::string_view text);

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
