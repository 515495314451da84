// Word (DOCX, Office Open XML) and OpenDocument text (ODT): ZIP archives (libzip) of XML
// (libxml2) walked into blocks, then pages where the file marks page breaks, else sections.

#include <algorithm>
#include <functional>
#include <map>
#include <set>

#include "xml_tree.hpp"

namespace docent::ingest::detail {
namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool true_attribute(const xmlNode* node) {
  const std::string value = attribute(node, "val");
  return value.empty() || (value != "0" && value != "false" && value != "off");
}

// dc:title of a metadata part (docProps/core.xml, meta.xml), or "".
std::string metadata_title(ZipArchive& archive, const std::string& name) {
  if (!archive.contains(name)) return {};
  XmlDocument document = parse_xml(archive.read(name), name);
  std::string title;
  std::function<void(const xmlNode*)> find = [&](const xmlNode* node) {
    for (const xmlNode* child = node->children; child && title.empty(); child = child->next) {
      if (is_element(child, "title")) title = text_content(child);
      else if (child->type == XML_ELEMENT_NODE) find(child);
    }
  };
  if (const xmlNode* root = xmlDocGetRootElement(document.get())) find(root);
  return tidy_pdf_title(title);
}

ExtractedDocument finish(const std::filesystem::path& path, const std::vector<TextBlock>& blocks, std::string title) {
  ExtractedDocument result;
  result.path = path;
  auto pages = pages_from_blocks(blocks, /*paginated=*/true);
  result.unit = pages.unit;
  result.pages = std::move(pages.pages);
  result.title = title.empty() ? first_heading(blocks) : std::move(title);
  return result;
}

// ---- DOCX ----

class DocxWalker {
 public:
  explicit DocxWalker(std::map<std::string, int> heading_styles) : heading_styles_(std::move(heading_styles)) {}

  void body(const xmlNode* node) {
    for (const xmlNode* child = node->children; child; child = child->next) {
      const std::string_view name = local_name(child);
      if (name == "p") paragraph(child, false);
      else if (name == "tbl") table(child);
      else if (name == "sdt" || name == "sdtContent" || name == "customXml" || name == "ins") body(child);
      else if (name == "AlternateContent") alternate(child, [this](const xmlNode* n) { body(n); });
    }
  }

  std::vector<TextBlock> take() { return blocks_.take(); }

 private:
  int level_of(const xmlNode* properties) const {
    if (!properties) return 0;
    if (const xmlNode* style = child_element(properties, "pStyle")) {
      const std::string id = attribute(style, "val");
      auto found = heading_styles_.find(id);
      if (found != heading_styles_.end()) return found->second;
      // Without styles.xml, Word's own ids ("Heading1") still say it.
      const std::string lowered = lower(id);
      if (lowered.size() == 8 && lowered.rfind("heading", 0) == 0 && lowered[7] >= '1' && lowered[7] <= '9')
        return lowered[7] - '0';
    }
    if (const xmlNode* outline = child_element(properties, "outlineLvl")) {
      const std::string value = attribute(outline, "val");
      if (value.size() == 1 && value[0] >= '0' && value[0] <= '8') return value[0] - '0' + 1;
    }
    return 0;
  }

  // Text boxes of a drawing (mc:Choice only: mc:Fallback repeats the same text for old readers).
  void alternate(const xmlNode* node, const std::function<void(const xmlNode*)>& walk) {
    if (const xmlNode* choice = child_element(node, "Choice")) walk(choice);
  }

  void find_text_boxes(const xmlNode* node) {
    for (const xmlNode* child = node->children; child; child = child->next) {
      if (is_element(child, "txbxContent")) deferred_.push_back(child);
      else if (is_element(child, "Fallback")) continue;
      else if (child->type == XML_ELEMENT_NODE) find_text_boxes(child);
    }
  }

  void paragraph(const xmlNode* node, bool in_row) {
    const xmlNode* properties = child_element(node, "pPr");
    if (properties) {
      if (const xmlNode* before = child_element(properties, "pageBreakBefore"); before && true_attribute(before))
        blocks_.page_break(false);
    }
    runs(node);
    if (in_row) {
      blocks_.text(" ");
    } else {
      blocks_.end_block(level_of(properties));
    }
    if (properties) {
      if (const xmlNode* section = child_element(properties, "sectPr")) {
        const xmlNode* type = child_element(section, "type");
        if (!type || attribute(type, "val") != "continuous") blocks_.page_break(false);
      }
    }
    if (!deferred_.empty() && !in_row) {
      auto boxes = std::move(deferred_);
      deferred_.clear();
      for (const xmlNode* box : boxes) body(box);
    }
  }

