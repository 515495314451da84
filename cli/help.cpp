// `docent help [COMMAND...|TOPIC]`: a command's help, or a topic (library, models, config,
// environment, exit-codes); `--man` prints the manual page the build installs.
#include <iostream>

#include "command.hpp"
#include "command_tree.hpp"
#include "help_topics.hpp"
#include "manpage.hpp"
#include "output.hpp"

namespace docent::cli {
namespace {

std::string topics_list() {
  std::string text = "\nHelp topics (docent help TOPIC):\n";
  for (const auto& topic : help_topics()) {
    char line[200];
    std::snprintf(line, sizeof line, "  %-13.*s %.*s\n", static_cast<int>(topic.name.size()), topic.name.data(),
                  static_cast<int>(topic.summary.size()), topic.summary.data());
    text += line;
  }
  return text;
}

// CLI11 prints "Usage: PREV NAME ...": PREV is everything above the command.
std::string command_help(const CLI::App& command) {
  std::string above = command.get_parent() == nullptr ? "" : command_path(*command.get_parent());
  return const_cast<CLI::App&>(command).help(above.empty() ? "docent" : "docent " + above);
}

int run_help(const CLI::App& app, const std::vector<std::string>& words, bool man) {
  if (man) {
    std::cout << manual_page(app);
    return kOk;
  }
  if (words.empty()) {
    std::cout << const_cast<CLI::App&>(app).help() << topics_list();
    return kOk;
  }
  const CLI::App* command = &app;
  std::size_t used = 0;
  while (used < words.size()) {
    const CLI::App* sub = find_subcommand(*command, words[used]);
    if (sub == nullptr || sub->get_group().empty()) break;
    command = sub;
    ++used;
  }
  const HelpTopic* topic = words.size() == 1 ? find_help_topic(words[0]) : nullptr;
  if (topic == nullptr && used < words.size()) {
    std::vector<std::string> names;
    for (CLI::App* sub : visible_subcommands(*command)) names.push_back(sub->get_name());
    if (command == &app)
      for (const auto& t : help_topics()) names.emplace_back(t.name);
    auto nearest = nearest_names(words[used], names);
    std::string what = command == &app ? "command or help topic" : "'" + command_path(*command) + "' command";
    print_error("no " + what + " '" + words[used] + "'" +
                (nearest.empty() ? "; `docent help` lists them" : "; did you mean " + quoted_alternatives(nearest) + "?"));
    return kUsage;
  }
  if (topic != nullptr) std::cout << topic->text();
  if (topic != nullptr && command != &app) std::cout << "\n";
  if (command != &app) std::cout << command_help(*command);
  return kOk;
}

const bool registered = register_command(95, [](CLI::App& app, GlobalOptions&, int& exit_code) {
  auto words = std::make_shared<std::vector<std::string>>();
  auto man = std::make_shared<bool>(false);
  auto* help = app.add_subcommand("help", "Show help for a command or a topic: library, models, config, environment, exit-codes");
  std::vector<std::string> names;  // for the completions: the commands registered so far and the topics
  for (CLI::App* sub : visible_subcommands(app)) names.push_back(sub->get_name());
  for (const auto& topic : help_topics()) names.emplace_back(topic.name);
  help->add_option("topic", *words, "A command (`search`, `models info`) or a topic")->type_name("TOPIC")->check(choices_hint(names));
  help->add_flag("--man", *man, "Print the manual page (troff)")->group("");
  help->callback([&app, &exit_code, words, man] { exit_code = run_help(app, *words, *man); });
});

}  // namespace
}  // namespace docent::cli
