// `docent models import|export|quantize|compare`: converting models between Hugging Face
// folders and GGUF, re-quantizing, and measuring what a conversion changed.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "command.hpp"
#include "docent/engine.hpp"
#include "output.hpp"

namespace docent::cli {
namespace {

struct ConvertOptions {
  std::string source, output, format = "safetensors", type, reference, candidate, text_file;
  int max_tokens = 0;
  bool external_data = false;
  engine::OnnxExportOptions onnx;
};

// A .onnx file, or a folder holding model.onnx and no safetensors, is an ONNX import.
bool is_onnx_source(const std::filesystem::path& source) {
  if (source.extension() == ".onnx") return true;
  return std::filesystem::exists(source / "model.onnx") && !std::filesystem::exists(source / "model.safetensors") &&
         !std::filesystem::exists(source / "model.safetensors.index.json");
}

template <typename Work>
int guarded(Work work) {
  try {
    work();
    return kOk;
  } catch (const engine::ModelError& error) {
    print_error(error.what());
  } catch (const std::filesystem::filesystem_error& error) {
    print_error(error.what());
  }
  return kFailure;
}

int run_compare(const GlobalOptions& globals, const ConvertOptions& options) {
  std::ifstream in(options.text_file);
  if (!in) {
    print_error(options.text_file + ": cannot open the text file");
    return kUsage;
  }
  std::stringstream text;
  text << in.rdbuf();
  engine::ModelComparison result;
  int code = guarded([&] {
    auto reference = engine::Model::load(options.reference);
    auto candidate = engine::Model::load(options.candidate);
    result = engine::compare_models(reference, candidate, text.str(), options.max_tokens);
  });
  if (code != kOk) return code;
  if (globals.json) {
    print_json({{"reference", options.reference}, {"candidate", options.candidate}, {"positions", result.positions},
                {"mean_kl", result.mean_kl}, {"max_kl", result.max_kl}, {"top1_agreement", result.top1_agreement},
                {"perplexity_reference", result.perplexity_reference},
                {"perplexity_candidate", result.perplexity_candidate}});
    return kOk;
  }
  std::printf("%-24s %s\n%-24s %s\n", "reference", options.reference.c_str(), "candidate", options.candidate.c_str());
  std::printf("%-24s %lld\n", "positions", static_cast<long long>(result.positions));
  std::printf("%-24s %.6f (max %.6f)\n", "mean KL (nats)", result.mean_kl, result.max_kl);
  std::printf("%-24s %.2f%%\n", "top-1 agreement", 100.0 * result.top1_agreement);
  std::printf("%-24s %.4f -> %.4f\n", "perplexity", result.perplexity_reference, result.perplexity_candidate);
  return kOk;
}

const bool registered = register_command(71, [](CLI::App& app, GlobalOptions& globals, int& exit_code) {
  CLI::App* models = app.get_subcommand("models");  // registered by models.cpp (order 70)
  auto options = std::make_shared<ConvertOptions>();

  auto* import = models->add_subcommand("import", "Convert a Hugging Face model folder (safetensors or model.onnx) to GGUF");
  import->add_option("source", options->source, "Folder with config.json, *.safetensors or model.onnx, tokenizer.json")
      ->required()
      ->type_name("DIR|FILE.onnx");
  import->add_option("output", options->output, "GGUF file to write")->required()->type_name("OUT.gguf");
  import->callback([&exit_code, options] {
    exit_code = guarded([&] {
      const std::filesystem::path source = options->source;
      if (!is_onnx_source(source)) return engine::import_hf_model(source, options->output);
      engine::import_onnx_model(source.extension() == ".onnx" ? source : source / "model.onnx", options->output);
    });
    if (exit_code == kOk) std::cerr << "wrote " << options->output << "\n";
  });

  auto* export_command = models->add_subcommand("export", "Write a GGUF model as a Hugging Face folder");
  export_command->add_option("file", options->source, "GGUF model")->required()->type_name("FILE.gguf");
  export_command->add_option("output", options->output, "Folder to write")->required()->type_name("OUT");
  export_command->add_option("--format", options->format, "safetensors (default) or onnx")->check(CLI::IsMember({"safetensors", "onnx"}));
  export_command->add_flag("--external-data", options->external_data, "ONNX: keep the weights in model.onnx.data");
  export_command->add_option("--weights", options->onnx.weights, "ONNX weights: float (default), int4 (MatMulNBits), qdq-int4, qdq-int8")
      ->check(CLI::IsMember({"float", "int4", "qdq-int4", "qdq-int8"}));
  export_command->add_option("--block-size", options->onnx.block_size, "ONNX quantized weights: columns per scale (0: per output channel, qdq only)")
      ->capture_default_str();
  export_command->add_flag("--zero-points", options->onnx.zero_points, "ONNX quantized weights: asymmetric blocks with zero points");
  export_command->add_flag("--last-logits-only", options->onnx.last_logits_only, "ONNX decoders: logits of the last position only");
  export_command->add_option("--accuracy-level", options->onnx.int4_accuracy_level,
                             "ONNX int4: MatMulNBits accuracy_level (0 float compute, 4 int8 activations: ONNX Runtime's fast CPU path)")
      ->check(CLI::Range(0, 4));
  export_command->callback([&exit_code, options] {
    exit_code = guarded([&] {
      options->onnx.external_data = options->external_data;
      if (options->format != "onnx" && options->onnx.weights != "float")
        throw engine::ModelError("--weights applies to --format onnx only");
      if (options->format == "onnx") engine::export_onnx_model(options->source, options->output, options->onnx);
      else engine::export_hf_model(options->source, options->output);
    });
    if (exit_code == kOk) std::cerr << "wrote " << options->output << "\n";
  });

  auto* quantize = models->add_subcommand("quantize", "Re-encode a GGUF model's matrices");
  quantize->add_option("input", options->source, "GGUF model")->required()->type_name("IN.gguf");
  quantize->add_option("output", options->output, "GGUF file to write")->required()->type_name("OUT.gguf");
  quantize->add_option("--type", options->type, "q8_0, q4_0, q4_k, int4-channel, npu (QuaRot + int4-channel), npu-float (QuaRot only), or for BitNet models tq1_0, tq2_0, i2_s (ternary linears only)")->required()->check(CLI::IsMember(engine::supported_quantization_types()));
  quantize->footer("A matrix whose rows are not whole blocks of the type asked for is written as Q8_0 (or kept as it\n"
                   "is) with a warning, and the file is labelled with the type most of its weights really hold.");
  quantize->callback([&exit_code, options] {
    engine::QuantizeReport report;
    exit_code = guarded([&] { report = engine::quantize_model(options->source, options->output, options->type); });
    if (exit_code != kOk) return;
    for (const auto& line : report.fallbacks) print_error("warning: " + line);
    std::string types;
    for (const auto& [type, count] : report.tensor_types) types += (types.empty() ? "" : ", ") + std::to_string(count) + " " + type;
    std::cerr << "wrote " << options->output << " (" << (report.file_type.empty() ? "" : report.file_type + ": ") << types
              << " tensors)\n";
  });

  auto* compare = models->add_subcommand("compare", "KL divergence, top-1 agreement and perplexity of model B against A");
  compare->add_option("reference", options->reference, "Reference model A")->required()->type_name("A.gguf");
  compare->add_option("candidate", options->candidate, "Candidate model B")->required()->type_name("B.gguf");
  compare->add_option("--text", options->text_file, "Text file to score")->required()->type_name("FILE");
  compare->add_option("--max-tokens", options->max_tokens, "Score at most this many tokens (0: all)")->type_name("N");
  compare->callback([&globals, &exit_code, options] { exit_code = run_compare(globals, *options); });
});

}  // namespace
}  // namespace docent::cli
