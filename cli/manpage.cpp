#include "manpage.hpp"

#include <cctype>
#include <sstream>

#include "command_tree.hpp"
#include "help_topics.hpp"

namespace docent::cli {
namespace {

// Escapes text for troff: backslashes, hyphens (so they are not hyphenation points), and
// lines that would start with a control character.
std::string roff(std::string_view text) {
  std::string out;
  bool line_start = true;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (text.substr(i, 3) == "\u2014") {  // an em dash
      out += "\\(em";
      i += 2;
      line_start = false;
      continue;
    }
    if (line_start && (c == '.' || c == '\'')) out += "\\&";
    if (c == '\\') out += "\\e";
    else if (c == '-') out += "\\-";
    else out += c;
    line_start = c == '\n';
  }
  return out;
}

void preformatted(std::ostringstream& out, std::string_view text) {
  out << ".PP\n.nf\n" << roff(text);
  if (!text.empty() && text.back() != '\n') out << "\n";
  out << ".fi\n";
}

void options(std::ostringstream& out, const CLI::App& command) {
  for (const CLI::Option* option : command.get_options()) {
    if (option->get_name() == "--help" || option->get_group().empty()) continue;
    out << ".TP\n";
    if (option->nonpositional()) {
      out << "\\fB" << roff(option_names(*option)) << "\\fR";
      if (option_takes_value(*option)) out << " \\fI" << roff(option_value_name(*option)) << "\\fR";
    } else {
      out << "\\fI" << roff(option_value_name(*option)) << "\\fR";
    }
    out << "\n" << roff(option->get_description());
    auto choices = option_choices(*option);
    if (!choices.empty() && option->nonpositional()) {
      out << " (";
      for (std::size_t i = 0; i < choices.size(); ++i) out << (i ? ", " : "") << roff(choices[i]);
      out << ")";
    }
    out << "\n";
  }
}

std::string usage(const CLI::App& command) {
  std::string line = "docent " + command_path(command);
  if (!visible_subcommands(command).empty()) return line + " COMMAND";
  for (const CLI::Option* option : command.get_options([](const CLI::Option* o) { return !o->nonpositional(); }))
    line += " " + option_value_name(*option);
  return line;
}

}  // namespace

std::string manual_page(const CLI::App& app) {
  std::ostringstream out;
  out << ".TH DOCENT 1 \"\" \"docent 0.1.0\" \"User Commands\"\n"
      << ".SH NAME\ndocent \\- an offline, private document assistant\n"
      << ".SH SYNOPSIS\n.B docent\n[\\fIOPTIONS\\fR] \\fICOMMAND\\fR [\\fIARGUMENTS\\fR]\n"
      << ".SH DESCRIPTION\n" << roff(app.get_description()) << "\n"
      << ".PP\n\\fBdocent help\\fR \\fITOPIC\\fR prints any section below; \\fBdocent\\fR \\fICOMMAND\\fR \\fB\\-\\-help\\fR "
         "the options of one command.\n"
      << ".SH OPTIONS\nThese apply to every command.\n";
  options(out, app);
  out << ".SH COMMANDS\n";
  for_each_command(app, [&](const CLI::App& command) {
    out << ".SS \"" << roff(usage(command)) << "\"\n" << roff(command.get_description()) << "\n";
    options(out, command);
    if (!command.get_footer().empty()) preformatted(out, command.get_footer());
  });
  for (const auto& topic : help_topics()) {
    if (topic.name == "environment" || topic.name == "exit-codes") continue;
    std::string title(topic.name);
    for (char& c : title) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    out << ".SH " << (title == "CONFIG" ? "CONFIGURATION" : title) << "\n";
    preformatted(out, topic.text());
  }
  out << ".SH ENVIRONMENT\n";
  for (const auto& row : environment_rows()) out << ".TP\n.B " << roff(row.name) << "\n" << roff(row.meaning) << "\n";
  out << ".SH EXIT STATUS\n";
  for (const auto& row : exit_code_rows()) out << ".TP\n.B " << row.code << "\n" << roff(row.meaning) << "\n";
  out << ".SH FILES\n.TP\n.I ~/.config/docent/config.toml\ndefaults (see CONFIGURATION)\n"
      << ".TP\n.I ~/.local/share/docent/library.sqlite3\nthe library (see LIBRARY)\n"
      << ".TP\n.I ~/.local/state/docent/history\n\\fBchat\\fR input history\n";
  return out.str();
}

}  // namespace docent::cli
