#include "architectures/architecture.hpp"

namespace docent::engine {

const ArchitectureSpec* find_architecture(std::string_view name) {
  for (const ArchitectureSpec* spec : {&llama_architecture(), &qwen2_architecture(), &bert_architecture()})
    if (spec->name == name) return spec;
  return nullptr;
}

std::vector<std::string_view> supported_architectures() { return {"llama", "qwen2", "bert"}; }

std::string tensor_name(std::string_view pattern, int layer) {
  std::string name(pattern);
  constexpr std::string_view placeholder = "{layer}";
  if (auto at = name.find(placeholder); at != std::string::npos) name.replace(at, placeholder.size(), std::to_string(layer));
  return name;
}

}  // namespace docent::engine
