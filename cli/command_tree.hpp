#pragma once
// The command tree as data: the visible commands of a CLI11 app, the nearest name to a typo,
// and the check that runs before parsing so an unknown command gets a suggestion, not CLI11's
// "A subcommand is required". Help, the man page and the shell completions walk the same tree.
#include <CLI/CLI.hpp>

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace docent::cli {

// Subcommands shown to users (hidden ones, such as `completion`, have an empty group).
std::vector<CLI::App*> visible_subcommands(const CLI::App& app);
CLI::App* find_subcommand(const CLI::App& app, const std::string& name);  // by name or alias
// "models info" for that subcommand; "" for the top level.
std::string command_path(const CLI::App& app);

// Candidates closest to `word` (edit distance with transpositions, or a unique prefix); empty
// when none is close enough to be a plausible typo.
std::vector<std::string> nearest_names(const std::string& word, const std::vector<std::string>& candidates);
// "'search'" or "'list' or 'lint'".
std::string quoted_alternatives(const std::vector<std::string>& names);

// What the words before parsing say. `unknown` holds the one-line error when a word in command
// position names no command; `group` is set when the words stop at a command that needs a
// subcommand (`docent`, `docent models`), so its help can be shown instead of an error.
struct CommandWords {
  std::optional<std::string> unknown;
  CLI::App* group = nullptr;
};
CommandWords check_command_words(CLI::App& app, int argc, const char* const* argv);

// Option value hints from the tree: the choices of an IsMember check ({a,b,c}), and whether a
// value is a folder or a file (type names DIR, FILE, PATH).
std::vector<std::string> option_choices(const CLI::Option& option);
bool option_takes_value(const CLI::Option& option);

}  // namespace docent::cli

namespace docent::cli {
// Every command below `app` (depth first, in registration order), visible ones only.
void for_each_command(const CLI::App& app, const std::function<void(const CLI::App&)>& visit);
// Options a user can give at `command`: its own and those of its parents (they fall through).
std::vector<const CLI::Option*> reachable_options(const CLI::App& command);
// "-k, --limit" for an option; its value name without check descriptions ("N", "FILE").
std::string option_names(const CLI::Option& option);
std::string option_value_name(const CLI::Option& option);
// A check that accepts anything but lists `names` as the value's choices in the tree, so the
// shell completions offer them (config keys, help topics) while the command gives its own error.
CLI::Validator choices_hint(const std::vector<std::string>& names);
}  // namespace docent::cli
