#!/usr/bin/env bash
# Prefill or decode speed, ours against a llama.cpp-family llama-bench, in alternating pairs: on
# a VM whose memory bandwidth drifts by a third from minute to minute (seen here), one run of
# each says little; the ratio of runs taken back to back does.
# Usage: LLAMA_BENCH=/path/llama-bench bash bench/engine/pairs.sh [ROUNDS] [PRESET...]
#   ROUNDS (default 5) pairs per preset; presets default to the three r1-qwen-1.5b files.
#   MODE=decode (default): 128 tokens at context 0.  MODE=prefill: a TOKENS-token prompt (512).
#   PEER_SETTINGS: the peer's settings to try each round, separated by '|', the best counting
#     (default "-fa 0|-fa 1"; for ik_llama.cpp "-fa 1 -rtr 0|-fa 1 -rtr 1").
# Ours runs bench_engine's child measurement (model loaded first, not timed); the peer runs
# llama-bench with --mmap 0. Prints every pair and the median ratio per preset.
set -euo pipefail
cd "$(dirname "$0")/../.."
BENCH=${BENCH_ENGINE:-build/bench/bench_engine}
THREADS=${THREADS:-2}
MODE=${MODE:-decode}
TOKENS=${TOKENS:-512}
PEER_SETTINGS=${PEER_SETTINGS:--fa 0|-fa 1}
ROUNDS=${1:-5}
shift || true
PRESETS=("$@")
[ ${#PRESETS[@]} -eq 0 ] && PRESETS=(r1-qwen-1.5b-q4_0 r1-qwen-1.5b-q8_0 r1-qwen-1.5b-q4_k_m)
[ -x "$BENCH" ] || { echo "pairs: $BENCH not built (cmake --build build --target bench_engine)" >&2; exit 1; }
[ -n "${LLAMA_BENCH:-}" ] && [ -x "$LLAMA_BENCH" ] || { echo "pairs: set LLAMA_BENCH to a llama-bench binary" >&2; exit 1; }
case "${XDG_CACHE_HOME:-}" in /*) cache="$XDG_CACHE_HOME" ;; *) cache="$HOME/.cache" ;; esac
MODELS=${DOCENT_BENCH_DIR:-$cache/docent/bench-models}
case "$MODE" in
  decode)
    PLAN='{"prefill_lengths":[],"decode_tokens":128,"decode_contexts":[0],"ttft_tokens":16,"passages":8,"passage_tokens":128,"embed_batch":8,"repetitions":1,"quick":false}'
    OURS_FIELD='["decode"][0]["tokens_per_second"]'
    PEER_WORK=(-p 0 -n 128) ;;
  prefill)
    PLAN="{\"prefill_lengths\":[$TOKENS],\"decode_tokens\":0,\"decode_contexts\":[],\"ttft_tokens\":16,\"passages\":8,\"passage_tokens\":128,\"embed_batch\":8,\"repetitions\":1,\"quick\":false}"
    OURS_FIELD='["prefill"][0]["tokens_per_second"]'
    PEER_WORK=(-p "$TOKENS" -n 0) ;;
  *) echo "pairs: MODE is decode or prefill (got '$MODE')" >&2; exit 2 ;;
esac
IFS='|' read -r -a VARIANTS <<<"$PEER_SETTINGS"

for preset in "${PRESETS[@]}"; do
  model="$MODELS/$preset.gguf"
  [ -f "$model" ] || "$BENCH" --internal write "$preset" >/dev/null  # random weights, written once
  [ -f "$model" ] || { echo "pairs: $model missing" >&2; exit 1; }
  ratios=()
  for round in $(seq "$ROUNDS"); do
    ours=$("$BENCH" --internal measure "$preset" "$PLAN" "$THREADS" 2>/dev/null |
      python3 -c "import json,sys; print(json.load(sys.stdin)$OURS_FIELD)")
    theirs=0 best=""
    for variant in "${VARIANTS[@]}"; do
      # shellcheck disable=SC2086  # a variant is several flags
      speed=$("$LLAMA_BENCH" -m "$model" -t "$THREADS" "${PEER_WORK[@]}" -r 2 -mmp 0 $variant -o json 2>/dev/null |
        grep -v '^WARNING' |  # ik_llama.cpp prints warnings into its JSON
        python3 -c 'import json,sys; print(max(e["avg_ts"] for e in json.load(sys.stdin)))') || speed=0
      if python3 -c "import sys; sys.exit(0 if $speed > $theirs else 1)"; then theirs=$speed best=$variant; fi
    done
    [ "$theirs" != 0 ] || { echo "pairs: $LLAMA_BENCH gave no result for $model" >&2; exit 1; }
    ratio=$(python3 -c "print(f'{$ours / $theirs:.3f}')")
    ratios+=("$ratio")
    printf '%-22s %s round %d: ours %7.2f tok/s  peer %7.2f tok/s (%s)  ratio %s\n' "$preset" "$MODE" "$round" "$ours" "$theirs" "$best" "$ratio"
  done
  python3 -c "import statistics,sys; r=[float(x) for x in sys.argv[3:]]; print(f'{sys.argv[1]} {sys.argv[2]}: median ratio {statistics.median(r):.3f} (min {min(r):.3f}, max {max(r):.3f}, {len(r)} pairs)')" "$preset" "$MODE" "${ratios[@]}"
done
