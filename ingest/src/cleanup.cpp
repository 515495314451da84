// Text clean-up for extracted pages: UTF-8 hygiene, ligatures, whitespace, hyphenation and
// running headers/footers. Each step is a single linear pass; ingestion speed is bounded by
// poppler, and these passes must not change that.

#include <unicode/uchar.h>

#include <algorithm>
#include <cstring>
#include <unordered_map>
#include <unordered_set>

#include "ingest_internal.hpp"

namespace docent::ingest {
namespace detail {

std::string make_valid_utf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  std::size_t pos = 0;
  while (pos < bytes.size()) {
    // Fast path: copy ASCII runs unchanged.
    std::size_t run = pos;
    while (run < bytes.size() && static_cast<unsigned char>(bytes[run]) < 0x80) ++run;
    out.append(bytes.data() + pos, run - pos);
    pos = run;
    if (pos >= bytes.size()) break;
    const std::size_t before = pos;
    const char32_t cp = utf8::decode(bytes, pos);
    if (cp == 0xFFFD && pos == before + 1) {
      utf8::append(out, 0xFFFD);
    } else {
      out.append(bytes.data() + before, pos - before);
    }
  }
  return out;
}

namespace {

bool is_lowercase_letter(char32_t cp) {
  if (cp < 0x80) return cp >= 'a' && cp <= 'z';
  return u_islower(static_cast<UChar32>(cp));
}

// Decodes the code point that ends just before `end` (UTF-8 aware); sets `start` to its first byte.
char32_t code_point_before(std::string_view text, std::size_t end, std::size_t& start) {
  if (end == 0) {
    start = 0;
    return 0;
  }
  const std::size_t begin = utf8::boundary_before(text, end - 1);
  std::size_t pos = begin;
  const char32_t cp = utf8::decode(text, pos);
  if (pos != end) {  // not a complete character ending at `end`
    start = end - 1;
    return 0xFFFD;
  }
  start = begin;
  return cp;
}

bool is_horizontal_space(char c) { return c == ' ' || c == '\t'; }

// Length in bytes of a hyphen ending at `end`: '-', U+00AD soft hyphen or U+2010 hyphen; else 0.
std::size_t hyphen_length_before(std::string_view text, std::size_t end) {
  if (end >= 1 && text[end - 1] == '-') return 1;
  if (end >= 2 && text.substr(end - 2, 2) == "\xC2\xAD") return 2;
  if (end >= 3 && text.substr(end - 3, 3) == "\xE2\x80\x90") return 3;
  return 0;
}

std::string running_line_key(std::string_view line) {
  std::string key;
  key.reserve(line.size());
  bool in_digits = false;
  bool pending_space = false;
  for (char c : line) {
    if (c >= '0' && c <= '9') {
      if (!in_digits) {
        if (pending_space && !key.empty()) key.push_back(' ');
        pending_space = false;
        key.push_back('#');
      }
      in_digits = true;
      continue;
    }
    in_digits = false;
    if (detail::is_horizontal_space(c)) {
      pending_space = true;
      continue;
    }
    if (pending_space && !key.empty()) key.push_back(' ');
    pending_space = false;
    key.push_back((c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c);
  }
  return key;
}

struct LineSpan {
  std::size_t start;
  std::size_t end;  // excluding the newline
};

std::vector<LineSpan> split_lines(std::string_view text) {
  std::vector<LineSpan> lines;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t newline = text.find('\n', start);
    const std::size_t end = newline == std::string_view::npos ? text.size() : newline;
    lines.push_back({start, end});
    if (newline == std::string_view::npos) break;
    start = newline + 1;
  }
  return lines;
}

// Indices of the first two and last two non-empty lines (the zones where running headers and
// footers live), without duplicates.
std::vector<std::size_t> edge_line_indices(std::string_view text, const std::vector<LineSpan>& lines) {
  std::vector<std::size_t> non_empty;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].end > lines[i].start) non_empty.push_back(i);
  }
  std::vector<std::size_t> edges;
  for (std::size_t k = 0; k < non_empty.size() && k < 2; ++k) edges.push_back(non_empty[k]);
  for (std::size_t k = non_empty.size() >= 2 ? non_empty.size() - 2 : 0; k < non_empty.size(); ++k) {
    if (std::find(edges.begin(), edges.end(), non_empty[k]) == edges.end()) edges.push_back(non_empty[k]);
  }
  return edges;
}

}  // namespace

