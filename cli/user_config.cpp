#include "user_config.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include <toml++/toml.h>

#include "command_tree.hpp"
#include "docent/engine.hpp"

namespace docent::cli {
namespace fs = std::filesystem;

namespace {

constexpr std::array kKeys = {
    ConfigKey{"library", ConfigType::path, "", "DOCENT_HOME",
              "Library folder (default: $XDG_DATA_HOME/docent, else ~/.local/share/docent); --library overrides it"},
    ConfigKey{"generator.model", ConfigType::path, "", "DOCENT_MODEL",
              "Generator model (GGUF) that `ask`, `chat` and `generate` use without --model; unset: extractive answers"},
    ConfigKey{"embedder.model", ConfigType::path, "", "DOCENT_EMBEDDER",
              "Embedding model (GGUF BERT) that `docent models add` binds when no FILE is given"},
    ConfigKey{"generation.temperature", ConfigType::number, "", "",
              "Sampling temperature; 0 = greedy; unset: the model's recommendation (`docent models info`)"},
    ConfigKey{"generation.top_p", ConfigType::number, "", "", "Nucleus sampling mass; unset: the model's recommendation"},
    ConfigKey{"generation.max_tokens", ConfigType::integer, "512", "",
              "Answer length limit in tokens (a reasoning model's thinking has generation.think_budget)"},
    ConfigKey{"generation.think_budget", ConfigType::integer, "", "",
              "Thinking tokens before docent closes a reasoning model's <think> span; unset: 256 for ask and chat, "
              "as many as the context holds for generate"},
    ConfigKey{"generation.context", ConfigType::integer, "0", "",
              "Context window in tokens; 0 = the model's own, at most 4096"},
    ConfigKey{"generation.seed", ConfigType::integer, "0", "", "Sampling seed"},
    ConfigKey{"engine.threads", ConfigType::integer, "0", "DOCENT_THREADS",
              "Threads for generation and embedding; 0 = every hardware thread"},
};

std::string env_value(std::string_view name) {
  if (name.empty()) return "";
  const char* value = std::getenv(std::string(name).c_str());
  return value != nullptr ? value : "";
}

const ConfigKey& key_or_throw(std::string_view name) {
  if (const ConfigKey* key = find_config_key(name)) return *key;
  std::vector<std::string> names;
  for (const auto& key : kKeys) names.emplace_back(key.name);
  auto nearest = nearest_names(std::string(name), names);
  throw ConfigError("unknown config key '" + std::string(name) + "'" +
                    (nearest.empty() ? "; `docent config list` shows the keys" : "; did you mean " + quoted_alternatives(nearest) + "?"));
}

// Checks `text` against the key's type; returns the reason it does not fit, or "".
std::string type_problem(const ConfigKey& key, const std::string& text) {
  if (key.type == ConfigType::path) return text.empty() ? "an empty path" : "";
  if (key.type == ConfigType::integer) {
    long long value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size()) return "'" + text + "' is not a whole number";
    if (value < 0) return "'" + text + "' is negative";
    return "";
  }
  char* end = nullptr;
  double value = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(value)) return "'" + text + "' is not a number";
  if (value < 0) return "'" + text + "' is negative";
  return "";
}

std::string number_text(double value) {
  char text[64];
  auto [end, error] = std::to_chars(text, text + sizeof text, value);  // shortest text that reads back exactly
  return std::string(text, end);
}

struct FileValues {
  std::map<std::string, std::string, std::less<>> values;
};

std::string at_line(const fs::path& file, const toml::source_region& where) {
  return file.string() + ":" + std::to_string(where.begin.line);
}

void collect(const fs::path& file, const toml::table& table, const std::string& prefix, FileValues& out) {
  for (const auto& [name, node] : table) {
    std::string full = prefix.empty() ? std::string(name.str()) : prefix + "." + std::string(name.str());
    if (const auto* inner = node.as_table()) {
      collect(file, *inner, full, out);
      continue;
    }
    const ConfigKey* key = find_config_key(full);
    if (key == nullptr) {
      try {
        key_or_throw(full);
      } catch (const ConfigError& error) {
        throw ConfigError(at_line(file, node.source()) + ": " + error.what());
      }
    }
    std::string text;
    if (key->type == ConfigType::path && node.is_string()) text = *node.value<std::string>();
    else if (key->type == ConfigType::integer && node.is_integer()) text = std::to_string(*node.value<long long>());
    else if (key->type == ConfigType::number && (node.is_integer() || node.is_floating_point()))
      text = number_text(*node.value<double>());
    else
      throw ConfigError(at_line(file, node.source()) + ": '" + full + "' must be " +
                        (key->type == ConfigType::path ? "a quoted path" : key->type == ConfigType::integer ? "a whole number" : "a number"));
    if (auto problem = type_problem(*key, text); !problem.empty())
      throw ConfigError(at_line(file, node.source()) + ": '" + full + "': " + problem);
    if (key->type == ConfigType::path && text.starts_with("~/")) text = env_value("HOME") + text.substr(1);
    out.values[full] = text;
  }
}

FileValues read_file(const fs::path& file) {
  FileValues values;
  std::error_code error;
  if (!fs::exists(file, error)) return values;
  std::ifstream in(file, std::ios::binary);
  if (!in) throw ConfigError(file.string() + ": cannot be read (" + std::strerror(errno) + ")");
  std::stringstream text;
  text << in.rdbuf();
  toml::table table;
  try {
    table = toml::parse(text.str(), file.string());
  } catch (const toml::parse_error& parse) {
    throw ConfigError(at_line(file, parse.source()) + ": " + std::string(parse.description()));
  }
  collect(file, table, "", values);
  return values;
}

