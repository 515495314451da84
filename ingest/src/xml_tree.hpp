#pragma once
// libxml2 behind the ingest readers: safe parsing and a few tree helpers. Included only by the
// reader .cpp files; nothing outside src/ sees a libxml2 type.

#include <libxml/tree.h>

#include <memory>
#include <string>
#include <string_view>

#include "ingest_internal.hpp"

namespace docent::ingest::detail {

struct XmlDocumentFree {
  void operator()(xmlDoc* document) const { xmlFreeDoc(document); }
};
using XmlDocument = std::unique_ptr<xmlDoc, XmlDocumentFree>;

// Parses XML without loading anything from outside (no DTDs, no external entities, no
// network) and without substituting entities, so neither XXE nor entity expansion can happen;
// libxml2's default limits (depth, text node size) stay on. Throws FormatError naming `what`
// and the parser's first error.
XmlDocument parse_xml(std::string_view bytes, const std::string& what);
// Parses HTML leniently, as browsers do. `encoding` may be empty: then the document's own
// declaration, else UTF-8 when the bytes are valid UTF-8, else Windows-1252.
XmlDocument parse_html(std::string_view bytes, const std::string& encoding);

// Element name without namespace prefix ("w:p" -> "p"); empty for non-elements.
std::string_view local_name(const xmlNode* node);
bool is_element(const xmlNode* node, std::string_view name);
// The attribute with this local name (any namespace), or "".
std::string attribute(const xmlNode* node, std::string_view name);
// First child element with this local name, or null.
const xmlNode* child_element(const xmlNode* node, std::string_view name);
// All text below `node`, concatenated.
std::string text_content(const xmlNode* node);

// Blocks of an HTML or XHTML tree: paragraphs, list items, table rows and headings (h1-h6 with
// their levels); scripts, styles and navigation left out. `title` gets <title> when present.
std::vector<TextBlock> html_blocks(const xmlDoc* document, std::string* title);

}  // namespace docent::ingest::detail
