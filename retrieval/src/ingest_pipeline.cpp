// Files -> extracted pages -> chunks -> one atomic write per document.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <map>
#include <set>

#include "docent/retrieval.hpp"
#include "library_roots.hpp"

namespace docent::retrieval {
namespace fs = std::filesystem;

namespace {

std::string utc_now_iso8601() {
  std::time_t now = std::time(nullptr);
  std::tm parts{};
  gmtime_r(&now, &parts);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &parts);
  return buffer;
}

struct FileFacts {
  std::int64_t size = 0;
  std::int64_t mtime_ns = 0;
};

FileFacts stat_file(const fs::path& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return {};
  return {static_cast<std::int64_t>(info.st_size),
          static_cast<std::int64_t>(info.st_mtim.tv_sec) * 1'000'000'000 + info.st_mtim.tv_nsec};
}

// A document that failed only for want of a password is worth retrying when one is given.
bool worth_retrying(const index::DocumentRecord& existing, const IngestOptions& options) {
  using ingest::DocumentStatus;
  if (existing.status == DocumentStatus::needs_password || existing.status == DocumentStatus::wrong_password)
    return options.password.has_value();
  return false;
}

bool same_file(const fs::path& a, const fs::path& b) {
  struct stat first {}, second {};
  return ::stat(a.c_str(), &first) == 0 && ::stat(b.c_str(), &second) == 0 && first.st_dev == second.st_dev &&
         first.st_ino == second.st_ino;
}

// Why a file cannot be read, in a few words ("permission denied"), or empty when it can.
std::string unreadable_reason(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd >= 0) {
    ::close(fd);
    return {};
  }
  if (errno == EACCES || errno == EPERM) return "permission denied";
  if (errno == ENOENT) return "no such file or folder";
  return std::strerror(errno);
}

index::NewDocument to_record(const ingest::ExtractedDocument& extracted, const std::string& hash,
                             const FileFacts& facts, const ingest::ChunkOptions& chunking,
                             const ingest::TokenCounter& count) {
  index::NewDocument record;
  auto& document = record.document;
  document.path = extracted.path.string();
  document.title = extracted.title;
  document.content_hash = hash;
  document.size_bytes = facts.size;
  document.mtime_ns = facts.mtime_ns;
  document.page_count = static_cast<int>(extracted.pages.size());
  document.status = extracted.status;
  document.error = extracted.error;
  document.ingested_at = utc_now_iso8601();
  document.unit = std::string(ingest::to_string(extracted.unit));
  for (const auto& page : extracted.pages) {
    if (page.status == ingest::PageStatus::no_text_layer) ++document.pages_without_text;
    record.pages.push_back({page.number, page.text, std::string(ingest::to_string(page.status))});
  }
  if (extracted.status == ingest::DocumentStatus::ok) {
    record.chunks = chunk_records(extracted.pages, chunking, count);
  }
  document.chunk_count = static_cast<std::int64_t>(record.chunks.size());
  return record;
}

// Text files above this size are streamed (store_text_streamed) instead of read whole, so a
// 2 GB log costs the memory of a small note. Smaller ones keep the whole-document clean-ups
// (running headers/footers, which need every page at once). Both read the same pages.
constexpr std::int64_t kStreamTextAboveBytes = 4 << 20;
// Pages chunked (and embedded) together; a chunk never spans two batches. Pages are at most
// 64 KiB, so a batch is under 320 KiB of text.
constexpr std::size_t kStreamBatchBytes = 256 * 1024;

struct StreamCancelled {};

// One text file, page by page, into one DocumentWriter transaction: memory stays bounded by the
// batch whatever the file's size, and the document is still all-or-nothing after a crash.
index::DocumentRecord store_text_streamed(index::Library& library, const fs::path& path, const std::string& hash,
                                          const FileFacts& facts, const IngestOptions& options,
                                          const ingest::TokenCounter& count,
                                          const std::optional<EmbeddingBinding>& binding) {
  index::DocumentRecord document;
  document.path = path.string();
  document.content_hash = hash;
  document.size_bytes = facts.size;
  document.mtime_ns = facts.mtime_ns;
  document.status = ingest::DocumentStatus::ok;
  document.ingested_at = utc_now_iso8601();
  ingest::TextPageStream stream(path);
  if (!stream.not_text_reason().empty()) {
    document.status = ingest::DocumentStatus::unsupported;
    document.error = stream.not_text_reason();
    index::NewDocument record;
    record.document = document;
    document.id = library.put_document(record);
    return document;
  }
  index::DocumentWriter writer = library.write_document(document, binding ? binding->model_id : 0);

  std::vector<ingest::Page> batch;
  std::size_t batch_bytes = 0;
  int next_ordinal = 0;
  std::int64_t batch_offset = 0;  // of the batch's first page in the joined document text
  auto store_batch = [&] {
    if (batch.empty()) return;
    if (options.cancel && options.cancel->load()) throw StreamCancelled{};
    std::vector<index::PageRecord> pages;
    for (const auto& page : batch) {
      if (page.status == ingest::PageStatus::no_text_layer) ++document.pages_without_text;
      pages.push_back({page.number, page.text, std::string(ingest::to_string(page.status))});
    }
    auto chunks = chunk_records(batch, options.chunking, count);
    for (auto& chunk : chunks) {
      chunk.ordinal += next_ordinal;
      chunk.start_offset += batch_offset;
      chunk.end_offset += batch_offset;
    }
    next_ordinal += static_cast<int>(chunks.size());
    std::vector<std::vector<float>> vectors;
    if (binding && !chunks.empty()) {
      std::vector<std::string> texts;
      for (const auto& chunk : chunks) texts.push_back(chunk.text);
      vectors = binding->embedder->embed(texts);
    }
    writer.add(pages, chunks, vectors);
    for (const auto& page : batch)
      batch_offset += static_cast<std::int64_t>(page.text.size() + ingest::kPageSeparator.size());
    document.page_count += static_cast<int>(batch.size());
    batch.clear();
    batch_bytes = 0;
  };
  while (auto page = stream.next()) {
    batch_bytes += page->text.size();
    batch.push_back(std::move(*page));
    if (batch_bytes >= kStreamBatchBytes) store_batch();
  }
  store_batch();
  document.title = stream.title();
  if (stream.pages_with_text() == 0) {
    document.status = ingest::DocumentStatus::broken;
    document.error = "file has no text";
  }
  document.id = writer.finish(document);
  document.chunk_count = next_ordinal;
  return document;
}

void record_chunk_settings(index::Library& library, const ingest::ChunkOptions& chunking) {
  namespace key = index::setting_key;
  const std::string counter = token_counter_name(library);
  if (library.setting(key::kChunkTokenCounter) != counter) library.set_setting(key::kChunkTokenCounter, counter);
  if (library.setting(key::kChunkTargetTokens)) return;
  library.set_setting(key::kChunkTargetTokens, std::to_string(chunking.target_tokens));
  library.set_setting(key::kChunkMaxTokens, std::to_string(chunking.max_tokens));
  library.set_setting(key::kChunkOverlapTokens, std::to_string(chunking.overlap_tokens));
}

void tally(IngestSummary& summary, const FileReport& report) {
  switch (report.outcome) {
    case FileOutcome::added: ++summary.added; break;
    case FileOutcome::updated: ++summary.updated; break;
    case FileOutcome::unchanged: ++summary.unchanged; break;
    case FileOutcome::failed: ++summary.failed; break;
    case FileOutcome::removed: ++summary.removed; break;
  }
}

void describe(FileReport& report, const index::DocumentRecord& document) {
  report.status = document.status;
  report.reason = document.error;
  report.pages = document.page_count;
  report.pages_without_text = document.pages_without_text;
  report.chunks = document.chunk_count;
  report.document_id = document.id;
}

// A file already stored, with the same content, needs no work: unchanged, or failed again when
// it could not be read before (a batch with failed files keeps saying so).
FileReport seen_before(const index::DocumentRecord& document, const std::string& path) {
  FileReport report;
  report.path = path;
  describe(report, document);
  report.outcome = ingest::is_failure(document.status) ? FileOutcome::failed : FileOutcome::unchanged;
  return report;
}

FileReport ingest_one(index::Library& library, const fs::path& path, const IngestOptions& options,
                      const ingest::TokenCounter& count, const std::optional<EmbeddingBinding>& binding) {
  FileReport report;
  report.path = path.string();
  report.outcome = FileOutcome::failed;
  if (std::string reason = unreadable_reason(path); !reason.empty()) {
    report.reason = reason;  // nothing stored: a document read before keeps its text
    return report;
  }
  FileFacts facts = stat_file(path);
  std::string hash;
  try {
    hash = ingest::file_sha256(path);
  } catch (const std::exception& error) {
    report.reason = error.what();
    return report;
  }
  auto existing = library.find_document(report.path);
  if (existing && existing->content_hash == hash && !worth_retrying(*existing, options)) {
    if (existing->mtime_ns != facts.mtime_ns) library.touch_document(existing->id, facts.mtime_ns);
    return seen_before(*existing, report.path);
  }
  if (!existing) {
    // The same file under another name (a hard link, a link ingested before): one document.
    for (const auto& other : library.find_documents_by_hash(hash))
      if (same_file(other.path, path) && !worth_retrying(other, options)) {
        FileReport same = seen_before(other, report.path);
        if (same.outcome == FileOutcome::unchanged) same.reason = "the same file as " + other.path;
        return same;
      }
  }

  if (ingest::is_text_file(path) && facts.size > kStreamTextAboveBytes) {
    const auto stored = store_text_streamed(library, path, hash, facts, options, count, binding);
    describe(report, stored);
    report.outcome = ingest::is_failure(stored.status) ? FileOutcome::failed
                     : existing                        ? FileOutcome::updated
                                                       : FileOutcome::added;
    return report;
  }

  ingest::ExtractOptions extract_options;
  extract_options.password = options.password;
  auto extracted = ingest::extract(path, extract_options);
  auto record = to_record(extracted, hash, facts, options.chunking, count);
  if (binding && !record.chunks.empty()) {
    // Vectors go in the same transaction as the chunks: a document is never searchable by
    // keywords but missing from dense results.
    std::vector<std::string> texts;
    for (const auto& chunk : record.chunks) texts.push_back(chunk.text);
    record.vectors = binding->embedder->embed(texts);
    record.vector_model_id = binding->model_id;
  }
  record.document.id = library.put_document(record);
  describe(report, record.document);
  if (ingest::is_failure(extracted.status)) report.outcome = FileOutcome::failed;
  else report.outcome = existing ? FileOutcome::updated : FileOutcome::added;
  return report;
}

void report_file(IngestSummary& summary, const IngestOptions& options, FileReport report) {
  tally(summary, report);
  if (options.on_file) options.on_file(report);
  summary.files.push_back(std::move(report));
}

IngestSummary run(index::Library& library, const std::vector<fs::path>& files,
                  const IngestOptions& options) {
  IngestSummary summary;
  auto started = std::chrono::steady_clock::now();
  auto binding = bound_embedder(library);
  auto count = token_counter_for(library);
  record_chunk_settings(library, options.chunking);

  IngestProgress progress;
  progress.files_total = files.size();
  for (const auto& file : files) progress.bytes_total += static_cast<std::uint64_t>(stat_file(file).size);

  for (const auto& file : files) {
    if (options.cancel && options.cancel->load()) {
      summary.cancelled = true;
      break;
    }
    progress.current_file = file.string();
    FileReport report;
    try {
      report = ingest_one(library, file, options, count, binding);
    } catch (const StreamCancelled&) {
      summary.cancelled = true;  // rolled back: the file is read again next time
      break;
    }
    if (report.outcome == FileOutcome::added || report.outcome == FileOutcome::updated) summary.pages += report.pages;
    progress.files_done++;
    progress.pages_done += report.pages;
    progress.bytes_done += static_cast<std::uint64_t>(stat_file(file).size);
    report_file(summary, options, std::move(report));
    if (options.on_progress) options.on_progress(progress);
  }
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return summary;
}

FileReport problem_report(const ScanProblem& problem) {
  FileReport report;
  report.path = problem.path;
  report.outcome = FileOutcome::failed;
  if (problem.kind == ScanProblemKind::unsupported) report.status = ingest::DocumentStatus::unsupported;
  report.reason = problem.reason;
  return report;
}

// What `remove` took out stays out, except at or under a path the user names again.
std::vector<fs::path> still_removed(const LibraryRoots& stored, const std::vector<ScanRoot>& roots) {
  std::vector<fs::path> skip;
  for (const auto& removed : stored.removed) {
    bool named_again = false;
    for (const auto& root : roots) named_again |= detail::at_or_under(removed.native(), root.path.native());
    if (!named_again) skip.push_back(removed);
  }
  return skip;
}

// Roots worth re-scanning later: folders, and files of a type docent reads.
std::vector<ScanRoot> rememberable(const std::vector<ScanRoot>& roots) {
  std::vector<ScanRoot> kept;
  for (const auto& root : roots) {
    std::error_code error;
    const auto status = fs::status(root.path, error);
    if (error) continue;
    if (fs::is_directory(status) || (fs::is_regular_file(status) && ingest::is_supported(root.path))) kept.push_back(root);
  }
  return kept;
}

}  // namespace

