#include "word_breaks.hpp"

#include <unicode/brkiter.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/uscript.h>
#include <unicode/utext.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <memory>
#include <stdexcept>

namespace docent::index::detail {
namespace {

// Scripts ICU segments with a dictionary (cjdict, thaidict, laodict, khmerdict, burmesedict).
// Korean is not here: Hangul words are separated by spaces, unicode61 already splits them.
constexpr UScriptCode kSpaceless[] = {USCRIPT_HAN,  USCRIPT_HIRAGANA, USCRIPT_KATAKANA, USCRIPT_THAI,
                                      USCRIPT_LAO,  USCRIPT_KHMER,    USCRIPT_MYANMAR};

// Every spaceless script lies at or above U+0E00, whose UTF-8 lead byte is 0xE0.
constexpr unsigned char kFirstSpacelessLeadByte = 0xE0;

UScriptCode script_of(UChar32 c) {
  UErrorCode status = U_ZERO_ERROR;
  const UScriptCode script = uscript_getScript(c, &status);
  return U_SUCCESS(status) ? script : USCRIPT_UNKNOWN;
}

bool is_spaceless(UChar32 c) {
  if (c < 0x0E00) return false;
  const UScriptCode script = script_of(c);
  return std::find(std::begin(kSpaceless), std::end(kSpaceless), script) != std::end(kSpaceless);
}

std::int32_t clamp_length(std::size_t size) {
  return static_cast<std::int32_t>(std::min<std::size_t>(size, INT32_MAX));
}

// One word break iterator per thread: creating one parses ICU's rules (costly), and an iterator
// holds the text it walks, so threads cannot share one.
icu::BreakIterator& word_iterator() {
  thread_local std::unique_ptr<icu::BreakIterator> iterator = [] {
    UErrorCode status = U_ZERO_ERROR;
    std::unique_ptr<icu::BreakIterator> created(
        icu::BreakIterator::createWordInstance(icu::Locale::getRoot(), status));
    if (U_FAILURE(status) || !created)
      throw std::runtime_error(std::string("ICU word break iterator unavailable: ") + u_errorName(status));
    return created;
  }();
  return *iterator;
}

}  // namespace

bool is_word_code_point(int code_point) {
  const auto c = static_cast<UChar32>(code_point);
  if (u_isalnum(c)) return true;
  const auto category = static_cast<UCharCategory>(u_charType(c));
  return category == U_NON_SPACING_MARK || category == U_COMBINING_SPACING_MARK ||
         category == U_ENCLOSING_MARK;
}

bool may_hold_spaceless_script(std::string_view text) {
  return std::any_of(text.begin(), text.end(),
                     [](char c) { return static_cast<unsigned char>(c) >= kFirstSpacelessLeadByte; });
}

bool holds_spaceless_script(std::string_view piece) {
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(piece.data());
  const std::int32_t length = clamp_length(piece.size());
  std::int32_t offset = 0;
  while (offset < length) {
    UChar32 c = 0;
    U8_NEXT(bytes, offset, length, c);
    if (c >= 0 && is_spaceless(c)) return true;
  }
  return false;
}

std::vector<Stretch> stretches(std::string_view text) {
  std::vector<Stretch> result;
  if (!may_hold_spaceless_script(text)) {
    if (!text.empty()) result.push_back({{0, text.size()}, false});
    return result;
  }
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(text.data());
  const std::int32_t length = clamp_length(text.size());
  std::size_t plain_begin = 0;
  std::size_t run_begin = 0;
  bool in_run = false;
  bool run_spaceless = false;
  auto close_run = [&](std::size_t run_end) {
    if (in_run && run_spaceless) {
      if (run_begin > plain_begin) result.push_back({{plain_begin, run_begin}, false});
      result.push_back({{run_begin, run_end}, true});
      plain_begin = run_end;
    }
    in_run = false;
    run_spaceless = false;
  };
  std::int32_t offset = 0;
  while (offset < length) {
    const auto start = static_cast<std::size_t>(offset);
    UChar32 c = 0;
    U8_NEXT(bytes, offset, length, c);
    if (c < 0 || !is_word_code_point(c)) {
      close_run(start);
      continue;
    }
    if (!in_run) {
      in_run = true;
      run_begin = start;
    }
    run_spaceless = run_spaceless || is_spaceless(c);
  }
  close_run(static_cast<std::size_t>(length));
  if (static_cast<std::size_t>(length) > plain_begin)
    result.push_back({{plain_begin, static_cast<std::size_t>(length)}, false});
  return result;
}

std::vector<ByteRange> dictionary_words(std::string_view run) {
  std::vector<ByteRange> words;
  UErrorCode status = U_ZERO_ERROR;
  UText* text = utext_openUTF8(nullptr, run.data(), clamp_length(run.size()), &status);
  if (U_FAILURE(status)) return {{0, run.size()}};
  icu::BreakIterator& iterator = word_iterator();
  iterator.setText(text, status);
  if (U_SUCCESS(status)) {
    // On UTF-8 text ICU's indexes are byte offsets.
    std::int32_t begin = iterator.first();
    for (std::int32_t end = iterator.next(); end != icu::BreakIterator::DONE; begin = end, end = iterator.next())
      words.push_back({static_cast<std::size_t>(begin), static_cast<std::size_t>(end)});
  }
  // The iterator keeps a shallow clone pointing into `run`; it is never used again before the
  // next call gives it new text.
  utext_close(text);
  if (words.empty() && !run.empty()) words.push_back({0, run.size()});
  return words;
}

std::vector<ByteRange> script_pieces(std::string_view word) {
  std::vector<ByteRange> pieces;
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(word.data());
  const std::int32_t length = clamp_length(word.size());
  std::size_t piece_begin = 0;
  UScriptCode current = USCRIPT_COMMON;  // none decided yet
  std::int32_t offset = 0;
  while (offset < length) {
    const auto start = static_cast<std::size_t>(offset);
    UChar32 c = 0;
    U8_NEXT(bytes, offset, length, c);
    const UScriptCode script = c < 0 ? USCRIPT_UNKNOWN : script_of(c);
    if (script == USCRIPT_COMMON || script == USCRIPT_INHERITED) continue;
    if (current != USCRIPT_COMMON && script != current) {
      pieces.push_back({piece_begin, start});
      piece_begin = start;
    }
    current = script;
  }
  if (word.size() > piece_begin) pieces.push_back({piece_begin, word.size()});
  return pieces;
}

std::string fold_spaceless(std::string_view piece) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* fold = icu::Normalizer2::getNFKCCasefoldInstance(status);
  if (U_FAILURE(status) || fold == nullptr) return std::string(piece);
  const icu::UnicodeString source = icu::UnicodeString::fromUTF8(icu::StringPiece(piece.data(), clamp_length(piece.size())));
  const icu::UnicodeString folded = fold->normalize(source, status);
  if (U_FAILURE(status)) return std::string(piece);
  std::string result;
  folded.toUTF8String(result);
  return result;
}

}  // namespace docent::index::detail
