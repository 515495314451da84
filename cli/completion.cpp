// `docent completion bash|zsh` (hidden): shell completion written from the command tree, so it
// always knows today's commands, options and their choices. The build installs both.
#include <iostream>
#include <sstream>

#include "command.hpp"
#include "command_tree.hpp"

namespace docent::cli {
namespace {

// How a value is completed: "words:a b c", "dir", "file", or "value" (free text: nothing).
std::string value_kind(const CLI::Option& option) {
  auto choices = option_choices(option);
  if (!choices.empty()) {
    std::string words = "words:";
    for (std::size_t i = 0; i < choices.size(); ++i) words += (i ? " " : "") + choices[i];
    return words;
  }
  const std::string type = option.get_type_name();  // with its checks: "TEXT:DIR" for an existing folder
  if (type.find("DIR") != std::string::npos) return "dir";
  if (type.find("FILE") != std::string::npos || type.find("PATH") != std::string::npos) return "file";
  return "value";
}

// Case tables shared by both shells (plain POSIX `case`, valid bash and zsh).
std::string tables(const CLI::App& app) {
  std::ostringstream subs, opts, values, positional;
  auto describe = [&](const CLI::App& command) {
    const std::string path = command_path(command);
    std::string names;
    for (CLI::App* sub : visible_subcommands(command)) names += (names.empty() ? "" : " ") + sub->get_name();
    if (!names.empty()) subs << "    '" << path << "') echo '" << names << "' ;;\n";
    std::string flags;
    for (const CLI::Option* option : reachable_options(command)) {
      for (const auto& s : option->get_snames()) flags += " -" + s;
      for (const auto& l : option->get_lnames()) flags += " --" + l;
      if (!option_takes_value(*option)) continue;
      for (const auto& s : option->get_snames()) values << "    '" << path << "|-" << s << "') echo '" << value_kind(*option) << "' ;;\n";
      for (const auto& l : option->get_lnames()) values << "    '" << path << "|--" << l << "') echo '" << value_kind(*option) << "' ;;\n";
    }
    opts << "    '" << path << "') echo '" << flags.substr(flags.empty() ? 0 : 1) << "' ;;\n";
    auto positionals = command.get_options([](const CLI::Option* o) { return !o->nonpositional(); });
    if (!positionals.empty()) positional << "    '" << path << "') echo '" << value_kind(*positionals.front()) << "' ;;\n";
  };
  describe(app);
  for_each_command(app, describe);
  std::ostringstream out;
  out << "_docent_subs() {\n  case \"$1\" in\n" << subs.str() << "  esac\n}\n"
      << "_docent_opts() {\n  case \"$1\" in\n" << opts.str() << "  esac\n}\n"
      << "# 'PATH|OPTION' -> how its value completes; no output: the option takes no value\n"
      << "_docent_value() {\n  case \"$1|$2\" in\n" << values.str() << "  esac\n}\n"
      << "_docent_positional() {\n  case \"$1\" in\n" << positional.str() << "  esac\n}\n"
      << "# The command path the words so far name (\"\", \"models\", \"models info\"...).\n"
      << "_docent_path() {\n  local cmd='' skip=0 word\n  for word in \"$@\"; do\n"
      << "    if [ $skip = 1 ]; then skip=0; continue; fi\n"
      << "    case \"$word\" in\n      -*=*) ;;\n      -*) [ -n \"$(_docent_value \"$cmd\" \"$word\")\" ] && skip=1 ;;\n"
      << "      *) case \" $(_docent_subs \"$cmd\") \" in *\" $word \"*) cmd=\"${cmd:+$cmd }$word\" ;; esac ;;\n    esac\n"
      << "  done\n  echo \"$cmd\"\n}\n";
  return out.str();
}

std::string bash_script(const CLI::App& app) {
  return "# bash completion for docent, written by `docent completion bash` from its command tree.\n" + tables(app) +
         "_docent() {\n"
         "  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} cmd kind subs\n"
         "  cmd=$(_docent_path \"${COMP_WORDS[@]:1:COMP_CWORD-1}\")\n"
         "  COMPREPLY=()\n"
         "  if [ \"$COMP_CWORD\" -gt 1 ]; then\n"
         "    case \"$prev\" in -*) kind=$(_docent_value \"$cmd\" \"$prev\") ;; *) kind='' ;; esac\n"
         "    case \"$kind\" in\n"
         "      words:*) COMPREPLY=($(compgen -W \"${kind#words:}\" -- \"$cur\")); return ;;\n"
         "      dir) COMPREPLY=($(compgen -d -- \"$cur\")); return ;;\n"
         "      file) COMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n"
         "      value) return ;;\n"
         "    esac\n"
         "  fi\n"
         "  if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W \"$(_docent_opts \"$cmd\")\" -- \"$cur\")); return; fi\n"
         "  subs=$(_docent_subs \"$cmd\")\n"
         "  if [ -n \"$subs\" ]; then COMPREPLY=($(compgen -W \"$subs\" -- \"$cur\")); return; fi\n"
         "  kind=$(_docent_positional \"$cmd\")\n"
         "  case \"$kind\" in\n"
         "    words:*) COMPREPLY=($(compgen -W \"${kind#words:}\" -- \"$cur\")) ;;\n"
         "    dir) COMPREPLY=($(compgen -d -- \"$cur\")) ;;\n"
         "    file) COMPREPLY=($(compgen -f -- \"$cur\")) ;;\n"
         "  esac\n"
         "}\n"
         "complete -o filenames -F _docent docent\n";
}

std::string zsh_script(const CLI::App& app) {
  return "#compdef docent\n# zsh completion for docent, written by `docent completion zsh` from its command tree.\n" +
         tables(app) +
         "_docent() {\n"
         "  local cur=${words[CURRENT]} prev=${words[CURRENT-1]} cmd kind subs\n"
         "  cmd=$(_docent_path \"${(@)words[2,CURRENT-1]}\")\n"
         "  if (( CURRENT > 2 )); then\n"
         "    case \"$prev\" in -*) kind=$(_docent_value \"$cmd\" \"$prev\") ;; *) kind='' ;; esac\n"
         "    case \"$kind\" in\n"
         "      words:*) compadd -- ${=kind#words:}; return ;;\n"
         "      dir) _files -/; return ;;\n"
         "      file) _files; return ;;\n"
         "      value) return ;;\n"
         "    esac\n"
         "  fi\n"
         "  if [[ $cur == -* ]]; then compadd -- ${=$(_docent_opts \"$cmd\")}; return; fi\n"
         "  subs=$(_docent_subs \"$cmd\")\n"
         "  if [[ -n $subs ]]; then compadd -- ${=subs}; return; fi\n"
         "  kind=$(_docent_positional \"$cmd\")\n"
         "  case \"$kind\" in\n"
         "    words:*) compadd -- ${=kind#words:} ;;\n"
         "    dir) _files -/ ;;\n"
         "    file) _files ;;\n"
         "  esac\n"
         "}\n"
         "if [[ ${zsh_eval_context[-1]} == loadautofunc ]]; then _docent \"$@\"; else compdef _docent docent; fi\n";
}

const bool registered = register_command(99, [](CLI::App& app, GlobalOptions&, int& exit_code) {
  auto shell = std::make_shared<std::string>();
  auto* completion = app.add_subcommand("completion", "Print a shell completion script (bash or zsh)");
  completion->group("");  // hidden: the build installs the scripts
  completion->add_option("shell", *shell, "bash or zsh")->required()->check(CLI::IsMember({"bash", "zsh"}));
  completion->callback([&app, &exit_code, shell] {
    std::cout << (*shell == "bash" ? bash_script(app) : zsh_script(app));
    exit_code = kOk;
  });
});

}  // namespace
}  // namespace docent::cli