std::vector<index::ChunkRecord> chunk_records(const std::vector<ingest::Page>& pages,
                                              const ingest::ChunkOptions& options, const ingest::TokenCounter& count) {
  std::vector<index::ChunkRecord> records;
  for (auto& chunk : ingest::chunk_pages(pages, options, count)) {
    index::ChunkRecord stored;
    stored.ordinal = chunk.ordinal;
    stored.text = std::move(chunk.text);
    stored.first_page = chunk.first_page;
    stored.last_page = chunk.last_page;
    stored.start_offset = static_cast<std::int64_t>(chunk.start_offset);
    stored.end_offset = static_cast<std::int64_t>(chunk.end_offset);
    stored.token_count = static_cast<std::int64_t>(chunk.token_count);
    records.push_back(std::move(stored));
  }
  return records;
}

std::string_view to_string(FileOutcome outcome) {
  switch (outcome) {
    case FileOutcome::added: return "added";
    case FileOutcome::updated: return "updated";
    case FileOutcome::unchanged: return "unchanged";
    case FileOutcome::failed: return "failed";
    case FileOutcome::removed: return "removed";
  }
  return "unknown";
}

ingest::TokenCounter token_counter_for(const index::Library& library) {
  // Chunks are sized with the bound embedder's own tokenizer so none is truncated when embedded
  // (the model is loaded once per process: TextEmbedder caches it).
  if (auto binding = bound_embedder(library)) {
    auto embedder = binding->embedder;
    return [embedder](std::string_view text) { return embedder->count_tokens(text); };
  }
  return [](std::string_view text) { return ingest::approximate_token_count(text); };
}

