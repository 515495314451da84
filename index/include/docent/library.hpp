#pragma once
// docent::index — one library = one folder holding a SQLite database (WAL) with documents,
// pages, chunks, an FTS5 index over chunks and per-model vectors. SQLite types stay behind
// this header.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "docent/ingest.hpp"  // DocumentStatus: what ingest found is what the library stores

namespace docent::index {

// Errors the CLI maps to exit codes.
struct LibraryError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
struct LibraryBusy : LibraryError {  // another process holds the write lock past the wait
  using LibraryError::LibraryError;
};

// $DOCENT_HOME if set, else $XDG_DATA_HOME/docent, else ~/.local/share/docent.
// An explicit `--library DIR` wins over both.
std::filesystem::path resolve_library_dir(const std::optional<std::filesystem::path>& explicit_dir);

// The keys of Library::setting, in one list: every module names them through these.
namespace setting_key {
inline constexpr const char* kChunkTargetTokens = "chunk.target_tokens";
inline constexpr const char* kChunkMaxTokens = "chunk.max_tokens";
inline constexpr const char* kChunkOverlapTokens = "chunk.overlap_tokens";
inline constexpr const char* kChunkTokenCounter = "chunk.token_counter";  // what sized the chunks
inline constexpr const char* kEmbeddingModel = "embedding.model";         // id of the bound model
inline constexpr const char* kEmbeddingModelPath = "embedding.model_path";
inline constexpr const char* kEmbeddingModelFileStamp = "embedding.model_file_stamp";  // size:mtime when bound
inline constexpr const char* kIngestRoots = "ingest.roots";      // what sync re-scans, with its filters
inline constexpr const char* kIngestRemoved = "ingest.removed";  // what `remove` took out of those roots
}  // namespace setting_key

struct PageRecord {
  int number = 0;
  std::string text;
  std::string status;  // ingest::to_string(PageStatus): "ok" | "ocr" | "no_text_layer"
};

struct ChunkRecord {
  std::int64_t id = 0;  // assigned by the store
  int ordinal = 0;
  std::string text;
  int first_page = 0;
  int last_page = 0;
  std::int64_t start_offset = 0;
  std::int64_t end_offset = 0;
  std::int64_t token_count = 0;
  std::int64_t document_id = 0;  // set when read from the store; ignored when written
  bool from_ocr = false;  // some of its text was recognised from a page image
};

struct DocumentRecord {
  std::int64_t id = 0;
  std::string path;  // absolute, as given to ingest
  std::string title;
  std::string content_hash;  // sha256 hex
  std::int64_t size_bytes = 0;
  std::int64_t mtime_ns = 0;
  int page_count = 0;
  int pages_without_text = 0;
  std::int64_t chunk_count = 0;
  ingest::DocumentStatus status = ingest::DocumentStatus::ok;
  std::string error;
  std::string ingested_at;  // ISO 8601 UTC
  std::string unit = "page";  // ingest::to_string(PageUnit): what its page numbers count
};

// Everything about one document, written atomically.
struct NewDocument {
  DocumentRecord document;  // id and chunk_count ignored; empty ingested_at = now
  std::vector<PageRecord> pages;
  std::vector<ChunkRecord> chunks;  // ids ignored
  // Optional: one embedding per chunk (same order) for `vector_model_id`, written in the same
  // transaction. Leave empty to store the document without vectors.
  std::int64_t vector_model_id = 0;
  std::vector<std::vector<float>> vectors;
};

// One embedding model whose vectors live in the library.
struct EmbeddingModelRecord {
  std::int64_t id = 0;
  std::string name;
  std::string file_hash;  // sha256 hex of the model file
  int dimension = 0;
  std::string settings_json;  // pooling, normalisation, prefixes...; stored minified
  std::string created_at;     // ISO 8601 UTC
  // Changes whenever a vector of this model is added, replaced or removed: a saved vector
  // index records it to know whether it is stale.
  std::int64_t vector_generation = 0;
};

struct ChunkVector {
  std::int64_t chunk_id = 0;
  std::span<const float> values;
};

// All vectors of one model, row i (values[i*dimension ... (i+1)*dimension)) belongs to
// chunk_ids[i]; chunk ids ascending.
struct VectorMatrix {
  std::int64_t model_id = 0;
  int dimension = 0;
  std::int64_t vector_generation = 0;
  std::vector<std::int64_t> chunk_ids;
  std::vector<float> values;
};

struct KeywordHit {
  std::int64_t chunk_id = 0;
  std::int64_t document_id = 0;
  std::string path;
  std::string title;
  int first_page = 0;
  int last_page = 0;
  int ordinal = 0;
  std::string unit = "page";  // the document's page-like unit (ingest::to_string(PageUnit))
  bool from_ocr = false;      // the chunk's text was (partly) recognised from page images
  double score = 0;      // higher is better (negated FTS5 bm25)
  std::string snippet;   // with matches wrapped in highlight_open / highlight_close
  std::string text;      // full chunk text
};

struct SearchOptions {
  int limit = 10;
  std::string highlight_open = "[";
  std::string highlight_close = "]";
  int snippet_tokens = 24;  // FTS5 caps this at 64
  // bm25 column weights: chunk text and document title.
  double text_weight = 1.0;
  double title_weight = 1.0;
  // Drop very common English words from the query (kept when the query has nothing else).
  bool drop_stopwords = true;
};

struct LibraryStats {
  std::int64_t documents = 0;
  // Every document is in exactly one of these (ingest::is_failure decides): they add up.
  std::int64_t documents_ok = 0;
  std::int64_t documents_scanned = 0;  // opened, but no page has a text layer
  std::int64_t documents_failed = 0;   // needs_password, wrong_password, broken, unsupported
  std::int64_t pages = 0;
  std::int64_t pages_without_text = 0;
  std::int64_t chunks = 0;
  std::int64_t database_bytes = 0;
  int schema_version = 0;
};

// One inconsistency found by Library::check, e.g. a document whose pages are not all stored.
struct LibraryProblem {
  std::string kind;              // "database", "pages", "chunks", "search_index", "vectors"
  std::int64_t document_id = 0;  // 0 when the problem is not one document's
  std::string path;              // the document's path, when there is one
  std::string detail;            // one line, for people
};

struct CheckReport {
  std::int64_t documents = 0;
  std::int64_t chunks = 0;
  // FTS5's own integrity-check needs a connection that may write (it is issued as an INSERT,
  // changing nothing): false when the library was opened read_only and it did not run.
  bool search_postings_checked = false;
  std::vector<LibraryProblem> problems;
  bool consistent() const { return problems.empty(); }
};

struct RepairReport {
  std::vector<DocumentRecord> removed_documents;  // incomplete: the next ingest redoes them
  bool search_index_rebuilt = false;
};

class DocumentWriter;

// Not thread-safe: use one Library per thread (several may open the same folder; SQLite's
// locking and WAL keep them consistent, and writers queue for up to the busy timeout:
// 30 s, or $DOCENT_BUSY_TIMEOUT_MS).
class Library {
 public:
  enum class Mode { read_write, read_only };

