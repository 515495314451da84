// bench_ingest: our ingestion pipeline (hash + extract + clean + chunk + insert into a throw-away
// library) against plain `pdftotext FILE -` over the same PDFs, single-threaded.
//
//   bench_ingest [FOLDER | MANIFEST.tsv] [--rounds N] [--json]
//
// Default input: ../shared/data/pdfs/MANIFEST.tsv (passwords from its `password` column).
// Each round runs ours over every file, then pdftotext over every file; the best round of each
// is reported, which filters out noise from other work on a shared machine. The ratio is
// pages/s ours over pages/s pdftotext (goal >= 0.8). Wall time is the headline figure;
// CPU time (user+sys) is given too because it is less noisy.

#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "docent/ingest.hpp"
#include "docent/library.hpp"

extern char** environ;

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

struct InputFile {
  fs::path path;
  std::optional<std::string> password;
};

struct Timing {
  double wall_seconds = 0;
  double cpu_seconds = 0;
};

double cpu_seconds(const rusage& usage) {
  return double(usage.ru_utime.tv_sec) + double(usage.ru_utime.tv_usec) / 1e6 + double(usage.ru_stime.tv_sec) +
         double(usage.ru_stime.tv_usec) / 1e6;
}

std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> fields;
  std::size_t start = 0;
  while (true) {
    const std::size_t tab = line.find('\t', start);
    fields.push_back(line.substr(start, tab == std::string::npos ? std::string::npos : tab - start));
    if (tab == std::string::npos) return fields;
    start = tab + 1;
  }
}

std::vector<InputFile> read_inputs(const fs::path& where) {
  std::vector<InputFile> files;
  if (fs::is_directory(where)) {
    if (fs::exists(where / "MANIFEST.tsv")) return read_inputs(where / "MANIFEST.tsv");
    for (const auto& entry : fs::recursive_directory_iterator(where)) {
      if (entry.is_regular_file() && entry.path().extension() == ".pdf") files.push_back({entry.path(), std::nullopt});
    }
    std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
    return files;
  }
  std::ifstream in(where);
  if (!in) throw std::runtime_error(where.string() + ": cannot open");
  std::string line;
  std::getline(in, line);
  const auto header = split_tabs(line);
  const auto column = [&](const char* name) {
    const auto found = std::find(header.begin(), header.end(), name);
    if (found == header.end()) throw std::runtime_error(where.string() + ": no '" + name + "' column");
    return std::size_t(found - header.begin());
  };
  const std::size_t file_column = column("file");
  const std::size_t password_column = column("password");
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const auto fields = split_tabs(line);
    InputFile file{where.parent_path() / fields.at(file_column), std::nullopt};
    if (password_column < fields.size() && !fields[password_column].empty()) file.password = fields[password_column];
    files.push_back(std::move(file));
  }
  return files;
}

struct OursResult {
  Timing timing;
  long pages = 0;
  long chunks = 0;
  long documents_ok = 0;
  double extract_seconds = 0;  // part of the wall time spent in extract()
  double chunk_seconds = 0;
  double store_seconds = 0;
};

OursResult run_ours(const std::vector<InputFile>& files, const fs::path& library_dir) {
  fs::remove_all(library_dir);
  auto library = docent::index::Library::open(library_dir);
  const docent::ingest::ChunkOptions chunking;
  OursResult result;
  rusage before{}, after{};
  getrusage(RUSAGE_SELF, &before);
  const auto start = Clock::now();
  for (const InputFile& file : files) {
    docent::index::NewDocument record;
    auto& document = record.document;
    document.path = file.path.string();
    document.content_hash = docent::ingest::file_sha256(file.path);
    document.size_bytes = std::int64_t(fs::file_size(file.path));
    docent::ingest::ExtractOptions options;
    options.password = file.password;
    const auto t0 = Clock::now();
    const auto extracted = docent::ingest::extract(file.path, options);
    const auto t1 = Clock::now();
    document.title = extracted.title;
    document.status = extracted.status;
    document.error = extracted.error;
    document.page_count = int(extracted.pages.size());
    for (const auto& page : extracted.pages) {
      if (page.status == docent::ingest::PageStatus::no_text_layer) ++document.pages_without_text;
      record.pages.push_back({page.number, page.text, std::string(docent::ingest::to_string(page.status))});
    }
    if (extracted.status == docent::ingest::DocumentStatus::ok) {
      ++result.documents_ok;
      for (auto& chunk : docent::ingest::chunk_pages(extracted.pages, chunking, docent::ingest::approximate_token_count)) {
        docent::index::ChunkRecord stored;
        stored.ordinal = chunk.ordinal;
        stored.text = std::move(chunk.text);
        stored.first_page = chunk.first_page;
        stored.last_page = chunk.last_page;
        stored.start_offset = std::int64_t(chunk.start_offset);
        stored.end_offset = std::int64_t(chunk.end_offset);
        stored.token_count = std::int64_t(chunk.token_count);
        record.chunks.push_back(std::move(stored));
      }
    }
    document.chunk_count = std::int64_t(record.chunks.size());
    const auto t2 = Clock::now();
    library.put_document(record);
    const auto t3 = Clock::now();
    result.pages += document.page_count - document.pages_without_text;
    result.chunks += document.chunk_count;
    result.extract_seconds += std::chrono::duration<double>(t1 - t0).count();
    result.chunk_seconds += std::chrono::duration<double>(t2 - t1).count();
    result.store_seconds += std::chrono::duration<double>(t3 - t2).count();
  }
  result.timing.wall_seconds = std::chrono::duration<double>(Clock::now() - start).count();
  getrusage(RUSAGE_SELF, &after);
  result.timing.cpu_seconds = cpu_seconds(after) - cpu_seconds(before);
  return result;
}

