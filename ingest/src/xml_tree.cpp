// Safe libxml2 parsing shared by the DOCX, ODT, EPUB and HTML readers.

#include "xml_tree.hpp"

#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/xmlerror.h>

#include <mutex>

namespace docent::ingest::detail {
namespace {

// Nothing is ever fetched for a document: not a DTD, not an external entity, not a stylesheet.
xmlParserInputPtr refuse_external(const char*, const char*, xmlParserCtxtPtr) { return nullptr; }

void quiet_structured_error(void*, xmlErrorPtr) {}

void initialise() {
  static std::once_flag once;
  std::call_once(once, [] {
    xmlInitParser();
    xmlSetExternalEntityLoader(&refuse_external);
  });
  // Per thread in libxml2: keep its messages off stderr.
  xmlSetStructuredErrorFunc(nullptr, &quiet_structured_error);
}

std::string one_line(std::string message) {
  for (char& c : message)
    if (c == '\n' || c == '\r') c = ' ';
  while (!message.empty() && message.back() == ' ') message.pop_back();
  return message;
}

bool valid_utf8(std::string_view bytes) { return make_valid_utf8(bytes) == bytes; }

// Whether the document declares its own encoding early on (<meta charset>, XML declaration).
bool declares_encoding(std::string_view bytes) {
  std::string head(bytes.substr(0, 4096));
  for (char& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return head.find("charset") != std::string::npos || head.find("encoding=") != std::string::npos;
}

}  // namespace

XmlDocument parse_xml(std::string_view bytes, const std::string& what) {
  initialise();
  if (bytes.size() > static_cast<std::size_t>(INT32_MAX)) throw FormatError(what + " is too big to parse");
  xmlResetLastError();
  const int options = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA;
  XmlDocument document(xmlReadMemory(bytes.data(), static_cast<int>(bytes.size()), nullptr, nullptr, options));
  if (!document) {
    const xmlError* error = xmlGetLastError();
    std::string reason = error && error->message ? one_line(error->message) : "not well-formed XML";
    if (error && error->line > 0) reason = "line " + std::to_string(error->line) + ": " + reason;
    throw FormatError(what + ": " + reason);
  }
  return document;
}

XmlDocument parse_html(std::string_view bytes, const std::string& encoding) {
  initialise();
  if (bytes.size() > static_cast<std::size_t>(INT32_MAX)) throw FormatError("the page is too big to parse");
  std::string chosen = encoding;
  if (chosen.empty() && !declares_encoding(bytes)) chosen = valid_utf8(bytes) ? "UTF-8" : "windows-1252";
  const int options = HTML_PARSE_RECOVER | HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING;
  XmlDocument document(htmlReadMemory(bytes.data(), static_cast<int>(bytes.size()), nullptr,
                                      chosen.empty() ? nullptr : chosen.c_str(), options));
  if (!document && !chosen.empty())  // an encoding name iconv does not know: let libxml2 guess
    document.reset(htmlReadMemory(bytes.data(), static_cast<int>(bytes.size()), nullptr, nullptr, options));
  if (!document) throw FormatError("not readable as HTML");
  return document;
}

std::string_view local_name(const xmlNode* node) {
  if (!node || node->type != XML_ELEMENT_NODE || !node->name) return {};
  std::string_view name(reinterpret_cast<const char*>(node->name));
  const std::size_t colon = name.find(':');  // the HTML parser keeps prefixes in the name
  return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

bool is_element(const xmlNode* node, std::string_view name) { return local_name(node) == name; }

std::string attribute(const xmlNode* node, std::string_view name) {
  if (!node || node->type != XML_ELEMENT_NODE) return {};
  for (const xmlAttr* attr = node->properties; attr; attr = attr->next) {
    std::string_view attr_name(reinterpret_cast<const char*>(attr->name));
    const std::size_t colon = attr_name.find(':');
    if (colon != std::string_view::npos) attr_name = attr_name.substr(colon + 1);
    if (attr_name != name) continue;
    std::string value;
    for (const xmlNode* text = attr->children; text; text = text->next)
      if (text->content) value += reinterpret_cast<const char*>(text->content);
    return value;
  }
  return {};
}

const xmlNode* child_element(const xmlNode* node, std::string_view name) {
  if (!node) return nullptr;
  for (const xmlNode* child = node->children; child; child = child->next)
    if (is_element(child, name)) return child;
  return nullptr;
}

std::string text_content(const xmlNode* node) {
  std::string out;
  if (!node) return out;
  for (const xmlNode* child = node->children; child; child = child->next) {
    if ((child->type == XML_TEXT_NODE || child->type == XML_CDATA_SECTION_NODE) && child->content)
      out += reinterpret_cast<const char*>(child->content);
    else if (child->type == XML_ELEMENT_NODE)
      out += text_content(child);
  }
  return out;
}

}  // namespace docent::ingest::detail
