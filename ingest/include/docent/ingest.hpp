#pragma once
// docent::ingest — files to pages to chunks. Knows nothing of storage or models.
// Poppler, libzip, libxml2 and ICU stay behind this header.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace docent::ingest {

enum class PageStatus {
  ok,             // text extracted
  no_text_layer,  // the page has no extractable text (scanned image); OCR comes later
};

enum class DocumentStatus {
  ok,              // every page read (some may have no text layer)
  scanned,         // opened, but no page has a text layer
  needs_password,  // encrypted and no password was given
  wrong_password,  // encrypted and the given password did not open it
  broken,          // the parser could not open it; `error` carries its reason
  unsupported,     // a file type we do not read
};

std::string_view to_string(PageStatus status);
// The spelling stored in a library and printed by --json ("ok", "needs_password", ...).
std::string_view to_string(DocumentStatus status);
// The inverse of to_string; nothing for a spelling no DocumentStatus has.
std::optional<DocumentStatus> parse_document_status(std::string_view text);
// ok and scanned documents were read; every other status is a failure the user has to act on.
bool is_failure(DocumentStatus status);

// What a document's page numbers count. PDFs and text files have pages; so do Word and
// OpenDocument files that record where their pages break. Without such marks they, and web
// pages, have sections (a new one at each heading of the top two levels used); an EPUB has
// chapters (its reading-order documents that hold text).
enum class PageUnit { page, section, chapter };
std::string_view to_string(PageUnit unit);
std::optional<PageUnit> parse_page_unit(std::string_view text);
// How a citation names pages first..last: "p. 3", "pp. 3-4", "section 2", "sections 2-3",
// "chapter 5", "chapters 5-6"; empty when first is 0 (no page).
std::string unit_label(PageUnit unit, int first, int last);

struct Page {
  int number = 0;  // 1-based
  std::string text;  // cleaned text: ligatures expanded, hyphenation repaired, running headers removed
  PageStatus status = PageStatus::ok;
};

struct ExtractedDocument {
  std::filesystem::path path;
  std::string title;  // from PDF metadata or the first heading; may be empty
  DocumentStatus status = DocumentStatus::ok;
  std::string error;  // one line, for status != ok
  PageUnit unit = PageUnit::page;  // what `pages` are
  std::vector<Page> pages;
};

struct ExtractOptions {
  std::optional<std::string> password;  // never stored or logged
  bool remove_running_headers = true;
  // Most bytes a DOCX, ODT or EPUB may expand to, and most an HTML/MHTML file may hold: past it
  // the file is `broken` ("... expands past 256 MiB"), so a zip bomb or a runaway page costs
  // bounded memory. The biggest real books and reports are a few tens of MiB of XML.
  std::size_t max_expanded_bytes = 256u << 20;
};

// Reads .pdf, .txt, .md (and .markdown, .text), .docx, .odt, .epub, .html (.htm, .xhtml) and
// .mhtml (.mht). Never throws for a bad file: the outcome is in `status` and `error`. Throws
// std::runtime_error only for I/O failures of the file system itself.
ExtractedDocument extract(const std::filesystem::path& path, const ExtractOptions& options = {});

// True when `extract` knows the file type (by extension).
bool is_supported(const std::filesystem::path& path);

// True for the plain-text kinds (.txt, .text, .md, .markdown) that TextPageStream reads.
bool is_text_file(const std::filesystem::path& path);

// Reads a .txt/.md file a block (64 KiB) at a time and hands out its pages one by one, cleaned
// as extract() cleans them (valid UTF-8, ligatures expanded, whitespace normalised; a page with
// no letter or digit has status no_text_layer and empty text), so memory stays bounded whatever
// the file's size. A page is the text between form feeds, as in extract(); a page longer than
// `max_page_bytes` is cut at its last blank line before the limit (else line break, else space,
// else character boundary) and each part is numbered as a page of its own, so a citation of a
// 2 GB log without form feeds names a ~64 KiB section ("page 1234") instead of "page 1".
// extract() reads text files through this too, so both give the same pages.
class TextPageStream {
 public:
  static constexpr std::size_t kDefaultMaxPageBytes = 64 * 1024;
  // Throws std::runtime_error naming the file if it cannot be opened.
  explicit TextPageStream(const std::filesystem::path& path, std::size_t max_page_bytes = kDefaultMaxPageBytes);
  TextPageStream(TextPageStream&&) noexcept;
  TextPageStream& operator=(TextPageStream&&) noexcept;
  ~TextPageStream();

