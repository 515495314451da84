#!/usr/bin/env bash
# Embedding speed, ours against ONNX Runtime, in alternating pairs (see pairs.sh for why).
# Usage: bash bench/engine/embed_pairs.sh [ROUNDS] [PRESET...]   (presets default: bge-small-q8_0)
# Each round: ours embeds 64 passages x 256 tokens in batches of 16 (bench_engine's child
# measurement), then bench/ort/ort_bench.mjs runs the float ONNX export of the same shapes
# (exported by a full bench_engine run with ONNX Runtime present). ORT_NODE_DIR: the folder holding
# node_modules/onnxruntime-node (default $XDG_CACHE_HOME/docent/ort, where bench/ort/setup.sh installs it).
set -euo pipefail
cd "$(dirname "$0")/../.."
BENCH=${BENCH_ENGINE:-build/bench/bench_engine}
THREADS=${THREADS:-2}
case "${XDG_CACHE_HOME:-}" in /*) cache="$XDG_CACHE_HOME" ;; *) cache="$HOME/.cache" ;; esac
ORT=${ORT_NODE_DIR:-$cache/docent/ort}
MODELS=${DOCENT_BENCH_DIR:-$cache/docent/bench-models}
ROUNDS=${1:-5}
shift || true
PRESETS=("$@")
[ ${#PRESETS[@]} -eq 0 ] && PRESETS=(bge-small-q8_0)
[ -x "$BENCH" ] || { echo "embed_pairs: $BENCH not built (cmake --build build --target bench_engine)" >&2; exit 1; }
ONNX="$MODELS/bge-small-onnx-float/model.onnx"
[ -f "$ONNX" ] || { echo "embed_pairs: $ONNX missing (run bench_engine --preset bge-small-q8_0 with ONNX Runtime once)" >&2; exit 1; }
PLAN='{"prefill_lengths":[],"decode_tokens":1,"decode_contexts":[],"ttft_tokens":16,"passages":64,"passage_tokens":256,"embed_batch":16,"repetitions":1,"quick":false}'

for preset in "${PRESETS[@]}"; do
  ratios=()
  for round in $(seq "$ROUNDS"); do
    ours=$("$BENCH" --internal measure "$preset" "$PLAN" "$THREADS" 2>/dev/null |
      python3 -c 'import json,sys; print(json.load(sys.stdin)["embedding"]["chunks_per_second"])')
    theirs=$(node bench/ort/ort_bench.mjs --model "$ONNX" --threads "$THREADS" --ort "$ORT" --kind encoder \
      --passages 64 --tokens 256 --batch 16 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["chunks_per_second"])')
    ratio=$(python3 -c "print(f'{$ours / $theirs:.3f}')")
    ratios+=("$ratio")
    printf '%-16s round %d: ours %6.2f chunks/s  ONNX Runtime %6.2f chunks/s  ratio %s\n' "$preset" "$round" "$ours" "$theirs" "$ratio"
  done
  python3 -c "import statistics,sys; r=[float(x) for x in sys.argv[2:]]; print(f'{sys.argv[1]}: median ratio {statistics.median(r):.3f} (min {min(r):.3f}, max {max(r):.3f}, {len(r)} pairs)')" "$preset" "${ratios[@]}"
done
