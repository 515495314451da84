#!/usr/bin/env bash
# Decode speed, ours against llama.cpp, in alternating pairs: on a VM whose memory bandwidth
# drifts by a third from minute to minute (seen here), one run of each says little; the ratio
# of runs taken back to back does.
# Usage: LLAMA_BENCH=/path/llama-bench bash bench/engine/decode_pairs.sh [ROUNDS] [PRESET...]
#   ROUNDS (default 5) pairs per preset; presets default to the three r1-qwen-1.5b files.
# Each round: ours decodes 128 tokens at context 0 (bench_engine's child measurement, model
# loaded first, not timed), then llama-bench -p 0 -n 128 --mmap 0 with -fa 0 and 1 (the better
# counts). Prints every pair and the median ratio per preset.
set -euo pipefail
cd "$(dirname "$0")/../.."
BENCH=${BENCH_ENGINE:-build/bench/bench_engine}
THREADS=${THREADS:-2}
ROUNDS=${1:-5}
shift || true
PRESETS=("$@")
[ ${#PRESETS[@]} -eq 0 ] && PRESETS=(r1-qwen-1.5b-q4_0 r1-qwen-1.5b-q8_0 r1-qwen-1.5b-q4_k_m)
[ -x "$BENCH" ] || { echo "decode_pairs: $BENCH not built (cmake --build build --target bench_engine)" >&2; exit 1; }
[ -n "${LLAMA_BENCH:-}" ] && [ -x "$LLAMA_BENCH" ] || { echo "decode_pairs: set LLAMA_BENCH to a llama-bench binary" >&2; exit 1; }
MODELS=${DOCENT_BENCH_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/docent/bench-models}
PLAN='{"prefill_lengths":[],"decode_tokens":128,"decode_contexts":[0],"ttft_tokens":16,"passages":8,"passage_tokens":128,"embed_batch":8,"repetitions":1,"quick":false}'

for preset in "${PRESETS[@]}"; do
  model="$MODELS/$preset.gguf"
  [ -f "$model" ] || "$BENCH" --internal write "$preset" >/dev/null  # random weights, written once
  [ -f "$model" ] || { echo "decode_pairs: $model missing" >&2; exit 1; }
  ratios=()
  for round in $(seq "$ROUNDS"); do
    ours=$("$BENCH" --internal measure "$preset" "$PLAN" "$THREADS" 2>/dev/null |
      python3 -c 'import json,sys; print(json.load(sys.stdin)["decode"][0]["tokens_per_second"])')
    theirs=$("$LLAMA_BENCH" -m "$model" -t "$THREADS" -p 0 -n 128 -r 2 -mmp 0 -fa 0,1 -o json 2>/dev/null |
      python3 -c 'import json,sys; print(max(e["avg_ts"] for e in json.load(sys.stdin)))')
    ratio=$(python3 -c "print(f'{$ours / $theirs:.3f}')")
    ratios+=("$ratio")
    printf '%-22s round %d: ours %6.2f tok/s  llama.cpp %6.2f tok/s  ratio %s\n' "$preset" "$round" "$ours" "$theirs" "$ratio"
  done
  python3 -c "import statistics,sys; r=[float(x) for x in sys.argv[2:]]; print(f'{sys.argv[1]}: median ratio {statistics.median(r):.3f} (min {min(r):.3f}, max {max(r):.3f}, {len(r)} pairs)')" "$preset" "${ratios[@]}"
done
