// docent: builds the command line from the commands registered by each cli/<command>.cpp.
#include <algorithm>
#include <csignal>
#include <iostream>

#include "command.hpp"
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

constexpr const char* kFooter = R"(Library: $DOCENT_HOME, else $XDG_DATA_HOME/docent, else ~/.local/share/docent;
--library DIR overrides both. Everything stays on this machine.

Exit codes:
  0    success
  1    failure (unreadable library or model, bad input file the command needed)
  2    usage error (unknown command or flag, missing argument)
  3    partial: a batch finished but some files failed (each named on stderr)
  4    not found (no such document; search found nothing)
  5    library busy: another docent process kept it locked past the wait
  130  interrupted (Ctrl-C); work already committed is kept

Quick start:
  docent ingest ~/papers            add PDFs, Markdown and text files (recursive)
  docent search "hybrid retrieval"  keyword search with file, page and snippet
  docent status                     what the library holds, and what failed)";
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
               "Ingest PDFs and notes, then search them (and soon ask questions answered with citations)."};
  app.set_version_flag("--version", "docent 0.1.0");
  app.require_subcommand(1);
  app.footer(kFooter);
  GlobalOptions globals;
  app.add_option("--library", globals.library, "Library folder (default: $DOCENT_HOME or $XDG_DATA_HOME/docent)")
      ->type_name("DIR");
  app.add_flag("--json", globals.json, "Machine-readable JSON on stdout (errors still go to stderr)");
  app.add_flag("-q,--quiet", globals.quiet, "No progress bar");

  int exit_code = kOk;
  auto& commands = registry();
  std::stable_sort(commands.begin(), commands.end(),
                   [](const auto& a, const auto& b) { return a.order < b.order; });
  for (auto& command : commands) command.registrar(app, globals, exit_code);
  for (auto* sub : app.get_subcommands([](CLI::App*) { return true; })) sub->fallthrough();

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
