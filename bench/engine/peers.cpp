// The peers, run on the same files in the same run: llama.cpp (llama-bench, llama-batched-bench,
// llama-embedding, built locally and pointed at by environment variables) and ONNX Runtime (the
// npm package onnxruntime-node, driven by bench/ort/ort_bench.mjs on our ONNX export).
// Each peer yields flat metrics: prefill_<n>, decode_<context> (tok/s), ttft (s), load (s),
// peak_rss_mb, embed_chunks_per_second, embed_tokens_per_second.
#include <cstdlib>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include "bench_engine.hpp"

#ifndef DOCENT_SOURCE_DIR
#define DOCENT_SOURCE_DIR "."
#endif

namespace docent::bench {

namespace {

std::string environment(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

std::string joined(const std::vector<int>& values) {
  std::string text;
  for (int value : values) {
    if (!text.empty()) text += ',';
    text += std::to_string(value);
  }
  return text;
}

void keep_best(Json& metrics, const std::string& key, double value, Json& settings, const Json& setting) {
  if (!metrics.contains(key) || metrics[key].get<double>() < value) {
    metrics[key] = value;
    settings[key] = setting;
  }
}

double megabytes(long kilobytes) { return static_cast<double>(kilobytes) / 1024.0; }

// llama-bench prints one JSON array with -o json; entries carry n_prompt, n_gen, n_depth (newer
// builds), flash_attn and avg_ts.
void read_llama_bench(const ProcessResult& run, Json& metrics, Json& settings, std::vector<std::string>& notes) {
  Json entries;
  try {
    entries = Json::parse(run.output);
  } catch (const std::exception&) {
    notes.push_back("llama-bench: unreadable output (exit " + std::to_string(run.exit_code) + ")");
    return;
  }
  for (const auto& entry : entries) {
    const int prompt = entry.value("n_prompt", 0), generated = entry.value("n_gen", 0), depth = entry.value("n_depth", 0);
    const double rate = entry.value("avg_ts", 0.0);
    const Json setting = {{"flash_attn", entry.value("flash_attn", false)}, {"source", "llama-bench"}};
    if (generated == 0 && prompt > 0 && depth == 0) keep_best(metrics, "prefill_" + std::to_string(prompt), rate, settings, setting);
    if (generated > 0 && prompt == 0) keep_best(metrics, "decode_" + std::to_string(depth), rate, settings, setting);
  }
}

// Builds without llama-bench -d: llama-batched-bench measures generation after a prompt of npp
// tokens (one sequence), i.e. decoding at that depth.
void batched_bench_depths(const std::string& program, const Preset& preset, const Plan& plan, int threads, bool flash,
                          Json& metrics, Json& settings, long& peak_rss_kb, std::vector<std::string>& notes) {
  std::vector<int> depths;
  int deepest = 0;
  for (int context : plan.decode_contexts)
    if (context > 0) depths.push_back(context), deepest = std::max(deepest, context);
  if (depths.empty()) return;
  std::vector<std::string> argv = {program, "-m", model_path(preset).string(), "-t", std::to_string(threads),
                                   "-c", std::to_string(deepest + plan.decode_tokens + 64), "-b", "2048", "-ub", "512",
                                   "-npp", joined(depths), "-ntg", std::to_string(plan.decode_tokens), "-npl", "1",
                                   "--no-mmap", "--output-format", "jsonl"};
  if (flash) argv.push_back("-fa");
  const ProcessResult run = run_process(argv, true);
  peak_rss_kb = std::max(peak_rss_kb, run.peak_rss_kb);
  std::istringstream lines(run.output);
  std::string line;
  int found = 0;
  while (std::getline(lines, line)) {
    if (line.find("\"speed_tg\"") == std::string::npos) continue;
    try {
      const Json entry = Json::parse(line);
      keep_best(metrics, "decode_" + std::to_string(entry.at("pp").get<int>()), entry.at("speed_tg").get<double>(), settings,
                {{"flash_attn", flash}, {"source", "llama-batched-bench"}});
      ++found;
    } catch (const std::exception&) {
    }
  }
  if (found == 0) notes.push_back("llama-batched-bench" + std::string(flash ? " -fa" : "") + ": no results (exit " +
                                  std::to_string(run.exit_code) + ")");
}

std::optional<Json> llama_decoder(const Preset& preset, const Plan& plan, int threads, std::vector<std::string>& notes) {
  const std::string program = environment("LLAMA_BENCH");
  if (program.empty()) {
    notes.push_back("llama.cpp: LLAMA_BENCH not set");
    return std::nullopt;
  }
  const std::string help = run_process({program, "--help"}, true).output;
  if (help.empty()) {
    notes.push_back("llama.cpp: " + program + " --help printed nothing; not run");
    return std::nullopt;
  }
  const bool has_depth = help.find("n-depth") != std::string::npos;
  const bool has_flash = help.find("flash-attn") != std::string::npos;
  std::vector<std::string> common = {program, "-m", model_path(preset).string(), "-t", std::to_string(threads),
                                     "-r", std::to_string(std::max(2, plan.repetitions)), "-mmp", "0", "-o", "json"};
  if (has_flash) common.insert(common.end(), {"-fa", "0,1"});
  Json metrics = Json::object(), settings = Json::object();
  long peak_rss_kb = 0;

  std::fprintf(stderr, "  llama.cpp: llama-bench prefill\n");
  auto prefill_argv = common;
  prefill_argv.insert(prefill_argv.end(), {"-p", joined(plan.prefill_lengths), "-n", "0"});
  ProcessResult run = run_process(prefill_argv, true);
  peak_rss_kb = std::max(peak_rss_kb, run.peak_rss_kb);
  read_llama_bench(run, metrics, settings, notes);

  std::fprintf(stderr, "  llama.cpp: llama-bench decode\n");
  auto decode_argv = common;
  decode_argv.insert(decode_argv.end(), {"-p", "0", "-n", std::to_string(plan.decode_tokens)});
  if (has_depth) decode_argv.insert(decode_argv.end(), {"-d", joined(plan.decode_contexts)});
  run = run_process(decode_argv, true);
  peak_rss_kb = std::max(peak_rss_kb, run.peak_rss_kb);
  read_llama_bench(run, metrics, settings, notes);

  if (!has_depth) {
    std::string batched = environment("LLAMA_BATCHED_BENCH");
    if (batched.empty()) batched = (fs::path(program).parent_path() / "llama-batched-bench").string();
    if (fs::exists(batched)) {
      std::fprintf(stderr, "  llama.cpp: this llama-bench has no -d; decode at depth from llama-batched-bench\n");
      for (bool flash : {false, true})
        batched_bench_depths(batched, preset, plan, threads, flash, metrics, settings, peak_rss_kb, notes);
    } else {
      notes.push_back("llama.cpp: llama-bench has no -d and llama-batched-bench was not found; no decode at depth");
    }
  }
  const std::string ttft_key = "prefill_" + std::to_string(plan.ttft_tokens);
  if (metrics.contains(ttft_key)) metrics["ttft"] = plan.ttft_tokens / metrics[ttft_key].get<double>();
  metrics["peak_rss_mb"] = megabytes(peak_rss_kb);
  return Json{{"metrics", metrics}, {"best_settings", settings},
              {"notes", "ttft = prompt tokens / prefill rate (llama-bench does not sample); peak RSS of the llama-bench process "
                        "at the deepest context; --mmap 0, best of -fa 0/1 per metric"}};
}

std::optional<Json> llama_encoder(const Preset& preset, const Plan& plan, int threads, std::vector<std::string>& notes) {
  const std::string program = environment("LLAMA_EMBEDDING");
  if (program.empty()) {
    notes.push_back("llama.cpp: LLAMA_EMBEDDING not set");
    return std::nullopt;
  }
  // One passage a line; each word is one WordPiece token, plus [CLS] and [SEP].
  const fs::path input = bench_directory() / ("embedding-input-" + std::to_string(plan.passages) + "x" +
                                              std::to_string(plan.passage_tokens) + ".txt");
  {
    std::ofstream out(input);
    for (int i = 0; i < plan.passages; ++i) out << random_words_line(plan.passage_tokens - 2, 100u + static_cast<unsigned>(i)) << '\n';
    if (!out) {
      notes.push_back("llama-embedding: cannot write " + input.string());
      return std::nullopt;
    }
  }
  // Passages per llama_decode call: ours, and one at a time; the better is kept.
  const std::regex prompt_line(R"(prompt eval time\s*=\s*([0-9.]+) ms\s*/\s*([0-9]+) tokens)");
  const std::regex load_line(R"(load time\s*=\s*([0-9.]+) ms)");
  std::optional<Json> best;
  for (int batch : {plan.embed_batch, 1}) {
    const int batch_tokens = batch * plan.passage_tokens;
    std::fprintf(stderr, "  llama.cpp: llama-embedding, %d passage(s) a batch\n", batch);
    const ProcessResult run = run_process(
        {"sh", "-c", "exec \"$0\" \"$@\" 2>&1", program, "-m", model_path(preset).string(), "-f", input.string(), "-t",
         std::to_string(threads), "-c", std::to_string(batch_tokens), "-b", std::to_string(batch_tokens), "-ub",
         std::to_string(batch_tokens), "-np", std::to_string(batch), "--pooling", "cls", "--no-mmap"},
        true);
    std::smatch match;
    if (run.exit_code != 0 || !std::regex_search(run.output, match, prompt_line)) {
      notes.push_back("llama-embedding (batch " + std::to_string(batch) + "): failed (exit " + std::to_string(run.exit_code) +
                      "): " + run.output.substr(run.output.size() > 300 ? run.output.size() - 300 : 0));
      continue;
    }
    const double seconds = std::stod(match[1]) / 1000.0;
    const double tokens = std::stod(match[2]);
    Json metrics = {{"embed_chunks_per_second", plan.passages / seconds}, {"embed_tokens_per_second", tokens / seconds},
                    {"peak_rss_mb", megabytes(run.peak_rss_kb)}};
    if (std::regex_search(run.output, match, load_line)) metrics["load"] = std::stod(match[1]) / 1000.0;
    if (!best || (*best)["metrics"]["embed_chunks_per_second"].get<double>() < metrics["embed_chunks_per_second"].get<double>())
      best = Json{{"metrics", metrics}, {"batch", batch},
                  {"notes", "its own prompt-eval timing (tokens counted by llama-embedding); best of batch sizes"}};
    if (plan.embed_batch == 1) break;
  }
  return best;
}

std::string ort_folder() {
  for (const char* name : {"ORT_NODE_DIR", "DOCENT_ORT_DIR"})
    if (auto value = environment(name); !value.empty()) return value;
  const fs::path installed = docent_cache_directory() / "ort";  // bench/ort/setup.sh's default
  return fs::exists(installed / "node_modules/onnxruntime-node") ? installed.string() : "";
}

std::optional<Json> run_ort(const Preset& preset, const Plan& plan, int threads, std::vector<std::string>& notes) {
  const std::string folder = ort_folder();
  if (folder.empty()) {
    notes.push_back("ONNX Runtime: not installed (bench/ort/setup.sh) and ORT_NODE_DIR not set");
    return std::nullopt;
  }
  const fs::path script = fs::path(DOCENT_SOURCE_DIR) / "bench" / "ort" / "ort_bench.mjs";
  if (!fs::exists(script)) {
    notes.push_back("ONNX Runtime: " + script.string() + " is missing");
    return std::nullopt;
  }
  const fs::path model = onnx_directory(preset) / "model.onnx";
  if (!fs::exists(model)) {
    std::fprintf(stderr, "  ONNX Runtime: exporting %s to %s\n", preset.name.c_str(), onnx_directory(preset).c_str());
    const auto exported = run_process({self_executable(), "--internal", "export-onnx", preset.name});
    if (exported.exit_code != 0 || !fs::exists(model)) {
      notes.push_back("ONNX Runtime: export of " + preset.name + " failed");
      return std::nullopt;
    }
  }
  std::vector<std::string> argv = {"node", script.string(), "--model", model.string(), "--threads", std::to_string(threads),
                                   "--ort", folder};
  if (preset.encoder) {
    argv.insert(argv.end(), {"--kind", "encoder", "--passages", std::to_string(plan.passages), "--tokens",
                             std::to_string(plan.passage_tokens), "--batch", std::to_string(plan.embed_batch)});
  } else {
    argv.insert(argv.end(), {"--kind", "decoder", "--prefill", joined(plan.prefill_lengths), "--decode",
                             std::to_string(plan.decode_tokens), "--contexts", joined(plan.decode_contexts)});
  }
  std::fprintf(stderr, "  ONNX Runtime: %s\n", model.c_str());
  const ProcessResult run = run_process(argv);
  Json result;
  try {
    result = Json::parse(run.output);
  } catch (const std::exception&) {
    notes.push_back("ONNX Runtime: ort_bench.mjs failed (exit " + std::to_string(run.exit_code) + ")");
    return std::nullopt;
  }
  Json metrics = {{"peak_rss_mb", megabytes(run.peak_rss_kb)}, {"load", result.value("load_seconds", 0.0)}};
  if (preset.encoder) {
    metrics["embed_chunks_per_second"] = result.value("chunks_per_second", 0.0);
    metrics["embed_tokens_per_second"] = result.value("tokens_per_second", 0.0);
  } else {
    for (const auto& entry : result.value("prefill", Json::array()))
      metrics["prefill_" + std::to_string(entry.value("tokens", 0))] = entry.value("tokens_per_second", 0.0);
    for (const auto& entry : result.value("decode", Json::array()))
      metrics["decode_" + std::to_string(entry.value("context", 0))] = entry.value("tokens_per_second", 0.0);
    // The script times a 64-token prompt; compare only like with like.
    if (plan.ttft_tokens == 64 && result.contains("time_to_first_token_seconds_64"))
      metrics["ttft"] = result["time_to_first_token_seconds_64"];
  }
  return Json{{"metrics", metrics}, {"raw", result},
              {"notes", std::string(preset.encoder ? "float" : "int4 MatMulNBits (block 32)") +
                            " export of the same GGUF; peak RSS of the node process"}};
}

}  // namespace

PeerResults run_peers(const Preset& preset, const Plan& plan, int threads) {
  PeerResults peers;
  peers.llama_cpp = preset.encoder ? llama_encoder(preset, plan, threads, peers.notes)
                                   : llama_decoder(preset, plan, threads, peers.notes);
  // Every quantization of a shape runs the same ONNX export: measure it once a run.
  static std::map<std::string, std::optional<Json>> ort_by_shape;
  if (auto known = ort_by_shape.find(preset.shape); known != ort_by_shape.end()) {
    peers.ort = known->second;
    if (peers.ort) peers.notes.push_back("ONNX Runtime: the " + preset.shape + " export measured earlier in this run");
  } else {
    peers.ort = ort_by_shape[preset.shape] = run_ort(preset, plan, threads, peers.notes);
  }
  return peers;
}

}  // namespace docent::bench
