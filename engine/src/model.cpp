#include "model.hpp"

#include <algorithm>
#include <map>

#include "architectures/architecture.hpp"
#include "chat/chat_defaults.hpp"
#include "kv_cache.hpp"

namespace docent::engine {

namespace {

constexpr int kDefaultContextCap = 4096;

std::string tokenizer_kind(const GgufFile& file) {
  auto model = file.get_string("tokenizer.ggml.model");
  if (!model) return "none";
  std::string kind = *model == "gpt2" ? "byte-level BPE" : *model == "llama" ? "SentencePiece BPE"
                     : *model == "bert" ? "WordPiece" : *model;
  if (auto pre = file.get_string("tokenizer.ggml.pre")) kind += " (" + *pre + ")";
  return kind;
}

// general.file_type ids written by the common converters/quantizers (the "mix" names).
std::string file_type_name(std::int64_t id) {
  switch (id) {
    case 0: return "F32";
    case 1: return "F16";
    case 2: return "Q4_0";
    case 3: return "Q4_1";
    case 7: return "Q8_0";
    case 8: return "Q5_0";
    case 9: return "Q5_1";
    case 10: return "Q2_K";
    case 11: return "Q3_K_S";
    case 12: return "Q3_K_M";
    case 13: return "Q3_K_L";
    case 14: return "Q4_K_S";
    case 15: return "Q4_K_M";
    case 16: return "Q5_K_S";
    case 17: return "Q5_K_M";
    case 18: return "Q6_K";
    case 32: return "BF16";
    case 36: return "TQ1_0";
    case 37: return "TQ2_0";
    default: return "";
  }
}

}  // namespace

int ModelInfo::default_context() const { return std::min(context_length, kDefaultContextCap); }

std::int64_t ModelInfo::memory_bytes(int context) const {
  return weight_bytes + kv_cache_bytes_per_token * (context > 0 ? context : default_context());
}

ModelInfo describe(const GgufFile& file) {
  ModelInfo info;
  info.path = file.path().string();
  auto architecture = file.get_string("general.architecture");
  if (!architecture) throw ModelError(info.path + ": missing metadata 'general.architecture'");
  const ArchitectureSpec* spec = find_architecture(*architecture);
  if (spec == nullptr)
    throw ModelError(info.path + ": architecture '" + *architecture + "' is not supported (supported: " + supported_architectures() + ")");
  HyperParameters p = read_hyper_parameters(file, *spec);
  info.architecture = *architecture;
  info.name = file.get_string("general.name").value_or("");
  info.is_encoder = spec->kind == ModelKind::encoder;
  info.layers = p.layers;
  info.hidden = p.hidden;
  info.heads = p.heads;
  info.kv_heads = p.kv_heads;
  info.head_dim = p.head_dim;
  info.ffn = p.ffn;
  info.context_length = p.context_length;
  info.rope_theta = info.is_encoder ? 0 : p.rope_theta;
  if (const GgufTensorInfo* embedding = file.find_tensor(std::string(spec->slot(TensorRole::token_embedding)->gguf));
      embedding && embedding->shape.size() == 2)
    info.vocabulary_size = embedding->shape[1];
  std::map<std::string, std::int64_t> counts, bytes_by_type;
  for (const auto& tensor : file.tensors()) {
    info.parameter_count += tensor.element_count();
    info.weight_bytes += static_cast<std::int64_t>(tensor.bytes);
    std::string type(type_name(tensor.type));
    ++counts[type];
    if (tensor.shape.size() >= 2) bytes_by_type[type] += static_cast<std::int64_t>(tensor.bytes);
  }
  for (const auto& [type, count] : counts) info.tensor_types.emplace_back(type, count);
  if (auto id = file.get_int("general.file_type")) info.file_type = file_type_name(*id);
  if (info.file_type.empty() && !bytes_by_type.empty())  // else the type holding the most bytes
    info.file_type = std::max_element(bytes_by_type.begin(), bytes_by_type.end(),
                                      [](const auto& a, const auto& b) { return a.second < b.second; })->first;
  std::error_code ignored;
  info.file_bytes = static_cast<std::int64_t>(std::filesystem::file_size(file.path(), ignored));
  if (ignored) info.file_bytes = 0;
  info.tokenizer_kind = tokenizer_kind(file);
  info.chat_defaults = read_chat_defaults(file);
  info.chat_family = info.chat_defaults.family;
  info.kv_cache_bytes_per_token = info.is_encoder ? 0 : KvCache::bytes_per_token(p, CachePrecision::f16);
  return info;
}

ModelInfo describe_model(const std::filesystem::path& path) { return describe(*GgufFile::open(path)); }

Model::Model(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Model::~Model() = default;

std::shared_ptr<const Model> Model::load(const std::filesystem::path& path) {
  auto impl = std::make_unique<Impl>();
  impl->file = GgufFile::open(path);
  impl->info = describe(*impl->file);
  if (impl->info.is_encoder)
    impl->encoder = std::make_unique<Encoder>(impl->file);
  else
    impl->decoder = std::make_unique<Transformer>(impl->file);
  if (impl->file->find("tokenizer.ggml.model") != nullptr) impl->tokenizer = Tokenizer::load(path);
  return std::make_shared<const Model>(std::move(impl));
}

const ModelInfo& Model::info() const { return impl_->info; }

const Tokenizer& Model::tokenizer() const {
  if (!impl_->tokenizer) throw ModelError(impl_->info.path + ": the file has no tokenizer");
  return *impl_->tokenizer;
}

}  // namespace docent::engine
