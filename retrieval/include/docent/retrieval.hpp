#pragma once
// docent::retrieval — puts files into a library, finds passages, evaluates retrieval.
// Sits above ingest, index and engine; the CLI talks to this module.

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "docent/ingest.hpp"
#include "docent/library.hpp"

namespace docent::engine {
class Model;
}

namespace docent::retrieval {

// ---- embeddings (a library may be bound to one embedding model at a time) ----

// An embedding model file, loaded once per process (cached by path, size and mtime).
class TextEmbedder {
 public:
  // Throws std::runtime_error("<file>: <reason>") for a missing, unreadable or non-encoder file.
  static std::shared_ptr<const TextEmbedder> load(const std::filesystem::path& file);
  ~TextEmbedder();

  const std::filesystem::path& path() const;
  const std::string& name() const;       // the model's own name, else the file name
  const std::string& file_hash() const;  // sha256 hex
  int dimension() const;
  int max_tokens() const;
  std::string settings_json() const;     // pooling, normalisation, input limit
  std::size_t count_tokens(std::string_view text) const;
  // L2-normalised vectors, computed in batches of kEmbeddingBatch texts.
  std::vector<std::vector<float>> embed(const std::vector<std::string>& texts) const;

  struct State;
  explicit TextEmbedder(std::unique_ptr<State> state);