  void runs(const xmlNode* node) {
    for (const xmlNode* child = node->children; child; child = child->next) {
      const std::string_view name = local_name(child);
      if (name == "t") {
        blocks_.text(text_content(child));
      } else if (name == "tab" || name == "ptab") {
        blocks_.text("\t");
      } else if (name == "br") {
        const std::string type = attribute(child, "type");
        if (type == "page") blocks_.page_break(false);
        else if (type != "column") blocks_.text("\n");
      } else if (name == "cr") {
        blocks_.text("\n");
      } else if (name == "lastRenderedPageBreak") {
        blocks_.page_break(true);
      } else if (name == "noBreakHyphen") {
        blocks_.text("-");
      } else if (name == "r" || name == "hyperlink" || name == "smartTag" || name == "ins" || name == "fldSimple" ||
                 name == "sdt" || name == "sdtContent" || name == "customXml" || name == "dir" || name == "bdo" ||
                 name == "moveTo") {
        runs(child);
      } else if (name == "drawing" || name == "pict" || name == "object") {
        find_text_boxes(child);
      } else if (name == "AlternateContent") {
        if (const xmlNode* choice = child_element(child, "Choice")) find_text_boxes(choice);
      }
      // del, moveFrom (deleted text), instrText (field codes), pPr, rPr: not the document's words.
    }
  }

  void table(const xmlNode* node) {
    for (const xmlNode* row = node->children; row; row = row->next) {
      if (!is_element(row, "tr")) continue;
      for (const xmlNode* cell = row->children; cell; cell = cell->next) {
        if (!is_element(cell, "tc")) continue;
        for (const xmlNode* inner = cell->children; inner; inner = inner->next) {
          if (is_element(inner, "p")) paragraph(inner, true);
          else if (is_element(inner, "tbl")) {
            blocks_.end_block();
            table(inner);
          }
        }
        blocks_.text("\t");
      }
      blocks_.end_block();
      if (!deferred_.empty()) {
        auto boxes = std::move(deferred_);
        deferred_.clear();
        for (const xmlNode* box : boxes) body(box);
      }
    }
  }

  std::map<std::string, int> heading_styles_;
  BlockCollector blocks_;
  std::vector<const xmlNode*> deferred_;
};

// Paragraph style ids that are headings, from their names ("heading 2", which Word keeps in
// English whatever the interface language) or their outline level.
std::map<std::string, int> docx_heading_styles(ZipArchive& archive) {
  std::map<std::string, int> levels;
  if (!archive.contains("word/styles.xml")) return levels;
  XmlDocument document = parse_xml(archive.read("word/styles.xml"), "word/styles.xml");
  const xmlNode* root = xmlDocGetRootElement(document.get());
  for (const xmlNode* style = root ? root->children : nullptr; style; style = style->next) {
    if (!is_element(style, "style") || attribute(style, "type") != "paragraph") continue;
    const std::string id = attribute(style, "styleId");
    const std::string name = lower(attribute(child_element(style, "name"), "val"));
    int level = 0;
    if (name == "title") level = 1;
    else if (name.size() == 9 && name.rfind("heading ", 0) == 0 && name[8] >= '1' && name[8] <= '9') level = name[8] - '0';
    else if (const xmlNode* outline = child_element(child_element(style, "pPr"), "outlineLvl")) {
      const std::string value = attribute(outline, "val");
      if (value.size() == 1 && value[0] >= '0' && value[0] <= '8') level = value[0] - '0' + 1;
    }
    if (level > 0) levels[id] = level;
  }
  return levels;
}

// ---- ODT ----

class OdtWalker {
 public:
  OdtWalker(std::set<std::string> break_before, std::set<std::string> break_after, std::set<std::string> title_styles)
      : break_before_(std::move(break_before)), break_after_(std::move(break_after)), title_styles_(std::move(title_styles)) {}

  void body(const xmlNode* node) {
    for (const xmlNode* child = node->children; child; child = child->next) {
      const std::string_view name = local_name(child);
      if (name == "p" || name == "h") paragraph(child, false);
      else if (name == "list" || name == "list-item" || name == "list-header" || name == "section" ||
               name == "text-box" || name == "frame")
        body(child);
      else if (name == "table") table(child);
      else if (name == "soft-page-break") blocks_.page_break(true);
      // tracked-changes (deleted text), table-of-content and other indexes (copies of
      // headings), forms, sequence declarations: not the document's words.
    }
  }

  std::vector<TextBlock> take() { return blocks_.take(); }

 private:
  void paragraph(const xmlNode* node, bool in_row) {
    const std::string style = attribute(node, "style-name");
    if (!in_row && break_before_.count(style)) blocks_.page_break(false);
    inline_content(node);
    int level = 0;
    if (style == "Title" || title_styles_.count(style)) level = 1;  // the document's title paragraph
    if (is_element(node, "h")) {
      const std::string value = attribute(node, "outline-level");
      level = value.empty() ? 1 : std::max(1, std::atoi(value.c_str()));
    }
    if (in_row) blocks_.text(" ");
    else blocks_.end_block(level);
    if (!in_row && break_after_.count(style)) blocks_.page_break(false);
    if (!in_row && !deferred_.empty()) {
      auto notes = std::move(deferred_);
      deferred_.clear();
      for (const xmlNode* note : notes) body(note);
    }
  }

