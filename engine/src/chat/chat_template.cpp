// Native renderings of the chat templates docent supports; the family is recognised from the
// model's Jinja template by markers only its family uses, so no template engine is needed.
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "docent/engine.hpp"
#include "gguf/gguf_reader.hpp"

namespace docent::engine {

namespace {

constexpr std::string_view kR1Begin = "<｜begin▁of▁sentence｜>";
constexpr std::string_view kR1End = "<｜end▁of▁sentence｜>";
constexpr std::string_view kR1User = "<｜User｜>";
constexpr std::string_view kR1Assistant = "<｜Assistant｜>";

void check_role(const ChatMessage& message) {
  if (message.role != "system" && message.role != "user" && message.role != "assistant")
    throw std::invalid_argument("unknown chat role '" + message.role + "' (expected system, user or assistant)");
}

std::string trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t\r\n");
  return std::string(text.substr(first, last - first + 1));
}

// R1 keeps only the final answer of earlier assistant turns, not their reasoning.
std::string without_reasoning(const std::string& content) {
  const auto close = content.rfind("</think>");
  if (close == std::string::npos) return content;
  std::string answer = content.substr(close + std::string_view("</think>").size());
  const auto first = answer.find_first_not_of("\r\n");
  return first == std::string::npos ? std::string() : answer.substr(first);
}

std::string render_deepseek_r1(const std::vector<ChatMessage>& messages, bool add_generation_prompt) {
  std::string out(kR1Begin);
  // The system prompt goes first, right after the begin token, wherever it appears.
  bool first_system = true;
  for (const auto& message : messages) {
    if (message.role != "system") continue;
    if (!first_system) out += "\n\n";
    out += message.content;
    first_system = false;
  }
  for (const auto& message : messages) {
    if (message.role == "user") {
      out += kR1User;
      out += message.content;
    } else if (message.role == "assistant") {
      out += kR1Assistant;
      out += without_reasoning(message.content);
      out += kR1End;
    }
  }
  if (add_generation_prompt) {
    out += kR1Assistant;
    out += "<think>\n";
  }
  return out;
}

std::string render_chatml(const std::vector<ChatMessage>& messages, bool add_generation_prompt) {
  std::string out;
  for (const auto& message : messages) out += "<|im_start|>" + message.role + "\n" + message.content + "<|im_end|>\n";
  if (add_generation_prompt) out += "<|im_start|>assistant\n";
  return out;
}

std::string render_llama3(const std::vector<ChatMessage>& messages, bool add_generation_prompt) {
  std::string out = "<|begin_of_text|>";
  for (const auto& message : messages)
    out += "<|start_header_id|>" + message.role + "<|end_header_id|>\n\n" + trim(message.content) + "<|eot_id|>";
  if (add_generation_prompt) out += "<|start_header_id|>assistant<|end_header_id|>\n\n";
  return out;
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ModelError(path.string() + ": cannot open the file");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// tokenizer_config.json holds "chat_template" as a string or as a list of named templates.
std::string family_from_tokenizer_config(const std::filesystem::path& path) {
  nlohmann::json config;
  try {
    config = nlohmann::json::parse(read_text(path));
  } catch (const nlohmann::json::exception& error) {
    throw ModelError(path.string() + ": not valid JSON (" + error.what() + ")");
  }
  if (!config.is_object() || !config.contains("chat_template")) return "none";
  const auto& chat_template = config["chat_template"];
  if (chat_template.is_string()) return detect_chat_family(chat_template.get<std::string>());
  if (chat_template.is_array()) {
    for (const auto& entry : chat_template)
      if (entry.is_object() && entry.value("name", "") == "default" && entry.contains("template") &&
          entry["template"].is_string())
        return detect_chat_family(entry["template"].get<std::string>());
  }
  return "none";
}

}  // namespace

std::string detect_chat_family(std::string_view template_text) {
  if (template_text.find(kR1Assistant) != std::string_view::npos || template_text.find(kR1User) != std::string_view::npos)
    return "deepseek-r1";
  if (template_text.find("<|start_header_id|>") != std::string_view::npos) return "llama-3";
  if (template_text.find("<|im_start|>") != std::string_view::npos) return "chatml";
  return "none";
}

std::string chat_family_of(const std::filesystem::path& model) {
  std::error_code error;
  if (std::filesystem::is_directory(model, error)) {
    const auto config = model / "tokenizer_config.json";
    return std::filesystem::exists(config) ? family_from_tokenizer_config(config) : "none";
  }
  if (model.extension() == ".json") return family_from_tokenizer_config(model);
  const auto file = GgufFile::open(model);
  const auto chat_template = file->get_string("tokenizer.chat_template");
  return chat_template ? detect_chat_family(*chat_template) : "none";
}

std::string render_chat(std::string_view family, const std::vector<ChatMessage>& messages, bool add_generation_prompt) {
  for (const auto& message : messages) check_role(message);
  if (family == "deepseek-r1") return render_deepseek_r1(messages, add_generation_prompt);
  if (family == "chatml") return render_chatml(messages, add_generation_prompt);
  if (family == "llama-3") return render_llama3(messages, add_generation_prompt);
  throw std::invalid_argument("no chat template for family '" + std::string(family) +
                              "' (supported: deepseek-r1, chatml, llama-3)");
}

}  // namespace docent::engine
