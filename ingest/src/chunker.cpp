// Packs sentences into chunks of about target_tokens, never more than max_tokens, with
// overlap_tokens of the previous chunk's tail repeated at the start of the next.
//
// Invariant (tested): for every chunk,
//   chunk.text == join_pages(pages).substr(start_offset, end_offset - start_offset)
//                 with each '\f' replaced by '\n'
// so text and offsets have the same length and a chunk crossing a page boundary reads as two
// paragraphs. first_page/last_page are the pages holding the chunk's first and last byte.

#include <algorithm>
#include <stdexcept>

#include "ingest_internal.hpp"

namespace docent::ingest {
namespace detail {

std::string join_pages(const std::vector<Page>& pages) {
  std::size_t total = 0;
  for (const Page& page : pages) total += page.text.size() + kPageSeparator.size();
  std::string joined;
  joined.reserve(total);
  for (std::size_t i = 0; i < pages.size(); ++i) {
    if (i > 0) joined += kPageSeparator;
    joined += pages[i].text;
  }
  return joined;
}

}  // namespace detail

std::vector<std::size_t> page_start_offsets(const std::vector<Page>& pages) {
  std::vector<std::size_t> starts;
  starts.reserve(pages.size());
  std::size_t offset = 0;
  for (std::size_t i = 0; i < pages.size(); ++i) {
    if (i > 0) offset += kPageSeparator.size();
    starts.push_back(offset);
    offset += pages[i].text.size();
  }
  return starts;
}

namespace {

// A run of text the packer places whole: a sentence, or a piece of an overlong one.
struct Unit {
  std::size_t start = 0;  // offsets into the joined text
  std::size_t end = 0;
  std::size_t tokens = 0;
};

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

class Packer {
 public:
  Packer(std::string_view joined, std::vector<std::size_t> page_starts, const std::vector<Page>& pages,
         const ChunkOptions& options, const TokenCounter& count)
      : joined_(joined), page_starts_(std::move(page_starts)), pages_(pages), count_(count) {
    if (options.max_tokens == 0) throw std::invalid_argument("chunking: max_tokens must be at least 1");
    max_ = options.max_tokens;
    target_ = options.target_tokens == 0 ? max_ : std::min(options.target_tokens, max_);
    // An overlap as large as the target would leave no room for new text.
    overlap_ = std::min(options.overlap_tokens, target_ / 2);
  }

  std::vector<Chunk> run() {
    for (std::size_t p = 0; p < pages_.size(); ++p) {
      const std::string_view page_text = pages_[p].text;
      for (const auto& paragraph : detail::split_paragraphs(page_text)) {
        const std::string_view paragraph_text = page_text.substr(paragraph.start, paragraph.end - paragraph.start);
        paragraph_starts_ = true;
        for (const auto& sentence : detail::split_sentences(paragraph_text)) {
          const std::size_t start = page_starts_[p] + paragraph.start + sentence.start;
          add_sentence(start, start + (sentence.end - sentence.start));
        }
      }
    }
    if (fresh_units_ > 0) emit_current();
    return std::move(chunks_);
  }

 private:
  std::size_t tokens_of(std::size_t start, std::size_t end) const { return count_(joined_.substr(start, end - start)); }

  void add_sentence(std::size_t start, std::size_t end) {
    const std::size_t tokens = tokens_of(start, end);
    if (tokens <= max_) {
      add_unit({start, end, tokens});
      return;
    }
    // Too long for any chunk: cut on word boundaries into pieces of about target_tokens.
    std::size_t piece_start = start;
    std::size_t piece_tokens = 0;
    std::size_t pos = start;
    while (pos < end) {
      std::size_t word_end = pos;
      while (word_end < end && !is_space(joined_[word_end])) ++word_end;
      std::size_t gap_end = word_end;
      while (gap_end < end && is_space(joined_[gap_end])) ++gap_end;
      const std::size_t word_tokens = tokens_of(pos, word_end);
      if (piece_tokens > 0 && piece_tokens + word_tokens > target_) {
        add_unit({piece_start, trim_end(piece_start, pos), piece_tokens});
        piece_start = pos;
        piece_tokens = 0;
      }
      if (word_tokens > target_) {
        // One "word" longer than a chunk (a URL, a table row without spaces): cut it by bytes.
        add_word_pieces(pos, word_end);
        piece_start = gap_end;
        piece_tokens = 0;
      } else {
        piece_tokens += word_tokens;
      }
      pos = gap_end;
    }
    if (piece_tokens > 0) add_unit({piece_start, trim_end(piece_start, end), piece_tokens});
  }

  void add_word_pieces(std::size_t start, std::size_t end) {
    while (start < end) {
      std::size_t length = end - start;
      std::size_t tokens = tokens_of(start, start + length);
      while (tokens > target_ && length > 1) {
        const std::size_t shorter = utf8::boundary_before(joined_, start + length / 2) - start;
        length = shorter > 0 ? shorter : 1;
        tokens = tokens_of(start, start + length);
      }
      add_unit({start, start + length, tokens});
      start += length;
    }
  }

  std::size_t trim_end(std::size_t start, std::size_t end) const {
    while (end > start && is_space(joined_[end - 1])) --end;
    return end;
  }