 private:
  std::unique_ptr<State> state_;
};
inline constexpr std::size_t kEmbeddingBatch = 16;

struct EmbeddingBinding {
  std::int64_t model_id = 0;
  std::shared_ptr<const TextEmbedder> embedder;
};

// Registers the model in the library and makes it the library's embedder (settings
// "embedding.model" = model id, "embedding.model_path" = the file). Vectors are not computed here.
EmbeddingBinding bind_embedding_model(index::Library& library, const std::filesystem::path& file);
// The embedder the library is bound to, or nullopt for a keyword-only library. Throws
// std::runtime_error when the bound file is gone or no longer matches the registered hash.
std::optional<EmbeddingBinding> bound_embedder(const index::Library& library);
// The registered model the library is bound to, without loading its file; nothing for a
// keyword-only library or a binding to a model that is not registered.
std::optional<index::EmbeddingModelRecord> bound_embedding_model(const index::Library& library);

struct EmbedProgress {
  std::int64_t done = 0;
  std::int64_t total = 0;
};
struct EmbedSummary {
  std::int64_t model_id = 0;
  std::int64_t embedded = 0;
  std::int64_t remaining = 0;  // chunks still without a vector (nonzero only when cancelled)
  double seconds = 0;
  bool cancelled = false;
};
// Embeds every chunk lacking a vector for the binding's model, from the stored chunk text (no
// file is parsed again); each batch is committed on its own, so an interrupted run keeps its
// work and the next run completes it.
EmbedSummary embed_missing_chunks(index::Library& library, const EmbeddingBinding& binding,
                                  const std::function<void(const EmbedProgress&)>& on_progress = {},
                                  const std::atomic<bool>* cancel = nullptr);

// ---- adding files to a library ----

struct ScanOptions {
  std::vector<std::string> include_globs;  // e.g. "*.pdf"; empty = every supported type
  std::vector<std::string> exclude_globs;  // matched against the path relative to the scanned root
};

// A file or folder to scan, with its own filters.
struct ScanRoot {
  std::filesystem::path path;
  ScanOptions filters;
};

enum class ScanProblemKind { missing, permission_denied, unsupported, unreadable };
std::string_view to_string(ScanProblemKind kind);

struct ScanProblem {
  std::string path;
  ScanProblemKind kind = ScanProblemKind::missing;
  std::string reason;  // one line: "no such file or folder", "permission denied", ...
};

// Expands files and folders (recursively) into the supported files they contain, sorted.
// Symbolic links to folders are followed and each folder is entered once, so links that loop
// end; a file reached by two routes (a link, a hard link, overlapping roots) is listed once.
// Hidden entries are left out, and so is everything in `skip` (absolute) inside a root.
struct ScanResult {
  std::vector<std::filesystem::path> files;
  // Roots that do not exist, folders that cannot be listed, unsupported files named as roots.
  std::vector<ScanProblem> problems;
  // Roots and folders whose content could not be listed: files there may exist unseen.
  std::vector<std::filesystem::path> unseen;
};
ScanResult scan_paths(const std::vector<ScanRoot>& roots, const std::vector<std::filesystem::path>& skip = {});
// Every root with the same filters.
ScanResult scan_paths(const std::vector<std::filesystem::path>& roots, const ScanOptions& options);

// Shell-style glob: '*' (no '/'), '**' (any, including '/'), '?', and [abc] classes.
bool glob_match(std::string_view pattern, std::string_view path);

enum class FileOutcome {
  added,      // new document stored
  updated,    // content changed: chunks replaced
  unchanged,  // same content hash and a readable document: nothing rewritten, nothing parsed
  failed,     // could not be read (recorded with its reason when it became a document)
  removed,    // sync: the file no longer exists, or --prune dropped it
};
std::string_view to_string(FileOutcome outcome);

struct FileReport {
  std::string path;
  FileOutcome outcome = FileOutcome::added;
  // The document's status; none when the file never became one (missing, permission denied).
  std::optional<ingest::DocumentStatus> status;
  std::string reason;  // one line, for failures
  int pages = 0;
  int pages_without_text = 0;
  std::int64_t chunks = 0;
  std::int64_t document_id = 0;  // 0 when there is no document
};

struct IngestProgress {
  std::size_t files_done = 0;
  std::size_t files_total = 0;
  std::int64_t pages_done = 0;
  std::uint64_t bytes_done = 0;  // for the ETA: file sizes are known before parsing, pages are not
  std::uint64_t bytes_total = 0;
  std::string current_file;
};

struct IngestOptions {
  ingest::ChunkOptions chunking;
  std::optional<std::string> password;  // tried on encrypted PDFs; never stored
  // Filters for the roots given. ingest remembers them per root; sync uses each root's own
  // unless `filters_given`, when these replace them (and are remembered).
  ScanOptions scan;
  bool filters_given = false;
  // sync: also drop the documents of roots that are missing or cannot be read, and forget
  // those roots. Without it they are kept and reported.
  bool prune = false;
  std::function<void(const IngestProgress&)> on_progress;  // called after each file
  std::function<void(const FileReport&)> on_file;           // called after each file
  const std::atomic<bool>* cancel = nullptr;                // checked between files
};

struct IngestSummary {
  std::vector<FileReport> files;
  std::size_t added = 0, updated = 0, unchanged = 0, failed = 0, removed = 0;
  std::size_t kept = 0;  // sync: documents kept because their root or folder could not be seen
  std::int64_t pages = 0;
  double seconds = 0;
  bool cancelled = false;
};

// Chunks of `pages` in the store's form (ids left for the store to assign).
std::vector<index::ChunkRecord> chunk_records(const std::vector<ingest::Page>& pages,
                                              const ingest::ChunkOptions& options, const ingest::TokenCounter& count);

// The library's token counter: the bound embedder's tokenizer, else a model-free approximation.
ingest::TokenCounter token_counter_for(const index::Library& library);
// What token_counter_for counts with, for people ("approximate", "<model name> tokenizer"),
// without loading the model.
std::string token_counter_name(const index::Library& library);

// Ingests files and folders (skipping unchanged ones by content hash), one document per
// transaction; a document keeps its id when its file is read again. Each root is remembered
// with its filters for sync, and anything `remove` took out at or under it is wanted again.
IngestSummary ingest_paths(index::Library& library, const std::vector<std::filesystem::path>& roots,
                           const IngestOptions& options);

// Re-scans the roots (empty: every root ingested before) with their filters: new and changed
// files are ingested, documents whose file is gone from a root that was read are removed.
// Nothing is removed for what cannot be seen: a root that is missing or unreadable (an
// unmounted drive) is reported (outcome failed) and its documents kept, as are documents
// under folders that could not be listed -- unless options.prune.
IngestSummary sync_library(index::Library& library, const std::vector<std::filesystem::path>& roots,
                           const IngestOptions& options);

// The roots sync re-scans, with their filters, and what `remove` took out of them.
struct LibraryRoots {
  std::vector<ScanRoot> roots;
  std::vector<std::filesystem::path> removed;
};
LibraryRoots library_roots(const index::Library& library);

struct RemoveSummary {
  std::vector<index::DocumentRecord> removed;
  std::vector<std::string> forgotten_roots;  // roots sync no longer scans
  std::vector<std::string> not_found;        // targets that matched nothing
};
// Each target is a document id, a document's path or a folder (everything under it), as
// given or as printed by display (\xNN escapes for names that are not UTF-8). Remembered: sync
// does not bring removed documents back, until their path is ingested again.
RemoveSummary remove_from_library(index::Library& library, const std::vector<std::string>& targets);

// ---- search ----

enum class SearchMode { keyword, dense, hybrid };
std::string_view to_string(SearchMode mode);
std::optional<SearchMode> parse_search_mode(std::string_view text);

// Reciprocal rank fusion: score(chunk) = sum over rankings of weight / (k + rank), rank from 1.
struct FusionOptions {
  double k = 60;
  double keyword_weight = 1;
  double dense_weight = 1;
};
struct FusedChunk {
  std::int64_t chunk_id = 0;
  double score = 0;
  int keyword_rank = 0;  // 1-based; 0 = not in that ranking
  int dense_rank = 0;
};
std::vector<FusedChunk> reciprocal_rank_fusion(const std::vector<std::int64_t>& keyword_ranking,
                                               const std::vector<std::int64_t>& dense_ranking,
                                               const FusionOptions& options = {});

// Finds chunks in one mode; keeps the query embedder and the vector index between queries
// (the index is replaced when the library's vectors change). A Searcher queries its Library,
// so it serves one thread at a time; Searchers of one library folder (one per thread, each on
// its own Library) share a single vector index in the process.
class Searcher {
 public:
  // No mode: hybrid when the library is bound to an embedder, keyword otherwise. Throws
  // std::runtime_error when dense or hybrid is asked of a keyword-only library.
  explicit Searcher(const index::Library& library, std::optional<SearchMode> mode = std::nullopt,
                    FusionOptions fusion = {});
  ~Searcher();
  Searcher(Searcher&&) noexcept;
  SearchMode mode() const;
  const std::optional<EmbeddingBinding>& binding() const;
  // Chunks of the library without a vector for the bound model (0 when complete or keyword-only).
  std::int64_t missing_vectors() const;
  // Best first, at most `limit`. Keyword hits carry highlighted snippets; dense-only hits get
  // the chunk's opening words. Scores: BM25 (keyword), cosine (dense), fused RRF (hybrid).
  std::vector<index::KeywordHit> find(const std::string& query, int limit,
                                      const index::SearchOptions& keyword_options = {}) const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

struct SearchRequest {
  std::string query;
  int limit = 10;
  std::optional<SearchMode> mode;  // default as for Searcher
  std::string highlight_open = "[";
  std::string highlight_close = "]";
};

struct SearchResult {
  std::int64_t chunk_id = 0;
  std::string path;
  std::string title;
  int first_page = 0;
  int last_page = 0;
  ingest::PageUnit unit = ingest::PageUnit::page;  // what first_page/last_page count
  bool from_ocr = false;  // its text was recognised from page images
  double score = 0;
  std::string snippet;
  std::string text;
};

std::vector<SearchResult> keyword_search(const index::Library& library, const SearchRequest& request);
// In request.mode (or the library's default); neighbouring overlapping chunks shown once.
std::vector<SearchResult> search(const Searcher& searcher, const SearchRequest& request);

// ---- context assembly (sliding windows) ----

struct ContextOptions {
  int neighbours = 1;        // chunks added on each side of a hit, within its document
  std::size_t token_budget = 1500;
  int candidates = 30;       // how many hits are considered before windows are fitted to the budget
  // The best `whole_hits` hits come in whole; the others first by their best-matching sentences
  // (at most `piece_tokens`), so more distinct places fit, and are widened while budget remains.
  int whole_hits = 5;
  std::size_t piece_tokens = 60;
  std::optional<SearchMode> mode;      // default as for Searcher
  const Searcher* searcher = nullptr;  // reuse one (its mode wins over `mode`)
};

// A contiguous stretch of one document: one or more hits (or their best sentences) widened to
// their neighbours, merged where they touch, with the chunks' shared overlap text kept once.
struct ContextWindow {
  std::int64_t document_id = 0;
  std::string path;
  std::string title;
  int first_page = 0;
  int last_page = 0;
  ingest::PageUnit unit = ingest::PageUnit::page;  // what first_page/last_page count
  bool from_ocr = false;  // some of its text was recognised from page images
  int first_ordinal = 0;
  int last_ordinal = 0;
  std::size_t start_offset = 0;  // in the document's joined text (pages joined by "\n\f")
  std::string text;
  std::size_t tokens = 0;
  int best_rank = 0;             // rank of its best hit (0 = top)
  std::vector<std::int64_t> hit_chunk_ids;
  // For windows spanning pages: (page number, offset in the joined text where it starts),
  // for every page after first_page up to last_page.
  std::vector<std::pair<int, std::size_t>> page_starts;
  int page_at(std::size_t offset_in_text) const;
};

struct AssembledContext {
  std::vector<ContextWindow> windows;  // by relevance, then position
  std::size_t tokens = 0;
};

AssembledContext assemble_context(const index::Library& library, const std::string& query,
                                  const ContextOptions& options, const ingest::TokenCounter& count);

// ---- answers ----

// What an answer says and where it comes from. The same shape is printed by `ask --json` and
// returned by the server (documented in cli/answer_print.hpp).
//
// Sources are the context windows, numbered from 1 in order: the [n] a model sees in its prompt.
// A citation is one [n] marker of the answer text (numbers are unique): a generated answer's
// markers are source numbers; an extractive answer numbers each (file, pages) it quotes.
struct Citation {
  int number = 0;  // [n] in the answer
  int source = 0;  // 1-based index into the context windows the citation points to
  std::string path;
  std::string title;
  int page = 0;        // where the quote starts
  int last_page = 0;   // where it ends (> page when the sentence crosses a page break)
  ingest::PageUnit unit = ingest::PageUnit::page;  // what page/last_page count
  bool from_ocr = false;  // the source's text was (partly) recognised from page images
  std::int64_t chunk_id = 0;
  std::string quote;   // the sentence of the source that best supports the claim
  // No marker in the model's text: docent linked the claim to this source by word overlap.
  bool attributed = false;
  // False when every sentence carrying the model's marker shares nothing with this source.
  bool supported = true;
};

// One sentence of the answer text, with the citations that back it.
struct AnswerSentence {
  std::string text;            // markers removed
  std::vector<int> citations;  // citation numbers, written or attributed, that support it
  bool attributed = false;     // its support was found by docent, not written by the model
  bool unsupported = false;    // a claim no source supports (no marker held up, none matched)
  std::vector<int> unsupported_markers;  // markers the model wrote whose source shares nothing with it
};

struct Answer {
  std::string text;             // with [n] markers
  std::string thinking;         // a reasoning model's <think> span (empty when extractive)
  bool extractive = true;       // true: sentences quoted from the sources, no language model
  bool found = false;           // false: nothing relevant in the library, or too little evidence
  std::string abstain_reason;   // why found is false (empty when found)
  std::vector<Citation> citations;
  std::vector<AnswerSentence> sentences;
  std::vector<int> removed_citations;  // numbers the model cited that have no source
  AssembledContext context;            // the sources, in prompt order
  double retrieval_seconds = 0;
  double answer_seconds = 0;
  // How a generated answer was produced (absent for extractive answers).
  struct Generation {
    int prompt_tokens = 0;    // prefilled for this answer
    int reused_tokens = 0;    // a conversation's earlier prompt, kept in the cache, not recomputed
    int thinking_tokens = 0;
    int answer_tokens = 0;
    std::string thinking_stop;  // "closed", "budget", "end-of-generation", "context-full"; "" when it did not think
    std::string answer_stop;    // "end-of-generation", "max-tokens", "stop-string", "cancelled", "context-full"
    int context_shifts = 0;     // times a full cache dropped old generated tokens
    double prefill_seconds = 0;
    double thinking_seconds = 0;
    double writing_seconds = 0;       // the answer itself, after thinking
    double first_answer_seconds = 0;  // from the question to the first answer text (retrieval included); 0: none
  };
  std::optional<Generation> generation;
  // Whether source `number` (1-based) is pointed to by any citation.
  bool source_cited(int number) const;
};

struct AnswerOptions {
  ContextOptions context;
  int max_sentences = 3;
  // Extractive: when set (a follow-up's own words, its query also carrying the previous
  // question's), sentences must answer these words; the rest of the query only breaks ties.
  std::string focus;
};

// Best-matching sentences from the assembled context, each cited to its file and page.
Answer answer_extractive(const index::Library& library, const std::string& question, const AnswerOptions& options);

// Thinking tokens `ask` and `chat` allow a reasoning model before the engine closes its span
// and asks for the answer: at the R1-1.5B Q4_0 decode rate measured here (bench_answer, ~35
// tokens/s on 2 threads) 256 tokens cost ~7 s, which after ~1,500 tokens of sources puts the
// first answer token near 10 s; the answer is in the quoted sources, so a longer search of
// the model's own rarely changes it. `--think-budget` raises it.
inline constexpr int kDefaultThinkBudget = 256;
// What the engine appends after closing the span itself, so the model starts on the answer.
inline constexpr const char* kThinkBridge = "The answer, from the sources:";

struct GenerativeOptions {
  std::filesystem::path model;      // a decoder GGUF (Qwen2 / Llama family)
  int max_tokens = 512;             // answer tokens; a reasoning model's thinking has think_budget
  int think_budget = kDefaultThinkBudget;  // < 0: as much as the context holds
  std::optional<float> temperature;  // default: the model's recommendation (R1: 0.6); 0: greedy
  std::optional<float> top_p;        // default: the model's recommendation
  std::uint64_t seed = 0;
  int context_length = 0;           // 0: the model's default
  std::function<void(std::string_view)> on_answer;    // streamed answer text
  std::function<void(std::string_view)> on_thinking;  // streamed <think> text
  // A model already loaded from `model` (a server shares one across requests); null: load it.
  std::shared_ptr<const engine::Model> loaded_model;
  // Asked before every generated token: false stops generation (answer_stop "cancelled").
  std::function<bool()> keep_going;
};

// Numbered sources in a prompt, the model's native chat template, the <think> span split off,
// then citation numbers validated: a number with no source is removed and reported; each cited
// source gets the sentence that best supports the claim citing it. Throws engine::ModelError
// for a bad model file.
Answer answer_generative(const index::Library& library, const std::string& question, const AnswerOptions& options,
                         const GenerativeOptions& generation);

// ---- conversation (`docent chat`) ----

// What a turn of a conversation searches for.
struct QueryRewrite {
  std::string query;          // the standalone query that is searched
  bool follow_up = false;     // the question was read as depending on the previous turn
  std::string method = "none";  // "none" (searched as asked), "rule" or "model"
  std::vector<std::string> carried_words;  // rule: words taken over from the previous query
  std::string focus;          // rule: the follow-up's own content words (what its answer must address)
  std::string note;           // e.g. why a model's rewrite was not used
};

// The rule used without a language model. A question is a follow-up of `previous_query` when
// there is one and the question
//   (a) has no content words of its own ("why?", "and then?"), or
//   (b) has at most kFollowUpContentWords content words and either opens with a continuation
//       cue ("and", "but", "also", "so", "then", "what about", "how about", "what of") or refers
//       back with a pronoun or demonstrative (it, its, they, them, their, this, that, these,
//       those, he, she, him, his, her, there, such).
// Content words are those left after stopwords, question words and conversational filler
// ("tell", "explain", "more", ...) are removed. A follow-up is searched as the question followed
// by the previous query's content words it does not already contain (original spelling, at most
// kCarriedWords, so a chain of follow-ups does not keep growing; numbers are not carried when
// the follow-up has its own, as "and in 2019?" replaces the year). Anything else is searched as
// asked: a question that names enough of its own subject starts a new topic.
inline constexpr std::size_t kFollowUpContentWords = 3;
inline constexpr std::size_t kCarriedWords = 8;
QueryRewrite rewrite_follow_up(const std::string& previous_query, const std::string& question);

// One finished exchange, as kept in the history.
struct ConversationExchange {
  std::string question;  // as the user asked it
  std::string query;     // what was searched
  std::string answer;    // answer text
};

struct ConversationOptions {
  AnswerOptions answer;
  // With a model: follow-ups are rewritten by it (the rule when its output is unusable) and
  // answers are generated with the recent history in the prompt. Without: rule and extractive.
  std::optional<GenerativeOptions> generation;
  std::size_t history_exchanges = 4;  // most recent exchanges shown to the model
  int rewrite_max_tokens = 96;        // for the model's rewrite (one line; its thinking is skipped)
  std::function<void(const QueryRewrite&)> on_rewrite;  // called before retrieval, e.g. to show the query
};

// A conversation over one library: keeps the history and, with a model, keeps it loaded.
class Conversation {
 public:
  // Throws engine::ModelError for a bad model file.
  Conversation(const index::Library& library, ConversationOptions options);
  ~Conversation();
  Conversation(Conversation&&) noexcept;

