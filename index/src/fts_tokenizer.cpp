#include "fts_tokenizer.hpp"

#include <climits>
#include <memory>
#include <new>
#include <string>
#include <string_view>

#include "word_breaks.hpp"

namespace docent::index::detail {
namespace {

using TokenCallback = int (*)(void*, int, const char*, int, int, int);

// The tokenizer this one hands plain text to, e.g. porter over unicode61.
struct WordTokenizer {
  fts5_tokenizer inner_api{};
  Fts5Tokenizer* inner = nullptr;

  ~WordTokenizer() {
    if (inner != nullptr) inner_api.xDelete(inner);
  }
};

// Shifts the inner tokenizer's offsets (relative to the piece it was given) onto the whole text.
struct ShiftedCallback {
  void* context;
  TokenCallback token;
  int base;
};

int shifted_token(void* shifted, int flags, const char* token, int size, int begin, int end) {
  auto* state = static_cast<ShiftedCallback*>(shifted);
  return state->token(state->context, flags, token, size, state->base + begin, state->base + end);
}

int tokenize_plain(WordTokenizer& tokenizer, void* context, int flags, std::string_view text,
                   std::size_t base, TokenCallback token) {
  if (text.empty()) return SQLITE_OK;
  ShiftedCallback shifted{context, token, static_cast<int>(base)};
  return tokenizer.inner_api.xTokenize(tokenizer.inner, &shifted, flags, text.data(),
                                       static_cast<int>(text.size()), shifted_token);
}

int tokenize_spaceless(WordTokenizer& tokenizer, void* context, int flags, std::string_view text,
                       const ByteRange& run, TokenCallback token) {
  const std::string_view run_text = run.of(text);
  for (const ByteRange& word : dictionary_words(run_text)) {
    const std::string_view word_text = word.of(run_text);
    for (const ByteRange& piece : script_pieces(word_text)) {
      const std::string_view piece_text = piece.of(word_text);
      const std::size_t begin = run.begin + word.begin + piece.begin;
      int code = SQLITE_OK;
      if (!holds_spaceless_script(piece_text)) {
        // Digits or Latin inside a Chinese sentence: stemmed and folded like any other.
        code = tokenize_plain(tokenizer, context, flags, piece_text, begin, token);
      } else {
        const std::string folded = fold_spaceless(piece_text);
        if (folded.empty() || folded.size() > INT_MAX) continue;
        code = token(context, 0, folded.data(), static_cast<int>(folded.size()), static_cast<int>(begin),
                     static_cast<int>(begin + piece_text.size()));
      }
      if (code != SQLITE_OK) return code;
    }
  }
  return SQLITE_OK;
}

int create(void* api_pointer, const char** arguments, int argument_count, Fts5Tokenizer** out) {
  auto* api = static_cast<fts5_api*>(api_pointer);
  const char* inner_name = argument_count > 0 ? arguments[0] : "unicode61";
  auto tokenizer = std::unique_ptr<WordTokenizer>(new (std::nothrow) WordTokenizer);
  if (!tokenizer) return SQLITE_NOMEM;
  void* inner_data = nullptr;
  int code = api->xFindTokenizer(api, inner_name, &inner_data, &tokenizer->inner_api);
  if (code != SQLITE_OK) return code;
  code = tokenizer->inner_api.xCreate(inner_data, argument_count > 0 ? arguments + 1 : nullptr,
                                      argument_count > 0 ? argument_count - 1 : 0, &tokenizer->inner);
  if (code != SQLITE_OK) {
    tokenizer->inner = nullptr;
    return code;
  }
  *out = reinterpret_cast<Fts5Tokenizer*>(tokenizer.release());
  return SQLITE_OK;
}

void destroy(Fts5Tokenizer* tokenizer) { delete reinterpret_cast<WordTokenizer*>(tokenizer); }

int tokenize(Fts5Tokenizer* handle, void* context, int flags, const char* data, int size, TokenCallback token) {
  auto& tokenizer = *reinterpret_cast<WordTokenizer*>(handle);
  if (data == nullptr || size <= 0) return SQLITE_OK;
  const std::string_view text(data, static_cast<std::size_t>(size));
  if (!may_hold_spaceless_script(text)) return tokenize_plain(tokenizer, context, flags, text, 0, token);
  try {
    for (const Stretch& stretch : stretches(text)) {
      const int code = stretch.spaceless
                           ? tokenize_spaceless(tokenizer, context, flags, text, stretch.range, token)
                           : tokenize_plain(tokenizer, context, flags, stretch.range.of(text), stretch.range.begin, token);
      if (code != SQLITE_OK) return code;
    }
  } catch (const std::bad_alloc&) {
    return SQLITE_NOMEM;
  } catch (...) {
    // No exception may cross back into SQLite's C code.
    return SQLITE_ERROR;
  }
  return SQLITE_OK;
}

fts5_api* fts5_api_of(sqlite3* db) {
  fts5_api* api = nullptr;
  sqlite3_stmt* statement = nullptr;
  if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &statement, nullptr) != SQLITE_OK) return nullptr;
  sqlite3_bind_pointer(statement, 1, static_cast<void*>(&api), "fts5_api_ptr", nullptr);
  sqlite3_step(statement);
  sqlite3_finalize(statement);
  return api;
}

}  // namespace

int register_word_tokenizer(sqlite3* db) {
  fts5_api* api = fts5_api_of(db);
  if (api == nullptr) return SQLITE_ERROR;
  fts5_tokenizer methods{create, destroy, tokenize};
  return api->xCreateTokenizer(api, kWordTokenizerName, api, &methods, nullptr);
}

}  // namespace docent::index::detail