  void add_unit(const Unit& unit) {
    // A chunk that is already three quarters full ends where a paragraph ends rather than in
    // the middle of the next one: chunks that keep to one topic retrieve better.
    const bool at_paragraph = paragraph_starts_;
    paragraph_starts_ = false;
    if (at_paragraph && fresh_units_ > 0 && current_tokens_ * 4 >= target_ * 3) {
      emit_current();
      start_with_overlap();
    }
    while (true) {
      if (current_.empty() || current_tokens_ + unit.tokens <= target_) break;
      if (fresh_units_ > 0) {
        emit_current();
        start_with_overlap();
        continue;
      }
      // Only carried-over text so far: give up as much of it as the new unit needs.
      if (current_tokens_ + unit.tokens <= max_) break;
      current_tokens_ -= current_.front().tokens;
      current_.erase(current_.begin());
    }
    current_.push_back(unit);
    current_tokens_ += unit.tokens;
    ++fresh_units_;
  }

  // The previous chunk's tail: trailing whole sentences within overlap_tokens, or, when its last
  // sentence alone is longer, that sentence's trailing words.
  void start_with_overlap() {
    std::vector<Unit> tail;
    std::size_t tail_tokens = 0;
    if (overlap_ > 0) {
      for (std::size_t i = current_.size(); i-- > 1;) {
        if (tail_tokens + current_[i].tokens > overlap_) break;
        tail_tokens += current_[i].tokens;
        tail.insert(tail.begin(), current_[i]);
      }
      if (tail.empty()) {
        const Unit& last = current_.back();
        std::size_t cut = last.end;
        std::size_t words_tokens = 0;
        std::size_t pos = last.end;
        while (pos > last.start) {
          std::size_t word_start = pos;
          while (word_start > last.start && !is_space(joined_[word_start - 1])) --word_start;
          const std::size_t word_tokens = tokens_of(word_start, pos);
          if (words_tokens + word_tokens > overlap_) break;
          words_tokens += word_tokens;
          cut = word_start;
          pos = word_start;
          while (pos > last.start && is_space(joined_[pos - 1])) --pos;
        }
        if (cut < last.end && cut > last.start) tail.push_back({cut, last.end, words_tokens});
      }
    }
    current_ = std::move(tail);
    current_tokens_ = 0;
    for (const Unit& unit : current_) current_tokens_ += unit.tokens;
    fresh_units_ = 0;
  }

  void emit_current() {
    std::size_t carried = current_.size() - fresh_units_;
    std::vector<Unit> units = current_;
    // Token counts of real tokenizers are not exactly additive; check the whole text and,
    // if it is over the limit, drop the carried overlap first, then split.
    while (true) {
      const std::size_t start = units.front().start;
      const std::size_t end = units.back().end;
      const std::size_t tokens = tokens_of(start, end);
      if (tokens <= max_) {
        push_chunk(start, end, tokens);
        return;
      }
      if (carried == 0) break;
      units.erase(units.begin());
      --carried;
    }
    emit_split(units.front().start, units.back().end);
  }

  // Last resort for a range over max_tokens: halve it (at whitespace when possible) until each
  // part fits.
  void emit_split(std::size_t start, std::size_t end) {
    const std::size_t tokens = tokens_of(start, end);
    if (tokens <= max_ || end - start <= 1) {
      push_chunk(start, end, tokens);
      return;
    }
    std::size_t middle = start + (end - start) / 2;
    std::size_t space = middle;
    while (space > start && !is_space(joined_[space])) --space;
    if (space > start) middle = space;
    middle = utf8::boundary_before(joined_, middle);
    if (middle <= start) middle = start + 1;
    std::size_t left_end = middle;
    while (left_end > start && is_space(joined_[left_end - 1])) --left_end;
    std::size_t right_start = middle;
    while (right_start < end && is_space(joined_[right_start])) ++right_start;
    if (left_end > start) emit_split(start, left_end);
    if (right_start < end) emit_split(right_start, end);
  }

  int page_at(std::size_t offset) const {
    const auto found = std::upper_bound(page_starts_.begin(), page_starts_.end(), offset);
    const std::size_t index = found == page_starts_.begin() ? 0 : std::size_t(found - page_starts_.begin()) - 1;
    return pages_[index].number;
  }

  void push_chunk(std::size_t start, std::size_t end, std::size_t tokens) {
    Chunk chunk;
    chunk.ordinal = static_cast<int>(chunks_.size());
    chunk.text.assign(joined_.substr(start, end - start));
    std::replace(chunk.text.begin(), chunk.text.end(), '\f', '\n');
    chunk.first_page = page_at(start);
    chunk.last_page = page_at(end > start ? end - 1 : start);
    chunk.start_offset = start;
    chunk.end_offset = end;
    chunk.token_count = tokens;
    chunks_.push_back(std::move(chunk));
  }

  std::string_view joined_;
  std::vector<std::size_t> page_starts_;
  const std::vector<Page>& pages_;
  const TokenCounter& count_;
  std::size_t max_ = 0;
  std::size_t target_ = 0;
  std::size_t overlap_ = 0;

  std::vector<Unit> current_;
  std::size_t current_tokens_ = 0;
  std::size_t fresh_units_ = 0;  // units in current_ that are new, not carried over
  bool paragraph_starts_ = false;  // the next unit is the first of a paragraph
  std::vector<Chunk> chunks_;
};

}  // namespace

std::vector<Chunk> chunk_pages(const std::vector<Page>& pages, const ChunkOptions& options,
                               const TokenCounter& count) {
  const std::string joined = detail::join_pages(pages);
  const TokenCounter& counter = count ? count : TokenCounter(approximate_token_count);
  Packer packer(joined, page_start_offsets(pages), pages, options, counter);
  return packer.run();
}

}  // namespace docent::ingest
