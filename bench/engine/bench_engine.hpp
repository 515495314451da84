#pragma once
// bench_engine: our engine against llama.cpp and ONNX Runtime on random-weight models with real
// shapes (issue #5). The parent process only orchestrates; every heavy step (writing a model,
// measuring our engine, exporting to ONNX, running a peer) is a child process, so the peak RSS
// that wait4 reports for a measurement child is that child's own.

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "testing/random_model.hpp"

namespace docent::bench {

namespace fs = std::filesystem;
using Json = nlohmann::json;

// Token counts of one run. The full plan is the issue's; --quick shrinks it for development.
struct Plan {
  std::vector<int> prefill_lengths{64, 512};
  int decode_tokens = 128;
  std::vector<int> decode_contexts{0, 1024, 4096};
  int ttft_tokens = 64;
  int passages = 64;
  int passage_tokens = 256;
  int embed_batch = 16;  // passages per Encoder::embed call
  int repetitions = 2;   // prefill / decode runs averaged (after one untimed warm-up)
  bool quick = false;

  static Plan quick_plan();
  int cache_capacity() const;  // KV positions the decoder measurements need
  Json to_json() const;
  static Plan from_json(const Json& json);
};

struct Preset {
  std::string name;         // "r1-qwen-1.5b-q4_0"
  std::string shape;        // "r1-qwen-1.5b": presets of one shape share their ONNX export
  std::string quantization; // "Q4_0", "Q8_0", "Q4_K_M", "F16", ...
  bool encoder = false;
};

const std::vector<Preset>& all_presets();
// "all", a shape ("r1-qwen-1.5b", "bge-small") or preset names, comma-separated. Throws
// std::invalid_argument naming an unknown one.
std::vector<Preset> select_presets(const std::string& selection);
// The preset's random-model description (shape, quantization, synthetic tokenizer).
engine::RandomModelSpec preset_spec(const Preset& preset);
// Writes the preset's random model (through a temporary file, so an interrupted write is never
// mistaken for a model). Called in a child process.
void write_preset_model(const Preset& preset, const fs::path& path);

// docent's cache folder: $XDG_CACHE_HOME/docent, else ~/.cache/docent.
fs::path docent_cache_directory();
// Where models are cached: $DOCENT_BENCH_DIR, else docent_cache_directory()/bench-models.
fs::path bench_directory();
fs::path model_path(const Preset& preset);
fs::path onnx_directory(const Preset& preset);
// A space-separated line of `words` WordPiece words of a preset's vocabulary (llama-embedding input).
std::string random_words_line(int words, unsigned seed);

// One child process run to completion.
struct ProcessResult {
  int exit_code = -1;  // -1: killed by a signal or could not start
  std::string output;  // stdout
  long peak_rss_kb = 0;
  double seconds = 0;
};
// Runs argv[0] (a path or a name on PATH) with stdout captured; stderr passes through unless
// `quiet`. Never throws for a failing child.
ProcessResult run_process(const std::vector<std::string>& argv, bool quiet = false);
std::string self_executable();

// Child-process entry points (bench_engine --internal ...). Print one JSON object on stdout.
int measure_ours(const Preset& preset, const Plan& plan, int threads);
int export_onnx(const Preset& preset);

// Peers: nullopt-valued fields when a peer is not configured. `notes` gathers why a peer was
// skipped or failed, for the report.
struct PeerResults {
  std::optional<Json> llama_cpp;
  std::optional<Json> ort;
  std::vector<std::string> notes;
};
PeerResults run_peers(const Preset& preset, const Plan& plan, int threads);

// Metric rows (label, ours, llama.cpp, ORT, ratio, target, verdict) from the measurements.
Json build_rows(const Preset& preset, const Plan& plan, const Json& ours, const PeerResults& peers);
void print_table(const Json& preset_report);

}  // namespace docent::bench