  void inline_content(const xmlNode* node) {
    for (const xmlNode* child = node->children; child; child = child->next) {
      if (child->type == XML_TEXT_NODE && child->content) {
        blocks_.text(reinterpret_cast<const char*>(child->content));
        continue;
      }
      const std::string_view name = local_name(child);
      if (name == "s") {
        const std::string count = attribute(child, "c");
        blocks_.text(std::string(count.empty() ? 1 : std::clamp(std::atoi(count.c_str()), 1, 64), ' '));
      } else if (name == "tab") {
        blocks_.text("\t");
      } else if (name == "line-break") {
        blocks_.text("\n");
      } else if (name == "soft-page-break") {
        blocks_.page_break(true);
      } else if (name == "span" || name == "a" || name == "meta" || name == "ruby" || name == "ruby-base" ||
                 name == "date" || name == "time" || name == "page-number" || name == "chapter" ||
                 name == "sequence" || name == "bookmark-ref" || name == "reference-ref" || name == "title" ||
                 name == "subject" || name == "author-name") {
        inline_content(child);
      } else if (name == "note") {
        if (const xmlNode* note_body = child_element(child, "note-body")) deferred_.push_back(note_body);
      } else if (name == "frame") {
        if (const xmlNode* box = child_element(child, "text-box")) deferred_.push_back(box);
      }
      // annotation (comments), change marks, bookmarks: no words of the document.
    }
  }

  void rows(const xmlNode* node) {
    for (const xmlNode* row = node->children; row; row = row->next) {
      const std::string_view name = local_name(row);
      if (name == "table-header-rows" || name == "table-rows" || name == "table-row-group") {
        rows(row);
        continue;
      }
      if (name == "soft-page-break") {
        blocks_.page_break(true);
        continue;
      }
      if (name != "table-row") continue;
      for (const xmlNode* cell = row->children; cell; cell = cell->next) {
        if (!is_element(cell, "table-cell")) continue;
        for (const xmlNode* inner = cell->children; inner; inner = inner->next) {
          if (is_element(inner, "p") || is_element(inner, "h")) paragraph(inner, true);
          else if (is_element(inner, "list")) {
            blocks_.end_block();
            body(inner);
          }
        }
        blocks_.text("\t");
      }
      blocks_.end_block();
    }
  }

  void table(const xmlNode* node) {
    blocks_.end_block();
    rows(node);
  }

  std::set<std::string> break_before_, break_after_, title_styles_;
  BlockCollector blocks_;
  std::vector<const xmlNode*> deferred_;
};

}  // namespace

ExtractedDocument read_docx(const std::filesystem::path& path, std::size_t budget_bytes) {
  try {
    ZipArchive archive(path, budget_bytes);
    if (!archive.contains("word/document.xml")) return broken_document(path, "not a Word document (no word/document.xml)");
    DocxWalker walker(docx_heading_styles(archive));
    {
      XmlDocument document = parse_xml(archive.read("word/document.xml"), "word/document.xml");
      const xmlNode* root = xmlDocGetRootElement(document.get());
      if (const xmlNode* body = child_element(root, "body")) walker.body(body);
    }
    // Footnotes and endnotes come after the text (ids below 1 are Word's separator lines).
    for (const char* part : {"word/footnotes.xml", "word/endnotes.xml"}) {
      if (!archive.contains(part)) continue;
      XmlDocument notes = parse_xml(archive.read(part), part);
      const xmlNode* root = xmlDocGetRootElement(notes.get());
      for (const xmlNode* note = root ? root->children : nullptr; note; note = note->next)
        if (note->type == XML_ELEMENT_NODE && std::atoi(attribute(note, "id").c_str()) > 0) walker.body(note);
    }
    return finish(path, walker.take(), metadata_title(archive, "docProps/core.xml"));
  } catch (const FormatError& error) {
    return broken_document(path, error.what());
  }
}

ExtractedDocument read_odt(const std::filesystem::path& path, std::size_t budget_bytes) {
  try {
    ZipArchive archive(path, budget_bytes);
    if (!archive.contains("content.xml")) return broken_document(path, "not an OpenDocument file (no content.xml)");
    XmlDocument document = parse_xml(archive.read("content.xml"), "content.xml");
    const xmlNode* root = xmlDocGetRootElement(document.get());
    // Page breaks the author asked for live in the paragraph styles.
    std::set<std::string> before, after, titles;
    for (const xmlNode* style = child_element(child_element(root, "automatic-styles"), "style"); style; style = style->next) {
      if (!is_element(style, "style")) continue;
      const xmlNode* properties = child_element(style, "paragraph-properties");
      if (attribute(properties, "break-before") == "page") before.insert(attribute(style, "name"));
      if (attribute(properties, "break-after") == "page") after.insert(attribute(style, "name"));
      if (attribute(style, "parent-style-name") == "Title") titles.insert(attribute(style, "name"));
    }
    OdtWalker walker(std::move(before), std::move(after), std::move(titles));
    if (const xmlNode* text = child_element(child_element(root, "body"), "text")) walker.body(text);
    return finish(path, walker.take(), metadata_title(archive, "meta.xml"));
  } catch (const FormatError& error) {
    return broken_document(path, error.what());
  }
}

}  // namespace docent::ingest::detail