std::string normalise_whitespace(std::string_view text, bool collapse_spaces) {
  std::string out;
  out.reserve(text.size());
  std::size_t pending_newlines = 0;
  // Whitespace seen since the last content byte on this line: text[space_begin, space_end).
  constexpr std::size_t kNone = std::string_view::npos;
  std::size_t space_begin = kNone;
  std::size_t space_end = 0;
  bool line_has_content = false;
  const std::size_t size = text.size();
  for (std::size_t i = 0; i < size; ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < size && text[i + 1] == '\n') ++i;
      if (!out.empty()) ++pending_newlines;
      space_begin = kNone;
      line_has_content = false;
      continue;
    }
    const bool no_break_space = c == 0xC2 && i + 1 < size && static_cast<unsigned char>(text[i + 1]) == 0xA0;
    if (c == ' ' || c == '\t' || no_break_space) {
      if (space_begin == kNone) space_begin = i;
      if (no_break_space) ++i;
      space_end = i + 1;
      continue;
    }
    if (c < 0x20 || c == 0x7F) continue;  // form feeds, NULs and other controls carry no text
    if (pending_newlines > 0) {
      out.append(std::min<std::size_t>(pending_newlines, 2), '\n');
      pending_newlines = 0;
    }
    if (space_begin != kNone) {
      if (!collapse_spaces) {
        out.append(text.data() + space_begin, space_end - space_begin);
      } else if (line_has_content) {
        out.push_back(' ');
      }
      space_begin = kNone;
    }
    out.push_back(char(c));
    line_has_content = true;
  }
  return out;
}

bool has_text_content(std::string_view text) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    const unsigned char c = static_cast<unsigned char>(text[pos]);
    if (c < 0x80) {
      if ((c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')) return true;
      ++pos;
      continue;
    }
    const char32_t cp = utf8::decode(text, pos);
    if (cp != 0xFFFD && u_isalnum(static_cast<UChar32>(cp))) return true;
  }
  return false;
}

void repair_hyphenation_across_pages(std::vector<Page>& pages) {
  for (std::size_t i = 0; i + 1 < pages.size(); ++i) {
    std::string& first = pages[i].text;
    std::string& second = pages[i + 1].text;
    if (first.empty() || second.empty()) continue;
    const std::size_t hyphen_length = hyphen_length_before(first, first.size());
    if (hyphen_length == 0 || hyphen_length >= first.size()) continue;
    const std::size_t hyphen_start = first.size() - hyphen_length;
    std::size_t left_start = 0;
    if (!is_lowercase_letter(code_point_before(first, hyphen_start, left_start))) continue;
    std::size_t after_first_letter = 0;
    if (!is_lowercase_letter(utf8::decode(second, after_first_letter))) continue;

    std::size_t word_end = 0;
    while (word_end < second.size() && second[word_end] != ' ' && second[word_end] != '\n' && second[word_end] != '\t') ++word_end;
    std::size_t word_start_on_first = hyphen_start;
    while (word_start_on_first > 0 && first[word_start_on_first - 1] != ' ' && first[word_start_on_first - 1] != '\n') --word_start_on_first;
    const bool compound =
        std::string_view(first).substr(word_start_on_first, hyphen_start - word_start_on_first).find('-') != std::string_view::npos;

    first.resize(hyphen_start);
    if (compound) first.push_back('-');
    first.append(second, 0, word_end);
    std::size_t rest = word_end;
    // Drop the space or line break that followed the moved fragment.
    if (rest < second.size() && second[rest] == ' ') ++rest;
    if (rest < second.size() && second[rest] == '\n') ++rest;
    second.erase(0, rest);
  }
}

std::string clean_pdf_page_text(std::string_view raw) {
  return normalise_whitespace(expand_ligatures(raw), /*collapse_spaces=*/true);
}

}  // namespace detail

std::string expand_ligatures(std::string_view text) {
  // U+FB00..U+FB06 are encoded as EF AC 80..86.
  static constexpr std::string_view kExpansions[] = {"ff", "fi", "fl", "ffi", "ffl", "st", "st"};
  std::string out;
  out.reserve(text.size() + 16);
  std::size_t copied = 0;
  std::size_t pos = 0;
  while (true) {
    const void* found = std::memchr(text.data() + pos, 0xEF, text.size() - pos);
    if (!found) break;
    pos = static_cast<const char*>(found) - text.data();
    if (pos + 2 < text.size() && static_cast<unsigned char>(text[pos + 1]) == 0xAC) {
      const unsigned char last = static_cast<unsigned char>(text[pos + 2]);
      if (last >= 0x80 && last <= 0x86) {
        out.append(text.data() + copied, pos - copied);
        out += kExpansions[last - 0x80];
        pos += 3;
        copied = pos;
        continue;
      }
    }
    ++pos;
  }
  out.append(text.data() + copied, text.size() - copied);
  return out;
}

