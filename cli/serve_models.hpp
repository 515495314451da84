#pragma once
// The models `docent serve` offers: each file loaded once at start and shared by every request,
// decoders answering chat completions one at a time (later requests wait in a bounded line),
// encoders answering embeddings, and `docent`, the library itself.
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "docent/engine.hpp"
#include "docent/retrieval.hpp"

namespace docent::cli {

enum class ServedKind { library, generator, embedder };

// One generation at a time per model; at most `max_waiting` more wait their turn.
class GenerationQueue {
 public:
  explicit GenerationQueue(int max_waiting) : max_waiting_(max_waiting) {}
  class Turn {
   public:
    Turn() = default;
    Turn(Turn&& other) noexcept : queue_(std::exchange(other.queue_, nullptr)), running_(other.running_) {}
    Turn& operator=(Turn&&) = delete;
    ~Turn();
    // Waits for the model; false when `still_wanted` turns false first (the client left).
    bool wait(const std::function<bool()>& still_wanted);

   private:
    friend class GenerationQueue;
    explicit Turn(GenerationQueue* queue) : queue_(queue) {}
    GenerationQueue* queue_ = nullptr;
    bool running_ = false;
  };
  // A place in line, or nullopt when the line is full (the server answers 503 then).
  std::optional<Turn> join();
  int waiting() const;

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  int max_waiting_;
  int waiting_ = 0;
  bool busy_ = false;
};

struct ServedModel {
  std::string id;  // the file name without .gguf; "docent" for the library
  ServedKind kind = ServedKind::generator;
  std::filesystem::path path;
  std::int64_t created = 0;  // the file's modification time (unix seconds)
  std::shared_ptr<const engine::Model> model;               // generator
  std::shared_ptr<const retrieval::TextEmbedder> embedder;  // embedder
  engine::ChatDefaults defaults;                            // generator: template and sampling
  std::unique_ptr<GenerationQueue> queue;                   // generator
  // Generator: one KV cache kept between requests, so a prompt sharing the last one's start
  // (the same system prompt, a conversation's earlier turns) reuses it. Used under `queue`.
  std::unique_ptr<engine::Generator> generator;
  int context_length = 0;
};

struct ModelFiles {
  std::vector<std::filesystem::path> files;  // given on the command line
  std::filesystem::path answer_model;        // generator for `docent` answers ("" = extractive)
  std::vector<std::filesystem::path> configured;  // config/library: embedder.model, the library's bound embedder
};

class ModelRegistry {
 public:
  // Loads every file (duplicates once). Throws std::runtime_error naming a file that cannot be
  // loaded, or two files that would get the same id.
  ModelRegistry(const ModelFiles& files, bool with_library, int context_length, int max_waiting,
                const std::function<void(const std::string&)>& note);
  const std::vector<std::unique_ptr<ServedModel>>& models() const { return models_; }
  ServedModel* find(const std::string& id) const;  // nullptr when no such model
  ServedModel* answer_model() const { return answer_model_; }  // the generator `docent` uses, or nullptr

 private:
  std::vector<std::unique_ptr<ServedModel>> models_;
  ServedModel* answer_model_ = nullptr;
};

std::string_view to_string(ServedKind kind);

}  // namespace docent::cli