std::string token_counter_name(const index::Library& library) {
  if (auto model = bound_embedding_model(library)) return model->name + " tokenizer";
  return "approximate";
}

IngestSummary ingest_paths(index::Library& library, const std::vector<fs::path>& given,
                           const IngestOptions& options) {
  std::vector<ScanRoot> roots;
  for (const auto& path : given) roots.push_back({detail::normal_path(path), options.scan});
  const auto scanned = scan_paths(roots, still_removed(library_roots(library), roots));
  IngestSummary summary = run(library, scanned.files, options);
  if (summary.cancelled) return summary;
  for (const auto& problem : scanned.problems) report_file(summary, options, problem_report(problem));
  detail::remember_roots(library, rememberable(roots), /*wanted_again=*/true);
  return summary;
}

namespace {

// The roots one sync scans: the ones asked for (each with the filters of the root it belongs
// to), else all of them; flags given replace the filters.
std::vector<ScanRoot> roots_to_sync(const LibraryRoots& stored, const std::vector<fs::path>& given,
                                    const IngestOptions& options) {
  std::vector<ScanRoot> roots;
  if (given.empty()) {
    roots = stored.roots;
  } else {
    for (const auto& path : given) {
      ScanRoot root{detail::normal_path(path), options.scan};
      bool known_root = false;
      for (const auto& known : stored.roots)
        if (detail::at_or_under(root.path.native(), known.path.native())) {
          root.filters = known.filters;
          known_root |= known.path == root.path;
        }
      // Something `remove` took out stays out; only ingest brings it back.
      const bool removed = std::any_of(stored.removed.begin(), stored.removed.end(), [&](const fs::path& r) {
        return detail::at_or_under(root.path.native(), r.native());
      });
      if (known_root || !removed) roots.push_back(std::move(root));
    }
  }
  if (options.filters_given)
    for (auto& root : roots) root.filters = options.scan;
  return roots;
}

// How a document's file looks now. `gone` only when it is surely gone: its nearest existing
// folder could be read. Otherwise (a link to an unmounted drive) it may be there unseen.
enum class FileState { present, gone, behind_missing_link };

FileState file_state(const fs::path& path, fs::path& missing_link) {
  struct stat info {};
  if (::lstat(path.c_str(), &info) == 0) {
    if (!S_ISLNK(info.st_mode) || ::stat(path.c_str(), &info) == 0) return FileState::present;
    missing_link = path;
    return FileState::behind_missing_link;
  }
  if (errno != ENOENT) return FileState::present;  // there, but not for us to see: keep it
  for (fs::path folder = path.parent_path(); !folder.empty() && folder != folder.parent_path(); folder = folder.parent_path()) {
    if (::lstat(folder.c_str(), &info) != 0) continue;
    if (S_ISLNK(info.st_mode) && ::stat(folder.c_str(), &info) != 0) {
      missing_link = folder;
      return FileState::behind_missing_link;
    }
    return FileState::gone;
  }
  return FileState::gone;
}

FileReport removed_report(const index::DocumentRecord& document) {
  FileReport report;
  report.path = document.path;
  report.outcome = FileOutcome::removed;
  report.status = document.status;
  report.document_id = document.id;
  return report;
}

std::string documents_phrase(std::size_t count) {
  return std::to_string(count) + (count == 1 ? " document" : " documents");
}

}  // namespace