// Runs `pdftotext [-upw PASSWORD] FILE -` with stdout and stderr sent to /dev/null.
// (No peak RSS for the children: Linux carries the parent's high-water mark into a spawned
// child's ru_maxrss, so the figure would be ours again.)
Timing run_pdftotext(const std::vector<InputFile>& files) {
  Timing timing;
  const auto start = Clock::now();
  for (const InputFile& file : files) {
    std::vector<std::string> arguments = {"pdftotext"};
    if (file.password) {
      arguments.push_back("-upw");
      arguments.push_back(*file.password);
    }
    arguments.push_back(file.path.string());
    arguments.push_back("-");
    std::vector<char*> argv;
    for (auto& argument : arguments) argv.push_back(argument.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    pid_t child = 0;
    const int failed = posix_spawnp(&child, "pdftotext", &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (failed != 0) throw std::runtime_error(std::string("cannot run pdftotext: ") + std::strerror(failed));
    int status = 0;
    rusage usage{};
    wait4(child, &status, 0, &usage);
    timing.cpu_seconds += cpu_seconds(usage);
  }
  timing.wall_seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return timing;
}

}  // namespace

int main(int argc, char** argv) {
  fs::path input = fs::path(DOCENT_SHARED_DIR) / "data/pdfs/MANIFEST.tsv";
  bool json = false;
  int rounds = 3;
  for (int i = 1; i < argc; ++i) {
    const std::string argument = argv[i];
    if (argument == "--json") {
      json = true;
    } else if (argument == "--rounds" && i + 1 < argc) {
      rounds = std::max(1, std::atoi(argv[++i]));
    } else if (argument == "--help" || argument == "-h") {
      std::cout << "usage: bench_ingest [FOLDER | MANIFEST.tsv] [--rounds N] [--json]\n";
      return 0;
    } else {
      input = argument;
    }
  }
  try {
    if (!fs::exists(input)) {
      std::cerr << "bench_ingest: " << input.string() << ": not found (pass a folder of PDFs or a MANIFEST.tsv)\n";
      return 2;
    }
    const auto files = read_inputs(input);
    if (files.empty()) {
      std::cerr << "bench_ingest: " << input.string() << ": no PDFs\n";
      return 2;
    }
    std::string pattern = (fs::temp_directory_path() / "docent-bench-ingest-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) throw std::runtime_error("cannot create a temporary folder");
    const fs::path scratch = pattern;

    std::optional<OursResult> best_ours;
    std::optional<Timing> best_pdftotext;
    for (int round = 0; round < rounds; ++round) {
      OursResult ours = run_ours(files, scratch / "library");
      if (!best_ours || ours.timing.wall_seconds < best_ours->timing.wall_seconds) best_ours = ours;
      const Timing reference = run_pdftotext(files);
      if (!best_pdftotext || reference.wall_seconds < best_pdftotext->wall_seconds) best_pdftotext = reference;
    }
    fs::remove_all(scratch);

    rusage self{};
    getrusage(RUSAGE_SELF, &self);
    const double pages = double(best_ours->pages);
    const double ours_rate = pages / best_ours->timing.wall_seconds;
    const double reference_rate = pages / best_pdftotext->wall_seconds;
    const double ratio = ours_rate / reference_rate;
    const double cpu_ratio = best_pdftotext->cpu_seconds / best_ours->timing.cpu_seconds;

    if (json) {
      nlohmann::json out = {
          {"input", input.string()},
          {"files", files.size()},
          {"documents_ok", best_ours->documents_ok},
          {"pages_with_text", best_ours->pages},
          {"chunks", best_ours->chunks},
          {"rounds", rounds},
          {"ours", {{"wall_seconds", best_ours->timing.wall_seconds},
                    {"cpu_seconds", best_ours->timing.cpu_seconds},
                    {"pages_per_second", ours_rate},
                    {"extract_seconds", best_ours->extract_seconds},
                    {"chunk_seconds", best_ours->chunk_seconds},
                    {"store_seconds", best_ours->store_seconds},
                    {"peak_rss_kb", self.ru_maxrss}}},
          {"pdftotext", {{"wall_seconds", best_pdftotext->wall_seconds},
                         {"cpu_seconds", best_pdftotext->cpu_seconds},
                         {"pages_per_second", reference_rate}}},
          {"ratio", ratio},
          {"cpu_ratio", cpu_ratio},
      };
      std::cout << out.dump(2) << "\n";
    } else {
      std::printf("input: %s (%zu files, %ld readable, %ld pages with text, %ld chunks), best of %d rounds\n",
                  input.c_str(), files.size(), best_ours->documents_ok, best_ours->pages, best_ours->chunks, rounds);
      std::printf("ours:      %7.3f s wall  %7.3f s cpu  %8.1f pages/s  (extract %.3f s, chunk %.3f s, store %.3f s)\n",
                  best_ours->timing.wall_seconds, best_ours->timing.cpu_seconds, ours_rate, best_ours->extract_seconds,
                  best_ours->chunk_seconds, best_ours->store_seconds);
      std::printf("pdftotext: %7.3f s wall  %7.3f s cpu  %8.1f pages/s\n", best_pdftotext->wall_seconds,
                  best_pdftotext->cpu_seconds, reference_rate);
      std::printf("ratio ours/pdftotext: %.2f (wall), %.2f (cpu)   goal >= 0.80\n", ratio, cpu_ratio);
      std::printf("peak RSS (ours, whole run): %.1f MiB\n", double(self.ru_maxrss) / 1024.0);
    }
  } catch (const std::exception& error) {
    std::cerr << "bench_ingest: " << error.what() << "\n";
    return 1;
  }
  return 0;
}