  // Creates the folder (0700) and database (0600) if missing, runs migrations.
  // Throws LibraryError naming the file and reason if it cannot be opened. read_only never
  // creates, migrates or writes anything, works while another process writes, and works on a
  // library this process may not write; it also reads a library one upgrade behind when that
  // upgrade only changes how text is indexed (search then works as it did before the upgrade).
  // `on_upgrade` (may be empty) hears one line before an upgrade that rebuilds something large,
  // such as the keyword index.
  static Library open(const std::filesystem::path& dir, Mode mode = Mode::read_write,
                      const std::function<void(const std::string&)>& on_upgrade = {});
  // Whether this process may write the library in `dir` (its folder and its database); a
  // read-only one (folder 0555, database 0444, a read-only mount) is still opened read_only.
  static bool can_write(const std::filesystem::path& dir);
  // Same but in memory: for evaluations that must not touch the user's library.
  static Library open_in_memory();

  Library(Library&&) noexcept;
  Library& operator=(Library&&) noexcept;
  ~Library();

  const std::filesystem::path& dir() const;
  std::filesystem::path database_path() const;
  int schema_version() const;

  std::optional<DocumentRecord> find_document(const std::string& path) const;
  std::optional<DocumentRecord> document(std::int64_t id) const;
  std::vector<DocumentRecord> documents() const;
  // Documents whose content has this sha256 (copies, or one file under two names).
  std::vector<DocumentRecord> find_documents_by_hash(const std::string& content_hash) const;

