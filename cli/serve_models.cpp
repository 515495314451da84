#include "serve_models.hpp"

#include <chrono>
#include <sys/stat.h>

namespace docent::cli {

namespace fs = std::filesystem;

std::string_view to_string(ServedKind kind) {
  switch (kind) {
    case ServedKind::library: return "library";
    case ServedKind::generator: return "generator";
    case ServedKind::embedder: return "embedder";
  }
  return "generator";
}

std::optional<GenerationQueue::Turn> GenerationQueue::join() {
  std::lock_guard lock(mutex_);
  if (waiting_ >= max_waiting_ + (busy_ ? 0 : 1)) return std::nullopt;
  ++waiting_;
  return Turn(this);
}

int GenerationQueue::waiting() const {
  std::lock_guard lock(mutex_);
  return waiting_;
}

bool GenerationQueue::Turn::wait(const std::function<bool()>& still_wanted) {
  std::unique_lock lock(queue_->mutex_);
  while (queue_->busy_) {
    // Woken when the model frees up, and every quarter second to see whether the client left.
    queue_->changed_.wait_for(lock, std::chrono::milliseconds(250));
    if (queue_->busy_ && !still_wanted()) return false;
  }
  queue_->busy_ = true;
  --queue_->waiting_;
  running_ = true;
  return true;
}

GenerationQueue::Turn::~Turn() {
  if (queue_ == nullptr) return;
  {
    std::lock_guard lock(queue_->mutex_);
    if (running_) queue_->busy_ = false;
    else --queue_->waiting_;
  }
  queue_->changed_.notify_all();
}

namespace {
std::int64_t modified_seconds(const fs::path& file) {
  struct stat info {};
  return ::stat(file.c_str(), &info) == 0 ? static_cast<std::int64_t>(info.st_mtime) : 0;
}
}  // namespace

ModelRegistry::ModelRegistry(const ModelFiles& files, bool with_library, int context_length, int max_waiting,
                             const std::function<void(const std::string&)>& note) {
  if (with_library) {
    auto library = std::make_unique<ServedModel>();
    library->id = "docent";
    library->kind = ServedKind::library;
    library->created = std::chrono::duration_cast<std::chrono::seconds>(
                           std::chrono::system_clock::now().time_since_epoch()).count();
    models_.push_back(std::move(library));
  }
  std::vector<fs::path> all = files.files;
  if (!files.answer_model.empty()) all.push_back(files.answer_model);
  all.insert(all.end(), files.configured.begin(), files.configured.end());
  std::vector<fs::path> seen;
  for (const auto& given : all) {
    std::error_code error;
    fs::path canonical = fs::weakly_canonical(given, error);
    if (error) canonical = given;
    const bool is_answer_model = !files.answer_model.empty() && given == files.answer_model;
    auto known = std::find(seen.begin(), seen.end(), canonical);
    if (known != seen.end()) {
      if (is_answer_model) answer_model_ = models_[static_cast<std::size_t>(known - seen.begin()) + (with_library ? 1 : 0)].get();
      continue;
    }
    seen.push_back(canonical);
    auto served = std::make_unique<ServedModel>();
    served->path = canonical;
    served->id = canonical.extension() == ".gguf" ? canonical.stem().string() : canonical.filename().string();
    served->created = modified_seconds(canonical);
    for (const auto& other : models_)
      if (other->id == served->id)
        throw std::runtime_error("two models would both be called '" + served->id + "': " +
                                 (other->path.empty() ? std::string("the library") : other->path.string()) + " and " +
                                 canonical.string() + "; rename one of the files");
    const auto info = engine::describe_model(canonical);  // throws ModelError naming the file
    if (info.is_encoder) {
      served->kind = ServedKind::embedder;
      served->embedder = retrieval::TextEmbedder::load(canonical);
    } else {
      served->kind = ServedKind::generator;
      served->model = engine::Model::load(canonical);
      served->defaults = served->model->info().chat_defaults;
      if (served->defaults.family == engine::ChatFamily::none) served->defaults.family = engine::ChatFamily::chatml;
      served->queue = std::make_unique<GenerationQueue>(max_waiting);
      served->context_length = context_length > 0 ? context_length : info.default_context();
    }
    note("model " + served->id + " (" + std::string(to_string(served->kind)) + ", " + info.architecture + ") from " +
         canonical.string());
    if (is_answer_model) {
      if (served->kind != ServedKind::generator)
        throw std::runtime_error(canonical.string() + ": an encoder (embedding) model cannot write answers; give a decoder "
                                 "(Qwen2/Llama GGUF) as --model");
      answer_model_ = served.get();
    }
    models_.push_back(std::move(served));
  }
}

ServedModel* ModelRegistry::find(const std::string& id) const {
  for (const auto& model : models_)
    if (model->id == id) return model.get();
  return nullptr;
}

}  // namespace docent::cli
