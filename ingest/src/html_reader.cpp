// HTML, XHTML and MHTML: blocks from the page's tree (libxml2's HTML parser), sections at headings.

#include <algorithm>
#include <cstring>
#include <map>
#include <set>

#include "xml_tree.hpp"

namespace docent::ingest::detail {
namespace {

// Elements whose text is not part of what the page says.
bool skipped(std::string_view name) {
  static const std::set<std::string_view> kSkipped = {"script", "style", "noscript", "template", "head",
                                                      "nav",    "svg",   "math",     "object",   "iframe",
                                                      "select", "button"};
  return kSkipped.count(name) > 0;
}

// Elements that begin and end a paragraph-like block.
bool block_level(std::string_view name) {
  static const std::set<std::string_view> kBlocks = {
      "p",       "div",    "li",     "dd",         "dt",     "blockquote", "pre",    "tr",      "table",
      "section", "article", "header", "footer",    "aside",  "main",       "figure", "figcaption",
      "ul",      "ol",     "dl",     "form",       "hr",     "address",    "caption", "body",   "center",
      "details", "summary", "fieldset", "legend"};
  return kBlocks.count(name) > 0;
}

int heading_level(std::string_view name) {
  if (name.size() == 2 && (name[0] == 'h' || name[0] == 'H') && name[1] >= '1' && name[1] <= '6') return name[1] - '0';
  return 0;
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

void append_collapsed(BlockCollector& blocks, std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) out.push_back(c == '\n' || c == '\r' || c == '\t' ? ' ' : c);
  blocks.text(out);
}

void visit(const xmlNode* node, BlockCollector& blocks, bool preformatted, std::string* title);

void visit_children(const xmlNode* node, BlockCollector& blocks, bool preformatted, std::string* title) {
  for (const xmlNode* child = node->children; child; child = child->next) visit(child, blocks, preformatted, title);
}

void visit(const xmlNode* node, BlockCollector& blocks, bool preformatted, std::string* title) {
  if (node->type == XML_TEXT_NODE || node->type == XML_CDATA_SECTION_NODE) {
    if (!node->content) return;
    std::string_view text(reinterpret_cast<const char*>(node->content));
    if (preformatted) blocks.text(text);
    else append_collapsed(blocks, text);
    return;
  }
  if (node->type != XML_ELEMENT_NODE) return;
  const std::string name = lower(local_name(node));
  if (name == "title") {
    if (title && title->empty()) *title = text_content(node);
    return;
  }
  if (skipped(name)) {
    if (name == "head") visit_children(node, blocks, preformatted, title);  // only for its <title>
    return;
  }
  if (name == "br") {
    blocks.text("\n");
    return;
  }
  if (name == "td" || name == "th") {
    blocks.text(" ");
    visit_children(node, blocks, preformatted, title);
    blocks.text(" ");
    return;
  }
  if (name == "img") {  // the words of an image that stands for text
    const std::string alt = attribute(node, "alt");
    if (!alt.empty()) blocks.text(" " + alt + " ");
    return;
  }
  if (const int level = heading_level(name)) {
    blocks.end_block();
    visit_children(node, blocks, preformatted, title);
    blocks.end_block(level);
    return;
  }
  const bool is_block = block_level(name);
  if (is_block) blocks.end_block();
  visit_children(node, blocks, preformatted || name == "pre" || name == "textarea", title);
  if (is_block) blocks.end_block();
}

ExtractedDocument html_document(const std::filesystem::path& path, std::string_view bytes, const std::string& encoding) {
  ExtractedDocument result;
  result.path = path;
  XmlDocument document = parse_html(bytes, encoding);
  std::string title;
  auto blocks = html_blocks(document.get(), &title);
  auto pages = pages_from_blocks(blocks, /*paginated=*/false);
  result.unit = pages.unit;
  result.pages = std::move(pages.pages);
  result.title = tidy_pdf_title(title);
  if (result.title.empty()) result.title = first_heading(blocks);
  return result;
}

// ---- MIME, as far as MHTML needs it ----

struct Part {
  std::map<std::string, std::string> headers;  // lowercased names, unfolded values
  std::string_view body;
};

Part split_part(std::string_view text) {
  Part part;
  std::string last;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos = end + 1;
    if (line.empty()) break;
    if ((line[0] == ' ' || line[0] == '\t') && !last.empty()) {  // folded continuation
      part.headers[last] += " " + std::string(line.substr(line.find_first_not_of(" \t")));
      continue;
    }
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    last = lower(line.substr(0, colon));
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    part.headers[last] = std::string(value);
  }
  part.body = pos < text.size() ? text.substr(pos) : std::string_view();
  return part;
}

// A parameter of a header value: boundary="abc" or charset=utf-8.
std::string parameter(const std::string& value, std::string_view name) {
  const std::string lowered = lower(value);
  std::size_t at = 0;
  while ((at = lowered.find(name, at)) != std::string::npos) {
    const bool starts = at == 0 || lowered[at - 1] == ';' || lowered[at - 1] == ' ' || lowered[at - 1] == '\t';
    std::size_t equals = at + name.size();
    while (equals < lowered.size() && lowered[equals] == ' ') ++equals;
    if (!starts || equals >= lowered.size() || lowered[equals] != '=') {
      at += name.size();
      continue;
    }
    std::size_t begin = equals + 1;
    while (begin < value.size() && value[begin] == ' ') ++begin;
    if (begin < value.size() && value[begin] == '"') {
      const std::size_t close = value.find('"', begin + 1);
      return value.substr(begin + 1, (close == std::string::npos ? value.size() : close) - begin - 1);
    }
    std::size_t end = value.find_first_of("; \t", begin);
    return value.substr(begin, (end == std::string::npos ? value.size() : end) - begin);
  }
  return {};
}

std::string decoded_body(const Part& part) {
  auto encoding = part.headers.find("content-transfer-encoding");
  const std::string how = encoding == part.headers.end() ? "" : lower(encoding->second);
  if (how.find("quoted-printable") != std::string::npos) return decode_quoted_printable(part.body);
  if (how.find("base64") != std::string::npos) return decode_base64(part.body);
  return std::string(part.body);
}

std::optional<MimeHtml> html_of(const Part& part, int depth) {
  auto type_header = part.headers.find("content-type");
  const std::string type = type_header == part.headers.end() ? "" : type_header->second;
  const std::string lowered = lower(type);
  if (lowered.rfind("multipart/", 0) == 0 && depth < 4) {
    const std::string boundary = parameter(type, "boundary");
    if (boundary.empty()) return std::nullopt;
    const std::string marker = "--" + boundary;
    std::size_t at = part.body.find(marker);
    while (at != std::string_view::npos) {
      std::size_t start = part.body.find('\n', at);
      if (start == std::string_view::npos) break;
      if (part.body.substr(at + marker.size(), 2) == "--") break;  // the closing marker
      std::size_t next = part.body.find("\n" + marker, start);
      std::string_view inner = part.body.substr(start + 1, (next == std::string_view::npos ? part.body.size() : next) - start - 1);
      if (auto found = html_of(split_part(inner), depth + 1)) return found;
      at = next == std::string_view::npos ? next : next + 1;
    }
    return std::nullopt;
  }
  if (lowered.rfind("text/html", 0) != 0 && lowered.rfind("application/xhtml", 0) != 0) return std::nullopt;
  return MimeHtml{decoded_body(part), parameter(type, "charset")};
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

}  // namespace

std::vector<TextBlock> html_blocks(const xmlDoc* document, std::string* title) {
  BlockCollector blocks;
  if (const xmlNode* root = xmlDocGetRootElement(document)) visit(root, blocks, false, title);
  return blocks.take();
}

std::string decode_quoted_printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '=') {
      out.push_back(text[i]);
      continue;
    }
    if (i + 1 < text.size() && (text[i + 1] == '\n' || text[i + 1] == '\r')) {  // soft line break
      ++i;
      if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      continue;
    }
    const int high = i + 2 < text.size() ? hex_value(text[i + 1]) : -1;
    const int low = i + 2 < text.size() ? hex_value(text[i + 2]) : -1;
    if (high < 0 || low < 0) {
      out.push_back('=');
      continue;
    }
    out.push_back(static_cast<char>(high * 16 + low));
    i += 2;
  }
  return out;
}