std::string repair_hyphenation(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t copied = 0;
  std::size_t search = 0;
  while (true) {
    const std::size_t newline = text.find('\n', search);
    if (newline == std::string_view::npos) break;
    search = newline + 1;

    std::size_t hyphen_end = newline;
    while (hyphen_end > copied && detail::is_horizontal_space(text[hyphen_end - 1])) --hyphen_end;
    const std::size_t hyphen_length = detail::hyphen_length_before(text, hyphen_end);
    if (hyphen_length == 0) continue;
    const std::size_t hyphen_start = hyphen_end - hyphen_length;
    if (hyphen_start <= copied) continue;
    std::size_t left_start = 0;
    const char32_t left = detail::code_point_before(text, hyphen_start, left_start);
    if (!detail::is_lowercase_letter(left)) continue;

    std::size_t right_start = newline + 1;
    while (right_start < text.size() && detail::is_horizontal_space(text[right_start])) ++right_start;
    if (right_start >= text.size()) continue;
    std::size_t after_right = right_start;
    const char32_t right = utf8::decode(text, after_right);
    if (!detail::is_lowercase_letter(right)) continue;

    // A word that already holds a hyphen ("state-of-the-") is a compound broken at one of its
    // own hyphens, so that hyphen stays.
    std::size_t word_start = hyphen_start;
    while (word_start > copied && !detail::is_horizontal_space(text[word_start - 1]) && text[word_start - 1] != '\n') --word_start;
    const bool compound = text.substr(word_start, hyphen_start - word_start).find('-') != std::string_view::npos;

    out.append(text.data() + copied, hyphen_start - copied);
    if (compound) out.push_back('-');
    copied = right_start;
  }
  out.append(text.data() + copied, text.size() - copied);
  return out;
}

void remove_running_headers_and_footers(std::vector<Page>& pages) {
  if (pages.size() < 3) return;
  std::unordered_map<std::string, int> pages_per_key;
  std::size_t pages_with_text = 0;
  for (const Page& page : pages) {
    if (page.text.empty()) continue;
    ++pages_with_text;
    const auto lines = detail::split_lines(page.text);
    std::unordered_set<std::string> keys_on_page;
    for (std::size_t index : detail::edge_line_indices(page.text, lines)) {
      const auto& line = lines[index];
      std::string key = detail::running_line_key(std::string_view(page.text).substr(line.start, line.end - line.start));
      if (!key.empty()) keys_on_page.insert(std::move(key));
    }
    for (const auto& key : keys_on_page) ++pages_per_key[key];
  }
  // "Most pages" is taken as at least 30%: books alternate headers between even and odd pages
  // (title left, chapter right), and chapter openings and front matter carry none, so each
  // variant sits on well under half the pages (36% in Free Culture). At least three pages, so a
  // coincidence is not a pattern.
  std::unordered_map<std::string, std::size_t> candidates;  // key -> times seen away from the edges
  std::size_t longest_candidate = 0;
  for (const auto& [key, count] : pages_per_key) {
    if (count >= 3 && std::size_t(count) * 10 >= pages_with_text * 3) {
      candidates.emplace(key, 0);
      longest_candidate = std::max(longest_candidate, key.size());
    }
  }
  if (candidates.empty()) return;
  // A header lives only at the edges. Table rows ("Closure Permanent", dates) also recur at the
  // top and bottom of pages, but far more often in between, so a key seen in the middle of pages
  // as often as at their edges is content.
  for (const Page& page : pages) {
    const auto lines = detail::split_lines(page.text);
    const auto edges = detail::edge_line_indices(page.text, lines);
    for (std::size_t i = 0; i < lines.size(); ++i) {
      const std::size_t length = lines[i].end - lines[i].start;
      // Keys are never much longer than their line; skip lines that cannot match any candidate.
      if (length == 0 || length > 2 * longest_candidate + 16) continue;
      if (std::find(edges.begin(), edges.end(), i) != edges.end()) continue;
      const auto found = candidates.find(detail::running_line_key(std::string_view(page.text).substr(lines[i].start, length)));
      if (found != candidates.end()) ++found->second;
    }
  }
  const auto is_running = [&](const std::string& key) {
    const auto found = candidates.find(key);
    return found != candidates.end() && found->second * 2 <= std::size_t(pages_per_key[key]);
  };
  for (Page& page : pages) {
    if (page.text.empty()) continue;
    const auto lines = detail::split_lines(page.text);
    std::vector<bool> drop(lines.size(), false);
    bool any = false;
    for (std::size_t index : detail::edge_line_indices(page.text, lines)) {
      const auto& line = lines[index];
      if (is_running(detail::running_line_key(std::string_view(page.text).substr(line.start, line.end - line.start)))) {
        drop[index] = true;
        any = true;
      }
    }
    if (!any) continue;
    std::string kept;
    kept.reserve(page.text.size());
    for (std::size_t i = 0; i < lines.size(); ++i) {
      if (drop[i]) continue;
      kept.append(page.text, lines[i].start, lines[i].end - lines[i].start);
      kept.push_back('\n');
    }
    page.text = detail::normalise_whitespace(kept, /*collapse_spaces=*/false);
  }
}

}  // namespace docent::ingest
