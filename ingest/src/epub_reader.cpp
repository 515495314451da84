// EPUB: the package (OPF) found through META-INF/container.xml names the reading order (spine);
// each of its XHTML documents that holds text is one chapter.

#include <map>

#include "xml_tree.hpp"

namespace docent::ingest::detail {
namespace {

struct ManifestItem {
  std::string href;
  std::string media_type;
  std::string properties;
};

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// An href of the package, relative to the package's folder, as the archive names the entry:
// fragment dropped, %XX decoded, "../" resolved.
std::string entry_name(const std::string& base_folder, std::string href) {
  href = href.substr(0, href.find('#'));
  std::string decoded;
  for (std::size_t i = 0; i < href.size(); ++i) {
    if (href[i] == '%' && i + 2 < href.size() && hex_digit(href[i + 1]) >= 0 && hex_digit(href[i + 2]) >= 0) {
      decoded.push_back(static_cast<char>(hex_digit(href[i + 1]) * 16 + hex_digit(href[i + 2])));
      i += 2;
    } else {
      decoded.push_back(href[i]);
    }
  }
  std::filesystem::path joined = std::filesystem::path(base_folder) / decoded;
  return joined.lexically_normal().generic_string();
}

XmlDocument parse_chapter(std::string_view bytes, const std::string& name) {
  try {
    return parse_xml(bytes, name);
  } catch (const FormatError&) {
    return parse_html(bytes, "");  // many books' XHTML is not well-formed; read it as browsers do
  }
}

}  // namespace

ExtractedDocument read_epub(const std::filesystem::path& path, std::size_t budget_bytes) {
  try {
    ZipArchive archive(path, budget_bytes);
    if (!archive.contains("META-INF/container.xml")) return broken_document(path, "not an EPUB (no META-INF/container.xml)");
    std::string package_name;
    {
      XmlDocument container = parse_xml(archive.read("META-INF/container.xml"), "META-INF/container.xml");
      const xmlNode* rootfiles = child_element(xmlDocGetRootElement(container.get()), "rootfiles");
      for (const xmlNode* file = rootfiles ? rootfiles->children : nullptr; file; file = file->next)
        if (is_element(file, "rootfile") && package_name.empty()) package_name = entry_name("", attribute(file, "full-path"));
    }
    if (package_name.empty()) return broken_document(path, "META-INF/container.xml names no package document");
    XmlDocument package = parse_xml(archive.read(package_name), package_name);
    const xmlNode* root = xmlDocGetRootElement(package.get());
    const std::string folder = std::filesystem::path(package_name).parent_path().generic_string();

    ExtractedDocument result;
    result.path = path;
    result.unit = PageUnit::chapter;
    if (const xmlNode* title = child_element(child_element(root, "metadata"), "title"))
      result.title = tidy_pdf_title(text_content(title));

    std::map<std::string, ManifestItem> manifest;
    for (const xmlNode* item = child_element(root, "manifest"); item; item = nullptr)
      for (const xmlNode* entry = item->children; entry; entry = entry->next)
        if (is_element(entry, "item"))
          manifest[attribute(entry, "id")] = {attribute(entry, "href"), attribute(entry, "media-type"),
                                              attribute(entry, "properties")};
    const xmlNode* spine = child_element(root, "spine");
    if (!spine) return broken_document(path, package_name + " has no spine (reading order)");
    std::string first_title;
    for (const xmlNode* itemref = spine->children; itemref; itemref = itemref->next) {
      if (!is_element(itemref, "itemref") || attribute(itemref, "linear") == "no") continue;
      auto item = manifest.find(attribute(itemref, "idref"));
      if (item == manifest.end()) continue;
      const ManifestItem& entry = item->second;
      // The navigation document only repeats the chapters' headings.
      if (entry.properties.find("nav") != std::string::npos) continue;
      if (entry.media_type != "application/xhtml+xml" && entry.media_type != "text/html") continue;
      const std::string name = entry_name(folder, entry.href);
      if (!archive.contains(name)) continue;
      XmlDocument chapter = parse_chapter(archive.read(name), name);
      auto blocks = html_blocks(chapter.get(), nullptr);
      std::string text = join_blocks(blocks, 0, blocks.size());
      if (!has_text_content(text)) continue;  // a cover image or a blank page is not a chapter
      if (first_title.empty()) first_title = first_heading(blocks);
      Page page;
      page.number = static_cast<int>(result.pages.size()) + 1;
      page.text = std::move(text);
      result.pages.push_back(std::move(page));
    }
    if (result.title.empty()) result.title = first_title;
    if (result.pages.empty()) return broken_document(path, "file has no text");
    return result;
  } catch (const FormatError& error) {
    return broken_document(path, error.what());
  }
}

}  // namespace docent::ingest::detail
