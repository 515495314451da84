#!/usr/bin/env bash
# The main job on the shipped samples: set up, build, ingest samples/ into a throw-away
# library, then search and ask (extractive, cited; add --model FILE.gguf for a generated
# answer) every question in samples/questions.tsv.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

LIBRARY=$(mktemp -d "${TMPDIR:-/tmp}/docent-quickstart-XXXXXX")
trap 'rm -rf "$LIBRARY"' EXIT
DOCENT="./build/docent --library $LIBRARY"

echo; echo "== docent ingest samples/"
$DOCENT ingest samples/
echo; echo "== docent status"
$DOCENT status
tail -n +2 samples/questions.tsv | while IFS=$'\t' read -r question file page answer; do
  echo; echo "== docent search \"$question\"   (expected: $file, page $page)"
  $DOCENT search -k 3 "$question" || true
  echo; echo "== docent ask \"$question\""
  $DOCENT ask "$question" || true
done
