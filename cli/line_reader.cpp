#include "line_reader.hpp"

#include <histedit.h>
#include <sys/stat.h>

#include <clocale>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>

namespace docent::cli {
namespace fs = std::filesystem;

fs::path history_file_path() {
  // The XDG spec says a relative XDG_STATE_HOME is invalid and must be ignored.
  if (const char* state = std::getenv("XDG_STATE_HOME"); state != nullptr && state[0] == '/')
    return fs::path(state) / "docent" / "history";
  if (const char* home = std::getenv("HOME"); home != nullptr && home[0] != '\0')
    return fs::path(home) / ".local" / "state" / "docent" / "history";
  return {};
}

struct LineReader::State {
  std::string prompt;
  EditLine* editor = nullptr;
  History* history = nullptr;
  fs::path history_file;
  bool armed = false;  // the last Ctrl-C cleared the line or warned: one more on an empty line quits
  bool quit = false;
};

namespace {

LineReader::State* state_of(EditLine* editor) {
  void* data = nullptr;
  el_get(editor, EL_CLIENTDATA, &data);
  return static_cast<LineReader::State*>(data);
}

char* prompt_of(EditLine* editor) { return state_of(editor)->prompt.data(); }

// Bound to ^C (the terminal's signal keys are off while editing, so it arrives as a key).
unsigned char on_interrupt_key(EditLine* editor, int) {
  LineReader::State* state = state_of(editor);
  const LineInfo* line = el_line(editor);
  if (line->lastchar != line->buffer) {
    el_cursor(editor, static_cast<int>(line->lastchar - line->cursor));
    el_deletestr(editor, static_cast<int>(line->lastchar - line->buffer));
    std::fputs("^C\n", stdout);
    state->armed = true;
    return CC_REDISPLAY;
  }
  if (state->armed) {
    state->quit = true;
    std::fputs("\n", stdout);
    return CC_EOF;
  }
  state->armed = true;
  std::fputs("^C\n(Ctrl-C again or Ctrl-D to quit)\n", stdout);
  return CC_REDISPLAY;
}

}  // namespace

LineReader::LineReader(bool editing, std::string prompt) : state_(std::make_unique<State>()) {
  state_->prompt = std::move(prompt);
  if (!editing) return;
  // Multibyte input needs a UTF-8 character type; a bare system runs in the C locale.
  const char* locale = std::setlocale(LC_CTYPE, "");
  if (locale == nullptr || std::strcmp(locale, "C") == 0 || std::strcmp(locale, "POSIX") == 0)
    std::setlocale(LC_CTYPE, "C.UTF-8");

  state_->editor = el_init("docent", stdin, stdout, stderr);
  if (state_->editor == nullptr) return;  // falls back to plain lines
  EditLine* editor = state_->editor;
  el_set(editor, EL_CLIENTDATA, state_.get());
  el_set(editor, EL_EDITOR, "emacs");
  el_set(editor, EL_SIGNAL, 1);
  el_set(editor, EL_PROMPT, prompt_of);
  el_set(editor, EL_SETTY, "-d", "-isig", nullptr);
  // The wide form keeps our static strings; the narrow one duplicates them and never frees the copies.
  el_wset(editor, EL_ADDFN, L"docent-interrupt", L"Clear the line; on an empty line twice: quit", on_interrupt_key);
  el_set(editor, EL_BIND, "^C", "docent-interrupt", nullptr);
  // Home, End, Delete and Ctrl-arrows as the common terminals send them, whatever TERM says.
  for (const char* key : {"\033[1~", "\033[7~", "\033[H", "\033OH"}) el_set(editor, EL_BIND, key, "ed-move-to-beg", nullptr);
  for (const char* key : {"\033[4~", "\033[8~", "\033[F", "\033OF"}) el_set(editor, EL_BIND, key, "ed-move-to-end", nullptr);
  el_set(editor, EL_BIND, "\033[3~", "ed-delete-next-char", nullptr);
  el_set(editor, EL_BIND, "\033[1;5D", "ed-prev-word", nullptr);
  el_set(editor, EL_BIND, "\033[1;5C", "em-next-word", nullptr);
  el_source(editor, nullptr);  // the user's ~/.editrc

  state_->history = history_init();
  HistEvent event;
  history(state_->history, &event, H_SETSIZE, 1000);
  history(state_->history, &event, H_SETUNIQUE, 1);
  el_set(editor, EL_HIST, history, state_->history);
  state_->history_file = history_file_path();
  if (!state_->history_file.empty()) history(state_->history, &event, H_LOAD, state_->history_file.c_str());
}

LineReader::~LineReader() {
  if (state_->editor != nullptr) el_end(state_->editor);
  if (state_->history != nullptr) history_end(state_->history);
}

std::optional<std::string> LineReader::next() {
  if (state_->editor == nullptr) {
    if (!state_->prompt.empty()) std::cout << state_->prompt << std::flush;
    std::string line;
    if (!std::getline(std::cin, line)) return std::nullopt;
    return line;
  }
  state_->armed = false;
  int count = 0;
  const char* text = el_gets(state_->editor, &count);
  if (text == nullptr || count <= 0 || state_->quit) {
    if (!state_->quit) std::fputs("\n", stdout);  // Ctrl-D leaves the cursor after the prompt
    return std::nullopt;
  }
  std::string line(text, static_cast<std::size_t>(count));
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  return line;
}

void LineReader::remember(const std::string& line) {
  if (state_->history == nullptr || line.empty()) return;
  HistEvent event;
  history(state_->history, &event, H_ENTER, line.c_str());
  if (state_->history_file.empty()) return;
  std::error_code error;
  fs::create_directories(state_->history_file.parent_path(), error);
  ::chmod(state_->history_file.parent_path().c_str(), 0700);
  // Questions can be private: the file is the user's alone.
  mode_t old_mask = ::umask(077);
  history(state_->history, &event, H_SAVE, state_->history_file.c_str());
  ::umask(old_mask);
  ::chmod(state_->history_file.c_str(), 0600);
}

}  // namespace docent::cli