  // Replaces any document with the same path, which keeps its id (a new document gets a new
  // one; ids of removed documents are never reused); one transaction; returns the id. Chunks
  // always get new ids. After a crash there is either the whole new document or the old one.
  // Throws LibraryBusy if another process keeps the write lock past the busy timeout.
  std::int64_t put_document(const NewDocument& document);
  // The same for a document too large to hold in memory: written in parts through the returned
  // DocumentWriter. `document`'s counts may be zero here; finish() stores the final ones.
  // `vector_model_id`: the embedding model of the vectors given to add(), or 0 for none. Until
  // the writer finishes, this Library must not be used for anything else that writes.
  DocumentWriter write_document(const DocumentRecord& document, std::int64_t vector_model_id = 0);
  // Records that an unchanged file was seen again (no content rewritten).
  void touch_document(std::int64_t id, std::int64_t mtime_ns);
  // Removes a document with its pages, chunks, FTS rows and vectors. False if absent.
  bool remove_document(std::int64_t id);

  std::vector<PageRecord> pages(std::int64_t document_id) const;
  std::vector<ChunkRecord> chunks(std::int64_t document_id) const;
  std::optional<ChunkRecord> chunk(std::int64_t chunk_id) const;

  // BM25 over chunk text and document title. The query is plain words; FTS5 syntax is
  // neutralised so user input can never be a syntax error.
  std::vector<KeywordHit> keyword_search(const std::string& query, const SearchOptions& options) const;

  LibraryStats stats() const;

  // ---- Consistency (`docent check`).
  // Read-only: SQLite's quick_check, each document's pages and chunks against its own counts,
  // the FTS5 index against the chunks (integrity-check and row counts), and for the bound
  // embedding model (setting "embedding.model") a vector for every chunk of ok documents.
  CheckReport check() const;
  // Removes documents the check finds incomplete (their files are ingested again next time)
  // and rebuilds the FTS5 index from the chunks, in one transaction. Cannot mend a database
  // SQLite itself reports corrupt: that problem stays in the next check.
  RepairReport repair();

  // Called once, the first time this process has to wait for another process's write lock
  // (e.g. to say "library busy, waiting..."); the wait then lasts up to `timeout_ms` per write
  // (negative: keep the library's timeout, $DOCENT_BUSY_TIMEOUT_MS or 30 s).
  void on_busy_wait(std::function<void()> notice, int timeout_ms);

  // Settings that built the library (chunk sizes, tokenizer, embedder...).
  std::optional<std::string> setting(const std::string& key) const;
  void set_setting(const std::string& key, const std::string& value);

  // Write many documents faster (one outer transaction); each put_document is still atomic
  // with respect to crashes only when batching is off. Used by evaluations on throw-away stores.
  // Inside a bulk write a failed put_document undoes only itself (a savepoint); other processes
  // see nothing until end_bulk, and a bulk write never ended is rolled back when the Library dies.
  void begin_bulk();
  void end_bulk();

  // ---- Vectors (one set per embedding model).
  // Returns the id of the model with this name, file hash and settings, registering it if new.
  // Throws LibraryError if it exists with another dimension.
  std::int64_t register_embedding_model(const std::string& name, const std::string& file_hash,
                                        int dimension, const std::string& settings_json = "{}");
  std::optional<EmbeddingModelRecord> find_embedding_model(const std::string& name,
                                                           const std::string& file_hash,
                                                           const std::string& settings_json = "{}") const;
  std::optional<EmbeddingModelRecord> embedding_model(std::int64_t model_id) const;
  std::vector<EmbeddingModelRecord> embedding_models() const;
  // Inserts or replaces vectors in one transaction; every vector must have the model's dimension
  // and every chunk must exist.
  void put_vectors(std::int64_t model_id, const std::vector<ChunkVector>& vectors);
  // Everything needed to build a vector index for the model.
  VectorMatrix vectors(std::int64_t model_id) const;
  std::int64_t count_chunks_without_vectors(std::int64_t model_id) const;
  // Chunks still lacking a vector for the model, lowest ids first, at most `limit`.
  std::vector<ChunkRecord> chunks_without_vectors(std::int64_t model_id, std::int64_t limit) const;
  std::int64_t vector_count(std::int64_t model_id) const;
  // Chunks with their document's path and title, as search hits (score 0, no snippet), in the
  // order given; ids that no longer exist are left out.
  std::vector<KeywordHit> describe_chunks(const std::vector<std::int64_t>& chunk_ids) const;

