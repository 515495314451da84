#!/usr/bin/env bash
# Bounded loopback load on `docent serve`: a library of samples/ bound to the BERT fixture (so
# searches are hybrid and share one vector index), 32 clients searching for 30 s while 4 stream
# chat completions from stories260K (queued on the one model). Reports failed requests,
# p50/p95 latency, requests/s and the server's RSS early and late in the run, plus a peer: the
# same searches, one `docent search --json` process each, run in this script.
# Usage: bash bench/serve_load.sh [BUILD_DIR] [SECONDS] [SEARCH_CLIENTS] [STREAM_CLIENTS]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
SECONDS_TOTAL=${2:-30}
SEARCH_CLIENTS=${3:-32}
STREAM_CLIENTS=${4:-4}
DOCENT="$BUILD/cli/docent"
MODELS=${DOCENT_SHARED:-../shared}/fixtures/models
[ -x "$DOCENT" ] || { echo "serve_load.sh: $DOCENT not built" >&2; exit 1; }
command -v node >/dev/null || { echo "serve_load.sh: node is needed (apt-get install nodejs)" >&2; exit 1; }
[ -f "$MODELS/stories260K.gguf" ] || { echo "serve_load.sh: $MODELS missing (../shared)" >&2; exit 1; }
work=$(mktemp -d)
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

"$DOCENT" --library "$work/lib" -q ingest samples >/dev/null
"$DOCENT" --library "$work/lib" -q models add "$MODELS/tiny-bert-f16.gguf" >/dev/null
"$DOCENT" --library "$work/lib" serve --port 0 "$MODELS/stories260K.gguf" 2>"$work/log" &
server=$!
for _ in $(seq 100); do grep -q "listening on" "$work/log" && break; sleep 0.1; done
base=$(grep -o 'http://127.0.0.1:[0-9]*/v1' "$work/log" | head -1)
[ -n "$base" ] || { cat "$work/log" >&2; exit 1; }

# Peer: the same search as a fresh process each time (what a script without the server does).
peer=$(python3 - "$DOCENT" "$work/lib" <<'PY'
import statistics, subprocess, sys, time
docent, library = sys.argv[1:3]
queries = [line.split("\t")[0] for line in open("samples/questions.tsv").read().strip().split("\n")[1:]]
times = []
for query in queries * 2:
    started = time.monotonic()
    subprocess.run([docent, "--library", library, "--json", "search", "-k", "5", query], capture_output=True, check=True)
    times.append((time.monotonic() - started) * 1000)
print(f"{statistics.median(times):.1f}")
PY
)
report=$(node bench/serve_load.mjs "$base" "$server" stories260K "$SECONDS_TOTAL" "$SEARCH_CLIENTS" "$STREAM_CLIENTS")
requests_logged=$(grep -c ' POST /v1/' "$work/log" || true)
python3 - "$report" "$peer" "$requests_logged" <<'PY'
import json, sys
r, peer, logged = json.loads(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
s, g, m = r["search"], r["stream"], r["rss_mb"]
print(f"load: {r['seconds']:.1f} s, {s['clients']} search clients + {g['clients']} streaming clients, loopback")
print(f"search: {s['requests']} requests, {s['failures']} failed, {s['per_second']:.0f} req/s, "
      f"p50 {s['p50_ms']:.1f} ms, p95 {s['p95_ms']:.1f} ms (peer: one `docent search` process, p50 {peer:.1f} ms; "
      f"server p50 / peer = {s['p50_ms'] / peer:.3f})")
print(f"stream: {g['completed']} generations, {g['failures']} failed, {g['chunks']} chunks, "
      f"p50 {g['p50_s']:.2f} s, p95 {g['p95_s']:.2f} s, first chunk p50 {g['first_chunk_p50_s']:.2f} s (4 share one model: queued)")
growth = m["late_max"] - m["early_max"]
print(f"server RSS: {m['start']:.0f} MB before, max {m['early_max']:.0f} MB in the first third, "
      f"max {m['late_max']:.0f} MB in the last third ({growth:+.1f} MB), {m['end']:.0f} MB after")
print(f"log lines for POST requests: {logged} (requests made: {s['requests'] + g['completed'] + g['failures'] + s['failures']})")
for name, bucket in (("search", s), ("stream", g)):
    if bucket["errors"]:
        print(f"{name} errors: {bucket['errors']}")
failed = s["failures"] + g["failures"]
flat = growth <= max(8.0, 0.1 * m["early_max"])
print("verdict: " + ("0 failed requests" if failed == 0 else f"{failed} FAILED requests") + ", RSS " +
      ("flat" if flat else "GROWING"))
sys.exit(0 if failed == 0 and flat else 1)
PY
