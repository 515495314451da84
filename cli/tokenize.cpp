// `docent tokenize`: how a model's tokenizer splits a text (ids, vocabulary pieces, text).
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "command.hpp"
#include "docent/engine.hpp"
#include "output.hpp"

namespace docent::cli {
namespace {

struct TokenizeOptions {
  std::string model;
  std::string text;
  std::string file;
  bool add_special = false;
  bool no_special = false;
  bool count_only = false;
};

// Control characters and newlines made visible so each token stays on one line.
std::string visible(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char escaped[8];
          std::snprintf(escaped, sizeof escaped, "\\x%02x", static_cast<unsigned char>(c));
          out += escaped;
        } else {
          out += c;
        }
    }
  }
  return out;
}

int run_tokenize(const GlobalOptions& globals, const TokenizeOptions& options) {
  std::string text = options.text;
  if (!options.file.empty()) {
    std::ifstream in(options.file, std::ios::binary);
    if (!in) {
      print_error(options.file + ": cannot open the file");
      return kFailure;
    }
    std::ostringstream content;
    content << in.rdbuf();
    text = content.str();
  }
  const auto tokenizer = engine::Tokenizer::load(options.model);
  const auto ids = tokenizer->encode(text, options.add_special, !options.no_special);

  if (globals.json) {
    nlohmann::json tokens = nlohmann::json::array();
    if (!options.count_only)
      for (auto id : ids)
        tokens.push_back({{"id", id}, {"piece", tokenizer->piece(id)}, {"text", tokenizer->token_text(id)}});
    nlohmann::json result = {{"tokenizer", tokenizer->kind()}, {"count", ids.size()}};
    if (!options.count_only) result["tokens"] = std::move(tokens);
    print_json(result);
    return kOk;
  }
  if (options.count_only) {
    std::cout << ids.size() << '\n';
    return kOk;
  }
  std::cout << tokenizer->kind() << ": " << ids.size() << " token" << (ids.size() == 1 ? "" : "s") << '\n';
  for (auto id : ids)
    std::printf("%8d  %-24s %s\n", id, ("'" + visible(tokenizer->piece(id)) + "'").c_str(),
                visible(tokenizer->token_text(id)).c_str());
  return kOk;
}

const bool registered = register_command(90, [](CLI::App& app, GlobalOptions& globals, int& exit_code) {
  auto options = std::make_shared<TokenizeOptions>();
  auto* command = app.add_subcommand("tokenize", "Show how a model's tokenizer splits a text into tokens");
  command->add_option("-m,--model", options->model, "GGUF model, tokenizer.json, vocab.txt or Hugging Face folder")
      ->required()
      ->type_name("FILE");
  command->add_option("text", options->text, "The text to tokenize")->type_name("TEXT");
  command->add_option("-f,--file", options->file, "Tokenize the contents of this file instead")->type_name("FILE");
  command->add_flag("--add-special", options->add_special, "Add the model's BOS / [CLS] ... [SEP] tokens");
  command->add_flag("--no-special", options->no_special, "Treat text like <|im_start|> as plain text");
  command->add_flag("--count", options->count_only, "Print only the number of tokens");
  command->callback([&globals, &exit_code, options, command] {
    const bool has_text = command->count("text") > 0;
    if (has_text == !options->file.empty())
      throw CLI::ValidationError("tokenize", "give either a TEXT or --file FILE");
    exit_code = run_tokenize(globals, *options);
  });
});

}  // namespace
}  // namespace docent::cli
