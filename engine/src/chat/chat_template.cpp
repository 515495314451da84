// Native renderings of the chat templates docent supports; the family is recognised from the
// model's Jinja template by markers only its family uses, so no template engine is needed.
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "docent/engine.hpp"
#include "gguf/gguf_reader.hpp"
#include "tokenizer/vocabulary_tokenizer.hpp"

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

// A rendered conversation as pieces that came from the template (markers, role names) or
// from a message (content that must stay plain text).
struct Rendered {
  struct Piece {
    std::string text;
    bool from_template;
  };
  std::vector<Piece> pieces;
  void markup(std::string_view text) { pieces.push_back({std::string(text), true}); }
  void content(std::string text) { pieces.push_back({std::move(text), false}); }
  std::string joined() const {
    std::string out;
    for (const auto& piece : pieces) out += piece.text;
    return out;
  }
};

Rendered render_deepseek_r1(const std::vector<ChatMessage>& messages, bool add_generation_prompt) {
  Rendered out;
  out.markup(kR1Begin);
  // The system prompt goes first, right after the begin token, wherever it appears.
  bool first_system = true;
  for (const auto& message : messages) {
    if (message.role != "system") continue;
    if (!first_system) out.markup("\n\n");
    out.content(message.content);
    first_system = false;
  }
  for (const auto& message : messages) {
    if (message.role == "user") {
      out.markup(kR1User);
      out.content(message.content);
    } else if (message.role == "assistant") {
      out.markup(kR1Assistant);
      out.content(without_reasoning(message.content));
      out.markup(kR1End);
    }
  }
  if (add_generation_prompt) {
    out.markup(kR1Assistant);
    out.markup("<think>\n");
  }
  return out;
}

Rendered render_chatml(const std::vector<ChatMessage>& messages, bool add_generation_prompt) {
  Rendered out;
  for (const auto& message : messages) {
    out.markup("<|im_start|>" + message.role + "\n");
    out.content(message.content);
    out.markup("<|im_end|>\n");
  }
  if (add_generation_prompt) out.markup("<|im_start|>assistant\n");
  return out;
}

Rendered render_llama3(const std::vector<ChatMessage>& messages, bool add_generation_prompt) {
  Rendered out;
  out.markup("<|begin_of_text|>");
  for (const auto& message : messages) {
    out.markup("<|start_header_id|>" + message.role + "<|end_header_id|>\n\n");
    out.content(trim(message.content));
    out.markup("<|eot_id|>");
  }
  if (add_generation_prompt) out.markup("<|start_header_id|>assistant<|end_header_id|>\n\n");
  return out;
}

Rendered render(ChatFamily family, const std::vector<ChatMessage>& messages, bool add_generation_prompt) {
  for (const auto& message : messages) check_role(message);
  switch (family) {
    case ChatFamily::deepseek_r1: return render_deepseek_r1(messages, add_generation_prompt);
    case ChatFamily::chatml: return render_chatml(messages, add_generation_prompt);
    case ChatFamily::llama3: return render_llama3(messages, add_generation_prompt);
    case ChatFamily::none: break;
  }
  throw std::invalid_argument("the model has no chat template docent knows (supported: deepseek-r1, chatml, llama-3)");
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ModelError(path.string() + ": cannot open the file");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// tokenizer_config.json holds "chat_template" as a string or as a list of named templates.
ChatFamily family_from_tokenizer_config(const std::filesystem::path& path) {
  nlohmann::json config;
  try {
    config = nlohmann::json::parse(read_text(path));
  } catch (const nlohmann::json::exception& error) {
    throw ModelError(path.string() + ": not valid JSON (" + error.what() + ")");
  }
  if (!config.is_object() || !config.contains("chat_template")) return ChatFamily::none;
  const auto& chat_template = config["chat_template"];
  if (chat_template.is_string()) return detect_chat_family(chat_template.get<std::string>());
  if (chat_template.is_array()) {
    for (const auto& entry : chat_template)
      if (entry.is_object() && entry.value("name", "") == "default" && entry.contains("template") &&
          entry["template"].is_string())
        return detect_chat_family(entry["template"].get<std::string>());
  }
  return ChatFamily::none;
}

struct FamilyName {
  ChatFamily family;
  std::string_view name;
};
constexpr FamilyName kFamilyNames[] = {{ChatFamily::none, "none"},
                                       {ChatFamily::deepseek_r1, "deepseek-r1"},
                                       {ChatFamily::chatml, "chatml"},
                                       {ChatFamily::llama3, "llama-3"}};

}  // namespace

std::string_view to_string(ChatFamily family) {
  for (const auto& entry : kFamilyNames)
    if (entry.family == family) return entry.name;
  return "none";
}

std::optional<ChatFamily> parse_chat_family(std::string_view name) {
  for (const auto& entry : kFamilyNames)
    if (entry.name == name) return entry.family;
  return std::nullopt;
}

ChatFamily detect_chat_family(std::string_view template_text) {
  if (template_text.find(kR1Assistant) != std::string_view::npos || template_text.find(kR1User) != std::string_view::npos)
    return ChatFamily::deepseek_r1;
  if (template_text.find("<|start_header_id|>") != std::string_view::npos) return ChatFamily::llama3;
  if (template_text.find("<|im_start|>") != std::string_view::npos) return ChatFamily::chatml;
  return ChatFamily::none;
}

ChatFamily chat_family_of(const std::filesystem::path& model) {
  std::error_code error;
  if (std::filesystem::is_directory(model, error)) {
    const auto config = model / "tokenizer_config.json";
    return std::filesystem::exists(config) ? family_from_tokenizer_config(config) : ChatFamily::none;
  }
  if (model.extension() == ".json") return family_from_tokenizer_config(model);
  const auto file = GgufFile::open(model);
  const auto chat_template = file->get_string("tokenizer.chat_template");
  return chat_template ? detect_chat_family(*chat_template) : ChatFamily::none;
}

std::string render_chat(ChatFamily family, const std::vector<ChatMessage>& messages, bool add_generation_prompt) {
  return render(family, messages, add_generation_prompt).joined();
}

std::vector<TokenId> encode_chat(const Tokenizer& tokenizer, ChatFamily family,
                                 const std::vector<ChatMessage>& messages, bool add_generation_prompt) {
  const Rendered rendered = render(family, messages, add_generation_prompt);
  const auto* vocabulary_tokenizer = dynamic_cast<const tokenizer::VocabularyTokenizer*>(&tokenizer);
  if (!vocabulary_tokenizer) return tokenizer.encode(rendered.joined(), false, true);
  std::vector<tokenizer::VocabularyTokenizer::Segment> segments;
  segments.reserve(rendered.pieces.size());
  for (const auto& piece : rendered.pieces) segments.push_back({piece.text, piece.from_template});
  // The templates spell out BOS themselves, so no special tokens are added around them.
  return vocabulary_tokenizer->encode_segments(segments, false);
}

}  // namespace docent::engine
