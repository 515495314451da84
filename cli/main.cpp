// docent: builds the command line from the commands registered by each cli/<command>.cpp.
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <iostream>

#include "command.hpp"
#include "command_tree.hpp"
#include "help_topics.hpp"
#include "output.hpp"

namespace docent::cli {

namespace {
struct Registered {
  int order;
  CommandRegistrar registrar;
};
std::vector<Registered>& registry() {
  static std::vector<Registered> commands;
  return commands;
}

std::string footer() {
  std::string text =
      "Library: --library DIR, else $DOCENT_HOME, else `library` in the config file, else\n"
      "$XDG_DATA_HOME/docent, else ~/.local/share/docent. Everything stays on this machine.\n\nExit codes:\n";
  for (const auto& row : exit_code_rows()) {
    char line[160];
    std::snprintf(line, sizeof line, "  %-4d %.*s\n", row.code, static_cast<int>(row.meaning.size()), row.meaning.data());
    text += line;
  }
  return text +
         "\nQuick start:\n"
         "  docent ingest ~/papers            add PDFs, Markdown and text files (recursive)\n"
         "  docent search \"hybrid retrieval\"  passages with file, page and snippet\n"
         "  docent ask \"what is ...?\"         an answer citing file and page\n"
         "  docent help TOPIC                 library, models, config, environment, exit-codes";
}
}  // namespace

bool register_command(int order, CommandRegistrar registrar) {
  registry().push_back({order, std::move(registrar)});
  return true;
}

}  // namespace docent::cli

int main(int argc, char** argv) {
  using namespace docent::cli;
  install_interrupt_handler();

  CLI::App app{"docent — an offline, private document assistant.\n"
               "Ingest PDFs and notes, search them, and ask questions answered with citations to file and page.",
               "docent"};
  app.set_version_flag("--version", "docent 0.1.0");
  app.require_subcommand(1);
  GlobalOptions globals;
  app.add_option("--library", globals.library, "Library folder (default: $DOCENT_HOME, the config file, or $XDG_DATA_HOME/docent)")
      ->type_name("DIR");
  app.add_flag("--json", globals.json, "Machine-readable JSON on stdout (errors still go to stderr)");
  app.add_flag("-q,--quiet", globals.quiet, "No progress bar");

  int exit_code = kOk;
  auto& commands = registry();
  std::stable_sort(commands.begin(), commands.end(),
                   [](const auto& a, const auto& b) { return a.order < b.order; });
  for (auto& command : commands) command.registrar(app, globals, exit_code);
  for (auto* sub : app.get_subcommands([](CLI::App*) { return true; })) sub->fallthrough();
  app.footer(footer());  // after the commands, which would otherwise inherit it

  // Before CLI11 parses: an unknown command gets the nearest one suggested, and a bare group
  // (`docent`, `docent models`) shows its help instead of "A subcommand is required".
  auto words = check_command_words(app, argc, argv);
  if (words.unknown) {
    print_error(*words.unknown);
    return kUsage;
  }
  if (words.group != nullptr) {
    const CLI::App* parent = words.group->get_parent();
    std::string above = parent == nullptr ? "" : command_path(*parent);
    std::cout << (parent == nullptr ? app.help() : words.group->help(above.empty() ? "docent" : "docent " + above));
    return kOk;
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kUsage;
  } catch (const std::exception& e) {
    print_error(e.what());
    return exit_code_for(e);
  }
  return exit_code;
}
