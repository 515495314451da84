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
  bool password_from_env = false;
  std::optional<std::string> embedder;
};

nlohmann::json report_json(const retrieval::FileReport& report) {
  return {{"path", report.path},       {"outcome", retrieval::to_string(report.outcome)},
          {"status", report.status},   {"reason", report.reason},
          {"pages", report.pages},     {"pages_without_text", report.pages_without_text},
          {"chunks", report.chunks}};
}

int run_ingest(const GlobalOptions& globals, const IngestFlags& flags, bool sync) {
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
  options.password = flags.password;
  if (flags.password_from_env) {
    if (const char* value = std::getenv("DOCENT_PDF_PASSWORD")) options.password = value;
  }
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
    print_error(report.path + ": " + (report.reason.empty() ? report.status : report.reason));
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
    char rate[64];
    std::snprintf(rate, sizeof rate, "%.1f s (%.1f pages/s)", summary.seconds,
                  summary.seconds > 0 ? summary.pages / summary.seconds : 0.0);
    std::cout << ". " << summary.pages << " pages, " << chunks << " chunks in " << rate << ".\n";
    if (summary.cancelled) std::cout << "Interrupted: the files finished so far are kept; run the command again to continue.\n";
  }
  if (summary.cancelled) return kInterrupted;
  if (summary.files.empty() && !sync) {
    print_error("no supported files found (PDF, .txt, .md)");
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
  command->add_option("--password", flags.password,
                      "Password for encrypted PDFs (tried on each; never stored or logged)")
      ->type_name("TEXT");
  command->add_flag("--password-env", flags.password_from_env,
                    "Read the PDF password from $DOCENT_PDF_PASSWORD (keeps it out of `ps`)");
}

const bool registered = register_command(10, [](CLI::App& app, GlobalOptions& globals, int& exit_code) {
  auto flags = std::make_shared<IngestFlags>();
  auto* ingest = app.add_subcommand("ingest", "Add files and folders (PDF, Markdown, text) to the library");
  ingest->add_option("paths", flags->paths, "Files or folders (folders are searched recursively)")
      ->required()
      ->type_name("PATH...");
  add_scan_flags(ingest, *flags);
  ingest->footer("Unchanged files (same content hash) are skipped without being parsed. A file that fails\n"
                 "(broken, encrypted without password) is recorded with its reason; the rest go on.\n"
                 "Exit 3 when some files failed.");
  ingest->callback([&globals, &exit_code, flags] { exit_code = run_ingest(globals, *flags, false); });

  auto sync_flags = std::make_shared<IngestFlags>();
  auto* sync = app.add_subcommand("sync", "Re-scan ingested folders: add new files, update changed ones, drop deleted ones");
  sync->add_option("paths", sync_flags->paths, "Folders or files to re-scan (default: everything ingested before)")
      ->type_name("PATH...");
  add_scan_flags(sync, *sync_flags);
  sync->callback([&globals, &exit_code, sync_flags] { exit_code = run_ingest(globals, *sync_flags, true); });
});

}  // namespace
}  // namespace docent::cli
