// The comparison table: one row per metric with ours, each peer, the ratio to the best peer and
// the target (issue #5, "Targets").
#include <cmath>
#include <cstdio>

#include "bench_engine.hpp"

namespace docent::bench {

namespace {

// Our child's raw measurements -> the flat metric names the peers use.
Json flatten_ours(const Json& ours) {
  Json metrics = Json::object();
  for (const auto& entry : ours.value("prefill", Json::array()))
    metrics["prefill_" + std::to_string(entry.value("tokens", 0))] = entry.value("tokens_per_second", 0.0);
  for (const auto& entry : ours.value("decode", Json::array()))
    metrics["decode_" + std::to_string(entry.value("context", 0))] = entry.value("tokens_per_second", 0.0);
  if (ours.contains("ttft_seconds")) metrics["ttft"] = ours["ttft_seconds"];
  if (ours.contains("embedding")) {
    metrics["embed_chunks_per_second"] = ours["embedding"]["chunks_per_second"];
    metrics["embed_tokens_per_second"] = ours["embedding"]["tokens_per_second"];
  }
  if (ours.contains("load_seconds")) metrics["load"] = ours["load_seconds"];
  if (ours.contains("peak_rss_mb")) metrics["peak_rss_mb"] = ours["peak_rss_mb"];
  return metrics;
}

std::optional<double> metric(const std::optional<Json>& source, const std::string& key) {
  if (!source || !source->contains("metrics")) return std::nullopt;
  const Json& metrics = (*source)["metrics"];
  if (!metrics.contains(key) || !metrics[key].is_number()) return std::nullopt;
  return metrics[key].get<double>();
}

Json number_or_null(std::optional<double> value) { return value ? Json(*value) : Json(nullptr); }

struct RowSpec {
  std::string key, label;
  bool higher_is_better = true;
  std::optional<double> ratio_target;    // ours must beat the best peer by this factor
  std::optional<double> minimum;         // and/or reach this absolute value
  std::optional<double> maximum;         // absolute upper bound (times, memory)
  std::string target_text;
  bool ort_only = false;                 // the embedding target names ONNX Runtime, not the best peer
};

double decode_ratio_target(const std::string& quantization) { return quantization == "Q4_K_M" ? 1.0 : 1.3; }

}  // namespace

Json build_rows(const Preset& preset, const Plan& plan, const Json& ours_raw, const PeerResults& peers) {
  const Json ours_metrics = flatten_ours(ours_raw);
  const std::optional<Json> ours = Json{{"metrics", ours_metrics}};
  std::vector<RowSpec> specs;
  const double file_mb = ours_raw.value("file_bytes", 0.0) / 1048576.0;
  const double kv_mb = ours_raw.value("kv_cache_bytes", 0.0) / 1048576.0;
  char text[160];
  if (!preset.encoder) {
    const int largest = plan.prefill_lengths.empty() ? 0 : plan.prefill_lengths.back();
    for (int length : plan.prefill_lengths) {
      RowSpec row{"prefill_" + std::to_string(length), "prefill " + std::to_string(length) + " tok/s"};
      if (length == largest) row.ratio_target = 1.2, row.target_text = ">= 1.2x best peer";
      specs.push_back(row);
    }
    const double ratio = decode_ratio_target(preset.quantization);
    for (int context : plan.decode_contexts) {
      RowSpec row{"decode_" + std::to_string(context),
                  "decode " + std::to_string(plan.decode_tokens) + " @ctx " + std::to_string(context) + " tok/s"};
      row.ratio_target = ratio;
      std::snprintf(text, sizeof text, ">= %.1fx best peer", ratio);
      row.target_text = text;
      if (context == 0 && preset.quantization == "Q4_0") row.minimum = 40, row.target_text += ", >= 40";
      specs.push_back(row);
    }
    RowSpec ttft{"ttft", "TTFT " + std::to_string(plan.ttft_tokens) + "-token prompt s", false};
    ttft.maximum = 0.4, ttft.target_text = "<= 0.4 s";
    specs.push_back(ttft);
  } else {
    const std::string work = " (" + std::to_string(plan.passages) + "x" + std::to_string(plan.passage_tokens) + ")";
    for (auto [key, label] : {std::pair{"embed_chunks_per_second", "embed chunks/s"}, {"embed_tokens_per_second", "embed tokens/s"}}) {
      RowSpec row{key, label + work};
      row.ratio_target = 1.3, row.ort_only = true, row.target_text = ">= 1.3x ONNX Runtime";
      specs.push_back(row);
    }
  }
  specs.push_back(RowSpec{"load", "load (open + first forward) s", false});
  RowSpec rss{"peak_rss_mb", "peak RSS MB", false};
  rss.maximum = file_mb + kv_mb + 200;
  std::snprintf(text, sizeof text, "<= file %.0f + KV %.0f + 200 MB", file_mb, kv_mb);
  rss.target_text = text;
  specs.push_back(rss);

  Json rows = Json::array();
  for (const RowSpec& spec : specs) {
    const auto mine = metric(ours, spec.key), llama = metric(peers.llama_cpp, spec.key), ort = metric(peers.ort, spec.key);
    std::optional<double> best;
    for (const auto& peer : {spec.ort_only ? std::optional<double>() : llama, ort}) {
      if (!peer || *peer <= 0) continue;
      if (!best || (spec.higher_is_better ? *peer > *best : *peer < *best)) best = peer;
    }
    std::optional<double> ratio;
    if (mine && best && *mine > 0) ratio = spec.higher_is_better ? *mine / *best : *best / *mine;
    std::string verdict = "-";
    if (mine && (spec.ratio_target || spec.minimum || spec.maximum)) {
      bool met = true, known = true;
      if (spec.ratio_target) {
        if (ratio) met = met && *ratio >= *spec.ratio_target;
        else known = false;
      }
      if (spec.minimum) met = met && *mine >= *spec.minimum;
      if (spec.maximum) met = met && *mine <= *spec.maximum;
      verdict = !met ? "NOT met" : known ? "met" : "no peer";
    }
    rows.push_back({{"metric", spec.key}, {"label", spec.label}, {"ours", number_or_null(mine)},
                    {"llama_cpp", number_or_null(llama)}, {"ort", number_or_null(ort)}, {"ratio", number_or_null(ratio)},
                    {"target", spec.target_text}, {"verdict", verdict}});
  }
  // Decode at the deepest context against context 0 (the KV-cache layout target).
  const auto shallow = metric(ours, "decode_0");
  const int deepest = plan.decode_contexts.empty() ? 0 : plan.decode_contexts.back();
  const auto deep = metric(ours, "decode_" + std::to_string(deepest));
  if (!preset.encoder && shallow && deep && deepest > 0) {
    const double loss = 100.0 * (1.0 - *deep / *shallow);
    rows.push_back({{"metric", "decode_loss"}, {"label", "decode loss @ctx " + std::to_string(deepest) + " vs 0 %"},
                    {"ours", loss}, {"llama_cpp", nullptr}, {"ort", nullptr}, {"ratio", nullptr},
                    {"target", "<= 25%"}, {"verdict", loss <= 25.0 ? "met" : "NOT met"}});
  }
  return rows;
}

void print_table(const Json& report) {
  std::printf("\n== %s (%s, %.0f MB file, KV cache %.0f MB, %d threads%s)\n", report["preset"].get<std::string>().c_str(),
              report["quantization"].get<std::string>().c_str(), report.value("file_bytes", 0.0) / 1048576.0,
              report.value("kv_cache_bytes", 0.0) / 1048576.0, report.value("threads", 0),
              report.value("quick", false) ? ", --quick: small token counts, targets informative only" : "");
  std::printf("%-34s %11s %11s %11s %9s  %-34s %s\n", "metric", "ours", "llama.cpp", "ORT", "vs best", "target", "verdict");
  auto cell = [](const Json& value, const char* format) {
    static char buffer[4][32];
    static int next = 0;
    char* out = buffer[next++ % 4];
    if (value.is_null()) std::snprintf(out, 32, "-");
    else std::snprintf(out, 32, format, value.get<double>());
    return out;
  };
  for (const auto& row : report["rows"]) {
    const bool small = row["metric"] == "ttft" || row["metric"] == "load";
    const char* format = small ? "%.3f" : "%.1f";
    std::printf("%-34s %11s %11s %11s %9s  %-34s %s\n", row["label"].get<std::string>().c_str(), cell(row["ours"], format),
                cell(row["llama_cpp"], format), cell(row["ort"], format), cell(row["ratio"], "%.2fx"),
                row["target"].get<std::string>().c_str(), row["verdict"].get<std::string>().c_str());
  }
  for (const auto& note : report.value("notes", Json::array())) std::printf("  note: %s\n", note.get<std::string>().c_str());
}

}  // namespace docent::bench
