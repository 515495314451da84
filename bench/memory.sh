#!/usr/bin/env bash
# Peak memory (max RSS of the docent process, from getrusage in a small Python wrapper) of
# `docent ingest` on the 352-page freeculture.pdf, on the whole shared PDF set, and on generated
# plain-text files of each TEXT_MB size given (default: 50 and 300). Text files above 4 MiB are
# streamed, so their peak must not grow with their size; pass 2048 to see a 2 GB file (needs
# ~15 GB of free disk in $TMPDIR for the file, the library and its WAL, and minutes).
# Usage: bash bench/memory.sh [BUILD_DIR] [TEXT_MB...]   -- budget: 300 MB for the PDFs.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
shift || true
SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(50 300)
DOCENT="$BUILD/cli/docent"
SHARED=${DOCENT_SHARED:-../shared}
[ -x "$DOCENT" ] || { echo "memory.sh: $DOCENT not built" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

measure() {  # measure <label> <path>: prints peak RSS and wall time of one fresh ingest
  rm -rf "$work/lib"
  python3 - "$DOCENT" "$work/lib" "$2" "$1" <<'PY'
import resource, subprocess, sys, time
docent, library, path, label = sys.argv[1:5]
started = time.monotonic()
run = subprocess.run([docent, "--library", library, "--quiet", "ingest", path], capture_output=True, text=True)
seconds = time.monotonic() - started
peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
last = (run.stdout.strip().splitlines() or run.stderr.strip().splitlines() or [""])[-1]
print(f"{label:<28} peak RSS {peak_mb:6d} MB  wall {seconds:7.1f} s  exit {run.returncode}  ({last})", flush=True)
PY
}

if [ -f "$SHARED/data/pdfs/pdfjs/freeculture.pdf" ]; then
  measure "freeculture.pdf (352 pp.)" "$SHARED/data/pdfs/pdfjs/freeculture.pdf"
  measure "shared PDF set" "$SHARED/data/pdfs"
else
  echo "memory.sh: $SHARED/data/pdfs missing: PDF measurements skipped"
fi
# Generated prose: 16 MiB of paragraphs of varied sentences, so chunking does its normal work,
# repeated (with a numbered heading per copy) up to each size.
python3 - "$work/block.txt" <<'PY'
import random, sys
random.seed(7)
words = "lantern keeper tide harbour signal coast rock beam storm night ship light tower lens".split()
target = 16 * 1024 * 1024
with open(sys.argv[1], "w") as out:
    written = 0
    while written < target:
        paragraph = " ".join(" ".join(random.choices(words, k=random.randint(8, 20))).capitalize() + "."
                             for _ in range(random.randint(3, 8))) + "\n\n"
        out.write(paragraph)
        written += len(paragraph)
PY
for mb in "${SIZES[@]}"; do
  : >"$work/big.txt"
  for ((copy = 0; copy * 16 < mb; copy++)); do
    printf 'Part %d\n\n' "$copy" >>"$work/big.txt"
    cat "$work/block.txt" >>"$work/big.txt"
  done
  measure "plain text $(( $(stat -c %s "$work/big.txt") / 1048576 )) MiB" "$work/big.txt"
  rm -f "$work/big.txt"
done