IngestSummary sync_library(index::Library& library, const std::vector<fs::path>& given,
                           const IngestOptions& options) {
  const LibraryRoots stored = library_roots(library);
  const std::vector<ScanRoot> roots = roots_to_sync(stored, given, options);
  const auto scanned = scan_paths(roots, stored.removed);
  IngestSummary summary = run(library, scanned.files, options);
  if (summary.cancelled) return summary;

  const auto documents = library.documents();
  const auto documents_under = [&](const fs::path& folder) {
    std::vector<index::DocumentRecord> found;
    for (const auto& d : documents)
      if (detail::at_or_under(d.path, folder.native())) found.push_back(d);
    return found;
  };
  // A root that cannot be seen keeps its documents, unless --prune.
  std::vector<fs::path> unseen_roots, pruned_roots;
  for (const auto& problem : scanned.problems) {
    const bool is_root =
        std::any_of(roots.begin(), roots.end(), [&](const ScanRoot& root) { return root.path.native() == problem.path; });
    FileReport report = problem_report(problem);
    if (is_root && problem.kind != ScanProblemKind::unsupported) {
      unseen_roots.emplace_back(problem.path);
      const auto under = documents_under(problem.path);
      if (options.prune) {
        pruned_roots.emplace_back(problem.path);
        report.reason += "; pruned: " + documents_phrase(under.size()) + " removed";
        report_file(summary, options, std::move(report));
        for (const auto& d : under)
          if (library.remove_document(d.id)) report_file(summary, options, removed_report(d));
        continue;
      }
      summary.kept += under.size();
      if (!under.empty()) report.reason += "; its " + documents_phrase(under.size()) + " kept (sync --prune removes them)";
    }
    report_file(summary, options, std::move(report));
  }
  if (!pruned_roots.empty()) detail::forget_roots(library, pruned_roots);

  // Documents whose file is surely gone from a root that was read go; the rest stay.
  const std::set<std::string> found(scanned.files.begin(), scanned.files.end());
  std::map<std::string, std::size_t> kept_behind_links;
  for (const auto& d : documents) {
    if (found.count(d.path)) continue;
    const auto in = [&](const std::vector<fs::path>& folders) {
      return std::any_of(folders.begin(), folders.end(), [&](const fs::path& f) { return detail::at_or_under(d.path, f.native()); });
    };
    const bool under_a_root =
        std::any_of(roots.begin(), roots.end(), [&](const ScanRoot& root) { return detail::at_or_under(d.path, root.path.native()); });
    if (!under_a_root || in(unseen_roots) || in(scanned.unseen)) continue;
    fs::path missing_link;
    switch (file_state(d.path, missing_link)) {
      case FileState::present: break;
      case FileState::gone:
        if (library.remove_document(d.id)) report_file(summary, options, removed_report(d));
        break;
      case FileState::behind_missing_link: ++kept_behind_links[missing_link.string()]; break;
    }
  }
  for (const auto& [link, count] : kept_behind_links) {
    FileReport report;
    report.path = link;
    report.outcome = FileOutcome::failed;
    report.reason = "symbolic link to something missing; " + documents_phrase(count) + " kept";
    summary.kept += count;
    report_file(summary, options, std::move(report));
  }
  // New roots named here are remembered, and so are new filters for known ones; a folder
  // inside a known root is part of it, not a root of its own.
  std::vector<ScanRoot> remember;
  for (const auto& root : rememberable(roots)) {
    if (std::find(pruned_roots.begin(), pruned_roots.end(), root.path) != pruned_roots.end()) continue;
    bool inside = false, known = false;
    for (const auto& other : stored.roots) {
      known |= other.path == root.path;
      inside |= other.path != root.path && detail::at_or_under(root.path.native(), other.path.native());
    }
    if ((!known && !inside) || (known && options.filters_given)) remember.push_back(root);
  }
  if (!remember.empty()) detail::remember_roots(library, remember, /*wanted_again=*/false);
  return summary;
}

}  // namespace docent::retrieval
