// bench_engine: speed of docent's inference engine on random-weight models with real shapes, and
// of llama.cpp / ONNX Runtime on the same files in the same run (issue #5). See README
// "Benchmarks: engine". Helpers live in bench/engine/.
//   bench_engine [--preset all|r1-qwen-1.5b|bge-small|NAME,...] [--threads N] [--quick] [--json]
//                [--only ours|peers]
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "engine/bench_engine.hpp"

using namespace docent::bench;

namespace {

struct Options {
  std::string presets = "all";
  int threads = 2;
  bool quick = false, json = false, ours = true, peers = true;
};

void usage(std::FILE* out) {
  std::fprintf(out,
               "usage: bench_engine [--preset all|r1-qwen-1.5b|bge-small|bitnet-2b4t|NAME[,NAME...]] [--threads N] [--quick]\n"
               "                    [--json] [--only ours|peers]\n"
               "presets:");
  for (const auto& preset : all_presets()) std::fprintf(out, " %s", preset.name.c_str());
  std::fprintf(out,
               "\nModels are written once to $DOCENT_BENCH_DIR (default $XDG_CACHE_HOME/docent/bench-models, else\n"
               "~/.cache/docent/bench-models) and reused.\n"
               "Peers: LLAMA_BENCH=path/llama-bench, LLAMA_EMBEDDING=path/llama-embedding (llama-batched-bench beside\n"
               "llama-bench or LLAMA_BATCHED_BENCH for builds without llama-bench -d), ORT_NODE_DIR=folder with\n"
               "node_modules/onnxruntime-node (default: $XDG_CACHE_HOME/docent/ort, bench/ort/setup.sh).\n");
}

Options parse(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string argument = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::invalid_argument(argument + " needs a value");
      return argv[++i];
    };
    if (argument == "--preset") options.presets = value();
    else if (argument == "--threads") {
      const std::string text = value();
      char* end = nullptr;
      const long threads = std::strtol(text.c_str(), &end, 10);
      if (*end != '\0' || threads < 1 || threads > 256) throw std::invalid_argument("--threads: expected 1..256, got '" + text + "'");
      options.threads = static_cast<int>(threads);
    } else if (argument == "--quick") options.quick = true;
    else if (argument == "--json") options.json = true;
    else if (argument == "--only") {
      const std::string which = value();
      if (which != "ours" && which != "peers") throw std::invalid_argument("--only: expected ours or peers, got '" + which + "'");
      options.ours = which == "ours";
      options.peers = which == "peers";
    } else if (argument == "--help" || argument == "-h") {
      usage(stdout);
      std::exit(0);
    } else throw std::invalid_argument("unknown argument '" + argument + "'");
  }
  return options;
}

// bench_engine --internal write|measure|export-onnx PRESET [PLAN_JSON THREADS]: the child processes.
int internal(int argc, char** argv) {
  if (argc < 4) throw std::invalid_argument("--internal needs a step and a preset");
  const std::string step = argv[2];
  const Preset preset = select_presets(argv[3]).front();
  if (step == "write") {
    write_preset_model(preset, model_path(preset));
    return 0;
  }
  if (step == "export-onnx") return export_onnx(preset);
  if (step == "measure" && argc >= 6) return measure_ours(preset, Plan::from_json(Json::parse(argv[4])), std::atoi(argv[5]));
  throw std::invalid_argument("bad --internal step '" + step + "'");
}

bool ensure_model(const Preset& preset) {
  if (fs::exists(model_path(preset))) return true;
  std::fprintf(stderr, "writing %s (random weights, done once) ...\n", model_path(preset).c_str());
  const auto run = run_process({self_executable(), "--internal", "write", preset.name});
  if (run.exit_code != 0 || !fs::exists(model_path(preset))) {
    std::fprintf(stderr, "bench_engine: could not write %s\n", model_path(preset).c_str());
    return false;
  }
  std::fprintf(stderr, "  written in %.0f s\n", run.seconds);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    if (argc > 1 && std::strcmp(argv[1], "--internal") == 0) return internal(argc, argv);
    const Options options = parse(argc, argv);
    const Plan plan = options.quick ? Plan::quick_plan() : Plan{};
    const auto presets = select_presets(options.presets);
    Json all = Json::array();
    int failures = 0;
    for (const Preset& preset : presets) {
      std::fprintf(stderr, "== %s\n", preset.name.c_str());
      if (!ensure_model(preset)) {
        ++failures;
        continue;
      }
      Json report = {{"preset", preset.name}, {"quantization", preset.quantization}, {"threads", options.threads},
                     {"quick", plan.quick}, {"plan", plan.to_json()}, {"file", model_path(preset).string()},
                     {"file_bytes", static_cast<double>(fs::file_size(model_path(preset)))}};
      Json ours = Json::object();
      Json notes = Json::array();
      if (options.ours) {
        const auto run = run_process({self_executable(), "--internal", "measure", preset.name, plan.to_json().dump(),
                                      std::to_string(options.threads)});
        try {
          ours = Json::parse(run.output);
          ours["peak_rss_mb"] = static_cast<double>(run.peak_rss_kb) / 1024.0;
        } catch (const std::exception&) {
          notes.push_back("ours: the measurement failed (exit " + std::to_string(run.exit_code) + ")");
          ++failures;
        }
      }
      PeerResults peers;
      if (options.peers) peers = run_peers(preset, plan, options.threads);
      for (const auto& note : peers.notes) notes.push_back(note);
      report["kv_cache_bytes"] = ours.value("kv_cache_bytes", 0.0);
      report["ours"] = ours;
      report["llama_cpp"] = peers.llama_cpp ? *peers.llama_cpp : Json(nullptr);
      report["ort"] = peers.ort ? *peers.ort : Json(nullptr);
      report["notes"] = notes;
      report["rows"] = build_rows(preset, plan, ours, peers);
      if (!options.json) print_table(report);
      std::fflush(stdout);
      all.push_back(report);
    }
    if (options.json) std::printf("%s\n", all.dump(2).c_str());
    return failures == 0 ? 0 : 1;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "bench_engine: %s\n", error.what());
    return 2;
  }
}
