#include "help_topics.hpp"

#include <array>
#include <cstdio>

#include "command.hpp"
#include "user_config.hpp"

namespace docent::cli {
namespace {

constexpr std::array kExitCodes = {
    ExitCodeRow{kOk, "success"},
    ExitCodeRow{kFailure, "failure (unreadable library or model, bad input file the command needed)"},
    ExitCodeRow{kUsage, "usage error (unknown command or flag, missing argument, bad config value)"},
    ExitCodeRow{kPartial, "partial: a batch finished but some files failed (each named on stderr)"},
    ExitCodeRow{kNotFound, "not found (no such document; search found nothing)"},
    ExitCodeRow{kBusy, "library busy: another docent process kept it locked past the wait"},
    ExitCodeRow{kInterrupted, "interrupted (Ctrl-C); work already committed is kept"},
};

constexpr std::array kEnvironment = {
    EnvironmentRow{"DOCENT_HOME", "library folder (config key `library`); --library overrides it"},
    EnvironmentRow{"XDG_DATA_HOME", "the library is $XDG_DATA_HOME/docent when neither of the above is set"},
    EnvironmentRow{"XDG_CONFIG_HOME", "the config file is $XDG_CONFIG_HOME/docent/config.toml (else ~/.config/...)"},
    EnvironmentRow{"XDG_STATE_HOME", "`chat` keeps its input history in $XDG_STATE_HOME/docent/history (else ~/.local/state/...)"},
    EnvironmentRow{"DOCENT_MODEL", "generator model (config key `generator.model`)"},
    EnvironmentRow{"DOCENT_EMBEDDER", "embedding model for `models add` without FILE (config key `embedder.model`)"},
    EnvironmentRow{"DOCENT_THREADS", "engine threads (config key `engine.threads`)"},
    EnvironmentRow{"DOCENT_API_KEY", "the key `docent serve` requires of its clients (as --api-key)"},
    EnvironmentRow{"DOCENT_PDF_PASSWORD", "a usual name for the variable `ingest --password-env VAR` reads the PDF password from"},
    EnvironmentRow{"NO_COLOR", "when set (to anything), no colour or other terminal codes are written"},
};

std::string exit_codes_text() {
  std::string text = "Every command exits with one of:\n\n";
  for (const auto& row : kExitCodes) {
    char line[160];
    std::snprintf(line, sizeof line, "  %-4d %.*s\n", row.code, static_cast<int>(row.meaning.size()), row.meaning.data());
    text += line;
  }
  return text;
}

std::string environment_text() {
  std::string text = "Variables docent reads:\n\n";
  for (const auto& row : kEnvironment) {
    char line[200];
    std::snprintf(line, sizeof line, "  %-20.*s %.*s\n", static_cast<int>(row.name.size()), row.name.data(),
                  static_cast<int>(row.meaning.size()), row.meaning.data());
    text += line;
  }
  return text;
}

std::string library_text() {
  return "The library is one folder holding one SQLite database (WAL): documents, pages, chunks, the\n"
         "FTS5 keyword index and, once an embedding model is bound, one vector per chunk. It lives in\n"
         "--library DIR, else $DOCENT_HOME, else the config key `library`, else $XDG_DATA_HOME/docent,\n"
         "else ~/.local/share/docent. Folders are created 0700 and files 0600; nothing leaves the machine.\n\n"
         "  docent ingest ~/papers        add files and folders (PDF, Word, OpenDocument, EPUB, HTML, Markdown, text; recursive)\n"
         "  docent sync                   re-scan what was ingested: new, changed and deleted files\n"
         "  docent list / status          what the library holds, and what failed and why\n"
         "  docent remove PATH|ID         drop documents (the files themselves are untouched)\n"
         "  docent check [--repair]       verify the library; --repair rebuilds derived data\n\n"
         "Each document is written in one transaction: after a crash or Ctrl-C it is either fully there\n"
         "or absent, and running the same `ingest` again completes the library. Unchanged files (same\n"
         "SHA-256) are never parsed again; a document read again keeps its id.\n\n"
         "sync re-scans each folder with the --include/--exclude filters it was ingested with and never\n"
         "deletes what it cannot see: a missing or unreadable folder is named and its documents kept\n"
         "(exit 3) until `docent remove` or `docent sync --prune`. What `remove` took out stays out of\n"
         "sync until it is ingested again. Linked folders are followed (each once); a file reached twice\n"
         "is one document. A library you may only read still lists, searches, answers and checks.\n";
}

std::string models_text() {
  return "docent runs models itself, on this machine: bring GGUF files (or Hugging Face folders, which\n"
         "`docent models import` converts). Nothing is downloaded.\n\n"
         "  generator  a decoder (Qwen2 / Llama family, e.g. DeepSeek-R1-Distill-Qwen) that writes answers\n"
         "             for `ask` and `chat`: --model FILE, else $DOCENT_MODEL, else the config key\n"
         "             `generator.model` (`docent config set generator.model FILE`). With none, answers\n"
         "             are extractive: the best-matching sentences, each cited.\n"
         "  embedder   an encoder (BERT family, e.g. bge-small) bound to the library with\n"
         "             `docent models add FILE`: every chunk gets a vector and search becomes hybrid.\n\n"
         "  docent models info FILE       architecture, shapes, quant types, memory needed\n"
         "  docent models quantize ...    re-encode a model's matrices (Q8_0, Q4_K, ...)\n";
}

std::string config_text() {
  std::string text =
      "Defaults live in $XDG_CONFIG_HOME/docent/config.toml (else ~/.config/docent/config.toml), a TOML\n"
      "file that `docent config set KEY VALUE` writes and `docent config path` names. A value comes\n"
      "from the command's flag, else the key's environment variable, else the file, else the built-in\n"
      "default; `docent config list` shows each key's value and where it came from. Example:\n\n"
      "  [generator]\n  model = \"/home/me/models/r1-distill-qwen-1.5b-q4_0.gguf\"\n\n"
      "  [generation]\n  temperature = 0.6\n  max_tokens = 1024\n\nKeys:\n\n";
  for (const auto& key : config_keys()) {
    char line[300];
    std::snprintf(line, sizeof line, "  %-24.*s %-8.*s default %-4.*s %.*s%s%.*s\n", static_cast<int>(key.name.size()),
                  key.name.data(), static_cast<int>(to_string(key.type).size()), to_string(key.type).data(),
                  static_cast<int>(key.fallback.empty() ? 1 : key.fallback.size()),
                  key.fallback.empty() ? "-" : key.fallback.data(), static_cast<int>(key.help.size()), key.help.data(),
                  key.env.empty() ? "" : "; $", static_cast<int>(key.env.size()), key.env.data());
    text += line;
  }
  return text;
}

constexpr std::array kTopics = {
    HelpTopic{"library", "where the library lives and how it is kept", library_text},
    HelpTopic{"models", "generator and embedding models, and how answers use them", models_text},
    HelpTopic{"config", "the config file, its keys and their precedence", config_text},
    HelpTopic{"environment", "environment variables docent reads", environment_text},
    HelpTopic{"exit-codes", "what each exit status means", exit_codes_text},
};

}  // namespace

std::span<const ExitCodeRow> exit_code_rows() { return kExitCodes; }
std::span<const EnvironmentRow> environment_rows() { return kEnvironment; }
std::span<const HelpTopic> help_topics() { return kTopics; }

const HelpTopic* find_help_topic(std::string_view name) {
  for (const auto& topic : kTopics)
    if (topic.name == name) return &topic;
  return nullptr;
}

}  // namespace docent::cli
