// The only file that talks to poppler. Produces raw page text; clean-up happens in extract().

#include <poppler-document.h>
#include <poppler-global.h>
#include <poppler-page.h>

#include <memory>
#include <mutex>

#include "ingest_internal.hpp"

namespace docent::ingest::detail {
namespace {

// Poppler reports problems through one global callback and prints them to stderr unless one is
// installed. We keep stderr clean and remember the last message per thread as the reason a file
// could not be read.
thread_local std::string last_poppler_error;

void remember_poppler_error(const std::string& message, void*) { last_poppler_error = message; }

void install_quiet_error_handler() {
  static std::once_flag once;
  std::call_once(once, [] { poppler::set_debug_error_function(&remember_poppler_error, nullptr); });
}

// "error (435): Missing 'endstream'<0a>" -> "Missing 'endstream'"
std::string tidy_poppler_message(std::string message) {
  if (message.rfind("error", 0) == 0) {
    const std::size_t colon = message.find(": ");
    if (colon != std::string::npos && colon < 20) message.erase(0, colon + 2);
  }
  for (std::size_t found; (found = message.find("<0a>")) != std::string::npos;) message.erase(found, 4);
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  for (char& c : message) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return message;
}

std::string to_std_string(const poppler::ustring& text) {
  const poppler::byte_array utf8 = text.to_utf8();
  return std::string(utf8.begin(), utf8.end());
}

}  // namespace

ExtractedDocument read_pdf(const std::filesystem::path& path, const std::optional<std::string>& password) {
  install_quiet_error_handler();
  ExtractedDocument result;
  result.path = path;
  last_poppler_error.clear();

  // The password is tried as both owner and user password, as readers do; it is not kept.
  const std::string& secret = password ? *password : std::string();
  std::unique_ptr<poppler::document> document(poppler::document::load_from_file(path.string(), secret, secret));
  if (!document) {
    result.status = DocumentStatus::broken;
    result.error = last_poppler_error.empty() ? "not a readable PDF" : tidy_poppler_message(last_poppler_error);
    return result;
  }
  if (document->is_locked() && password) {
    // A file encrypted with only an owner password opens without any password; a password
    // given for other files in the same run must not lock it out.
    std::unique_ptr<poppler::document> without(poppler::document::load_from_file(path.string()));
    if (without && !without->is_locked()) document = std::move(without);
  }
  if (document->is_locked()) {
    // Poppler opens encrypted files it cannot decrypt in a locked state; asking a locked
    // document for pages is not safe, so stop here.
    if (password) {
      result.status = DocumentStatus::wrong_password;
      result.error = "the password is not correct";
    } else {
      result.status = DocumentStatus::needs_password;
      result.error = "needs a password (use --password)";
    }
    return result;
  }

  result.title = to_std_string(document->info_key("Title"));
  const int page_count = document->pages();
  result.pages.reserve(page_count > 0 ? page_count : 0);
  int unreadable_pages = 0;
  std::string first_page_error;
  for (int index = 0; index < page_count; ++index) {
    Page page;
    page.number = index + 1;
    last_poppler_error.clear();
    std::unique_ptr<poppler::page> pdf_page(document->create_page(index));
    if (!pdf_page) {
      ++unreadable_pages;
      if (first_page_error.empty()) first_page_error = tidy_poppler_message(last_poppler_error);
      page.status = PageStatus::no_text_layer;
      result.pages.push_back(std::move(page));
      continue;
    }
    // Reading order as pdftotext gives it by default: columns are kept apart, unlike
    // physical_layout (which interleaves columns line by line) or raw_order_layout (content
    // stream order, which can be anything).
    page.text = to_std_string(pdf_page->text(poppler::rectf(), poppler::page::non_raw_non_physical_layout));
    result.pages.push_back(std::move(page));
  }
  if (page_count <= 0) {
    result.status = DocumentStatus::broken;
    result.error = "the document has no pages";
  } else if (unreadable_pages == page_count) {
    result.status = DocumentStatus::broken;
    result.error = first_page_error.empty() ? "no page could be read" : first_page_error;
  }
  return result;
}

}  // namespace docent::ingest::detail