  struct Reply {
    QueryRewrite rewrite;
    Answer answer;
  };
  // Rewrites a follow-up into a standalone query, retrieves with it and answers; the exchange
  // joins the history.
  Reply ask(const std::string& question);
  void reset();  // forgets the history
  const std::vector<ConversationExchange>& history() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// ---- evaluation ----

struct BeirOptions {
  std::string split = "test";  // qrels/<split>.tsv
  int k = 10;                  // nDCG@k
  int recall_depth = 100;      // Recall@depth
  ingest::ChunkOptions chunking;  // library defaults unless set
  std::function<void(std::size_t done, std::size_t total, const char* phase)> on_progress;
  SearchMode mode = SearchMode::keyword;
  std::optional<std::filesystem::path> embedder;  // needed for dense and hybrid
  FusionOptions fusion;
};

struct BeirReport {
  std::string dataset;
  std::size_t documents = 0;
  std::size_t chunks = 0;
  std::size_t queries = 0;
  double ndcg_at_10 = 0;
  double recall_at_100 = 0;
  double mrr_at_10 = 0;
  double index_seconds = 0;
  double search_seconds = 0;
  double search_p50_ms = 0;
  double search_p95_ms = 0;
  std::string mode = "keyword";
  std::string embedder;        // model name, empty for keyword without one
  double embed_seconds = 0;    // embedding the corpus
};

struct SquadOptions {
  std::size_t token_budget = 1500;
  ingest::ChunkOptions chunking;  // how paragraphs are chunked (library defaults unless set)
  int neighbours = 1;
  std::size_t articles = 0;  // only the first N articles (0 = all)
  std::size_t limit = 0;  // evaluate only the first N questions (0 = all)
  std::size_t stride = 1;  // evaluate every Nth question (a spread-out sample for quick runs)
  // Each paragraph a text file in a temporary folder, ingested as `docent ingest` does, instead
  // of documents put straight into the library.
  bool from_files = false;
  // Also ask every question with its own article removed from the library (no answer exists),
  // to measure abstention.
  bool article_removed = true;
  // Also score the baseline: each paragraph one unit ranked by plain FTS5 BM25, whole
  // paragraphs taken in rank order while they fit the budget.
  bool paragraph_baseline = true;
  // When set, each answerable question whose gold answer is not in the first answer sentence is
  // written here as one JSON line (question, gold answers, the answer's sentences, whether the
  // gold answer was in the context or the 3-sentence answer, where its sentence ranked).
  std::optional<std::filesystem::path> misses;
  std::function<void(std::size_t done, std::size_t total, const char* phase)> on_progress;
};

struct SquadReport {
  std::size_t contexts = 0;
  std::size_t questions = 0;
  std::size_t unanswerable = 0;
  double context_recall = 0;           // gold answer text inside the assembled context
  double paragraph_bm25_recall = 0;    // baseline: whole paragraphs by plain BM25 within the budget
  double exact_match = 0;              // first answer sentence vs gold answers (SQuAD normalisation)
  double f1 = 0;
  // Answer recall: the share of answerable questions whose gold answer string (lowercased,
  // one line) appears in the first 1, 2 or 3 sentences of the extractive answer.
  double answer_recall_1 = 0, answer_recall_2 = 0, answer_recall_3 = 0;
  // The gold paragraph's document among the citations of the first 1 or 3 answer sentences.
  double cited_paragraph_1 = 0, cited_paragraph_3 = 0;
  double false_abstention = 0;         // answerable questions (article present) declined
  std::size_t article_removed_questions = 0;
  double abstention_article_removed = 0;  // questions declined with their own article removed
  double abstention_rate = 0;          // SQuAD 2.0: share of unanswerable questions we declined
  double seconds = 0;
};

// SQuAD-format JSON: each paragraph becomes a document of a throw-away in-memory library.
SquadReport evaluate_squad(const std::filesystem::path& file, const SquadOptions& options);

// Indexes corpus.jsonl into a throw-away in-memory library (title + text per document),
// runs queries.jsonl, scores against qrels. Throws std::runtime_error on bad input files.
BeirReport evaluate_beir(const std::filesystem::path& dataset_dir, const BeirOptions& options);

}  // namespace docent::retrieval