 private:
  struct Impl;
  explicit Library(std::unique_ptr<Impl> impl);
  std::int64_t put_document_unchecked(const NewDocument& document);
  std::unique_ptr<Impl> impl_;
};

// One document written in parts (Library::write_document), for files too large to hold in
// memory such as a 2 GB text file. Everything goes into one write transaction, which SQLite keeps
// on disk (changed pages spill to the WAL), not in memory: until finish() commits, other
// processes see the previous version of the document or none, and a crash, an exception or a
// writer destroyed unfinished rolls it all back -- the same all-or-nothing guarantee as
// put_document. Other writers wait (busy timeout) for the whole document; readers never wait.
class DocumentWriter {
 public:
  DocumentWriter(DocumentWriter&&) noexcept;
  DocumentWriter& operator=(DocumentWriter&&) = delete;
  ~DocumentWriter();  // rolls back unless finished

  // Appends pages and chunks (page numbers and chunk ordinals as given: unique within the
  // document) and, when `vectors` is not empty, one vector per chunk, same order. After an
  // exception the writer is spent: destroy it (which rolls back).
  void add(const std::vector<PageRecord>& pages, const std::vector<ChunkRecord>& chunks,
           const std::vector<std::vector<float>>& vectors = {});
  // Stores the final title, hash, page_count, pages_without_text, status and error, then
  // commits; returns the document id.
  std::int64_t finish(const DocumentRecord& document);

 private:
  friend class Library;
  struct Impl;
  explicit DocumentWriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// ===== section: vector index (FAISS behind a pimpl; owner: dense retrieval) =====

struct VectorHit {
  std::int64_t chunk_id = 0;
  float score = 0;  // inner product = cosine for L2-normalised vectors; higher is better
};

enum class VectorIndexKind { flat, hnsw };
std::string_view to_string(VectorIndexKind kind);

struct VectorIndexOptions {
  // At or above this many vectors an HNSW graph is built instead of exact (flat) search; see
  // vector_index.cpp for the measurement behind the default.
  std::int64_t hnsw_threshold = 100'000;
  std::optional<VectorIndexKind> force_kind;  // tests and benchmarks
  int hnsw_neighbours = 32;                   // HNSW M
  int hnsw_build_depth = 80;                  // efConstruction
  int hnsw_search_depth = 96;                 // efSearch: the default and the deepest a query may ask (raised to k when k is larger)
  bool save = true;                           // write the index file next to the database
};

// Settings of one query, passed per call so one index serves several threads at once.
struct VectorSearchOptions {
  int hnsw_search_depth = 0;  // efSearch, at most the index's VectorIndexOptions one; 0: that one
};

// How the index came to be: read from its file, or built from the vectors in SQLite (and why).
enum class VectorIndexOrigin { loaded, built_missing, built_stale, built_unreadable, built_in_memory };
std::string_view to_string(VectorIndexOrigin origin);

// A searchable index over one embedding model's vectors. Saved as
// <library>/vectors-<model id>.faiss (0600, written to a temporary file and renamed) with a
// stamp (format version, model id, file hash, dimension, vector generation, kind, checksum);
// a file whose stamp does not match the library, or that cannot be read, is rebuilt.
class VectorIndex {
 public:
  static VectorIndex open(const Library& library, std::int64_t model_id, const VectorIndexOptions& options = {});
  static std::filesystem::path file_for(const Library& library, std::int64_t model_id);

  VectorIndex(VectorIndex&&) noexcept;
  VectorIndex& operator=(VectorIndex&&) noexcept;
  ~VectorIndex();

  // Top `k` chunks by inner product. Throws LibraryError if the query has another dimension.
  // Changes nothing in the index: safe to call from several threads at once.
  std::vector<VectorHit> search(std::span<const float> query, int k, const VectorSearchOptions& options = {}) const;
  // Rebuilds (or reloads) when the library's vectors changed since; true if it did. Not while
  // another thread searches this index (share a fresh one instead: see is_current).
  bool refresh(const Library& library);
  // Whether the library's vectors for this model are still the ones indexed.
  bool is_current(const Library& library) const;

  std::int64_t model_id() const;
  int dimension() const;
  std::int64_t size() const;
  std::int64_t vector_generation() const;
  VectorIndexKind kind() const;
  VectorIndexOrigin origin() const;

 private:
  struct Impl;
  explicit VectorIndex(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Exact top-k by inner product over a matrix (ties: lower chunk id first). The reference the
// index is tested against.
std::vector<VectorHit> exact_vector_search(const VectorMatrix& matrix, std::span<const float> query, int k);

}  // namespace docent::index
