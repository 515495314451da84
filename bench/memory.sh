#!/usr/bin/env bash
# Peak memory (max RSS, from /usr/bin/time -v) of `docent ingest` on the 352-page freeculture.pdf,
# on the whole shared PDF set, and on a generated plain-text file of TEXT_MB megabytes (default 50).
# Usage: bash bench/memory.sh [BUILD_DIR] [TEXT_MB]   -- budget: 300 MB for the PDFs.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
TEXT_MB=${2:-50}
DOCENT="$BUILD/cli/docent"
SHARED=${DOCENT_SHARED:-../shared}
[ -x "$DOCENT" ] || { echo "memory.sh: $DOCENT not built" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "memory.sh: /usr/bin/time (package 'time') is needed" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

measure() {  # measure <label> <path>: prints peak RSS and wall time of one fresh ingest
  rm -rf "$work/lib"
  /usr/bin/time -v "$DOCENT" --library "$work/lib" --quiet ingest "$2" >"$work/out" 2>"$work/time" || true
  local rss wall
  rss=$(grep 'Maximum resident set size' "$work/time" | grep -o '[0-9]*$')
  wall=$(grep 'Elapsed (wall clock)' "$work/time" | awk '{print $NF}')
  printf '%-28s peak RSS %6d MB  wall %s  (%s)\n' "$1" $((rss / 1024)) "$wall" "$(tail -1 "$work/out")"
}

if [ -f "$SHARED/data/pdfs/pdfjs/freeculture.pdf" ]; then
  measure "freeculture.pdf (352 pp.)" "$SHARED/data/pdfs/pdfjs/freeculture.pdf"
  measure "shared PDF set" "$SHARED/data/pdfs"
else
  echo "memory.sh: $SHARED/data/pdfs missing: PDF measurements skipped"
fi
# Generated prose: paragraphs of varied sentences, so chunking does its normal work.
python3 - "$work/big.txt" "$TEXT_MB" <<'PY'
import random, sys
random.seed(7)
words = "lantern keeper tide harbour signal coast rock beam storm night ship light tower lens".split()
target = int(sys.argv[2]) * 1024 * 1024
with open(sys.argv[1], "w") as out:
    written = 0
    while written < target:
        paragraph = " ".join(" ".join(random.choices(words, k=random.randint(8, 20))).capitalize() + "."
                             for _ in range(random.randint(3, 8))) + "\n\n"
        out.write(paragraph)
        written += len(paragraph)
PY
measure "plain text ${TEXT_MB} MB" "$work/big.txt"
