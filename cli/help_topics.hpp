#pragma once
// `docent help TOPIC` texts, the exit-code table and the environment variables: one place that
// the --help footer, `docent help` and the man page all print from.
#include <span>
#include <string>
#include <string_view>

namespace docent::cli {

struct ExitCodeRow {
  int code;
  std::string_view meaning;
};
std::span<const ExitCodeRow> exit_code_rows();

struct EnvironmentRow {
  std::string_view name, meaning;
};
std::span<const EnvironmentRow> environment_rows();

struct HelpTopic {
  std::string_view name;
  std::string_view summary;
  std::string (*text)();  // plain text, lines of at most ~100 columns
};
std::span<const HelpTopic> help_topics();
const HelpTopic* find_help_topic(std::string_view name);

}  // namespace docent::cli