  // The next page (numbers from 1), or nothing at the end. An empty file has one empty page.
  // Throws std::runtime_error naming the file on a read error.
  std::optional<Page> next();
  // Markdown's first "# " heading among the pages handed out so far (empty for plain text).
  const std::string& title() const;
  // Why the file is not text, from its first block: NUL bytes, or more than a small share of
  // bytes that are neither UTF-8 nor layout (so Latin-1 notes still pass); empty when it is
  // text. next() throws for such a file; extract() reports it as unsupported with this reason.
  const std::string& not_text_reason() const;
  // Pages handed out so far that have text (status ok).
  int pages_with_text() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Text clean-up steps, exposed so they can be tested on their own.
std::string expand_ligatures(std::string_view text);
std::string repair_hyphenation(std::string_view text);
// Removes lines that repeat at the top or bottom of most pages (page numbers normalised).
void remove_running_headers_and_footers(std::vector<Page>& pages);

// ---- chunking ----

using TokenCounter = std::function<std::size_t(std::string_view)>;

// A fast, model-free estimate: words and punctuation marks, with long words counted by length.
// Used until a library is bound to an embedding model, whose tokenizer then takes its place.
std::size_t approximate_token_count(std::string_view text);

struct ChunkOptions {
  std::size_t target_tokens = 200;  // see README for why these defaults
  std::size_t max_tokens = 256;     // hard limit; never exceeded
  std::size_t overlap_tokens = 40;  // carried from the end of one chunk into the next
};

struct Chunk {
  int ordinal = 0;  // 0-based position within the document
  std::string text;
  int first_page = 0;  // 1-based, inclusive
  int last_page = 0;
  // Offsets into the document text, which is the pages' texts joined by "\n\f" in order.
  std::size_t start_offset = 0;
  std::size_t end_offset = 0;
  std::size_t token_count = 0;
};

// Offsets of each page's text within the joined document text (same order as `pages`).
std::vector<std::size_t> page_start_offsets(const std::vector<Page>& pages);
inline constexpr std::string_view kPageSeparator = "\n\f";

// Splits on paragraph and sentence boundaries; a sentence longer than max_tokens is split on
// words. Every chunk's token count (by `count`) is <= max_tokens.
std::vector<Chunk> chunk_pages(const std::vector<Page>& pages, const ChunkOptions& options,
                               const TokenCounter& count);

// Sentence boundaries (paragraphs first, then sentences; abbreviation-aware), as
// [start, end) byte offsets into `text`. Used to quote the sentence that supports a claim.
struct SentenceSpan {
  std::size_t start = 0;
  std::size_t end = 0;
};
std::vector<SentenceSpan> sentence_spans(std::string_view text);

// ---- UTF-8 ----

// Any byte string (a file name need not be UTF-8) as valid UTF-8 text that comes back exactly:
// each byte outside a valid UTF-8 sequence becomes \xNN and each backslash \\, as bash's $'...'
// reads them. `when_invalid_only`: text that is valid UTF-8 comes back unchanged (for people).
std::string escape_bytes(std::string_view bytes, bool when_invalid_only);
// The inverse: \xNN and \\ decoded, any other character kept.
std::string unescape_bytes(std::string_view text);

// ---- files ----

// SHA-256 of a file's contents as 64 lowercase hex digits, streamed (constant memory).
std::string file_sha256(const std::filesystem::path& path);
std::string sha256_hex(std::string_view bytes);

}  // namespace docent::ingest
