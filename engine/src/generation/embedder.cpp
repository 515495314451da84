#include "model.hpp"

namespace docent::engine {

namespace {
// Texts per encoder call: bounds scratch memory while keeping the products large.
constexpr std::size_t kBatchTexts = 32;
}  // namespace

struct Embedder::State {
  std::shared_ptr<const Model> model;
  const Encoder* encoder = nullptr;
  Pooling pooling = Pooling::mean;
};

Embedder::Embedder(std::shared_ptr<const Model> model, std::optional<Pooling> pooling) : state_(std::make_unique<State>()) {
  if (!model) throw ModelError("no model");
  if (!model->impl().encoder)
    throw ModelError(model->info().path + ": '" + model->info().architecture +
                     "' is not an embedding model (use a BERT-style encoder)");
  state_->model = std::move(model);
  state_->encoder = state_->model->impl().encoder.get();
  state_->pooling = pooling.value_or(state_->encoder->default_pooling());
}

Embedder::~Embedder() = default;

int Embedder::dimension() const { return state_->encoder->parameters().hidden; }
int Embedder::max_tokens() const { return state_->encoder->parameters().max_positions; }
Pooling Embedder::pooling() const { return state_->pooling; }

std::vector<std::vector<float>> Embedder::embed_tokens(const std::vector<std::vector<TokenId>>& sequences) const {
  std::vector<std::vector<float>> vectors;
  vectors.reserve(sequences.size());
  for (std::size_t first = 0; first < sequences.size(); first += kBatchTexts) {
    std::vector<std::vector<TokenId>> batch(sequences.begin() + static_cast<std::ptrdiff_t>(first),
                                            sequences.begin() + static_cast<std::ptrdiff_t>(std::min(sequences.size(), first + kBatchTexts)));
    auto embedded = state_->encoder->embed(batch, state_->pooling, true);
    for (auto& vector : embedded) vectors.push_back(std::move(vector));
  }
  return vectors;
}

std::vector<std::vector<float>> Embedder::embed(const std::vector<std::string>& texts) const {
  const Tokenizer& tokenizer = state_->model->tokenizer();
  const auto limit = static_cast<std::size_t>(max_tokens());
  std::vector<std::vector<TokenId>> sequences;
  sequences.reserve(texts.size());
  for (const auto& text : texts) {
    auto tokens = tokenizer.encode(text, true, false);
    if (tokens.size() > limit && limit >= 2) {
      TokenId closing = tokens.back();  // keep [SEP]: the model was trained with it at the end
      tokens.resize(limit - 1);
      tokens.push_back(closing);
    }
    sequences.push_back(std::move(tokens));
  }
  return embed_tokens(sequences);
}

}  // namespace docent::engine
