#pragma once
// The user's defaults: $XDG_CONFIG_HOME/docent/config.toml (else ~/.config/docent/config.toml).
// Every key lives in one table below; a value comes from, in order: the command's flag, the
// key's environment variable, the config file, the built-in default.
#include <filesystem>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

namespace docent::cli {

enum class ConfigType { path, integer, number };

struct ConfigKey {
  std::string_view name;      // "generation.temperature": table "generation", key "temperature"
  ConfigType type;
  std::string_view fallback;  // built-in default as text ("" = none)
  std::string_view env;       // environment variable that overrides the file ("" = none)
  std::string_view help;
};

std::span<const ConfigKey> config_keys();
const ConfigKey* find_config_key(std::string_view name);
std::string_view to_string(ConfigType type);

// A bad file or value: "FILE:LINE: reason" (or "$VAR: reason"); the CLI prints it as one line.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

std::filesystem::path config_file_path();

enum class ConfigSource { flag, environment, file, fallback };
std::string_view to_string(ConfigSource source);

struct ConfigValue {
  std::string text;  // empty: unset (no flag, variable, file entry or default)
  ConfigSource source = ConfigSource::fallback;
};

// Throws ConfigError for an unknown key, a bad file or a value of the wrong type.
ConfigValue resolve_config(std::string_view key, const std::optional<std::string>& flag = std::nullopt);
long long config_integer(std::string_view key, const std::optional<std::string>& flag = std::nullopt);
double config_number(std::string_view key, const std::optional<std::string>& flag = std::nullopt);

// Writes one key (checked against its type) or removes it; the file is created 0600 in a 0700
// folder. Returns the file written.
std::filesystem::path set_config_value(std::string_view key, const std::string& text);
std::filesystem::path unset_config_value(std::string_view key);

// engine.threads from the file applies when $DOCENT_THREADS is not set; call before loading a model.
void apply_engine_threads();

}  // namespace docent::cli
