// `docent config list|get|set|unset|path`: the user's defaults in config.toml (keys and
// precedence: cli/user_config.hpp).
#include <iostream>

#include "command.hpp"
#include "command_tree.hpp"
#include "output.hpp"
#include "user_config.hpp"

namespace docent::cli {
namespace {

struct ConfigFlags {
  std::string key, value;
};

nlohmann::json key_json(const ConfigKey& key) {
  auto value = resolve_config(key.name);
  nlohmann::json shown = value.text;
  if (value.text.empty()) shown = nullptr;
  else if (key.type == ConfigType::integer) shown = std::stoll(value.text);
  else if (key.type == ConfigType::number) shown = std::stod(value.text);
  return {{"key", key.name}, {"value", shown},
          {"source", to_string(value.source)}, {"type", to_string(key.type)}, {"default", key.fallback},
          {"env", key.env}, {"help", key.help}};
}

int run_list(const GlobalOptions& globals) {
  if (globals.json) {
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& key : config_keys()) rows.push_back(key_json(key));
    print_json({{"file", config_file_path().string()}, {"keys", rows}});
    return kOk;
  }
  std::vector<ConfigValue> values;  // all resolved first: a bad file stops before any output
  for (const auto& key : config_keys()) values.push_back(resolve_config(key.name));
  std::cout << "Config file: " << config_file_path().string() << "\n\n";
  for (std::size_t i = 0; i < values.size(); ++i) {
    const auto& key = config_keys()[i];
    const auto& value = values[i];
    std::string source(to_string(value.source));
    if (value.source == ConfigSource::environment) source += " $" + std::string(key.env);
    std::printf("%-24.*s %-30s (%s)\n  %.*s\n", static_cast<int>(key.name.size()), key.name.data(),
                value.text.empty() ? "(unset)" : value.text.c_str(), source.c_str(), static_cast<int>(key.help.size()),
                key.help.data());
  }
  std::fflush(stdout);
  return kOk;
}

int run_get(const GlobalOptions& globals, const ConfigFlags& flags) {
  auto value = resolve_config(flags.key);
  if (globals.json) {
    print_json(key_json(*find_config_key(flags.key)));
    return kOk;
  }
  if (value.text.empty()) return kNotFound;  // unset: nothing printed, like `git config`
  std::cout << value.text << "\n";
  return kOk;
}

const bool registered = register_command(92, [](CLI::App& app, GlobalOptions& globals, int& exit_code) {
  auto flags = std::make_shared<ConfigFlags>();
  auto* config = app.add_subcommand("config", "Show or change your defaults: generator model, embedder, library, generation settings");
  config->require_subcommand(1);
  std::vector<std::string> names;
  for (const auto& key : config_keys()) names.emplace_back(key.name);
  auto key_option = [&](CLI::App* command) {
    command->add_option("key", flags->key, "A key from `docent config list`")->required()->type_name("KEY")->check(choices_hint(names));
    command->fallthrough();
  };

  auto* list = config->add_subcommand("list", "Every key with its value and where the value comes from");
  list->fallthrough();
  list->callback([&globals, &exit_code] { exit_code = run_list(globals); });

  auto* get = config->add_subcommand("get", "Print a key's value in effect (exit 4 when unset)");
  key_option(get);
  get->callback([&globals, &exit_code, flags] { exit_code = run_get(globals, *flags); });

  auto* set = config->add_subcommand("set", "Write a key to the config file (paths are stored absolute)");
  key_option(set);
  set->add_option("value", flags->value, "The value")->required()->type_name("VALUE");
  set->callback([&globals, &exit_code, flags] {
    auto file = set_config_value(flags->key, flags->value);
    if (globals.json) print_json(key_json(*find_config_key(flags->key)));
    else std::cout << flags->key << " = " << resolve_config(flags->key).text << "  (" << file.string() << ")\n";
    exit_code = kOk;
  });

  auto* unset = config->add_subcommand("unset", "Remove a key from the config file (its default applies again)");
  key_option(unset);
  unset->callback([&globals, &exit_code, flags] {
    auto file = unset_config_value(flags->key);
    if (globals.json) print_json(key_json(*find_config_key(flags->key)));
    else std::cout << flags->key << " removed from " << file.string() << "\n";
    exit_code = kOk;
  });

  auto* path = config->add_subcommand("path", "Print the config file's path (it may not exist yet)");
  path->fallthrough();
  path->callback([&exit_code] {
    std::cout << config_file_path().string() << "\n";
    exit_code = kOk;
  });
  config->footer(
      "A value comes from the command's flag, else the key's environment variable, else the file, else the\n"
      "built-in default. `docent help config` lists the keys with their types and defaults.");
});

}  // namespace
}  // namespace docent::cli
