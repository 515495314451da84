// Presets (model shapes x quantizations), the cache directory, and running child processes.
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <random>
#include <sstream>
#include <stdexcept>

#include "bench_engine.hpp"
#include "testing/random_model.hpp"

namespace docent::bench {

using engine::RandomModelSpec;
using engine::TensorType;

Plan Plan::quick_plan() {
  Plan plan;
  plan.prefill_lengths = {16, 64};
  plan.decode_tokens = 8;
  plan.decode_contexts = {0, 256};
  plan.ttft_tokens = 16;
  plan.passages = 8;
  plan.passage_tokens = 128;
  plan.embed_batch = 8;
  plan.repetitions = 1;
  plan.quick = true;
  return plan;
}

int Plan::cache_capacity() const {
  int longest = 0;
  for (int length : prefill_lengths) longest = std::max(longest, length);
  for (int context : decode_contexts) longest = std::max(longest, context + decode_tokens + 1);
  return std::max({longest, ttft_tokens + 1, 16});
}

Json Plan::to_json() const {
  return Json{{"prefill_lengths", prefill_lengths}, {"decode_tokens", decode_tokens},
              {"decode_contexts", decode_contexts}, {"ttft_tokens", ttft_tokens},
              {"passages", passages}, {"passage_tokens", passage_tokens},
              {"embed_batch", embed_batch}, {"repetitions", repetitions}, {"quick", quick}};
}

Plan Plan::from_json(const Json& json) {
  Plan plan;
  json.at("prefill_lengths").get_to(plan.prefill_lengths);
  json.at("decode_tokens").get_to(plan.decode_tokens);
  json.at("decode_contexts").get_to(plan.decode_contexts);
  json.at("ttft_tokens").get_to(plan.ttft_tokens);
  json.at("passages").get_to(plan.passages);
  json.at("passage_tokens").get_to(plan.passage_tokens);
  json.at("embed_batch").get_to(plan.embed_batch);
  json.at("repetitions").get_to(plan.repetitions);
  json.at("quick").get_to(plan.quick);
  return plan;
}

const std::vector<Preset>& all_presets() {
  static const std::vector<Preset> presets = {
      {"r1-qwen-1.5b-q4_0", "r1-qwen-1.5b", "Q4_0", false},
      {"r1-qwen-1.5b-q8_0", "r1-qwen-1.5b", "Q8_0", false},
      {"r1-qwen-1.5b-q4_k_m", "r1-qwen-1.5b", "Q4_K_M", false},
      {"bge-small-f16", "bge-small", "F16", true},
      {"bge-small-q8_0", "bge-small", "Q8_0", true},
      {"bge-small-f32", "bge-small", "F32", true},
      {"bitnet-2b4t-tq2_0", "bitnet-2b4t", "TQ2_0", false},
      {"bitnet-2b4t-tq1_0", "bitnet-2b4t", "TQ1_0", false},
      {"bitnet-2b4t-i2_s", "bitnet-2b4t", "I2_S", false},
  };
  return presets;
}

std::vector<Preset> select_presets(const std::string& selection) {
  std::vector<Preset> chosen;
  auto add = [&](const Preset& preset) {
    for (const auto& have : chosen)
      if (have.name == preset.name) return;
    chosen.push_back(preset);
  };
  std::stringstream list(selection);
  std::string item;
  while (std::getline(list, item, ',')) {
    if (item.empty()) continue;
    bool found = false;
    for (const auto& preset : all_presets()) {
      // A shape selects its usual quantizations; bge-small-f32 only when named.
      const bool in_group = item == "all" || (item == preset.shape && preset.name != "bge-small-f32");
      if (in_group || item == preset.name) {
        // "all" stays the R1 and bge presets it always was; the BitNet ones are chosen by name.
        if (item == "all" && (preset.name == "bge-small-f32" || preset.shape == "bitnet-2b4t")) continue;
        add(preset);
        found = true;
      }
    }
    if (!found) {
      std::string names;
      for (const auto& preset : all_presets()) names += " " + preset.name;
      throw std::invalid_argument("unknown preset '" + item + "' (all, r1-qwen-1.5b, bge-small, bitnet-2b4t," + names + ")");
    }
  }
  if (chosen.empty()) throw std::invalid_argument("no preset selected");
  return chosen;
}

RandomModelSpec preset_spec(const Preset& preset) {
  RandomModelSpec spec;
  spec.seed = 5;
  spec.tokenizer_metadata = true;  // llama.cpp refuses a file without a vocabulary
  spec.fast_random = true;
  if (preset.shape == "r1-qwen-1.5b") {
    // DeepSeek-R1-Distill-Qwen-1.5B's shapes.
    spec.architecture = "qwen2";
    spec.layers = 28;
    spec.hidden = 1536;
    spec.heads = 12;
    spec.kv_heads = 2;
    spec.ffn = 8960;
    spec.vocabulary = 151936;
    spec.context_length = 131072;
    spec.tied_output = false;
  } else if (preset.shape == "bitnet-2b4t") {
    // BitNet b1.58 2B4T's shapes (its config.json). Named "bitnet" so that llama.cpp, which
    // knows no "bitnet-b1.58", loads the file: its SiLU gate costs what squared ReLU does.
    spec.architecture = "bitnet";
    spec.layers = 30;
    spec.hidden = 2560;
    spec.heads = 20;
    spec.kv_heads = 5;
    spec.ffn = 6912;
    spec.vocabulary = 128256;
    spec.context_length = 4096;
    spec.tied_output = true;
  } else {
    // bge-small-en-v1.5's shapes.
    spec.architecture = "bert";
    spec.layers = 12;
    spec.hidden = 384;
    spec.heads = 12;
    spec.kv_heads = 12;
    spec.ffn = 1536;
    spec.vocabulary = 30522;
    spec.context_length = 512;
  }
  const std::string& q = preset.quantization;
  if (q == "Q4_K_M") {
    engine::apply_q4_k_m_mix(spec);
  } else if (q == "Q4_0") {
    spec.weight_type = TensorType::q4_0, spec.file_type = 2;
  } else if (q == "Q8_0") {
    spec.weight_type = TensorType::q8_0, spec.file_type = 7;
  } else if (q == "TQ2_0") {
    spec.weight_type = TensorType::tq2_0, spec.file_type = 37;
  } else if (q == "TQ1_0") {
    spec.weight_type = TensorType::tq1_0, spec.file_type = 36;
  } else if (q == "I2_S") {
    spec.weight_type = TensorType::i2_s;
  } else if (q == "F16") {
    spec.weight_type = TensorType::f16, spec.file_type = 1;
  } else {
    spec.weight_type = TensorType::f32, spec.file_type = 0;
  }
  return spec;
}

void write_preset_model(const Preset& preset, const fs::path& path) {
  fs::create_directories(path.parent_path());
  const fs::path partial = path.string() + ".partial";
  engine::write_random_model(partial, preset_spec(preset));
  fs::rename(partial, path);
}

fs::path docent_cache_directory() {
  // The XDG spec says a relative XDG_CACHE_HOME is invalid and must be ignored.
  if (const char* cache = std::getenv("XDG_CACHE_HOME"); cache && cache[0] == '/') return fs::path(cache) / "docent";
  const char* home = std::getenv("HOME");
  return fs::path(home && *home ? home : "/tmp") / ".cache/docent";
}

fs::path bench_directory() {
  if (const char* configured = std::getenv("DOCENT_BENCH_DIR"); configured && *configured) return configured;
  return docent_cache_directory() / "bench-models";
}

fs::path model_path(const Preset& preset) { return bench_directory() / (preset.name + ".gguf"); }

fs::path onnx_directory(const Preset& preset) {
  return bench_directory() / (preset.shape + (preset.encoder ? "-onnx-float" : "-onnx-int4"));
}

std::string random_words_line(int words, unsigned seed) {
  std::mt19937 random(seed);
  std::uniform_int_distribution<int> id(104, 30521);
  std::string line;
  for (int i = 0; i < words; ++i) {
    if (i > 0) line += ' ';
    line += engine::random_model_word(id(random));
  }
  return line;
}

std::string self_executable() {
  std::error_code error;
  auto path = fs::read_symlink("/proc/self/exe", error);
  return error ? std::string("bench_engine") : path.string();
}

ProcessResult run_process(const std::vector<std::string>& argv, bool quiet) {
  ProcessResult result;
  int pipe_ends[2];
  if (argv.empty() || pipe(pipe_ends) != 0) return result;
  const auto start = std::chrono::steady_clock::now();
  std::vector<char*> arguments;
  for (const auto& argument : argv) arguments.push_back(const_cast<char*>(argument.c_str()));
  arguments.push_back(nullptr);
  const pid_t child = fork();
  if (child < 0) {
    close(pipe_ends[0]);
    close(pipe_ends[1]);
    return result;
  }
  if (child == 0) {
    dup2(pipe_ends[1], STDOUT_FILENO);
    if (quiet) {
      int null_device = open("/dev/null", O_WRONLY);
      if (null_device >= 0) dup2(null_device, STDERR_FILENO);
    }
    close(pipe_ends[0]);
    close(pipe_ends[1]);
    execvp(arguments[0], arguments.data());
    _exit(127);
  }
  close(pipe_ends[1]);
  char buffer[65536];
  for (;;) {
    const ssize_t got = read(pipe_ends[0], buffer, sizeof buffer);
    if (got > 0) result.output.append(buffer, static_cast<std::size_t>(got));
    else if (got == 0 || errno != EINTR) break;
  }
  close(pipe_ends[0]);
  int status = 0;
  struct rusage usage {};
  while (wait4(child, &status, 0, &usage) < 0 && errno == EINTR) {
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  result.peak_rss_kb = usage.ru_maxrss;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

}  // namespace docent::bench
