// extract(): picks a reader by extension, then cleans the pages.

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <system_error>

#include "ingest_internal.hpp"

namespace docent::ingest {
namespace {

enum class FileKind { pdf, plain_text, markdown, docx, odt, epub, html, mhtml, unknown };

FileKind kind_of(const std::filesystem::path& path) {
  std::string extension = path.extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return char(std::tolower(c)); });
  if (extension == ".pdf") return FileKind::pdf;
  if (extension == ".txt" || extension == ".text") return FileKind::plain_text;
  if (extension == ".md" || extension == ".markdown") return FileKind::markdown;
  if (extension == ".docx") return FileKind::docx;
  if (extension == ".odt") return FileKind::odt;
  if (extension == ".epub") return FileKind::epub;
  if (extension == ".html" || extension == ".htm" || extension == ".xhtml" || extension == ".xht") return FileKind::html;
  if (extension == ".mhtml" || extension == ".mht") return FileKind::mhtml;
  return FileKind::unknown;
}

void set_page_statuses(ExtractedDocument& document, bool is_pdf) {
  if (document.status != DocumentStatus::ok) return;
  std::size_t without_text = 0;
  for (Page& page : document.pages) {
    if (!detail::has_text_content(page.text)) {
      page.status = PageStatus::no_text_layer;
      page.text.clear();
      ++without_text;
    }
  }
  if (!document.pages.empty() && without_text == document.pages.size()) {
    if (is_pdf) {
      document.status = DocumentStatus::scanned;
      document.error = "no page has a text layer (scanned images; OCR is not supported yet)";
    } else {
      document.status = DocumentStatus::broken;
      document.error = "file has no text";
    }
  }
}

}  // namespace

std::string_view to_string(PageStatus status) {
  switch (status) {
    case PageStatus::ok: return "ok";
    case PageStatus::no_text_layer: return "no_text_layer";
  }
  return "unknown";
}

std::string_view to_string(PageUnit unit) {
  switch (unit) {
    case PageUnit::page: return "page";
    case PageUnit::section: return "section";
    case PageUnit::chapter: return "chapter";
  }
  return "page";
}

std::optional<PageUnit> parse_page_unit(std::string_view text) {
  for (PageUnit unit : {PageUnit::page, PageUnit::section, PageUnit::chapter})
    if (to_string(unit) == text) return unit;
  return std::nullopt;
}

std::string unit_label(PageUnit unit, int first, int last) {
  if (first <= 0) return "";
  const bool one = last <= first;
  const std::string span = one ? std::to_string(first) : std::to_string(first) + "-" + std::to_string(last);
  switch (unit) {
    case PageUnit::page: return (one ? "p. " : "pp. ") + span;
    case PageUnit::section: return (one ? "section " : "sections ") + span;
    case PageUnit::chapter: return (one ? "chapter " : "chapters ") + span;
  }
  return span;
}

std::string_view to_string(DocumentStatus status) {
  switch (status) {
    case DocumentStatus::ok: return "ok";
    case DocumentStatus::scanned: return "scanned";
    case DocumentStatus::needs_password: return "needs_password";
    case DocumentStatus::wrong_password: return "wrong_password";
    case DocumentStatus::broken: return "broken";
    case DocumentStatus::unsupported: return "unsupported";
  }
  return "unknown";
}

std::optional<DocumentStatus> parse_document_status(std::string_view text) {
  // The switch in to_string is the one table of spellings; the enumerators are contiguous from 0.
  for (int value = 0;; ++value) {
    const auto status = static_cast<DocumentStatus>(value);
    const std::string_view name = to_string(status);
    if (name == "unknown") return std::nullopt;
    if (name == text) return status;
  }
}

bool is_failure(DocumentStatus status) { return status != DocumentStatus::ok && status != DocumentStatus::scanned; }

bool is_supported(const std::filesystem::path& path) { return kind_of(path) != FileKind::unknown; }

bool is_text_file(const std::filesystem::path& path) {
  const FileKind kind = kind_of(path);
  return kind == FileKind::plain_text || kind == FileKind::markdown;
}

namespace detail {

bool is_markdown_file(const std::filesystem::path& path) { return kind_of(path) == FileKind::markdown; }

std::string markdown_title(std::string_view text) {
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(start, end - start);
    if (line.rfind("# ", 0) == 0) {
      std::string_view title = line.substr(2);
      while (!title.empty() && (title.front() == ' ')) title.remove_prefix(1);
      while (!title.empty() && (title.back() == ' ' || title.back() == '#' || title.back() == '\r')) title.remove_suffix(1);
      return std::string(title);
    }
    start = end + 1;
  }
  return {};
}

