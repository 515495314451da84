// `docent ingest PATH...` and `docent sync [PATH...]`.
#include <iostream>

#include "command.hpp"
#include "docent/retrieval.hpp"
#include "output.hpp"

namespace docent::cli {
int embed_library_chunks(const GlobalOptions& globals, index::Library& library, const retrieval::EmbeddingBinding& binding);
namespace {

struct IngestFlags {
  std::vector<std::string> paths;
  std::vector<std::string> include, exclude;
  std::optional<std::string> password;
  std::optional<std::string> password_env;  // the name of the variable holding it
  std::optional<std::string> embedder;
  bool prune = false;
};

nlohmann::json report_json(const retrieval::FileReport& report) {
  nlohmann::json row = {{"path", display_path(report.path)},
                        {"outcome", retrieval::to_string(report.outcome)},
                        {"status", report.status ? nlohmann::json(ingest::to_string(*report.status)) : nlohmann::json()},
                        {"reason", report.reason},
                        {"pages", report.pages},
                        {"pages_without_text", report.pages_without_text},
                        {"chunks", report.chunks}};
  if (report.document_id != 0) row["id"] = report.document_id;
  return row;
}

// The password from --password, or from the variable --password-env names (a usage error
// naming it when it is not set).
std::optional<std::string> password_from(const IngestFlags& flags) {
  if (!flags.password_env) return flags.password;
  const char* value = std::getenv(flags.password_env->c_str());
  if (value == nullptr)
    throw CLI::ValidationError("--password-env", "the environment variable " + *flags.password_env + " is not set");
  if (*value == '\0')
    throw CLI::ValidationError("--password-env", "the environment variable " + *flags.password_env + " is empty");
  return std::string(value);
}

int run_ingest(const GlobalOptions& globals, const IngestFlags& flags, bool sync) {
  std::optional<std::string> password;
  try {
    password = password_from(flags);
  } catch (const CLI::ValidationError& error) {
    print_error(error.what());
    return kUsage;
  }
  auto library = open_library(globals, true);
  // Two ingests on one library take turns instead of failing: wait long (unless the user set
  // $DOCENT_BUSY_TIMEOUT_MS) and say once on stderr why nothing seems to happen.
  library.on_busy_wait([] { print_error("library busy, waiting for another docent process..."); },
                       std::getenv("DOCENT_BUSY_TIMEOUT_MS") ? -1 : 3600 * 1000);
  if (flags.embedder) {  // bind first, so the new documents are chunked and embedded with it
    auto binding = retrieval::bind_embedding_model(library, *flags.embedder);
    if (int code = embed_library_chunks(globals, library, binding); code != kOk) return code;
  }
  retrieval::IngestOptions options;
  options.scan.include_globs = flags.include;
  options.scan.exclude_globs = flags.exclude;
  options.filters_given = !flags.include.empty() || !flags.exclude.empty();
  options.prune = flags.prune;
  options.password = password;
  options.cancel = &interrupted();
  ProgressBar bar(stderr_is_terminal() && !globals.quiet && !globals.json);
  options.on_progress = [&](const retrieval::IngestProgress& progress) {
    double fraction = progress.bytes_total ? double(progress.bytes_done) / progress.bytes_total
                                           : double(progress.files_done) / std::max<std::size_t>(1, progress.files_total);
    std::string counts = std::to_string(progress.files_done) + "/" + std::to_string(progress.files_total) +
                         " files  " + std::to_string(progress.pages_done) + " pages";
    static auto started = std::chrono::steady_clock::now();
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    bar.update(fraction, counts, seconds > 0 ? progress.pages_done / seconds : 0, "pages",
               std::filesystem::path(progress.current_file).filename().string());
  };
  options.on_file = [&](const retrieval::FileReport& report) {
    if (report.outcome != retrieval::FileOutcome::failed) return;
    bar.finish();
    // One line per failed file, naming the file and the reason.
    const std::string status = report.status ? std::string(ingest::to_string(*report.status)) : "failed";
    print_error(display_path(report.path) + ": " + (report.reason.empty() ? status : report.reason));
  };
  options.on_progress(retrieval::IngestProgress{});

  std::vector<std::filesystem::path> roots(flags.paths.begin(), flags.paths.end());
  auto summary = sync ? retrieval::sync_library(library, roots, options)
                      : retrieval::ingest_paths(library, roots, options);
  bar.finish();

  if (globals.json) {
    nlohmann::json files = nlohmann::json::array();
    for (const auto& report : summary.files) files.push_back(report_json(report));
    print_json({{"library", library.dir().string()},
                {"files", files},
                {"added", summary.added},
                {"updated", summary.updated},
                {"unchanged", summary.unchanged},
                {"failed", summary.failed},
                {"removed", summary.removed},
                {"kept", summary.kept},
                {"pages", summary.pages},
                {"seconds", summary.seconds},
                {"cancelled", summary.cancelled}});
  } else {
    std::int64_t chunks = 0;
    for (const auto& report : summary.files)
      if (report.outcome == retrieval::FileOutcome::added || report.outcome == retrieval::FileOutcome::updated)
        chunks += report.chunks;
    std::cout << (sync ? "Synced " : "Ingested ") << summary.files.size() << " file(s): " << summary.added
              << " added, " << summary.updated << " updated, " << summary.unchanged << " unchanged, "
              << summary.failed << " failed";
    if (sync) std::cout << ", " << summary.removed << " removed";
    if (summary.kept) std::cout << ", " << summary.kept << " kept unseen";
    char rate[64];
    std::snprintf(rate, sizeof rate, "%.1f s (%.1f pages/s)", summary.seconds,
                  summary.seconds > 0 ? summary.pages / summary.seconds : 0.0);
    std::cout << ". " << summary.pages << " pages, " << chunks << " chunks in " << rate << ".\n";
    if (summary.cancelled) std::cout << "Interrupted: the files finished so far are kept; run the command again to continue.\n";
  }
  if (summary.cancelled) return kInterrupted;
  if (summary.files.empty() && !sync) {
    print_error("no supported files found (PDF, DOCX, ODT, EPUB, HTML, MHTML, .txt, .md)");
    return kNotFound;
  }
  return summary.failed ? kPartial : kOk;
}

void add_scan_flags(CLI::App* command, IngestFlags& flags) {
  command->add_option("--include", flags.include, "Only files matching this glob (repeatable), e.g. '*.pdf'")
      ->type_name("GLOB");
  command->add_option("--exclude", flags.exclude, "Skip files or folders matching this glob (repeatable), e.g. 'drafts/'")
      ->type_name("GLOB");
  command->add_option("--embedder", flags.embedder,
                      "Bind the library to this embedding model (GGUF BERT) first; new chunks get vectors")
      ->type_name("FILE");
  auto* password = command->add_option("--password", flags.password,
                                       "Password for encrypted PDFs (tried on each; never stored or logged)")
                       ->type_name("TEXT");
  command->add_option("--password-env", flags.password_env,
                      "Read the PDF password from the environment variable VAR (keeps it out of `ps`)")
      ->type_name("VAR")
      ->excludes(password);
}

const bool registered = register_command(10, [](CLI::App& app, GlobalOptions& globals, int& exit_code) {
  auto flags = std::make_shared<IngestFlags>();
  auto* ingest = app.add_subcommand("ingest", "Add files and folders (PDF, Word, OpenDocument, EPUB, HTML, Markdown, text) to the library");
  ingest->add_option("paths", flags->paths, "Files or folders (folders are searched recursively)")
      ->required()
      ->type_name("PATH...");
  add_scan_flags(ingest, *flags);
  ingest->footer("Unchanged files (same content hash) are skipped without being parsed; a file read again\n"
                 "keeps its document id. A file that fails (broken, encrypted without password, not a text\n"
                 "file) is recorded with its reason; one that cannot be opened (permission denied) is named;\n"
                 "the rest go on. Exit 3 when some files failed, also when they failed before and are unchanged.\n"
                 "Each path is remembered with its --include/--exclude filters for `sync`; ingesting a path\n"
                 "again brings back what `remove` took out under it. Symbolic links to folders are followed\n"
                 "(each folder once); a file reached twice (a link, a hard link) is one document.");
  ingest->callback([&globals, &exit_code, flags] { exit_code = run_ingest(globals, *flags, false); });

  auto sync_flags = std::make_shared<IngestFlags>();
  auto* sync = app.add_subcommand("sync", "Re-scan ingested folders: add new files, update changed ones, drop deleted ones");
  sync->add_option("paths", sync_flags->paths, "Folders or files to re-scan (default: everything ingested before)")
      ->type_name("PATH...");
  add_scan_flags(sync, *sync_flags);
  sync->add_flag("--prune", sync_flags->prune,
                 "Also remove the documents of folders that are missing or unreadable, and stop syncing them");
  sync->footer("Each folder is scanned with the --include/--exclude filters it was ingested with (filters\n"
               "given here replace them). What `docent remove` took out stays out. A document is removed only\n"
               "when its file is surely gone from a folder that could be read: a folder that is missing or\n"
               "unreadable (an unmounted drive, a renamed folder) is named, its documents are kept, and the\n"
               "exit code is 3; --prune removes them.");
  sync->callback([&globals, &exit_code, sync_flags] { exit_code = run_ingest(globals, *sync_flags, true); });
});

}  // namespace
}  // namespace docent::cli
