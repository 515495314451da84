#pragma once
// Lines for `docent chat`: on a terminal, libedit's line editing (arrows, Home/End, Ctrl-R...)
// with history kept in $XDG_STATE_HOME/docent/history; Ctrl-C clears the line, and a second one
// on an empty line ends the chat. From a pipe or file, plain lines.
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

namespace docent::cli {

std::filesystem::path history_file_path();  // "" when neither XDG_STATE_HOME nor HOME is set

class LineReader {
 public:
  // editing: use libedit (stdin and stdout are terminals); `prompt` is shown before each line
  // (also without editing, when the input is a terminal).
  LineReader(bool editing, std::string prompt);
  ~LineReader();
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  // The next line without its newline; nullopt at end of input (Ctrl-D, or Ctrl-C twice).
  std::optional<std::string> next();
  // Adds a line to the history and saves the history file (0600).
  void remember(const std::string& line);

  struct State;  // opaque: libedit's types stay in the .cpp

 private:
  std::unique_ptr<State> state_;
};

}  // namespace docent::cli
