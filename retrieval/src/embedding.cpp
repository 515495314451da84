// Embedding models bound to a library: loading (once per process), registration, and
// embedding stored chunk text in committed batches.
#include <chrono>
#include <map>
#include <mutex>
#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "docent/engine.hpp"
#include "docent/retrieval.hpp"

namespace docent::retrieval {
namespace fs = std::filesystem;

namespace {

using index::setting_key::kEmbeddingModel;
using index::setting_key::kEmbeddingModelPath;
// size:mtime of the file when it was bound, so other processes can skip re-hashing it.
using index::setting_key::kEmbeddingModelFileStamp;

std::string file_stamp(const fs::path& file) {
  struct stat info {};
  if (::stat(file.c_str(), &info) != 0) return {};
  return std::to_string(info.st_size) + ":" + std::to_string(info.st_mtim.tv_sec) + "." +
         std::to_string(info.st_mtim.tv_nsec);
}

std::shared_ptr<const TextEmbedder> load_cached(const fs::path& file, const std::string& known_hash);

}  // namespace

struct TextEmbedder::State {
  fs::path path;
  std::string name;
  std::string file_hash;
  std::shared_ptr<const engine::Model> model;
  std::unique_ptr<engine::Embedder> embedder;
  std::mutex mutex;  // the engine's Embedder is not documented as thread-safe
};

TextEmbedder::TextEmbedder(std::unique_ptr<State> state) : state_(std::move(state)) {}
TextEmbedder::~TextEmbedder() = default;

std::shared_ptr<const TextEmbedder> TextEmbedder::load(const fs::path& file) { return load_cached(file, ""); }

const fs::path& TextEmbedder::path() const { return state_->path; }
const std::string& TextEmbedder::name() const { return state_->name; }
const std::string& TextEmbedder::file_hash() const { return state_->file_hash; }
int TextEmbedder::dimension() const { return state_->embedder->dimension(); }
int TextEmbedder::max_tokens() const { return state_->embedder->max_tokens(); }

std::string TextEmbedder::settings_json() const {
  const char* pooling = state_->embedder->pooling() == engine::Pooling::cls ? "cls" : "mean";
  return nlohmann::json{{"pooling", pooling}, {"normalized", true}, {"max_tokens", max_tokens()}}.dump();
}

std::size_t TextEmbedder::count_tokens(std::string_view text) const { return state_->model->tokenizer().count(text); }

std::vector<std::vector<float>> TextEmbedder::embed(const std::vector<std::string>& texts) const {
  std::vector<std::vector<float>> vectors;
  vectors.reserve(texts.size());
  std::lock_guard lock(state_->mutex);
  for (std::size_t start = 0; start < texts.size(); start += kEmbeddingBatch) {
    std::vector<std::string> batch(texts.begin() + static_cast<std::ptrdiff_t>(start),
                                   texts.begin() + static_cast<std::ptrdiff_t>(std::min(texts.size(), start + kEmbeddingBatch)));
    for (auto& vector : state_->embedder->embed(batch)) vectors.push_back(std::move(vector));
  }
  return vectors;
}

namespace {

std::shared_ptr<const TextEmbedder> load_cached(const fs::path& given, const std::string& known_hash) {
  static std::mutex mutex;
  static std::map<std::string, std::shared_ptr<const TextEmbedder>> cache;  // path|stamp -> model
  std::error_code error;
  fs::path file = fs::absolute(given, error).lexically_normal();
  if (error || !fs::is_regular_file(file, error))
    throw std::runtime_error(given.string() + ": no such model file");
  const std::string key = file.string() + "|" + file_stamp(file);
  std::lock_guard lock(mutex);
  if (auto it = cache.find(key); it != cache.end()) return it->second;
  auto state = std::make_unique<TextEmbedder::State>();
  state->path = file;
  try {
    state->model = engine::Model::load(file);
  } catch (const std::exception& failure) {
    throw std::runtime_error(failure.what());
  }
  if (!state->model->is_encoder())
    throw std::runtime_error(file.string() + ": not an embedding model (architecture " +
                             state->model->info().architecture + "; an encoder such as BERT is needed)");
  state->embedder = std::make_unique<engine::Embedder>(state->model);
  state->name = state->model->info().name.empty() ? file.filename().string() : state->model->info().name;
  state->file_hash = known_hash.empty() ? ingest::file_sha256(file) : known_hash;
  auto loaded = std::make_shared<const TextEmbedder>(std::move(state));
  cache[key] = loaded;
  return loaded;
}

}  // namespace

EmbeddingBinding bind_embedding_model(index::Library& library, const fs::path& file) {
  EmbeddingBinding binding;
  binding.embedder = TextEmbedder::load(file);
  const auto& embedder = *binding.embedder;
  binding.model_id = library.register_embedding_model(embedder.name(), embedder.file_hash(), embedder.dimension(),
                                                      embedder.settings_json());
  library.set_setting(kEmbeddingModel, std::to_string(binding.model_id));
  library.set_setting(kEmbeddingModelPath, embedder.path().string());
  library.set_setting(kEmbeddingModelFileStamp, file_stamp(embedder.path()));
  return binding;
}

std::optional<index::EmbeddingModelRecord> bound_embedding_model(const index::Library& library) {
  auto id_text = library.setting(kEmbeddingModel);
  if (!id_text || id_text->empty()) return std::nullopt;
  return library.embedding_model(std::atoll(id_text->c_str()));
}

std::optional<EmbeddingBinding> bound_embedder(const index::Library& library) {
  auto id_text = library.setting(kEmbeddingModel);
  auto path = library.setting(kEmbeddingModelPath);
  if (!id_text || !path || id_text->empty()) return std::nullopt;
  EmbeddingBinding binding;
  binding.model_id = std::atoll(id_text->c_str());
  auto model = library.embedding_model(binding.model_id);
  if (!model)
    throw std::runtime_error("library " + library.database_path().string() + ": bound embedding model " + *id_text +
                             " is not registered; run `docent models add FILE` again");
  // An unchanged file (same size and mtime as when bound) is trusted without re-hashing it.
  const bool unchanged = library.setting(kEmbeddingModelFileStamp).value_or("") == file_stamp(*path);
  binding.embedder = load_cached(*path, unchanged ? model->file_hash : "");
  if (binding.embedder->file_hash() != model->file_hash || binding.embedder->dimension() != model->dimension)
    throw std::runtime_error(*path + ": the embedding model file changed since it was bound to the library; run "
                             "`docent models add " + *path + "` to embed the library again with it");
  return binding;
}

EmbedSummary embed_missing_chunks(index::Library& library, const EmbeddingBinding& binding,
                                  const std::function<void(const EmbedProgress&)>& on_progress,
                                  const std::atomic<bool>* cancel) {
  auto started = std::chrono::steady_clock::now();
  EmbedSummary summary;
  summary.model_id = binding.model_id;
  EmbedProgress progress;
  progress.total = library.count_chunks_without_vectors(binding.model_id);
  if (on_progress) on_progress(progress);
  while (true) {
    if (cancel && cancel->load()) {
      summary.cancelled = true;
      break;
    }
    auto chunks = library.chunks_without_vectors(binding.model_id, static_cast<std::int64_t>(kEmbeddingBatch));
    if (chunks.empty()) break;
    std::vector<std::string> texts;
    for (const auto& chunk : chunks) texts.push_back(chunk.text);
    auto vectors = binding.embedder->embed(texts);
    std::vector<index::ChunkVector> rows;
    for (std::size_t i = 0; i < chunks.size(); ++i) rows.push_back({chunks[i].id, vectors[i]});
    library.put_vectors(binding.model_id, rows);
    summary.embedded += static_cast<std::int64_t>(rows.size());
    progress.done = summary.embedded;
    progress.total = std::max(progress.total, progress.done);
    if (on_progress) on_progress(progress);
  }
  summary.remaining = library.count_chunks_without_vectors(binding.model_id);
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return summary;
}

}  // namespace docent::retrieval