std::string tidy_pdf_title(std::string_view raw) {
  std::string title = normalise_whitespace(raw, /*collapse_spaces=*/true);
  for (char& c : title) {
    if (c == '\n') c = ' ';
  }
  for (std::string_view prefix : {"Microsoft Word - ", "Microsoft PowerPoint - ", "Microsoft Excel - "}) {
    if (title.rfind(prefix, 0) == 0) title.erase(0, prefix.size());
  }
  std::string lower = title;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  if (lower == "untitled" || lower == "untitled document") return {};
  // One word with a short extension is a file name the producing program filled in.
  const std::size_t dot = title.rfind('.');
  if (title.find(' ') == std::string::npos && dot != std::string::npos && dot > 0) {
    const std::size_t extension_length = title.size() - dot - 1;
    const bool alphanumeric = std::all_of(title.begin() + dot + 1, title.end(), [](unsigned char c) { return std::isalnum(c); });
    if (extension_length >= 2 && extension_length <= 8 && alphanumeric) return {};
  }
  return title;
}

ExtractedDocument read_text_file(const std::filesystem::path& path) {
  ExtractedDocument result;
  result.path = path;
  TextPageStream stream(path);
  if (!stream.not_text_reason().empty()) {
    result.status = DocumentStatus::unsupported;
    result.error = stream.not_text_reason();
    return result;
  }
  while (auto page = stream.next()) result.pages.push_back(std::move(*page));
  result.title = stream.title();
  return result;
}

ExtractedDocument broken_document(const std::filesystem::path& path, std::string reason) {
  ExtractedDocument document;
  document.path = path;
  document.status = DocumentStatus::broken;
  document.error = std::move(reason);
  return document;
}

}  // namespace detail

ExtractedDocument extract(const std::filesystem::path& path, const ExtractOptions& options) {
  const FileKind kind = kind_of(path);
  if (kind == FileKind::unknown) {
    ExtractedDocument result;
    result.path = path;
    result.status = DocumentStatus::unsupported;
    result.error = "unsupported file type '" + path.extension().string() + "'";
    return result;
  }
  std::error_code error;
  const auto status = std::filesystem::status(path, error);
  if (error || !std::filesystem::exists(status))
    throw std::runtime_error(path.string() + ": " + (error ? error.message() : "no such file"));
  if (!std::filesystem::is_regular_file(status)) throw std::runtime_error(path.string() + ": not a regular file");

  if (kind == FileKind::pdf) {
    if (std::filesystem::file_size(path, error) == 0 && !error) {
      return detail::broken_document(path, "file is empty");
    }
    ExtractedDocument document = detail::read_pdf(path, options.password);
    if (document.status != DocumentStatus::ok) return document;
    document.title = detail::tidy_pdf_title(document.title);
    for (Page& page : document.pages) page.text = detail::clean_pdf_page_text(page.text);
    // Headers go first: a footer such as "page 4" under a hyphenated last line must not be
    // glued onto that line.
    if (options.remove_running_headers) remove_running_headers_and_footers(document.pages);
    for (Page& page : document.pages) page.text = repair_hyphenation(page.text);
    detail::repair_hyphenation_across_pages(document.pages);
    set_page_statuses(document, /*is_pdf=*/true);
    return document;
  }

  if (kind == FileKind::docx || kind == FileKind::odt || kind == FileKind::epub || kind == FileKind::html ||
      kind == FileKind::mhtml) {
    const std::size_t budget = options.max_expanded_bytes;
    ExtractedDocument document = kind == FileKind::docx    ? detail::read_docx(path, budget)
                                 : kind == FileKind::odt   ? detail::read_odt(path, budget)
                                 : kind == FileKind::epub  ? detail::read_epub(path, budget)
                                 : kind == FileKind::html  ? detail::read_html_file(path, budget)
                                                           : detail::read_mhtml(path, budget);
    set_page_statuses(document, /*is_pdf=*/false);
    return document;
  }

  // Notes are not typeset, so a hyphen at a line end is meant; only light clean-up applies
  // (done by the page stream).
  ExtractedDocument document = detail::read_text_file(path);
  if (options.remove_running_headers) remove_running_headers_and_footers(document.pages);
  set_page_statuses(document, /*is_pdf=*/false);
  return document;
}

}  // namespace docent::ingest