std::string decode_base64(std::string_view text) {
  std::string out;
  out.reserve(text.size() / 4 * 3);
  unsigned bits = 0;
  int count = 0;
  for (char c : text) {
    int value;
    if (c >= 'A' && c <= 'Z') value = c - 'A';
    else if (c >= 'a' && c <= 'z') value = c - 'a' + 26;
    else if (c >= '0' && c <= '9') value = c - '0' + 52;
    else if (c == '+' || c == '-') value = 62;
    else if (c == '/' || c == '_') value = 63;
    else if (c == '=') break;
    else continue;  // line breaks and other noise
    bits = (bits << 6) | static_cast<unsigned>(value);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out.push_back(static_cast<char>((bits >> count) & 0xFF));
    }
  }
  return out;
}

std::optional<MimeHtml> mhtml_main_part(std::string_view message) { return html_of(split_part(message), 0); }

ExtractedDocument read_html_file(const std::filesystem::path& path, std::size_t budget_bytes) {
  try {
    const std::string bytes = read_file_within(path, budget_bytes);
    return html_document(path, bytes, "");
  } catch (const FormatError& error) {
    return broken_document(path, error.what());
  }
}

ExtractedDocument read_mhtml(const std::filesystem::path& path, std::size_t budget_bytes) {
  try {
    const std::string bytes = read_file_within(path, budget_bytes);
    auto part = mhtml_main_part(bytes);
    if (!part) return broken_document(path, "no HTML part in this MHTML file");
    return html_document(path, part->html, part->charset);
  } catch (const FormatError& error) {
    return broken_document(path, error.what());
  }
}

}  // namespace docent::ingest::detail