const FileValues& file_values() {
  static const FileValues values = read_file(config_file_path());
  return values;
}

// The file is written from the key table, one [table] per group, in the table's order.
void write_file(const fs::path& file, const std::map<std::string, std::string, std::less<>>& values) {
  std::string text =
      "# docent settings; `docent config list` shows every key. `docent config set` rewrites this file\n"
      "# (comments are not kept).\n";
  std::string table = "\x01";  // no table yet
  for (const auto& key : kKeys) {
    auto found = values.find(key.name);
    if (found == values.end()) continue;
    auto dot = key.name.rfind('.');
    std::string group = dot == std::string_view::npos ? "" : std::string(key.name.substr(0, dot));
    std::string name(dot == std::string_view::npos ? key.name : key.name.substr(dot + 1));
    if (group != table) {
      text += group.empty() ? "\n" : "\n[" + group + "]\n";
      table = group;
    }
    std::ostringstream value;
    if (key.type == ConfigType::path) value << toml::value<std::string>(found->second);
    else value << found->second;
    text += name + " = " + value.str() + "\n";
  }
  std::error_code error;
  fs::create_directories(file.parent_path(), error);
  ::chmod(file.parent_path().c_str(), 0700);
  fs::path temporary = file;
  temporary += ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!out) throw ConfigError(file.string() + ": cannot be written (" + std::strerror(errno) + ")");
    ::chmod(temporary.c_str(), 0600);
    out << text;
    if (!out.flush()) throw ConfigError(file.string() + ": cannot be written (" + std::strerror(errno) + ")");
  }
  fs::rename(temporary, file, error);
  if (error) throw ConfigError(file.string() + ": cannot be replaced (" + error.message() + ")");
}

}  // namespace

std::span<const ConfigKey> config_keys() { return kKeys; }

const ConfigKey* find_config_key(std::string_view name) {
  for (const auto& key : kKeys)
    if (key.name == name) return &key;
  return nullptr;
}

std::string_view to_string(ConfigType type) {
  switch (type) {
    case ConfigType::path: return "path";
    case ConfigType::integer: return "integer";
    case ConfigType::number: return "number";
  }
  return "?";
}

std::string_view to_string(ConfigSource source) {
  switch (source) {
    case ConfigSource::flag: return "flag";
    case ConfigSource::environment: return "environment";
    case ConfigSource::file: return "config file";
    case ConfigSource::fallback: return "default";
  }
  return "?";
}

fs::path config_file_path() {
  // The XDG spec says a relative XDG_CONFIG_HOME is invalid and must be ignored.
  if (std::string base = env_value("XDG_CONFIG_HOME"); !base.empty() && base.front() == '/')
    return fs::path(base) / "docent" / "config.toml";
  std::string home = env_value("HOME");
  if (home.empty()) throw ConfigError("cannot find the config file: neither XDG_CONFIG_HOME nor HOME is set");
  return fs::path(home) / ".config" / "docent" / "config.toml";
}

ConfigValue resolve_config(std::string_view name, const std::optional<std::string>& flag) {
  const ConfigKey& key = key_or_throw(name);
  const auto& values = file_values().values;  // a broken file is reported even when a flag decides
  if (flag) return {*flag, ConfigSource::flag};
  if (std::string value = env_value(key.env); !value.empty()) {
    if (auto problem = type_problem(key, value); !problem.empty())
      throw ConfigError("$" + std::string(key.env) + ": " + problem);
    return {value, ConfigSource::environment};
  }
  if (auto found = values.find(name); found != values.end()) return {found->second, ConfigSource::file};
  return {std::string(key.fallback), ConfigSource::fallback};
}

long long config_integer(std::string_view key, const std::optional<std::string>& flag) {
  auto value = resolve_config(key, flag);
  try {
    return std::stoll(value.text);
  } catch (const std::exception&) {
    throw ConfigError(std::string(key) + ": '" + value.text + "' is out of range (from the " +
                      std::string(to_string(value.source)) + ")");
  }
}

double config_number(std::string_view key, const std::optional<std::string>& flag) {
  auto value = resolve_config(key, flag);
  try {
    return std::stod(value.text);
  } catch (const std::exception&) {
    throw ConfigError(std::string(key) + ": '" + value.text + "' is out of range (from the " +
                      std::string(to_string(value.source)) + ")");
  }
}

fs::path set_config_value(std::string_view name, const std::string& given) {
  const ConfigKey& key = key_or_throw(name);
  std::string text = given;
  if (key.type == ConfigType::path && text.starts_with("~/")) text = env_value("HOME") + text.substr(1);
  if (key.type == ConfigType::path && !text.empty()) text = fs::absolute(text).lexically_normal().string();
  if (auto problem = type_problem(key, text); !problem.empty()) throw ConfigError(std::string(name) + ": " + problem);
  const fs::path file = config_file_path();
  FileValues current = read_file(file);
  current.values[std::string(name)] = key.type == ConfigType::number ? number_text(std::stod(text)) : text;
  write_file(file, current.values);
  return file;
}

fs::path unset_config_value(std::string_view name) {
  key_or_throw(name);
  const fs::path file = config_file_path();
  FileValues current = read_file(file);
  if (current.values.erase(std::string(name)) == 0) return file;
  write_file(file, current.values);
  return file;
}

void apply_engine_threads() {
  if (!env_value("DOCENT_THREADS").empty()) return;  // the engine reads the variable itself
  if (long long threads = config_integer("engine.threads"); threads > 0) engine::set_engine_threads(static_cast<int>(threads));
}

}  // namespace docent::cli
