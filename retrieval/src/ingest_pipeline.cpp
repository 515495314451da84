// Files -> extracted pages -> chunks -> one atomic write per document.
#include <chrono>
#include <ctime>
#include <set>
#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "docent/retrieval.hpp"

namespace docent::retrieval {
namespace fs = std::filesystem;

namespace {

constexpr const char* kRootsSetting = "ingest.roots";

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

bool is_failure(ingest::DocumentStatus status) {
  return status != ingest::DocumentStatus::ok && status != ingest::DocumentStatus::scanned;
}

// A document that failed only for want of a password is worth retrying when one is given.
bool worth_retrying(const index::DocumentRecord& existing, const IngestOptions& options) {
  if (existing.status == "needs_password" || existing.status == "wrong_password")
    return options.password.has_value();
  return false;
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
  document.status = std::string(ingest::to_string(extracted.status));
  document.error = extracted.error;
  document.ingested_at = utc_now_iso8601();
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
  document.status = std::string(ingest::to_string(ingest::DocumentStatus::ok));
  document.ingested_at = utc_now_iso8601();
  ingest::TextPageStream stream(path);
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
    document.status = std::string(ingest::to_string(ingest::DocumentStatus::broken));
    document.error = "file has no text";
  }
  document.id = writer.finish(document);
  document.chunk_count = next_ordinal;
  return document;
}

void remember_roots(index::Library& library, const std::vector<fs::path>& roots) {
  std::set<std::string> known;
  if (auto stored = library.setting(kRootsSetting)) {
    auto parsed = nlohmann::json::parse(*stored, nullptr, false);
    if (parsed.is_array())
      for (const auto& item : parsed)
        if (item.is_string()) known.insert(item.get<std::string>());
  }
  for (const auto& root : roots) {
    std::error_code error;
    auto absolute = fs::absolute(root, error).lexically_normal();
    if (!error && fs::exists(absolute, error)) known.insert(absolute.string());
  }
  library.set_setting(kRootsSetting, nlohmann::json(known).dump());
}

void record_chunk_settings(index::Library& library, const ingest::ChunkOptions& chunking) {
  if (library.setting("chunk.target_tokens")) return;
  library.set_setting("chunk.target_tokens", std::to_string(chunking.target_tokens));
  library.set_setting("chunk.max_tokens", std::to_string(chunking.max_tokens));
  library.set_setting("chunk.overlap_tokens", std::to_string(chunking.overlap_tokens));
  library.set_setting("chunk.token_counter", "approximate");
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

FileReport ingest_one(index::Library& library, const fs::path& path, const IngestOptions& options,
                      const ingest::TokenCounter& count, const std::optional<EmbeddingBinding>& binding) {
  FileReport report;
  report.path = path.string();
  FileFacts facts = stat_file(path);
  std::string hash;
  try {
    hash = ingest::file_sha256(path);
  } catch (const std::exception& error) {
    report.outcome = FileOutcome::failed;
    report.status = "unreadable";
    report.reason = error.what();
    return report;
  }
  auto existing = library.find_document(report.path);
  if (existing && existing->content_hash == hash && !worth_retrying(*existing, options)) {
    if (existing->mtime_ns != facts.mtime_ns) library.touch_document(existing->id, facts.mtime_ns);
    report.outcome = FileOutcome::unchanged;
    report.status = existing->status;
    report.reason = existing->error;
    report.pages = existing->page_count;
    report.pages_without_text = existing->pages_without_text;
    report.chunks = existing->chunk_count;
    return report;
  }

  if (ingest::is_text_file(path) && facts.size > kStreamTextAboveBytes) {
    try {
      const auto stored = store_text_streamed(library, path, hash, facts, options, count, binding);
      report.status = stored.status;
      report.reason = stored.error;
      report.pages = stored.page_count;
      report.pages_without_text = stored.pages_without_text;
      report.chunks = stored.chunk_count;
      report.outcome = stored.status != "ok" ? FileOutcome::failed : existing ? FileOutcome::updated : FileOutcome::added;
    } catch (const StreamCancelled&) {
      report.status = "cancelled";  // rolled back: the file is read again next time
    }
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
  library.put_document(record);

  report.status = record.document.status;
  report.reason = record.document.error;
  report.pages = record.document.page_count;
  report.pages_without_text = record.document.pages_without_text;
  report.chunks = record.document.chunk_count;
  if (is_failure(extracted.status)) report.outcome = FileOutcome::failed;
  else report.outcome = existing ? FileOutcome::updated : FileOutcome::added;
  return report;
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
    FileReport report = ingest_one(library, file, options, count, binding);
    if (report.status == "cancelled") {
      summary.cancelled = true;
      break;
    }
    tally(summary, report);
    if (report.outcome != FileOutcome::unchanged) summary.pages += report.pages;
    progress.files_done++;
    progress.pages_done += report.pages;
    progress.bytes_done += static_cast<std::uint64_t>(stat_file(file).size);
    if (options.on_file) options.on_file(report);
    if (options.on_progress) options.on_progress(progress);
    summary.files.push_back(std::move(report));
  }
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return summary;
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

IngestSummary ingest_paths(index::Library& library, const std::vector<fs::path>& roots,
                           const IngestOptions& options) {
  auto scanned = scan_paths(roots, options.scan);
  IngestSummary summary = run(library, scanned.files, options);
  for (const auto& missing : scanned.missing) {
    FileReport report;
    report.path = missing;
    report.outcome = FileOutcome::failed;
    report.status = "missing";
    report.reason = "no such file or folder";
    tally(summary, report);
    if (options.on_file) options.on_file(report);
    summary.files.push_back(std::move(report));
  }
  remember_roots(library, roots);
  return summary;
}

IngestSummary sync_library(index::Library& library, const std::vector<fs::path>& given_roots,
                           const IngestOptions& options) {
  std::vector<fs::path> roots = given_roots;
  if (roots.empty()) {
    if (auto stored = library.setting(kRootsSetting)) {
      auto parsed = nlohmann::json::parse(*stored, nullptr, false);
      if (parsed.is_array())
        for (const auto& item : parsed)
          if (item.is_string()) roots.emplace_back(item.get<std::string>());
    }
  }
  std::vector<fs::path> existing_roots;
  for (const auto& root : roots) {
    std::error_code error;
    if (fs::exists(root, error)) existing_roots.push_back(root);
  }
  auto scanned = scan_paths(existing_roots, options.scan);
  IngestSummary summary = run(library, scanned.files, options);
  if (summary.cancelled) return summary;

  // Deleted files: documents under a synced root whose file is gone.
  auto under_a_root = [&](const std::string& path) {
    for (const auto& root : roots) {
      std::string prefix = fs::absolute(root).lexically_normal().string();
      if (path == prefix || path.rfind(prefix + "/", 0) == 0) return true;
    }
    return false;
  };
  for (const auto& document : library.documents()) {
    std::error_code error;
    if (!under_a_root(document.path) || fs::exists(document.path, error)) continue;
    library.remove_document(document.id);
    FileReport report;
    report.path = document.path;
    report.outcome = FileOutcome::removed;
    report.status = document.status;
    tally(summary, report);
    if (options.on_file) options.on_file(report);
    summary.files.push_back(std::move(report));
  }
  return summary;
}

}  // namespace docent::retrieval
