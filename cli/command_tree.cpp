#include "command_tree.hpp"

#include <algorithm>
#include <cctype>

namespace docent::cli {

std::vector<CLI::App*> visible_subcommands(const CLI::App& app) {
  return const_cast<CLI::App&>(app).get_subcommands([](CLI::App* sub) { return !sub->get_group().empty(); });
}

CLI::App* find_subcommand(const CLI::App& app, const std::string& name) {
  auto all = const_cast<CLI::App&>(app).get_subcommands([&](CLI::App* sub) { return sub->check_name(name); });
  return all.empty() ? nullptr : all.front();
}

std::string command_path(const CLI::App& app) {
  std::string path;
  for (const CLI::App* at = &app; at != nullptr && at->get_parent() != nullptr; at = at->get_parent())
    path = at->get_name() + (path.empty() ? "" : " " + path);
  return path;
}

namespace {

std::string lowered(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// Optimal string alignment distance: insertions, deletions, substitutions and swaps of two
// neighbouring letters ("lsit" -> "list") each cost one.
std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i)
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[a.size()][b.size()];
}

}  // namespace

std::vector<std::string> nearest_names(const std::string& word, const std::vector<std::string>& candidates) {
  const std::string typed = lowered(word);
  std::vector<std::string> prefixed;
  for (const auto& name : candidates)
    if (typed.size() >= 2 && lowered(name).starts_with(typed)) prefixed.push_back(name);
  if (prefixed.size() == 1) return prefixed;

  // A typo is at most two edits away, and fewer than half the letters of the word.
  const std::size_t limit = std::min<std::size_t>(2, std::max<std::size_t>(1, typed.size() / 3));
  std::size_t best = limit + 1;
  std::vector<std::string> nearest;
  for (const auto& name : candidates) {
    std::size_t distance = edit_distance(typed, lowered(name));
    if (distance < best) best = distance, nearest.clear();
    if (distance == best) nearest.push_back(name);
  }
  return best <= limit ? nearest : prefixed;
}

std::string quoted_alternatives(const std::vector<std::string>& names) {
  std::string text;
  for (std::size_t i = 0; i < names.size(); ++i)
    text += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + ("'" + names[i] + "'");
  return text;
}

bool option_takes_value(const CLI::Option& option) { return option.get_type_size_min() > 0 && option.get_expected_min() > 0; }

std::vector<std::string> option_choices(const CLI::Option& option) {
  std::string type = option.get_type_name();
  auto open = type.find('{'), close = type.find('}');
  std::vector<std::string> choices;
  if (open == std::string::npos || close == std::string::npos || close < open) return choices;
  std::string inside = type.substr(open + 1, close - open - 1), item;
  for (char c : inside) {
    if (c == ',') choices.push_back(item), item.clear();
    else if (c != ' ') item += c;
  }
  if (!item.empty()) choices.push_back(item);
  return choices;
}

CommandWords check_command_words(CLI::App& app, int argc, const char* const* argv) {
  CommandWords result;
  CLI::App* current = &app;
  bool named_a_subcommand = false;
  for (int i = 1; i < argc; ++i) {
    const std::string word = argv[i];
    if (word == "--") break;
    if (word.size() > 1 && word.front() == '-') {
      if (word == "-h" || word == "--help" || word == "--version") return result;
      if (word.find('=') != std::string::npos) continue;
      const CLI::Option* option = nullptr;
      for (CLI::App* at = current; at != nullptr && option == nullptr; at = at->get_parent())
        option = at->get_option_no_throw(word);
      if (option != nullptr && option_takes_value(*option)) ++i;  // its value is not a command
      continue;
    }
    if (current->get_subcommands([](CLI::App*) { return true; }).empty()) return result;  // an argument
    if (CLI::App* sub = find_subcommand(*current, word)) {
      current = sub;
      named_a_subcommand = true;
      continue;
    }
    if (current->get_require_subcommand_min() == 0) return result;
    std::vector<std::string> names;
    for (CLI::App* sub : visible_subcommands(*current)) names.push_back(sub->get_name());
    const std::string prefix = command_path(*current);
    const std::string shown = prefix.empty() ? word : prefix + " " + word;
    auto nearest = nearest_names(word, names);
    for (auto& name : nearest) name = prefix.empty() ? name : prefix + " " + name;
    std::string help = prefix.empty() ? "docent help" : "docent help " + prefix;
    result.unknown = nearest.empty() ? "unknown command '" + shown + "'; `" + help + "` lists the commands"
                                     : "unknown command '" + shown + "'; did you mean " + quoted_alternatives(nearest) + "?";
    return result;
  }
  if (current->get_require_subcommand_min() > 0 && (named_a_subcommand || current == &app)) result.group = current;
  return result;
}

}  // namespace docent::cli

namespace docent::cli {

void for_each_command(const CLI::App& app, const std::function<void(const CLI::App&)>& visit) {
  for (CLI::App* sub : visible_subcommands(app)) {
    visit(*sub);
    for_each_command(*sub, visit);
  }
}

std::vector<const CLI::Option*> reachable_options(const CLI::App& command) {
  std::vector<const CLI::Option*> options;
  for (const CLI::App* at = &command; at != nullptr; at = at->get_parent())
    for (const CLI::Option* option : at->get_options([](const CLI::Option* o) { return o->nonpositional(); }))
      if (at == &command || (option->get_name() != "--help" && option->get_name() != "--version")) options.push_back(option);
  return options;
}

std::string option_names(const CLI::Option& option) {
  std::string names;
  for (const auto& name : option.get_snames()) names += (names.empty() ? "-" : ", -") + name;
  for (const auto& name : option.get_lnames()) names += (names.empty() ? "--" : ", --") + name;
  return names;
}

std::string option_value_name(const CLI::Option& option) {
  std::string type = option.get_type_name();
  return type.substr(0, type.find(':'));
}

CLI::Validator choices_hint(const std::vector<std::string>& names) {
  std::string description = "{";
  for (std::size_t i = 0; i < names.size(); ++i) description += (i ? "," : "") + names[i];
  return CLI::Validator([](std::string&) { return std::string(); }, description + "}");
}

}  // namespace docent::cli
