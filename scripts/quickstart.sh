#!/usr/bin/env bash
# The main job on the shipped samples: set up (packages, build, install), ingest samples/ into a
# throw-away library, then search and ask (extractive, cited; add --model FILE.gguf for a
# generated answer) every question in samples/questions.tsv. Exits non-zero if any step fails.
# Usage: bash scripts/quickstart.sh [--no-setup]   (--no-setup: use the docent already installed)
# Environment: PREFIX as for setup.sh; DOCENT=PATH runs that binary instead.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" != "--no-setup" ]; then bash scripts/setup.sh; fi

if [ -z "${PREFIX:-}" ]; then
  if [ "$(id -u)" = 0 ]; then PREFIX=/usr/local; else PREFIX="$HOME/.local"; fi
fi
BINARY=${DOCENT:-$PREFIX/bin/docent}
[ -x "$BINARY" ] || { echo "quickstart: $BINARY is missing; run bash scripts/setup.sh first" >&2; exit 1; }

LIBRARY=$(mktemp -d "${TMPDIR:-/tmp}/docent-quickstart-XXXXXX")
trap 'rm -rf "$LIBRARY"' EXIT
docent() { "$BINARY" --library "$LIBRARY" "$@"; }

echo; echo "== docent ingest samples/"
docent ingest samples/
echo; echo "== docent status"
docent status
failed=0 asked=0 expected_in_top3=0 expected_in_answer=0
while IFS=$'\t' read -r question file page answer; do
  asked=$((asked + 1))
  echo; echo "== docent search -k 3 \"$question\"   (expected: $file, page $page)"
  if hits=$(docent search -k 3 "$question"); then
    echo "$hits"
    grep -q "$file" <<<"$hits" && expected_in_top3=$((expected_in_top3 + 1))
  else
    echo "quickstart: search failed for \"$question\"" >&2
    failed=$((failed + 1))
  fi
  echo; echo "== docent ask \"$question\"   (expected: $answer)"
  if said=$(docent ask "$question"); then
    echo "$said"
    # The answer itself, not the sources and passages listed under it.
    sed '/^Sources:/,$d' <<<"$said" | grep -qF "$answer" && expected_in_answer=$((expected_in_answer + 1))
  else
    echo "quickstart: ask failed for \"$question\"" >&2
    failed=$((failed + 1))
  fi
done < <(tail -n +2 samples/questions.tsv)

echo
echo "quickstart: $asked questions, expected file in the top 3 for $expected_in_top3, expected answer in the answer for $expected_in_answer, $failed command(s) failed"
echo "quickstart: docent is $BINARY; try: docent ingest ~/papers && docent ask \"your question\""
[ "$failed" = 0 ]
