#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, -fsanitize=fuzzer,address,undefined) in their own build
# folder and runs each for SECONDS (default 60) on a seed corpus made from the fixtures.
# Usage: bash scripts/fuzz.sh [SECONDS] [TARGET...]
# Crashes are written to $BUILD/findings/<target>/; keep any real one under
# tests/fuzz/regressions/<target>/ (replayed first on every run, so it stays fixed).
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${1:-60}
shift || true
BUILD=${FUZZ_BUILD_DIR:-build-fuzz}
SHARED=$(realpath "${DOCENT_SHARED:-../shared}")
TARGETS=("$@")
if [ ${#TARGETS[@]} -eq 0 ]; then
  TARGETS=(fuzz_gguf fuzz_safetensors fuzz_pdf fuzz_docx fuzz_odt fuzz_epub fuzz_html fuzz_mhtml fuzz_tokenizer_bert_uncased fuzz_tokenizer_gpt2 fuzz_tokenizer_llama_spm fuzz_tokenizer_qwen2 fuzz_onnx)
fi
command -v clang++-14 >/dev/null || { echo "fuzz.sh: clang++-14 is needed (apt install clang-14 libclang-rt-14-dev)" >&2; exit 1; }
[ -d "$SHARED/fixtures" ] || { echo "fuzz.sh: $SHARED/fixtures missing (seeds and tokenizers come from it)" >&2; exit 1; }

flags="-O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined"
if [ ! -f "$BUILD/build.ninja" ]; then
  CC=clang-14 CXX=clang++-14 cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
    -DCMAKE_C_FLAGS_DEBUG="$flags" -DCMAKE_CXX_FLAGS_DEBUG="$flags" \
    -DDOCENT_FUZZ=ON -DDOCENT_BUILD_BENCH=OFF -DDOCENT_SHARED_DIR="$SHARED"
fi
[ -n "${FUZZ_SKIP_BUILD:-}" ] || nice cmake --build "$BUILD" --target "${TARGETS[@]}" -j1  # FUZZ_SKIP_BUILD=1: run as built

seed() {  # seed <target> <dir>: copies the fixtures that suit the target
  local dir=$2
  mkdir -p "$dir"
  case $1 in
    fuzz_gguf)
      cp "$SHARED"/fixtures/models/tiny-qwen2-q4_0.gguf "$SHARED"/fixtures/models/stories260K.gguf "$dir"/
      head -c 4096 "$SHARED"/fixtures/models/tiny-qwen2-q4_0.gguf >"$dir"/head-4k.gguf
      head -c 65536 "$SHARED"/fixtures/tokenizers/llama-spm/ggml-vocab-llama-spm.gguf >"$dir"/vocab-head-64k.gguf ;;
    fuzz_safetensors)  # two small valid files: F32 and F16 tensors, one with metadata
      python3 - "$dir" <<'PY'
import json, struct, sys
def write(name, header, data):
    text = json.dumps(header).encode()
    with open(f"{sys.argv[1]}/{name}", "wb") as out:
        out.write(struct.pack("<Q", len(text)) + text + data)
write("f32.safetensors", {"w": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}},
      struct.pack("<6f", 1, 2, 3, 4, 5, 6))
write("f16.safetensors", {"__metadata__": {"format": "pt"},
                          "a": {"dtype": "F16", "shape": [4], "data_offsets": [0, 8]},
                          "b": {"dtype": "BF16", "shape": [2], "data_offsets": [8, 12]}},
      struct.pack("<4e", 1, -2, 0.5, 3) + b"\x80\x3f\x00\x40")
PY
      ;;
    fuzz_pdf)
      cp samples/*.pdf "$dir"/
      find "$SHARED"/data/pdfs -name '*.pdf' -size -100k -exec cp {} "$dir"/ \; 2>/dev/null || true ;;
    fuzz_docx|fuzz_odt|fuzz_epub|fuzz_html)  # pandoc's renderings of the sample notes
      local format=${1#fuzz_}
      command -v pandoc >/dev/null || { echo "fuzz.sh: pandoc is needed for the $1 seeds" >&2; exit 1; }
      for note in samples/notes/*.md; do
        pandoc -s --metadata title=Seed "$note" -o "$dir/$(basename "$note" .md).$format" 2>/dev/null
      done ;;
    fuzz_mhtml)  # a saved web page: pandoc's HTML inside a multipart/related message
      for note in samples/notes/*.md; do
        { printf 'MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary="b0"\r\n\r\n--b0\r\n'
          printf 'Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n'
          pandoc -s --metadata title=Seed "$note" -t html 2>/dev/null
          printf '\r\n--b0--\r\n'; } >"$dir/$(basename "$note" .md).mhtml"
      done ;;
    fuzz_onnx)  # our exporter's output for stories260K, inline and with external data
      : >"$dir.empty"
      DOCENT_FUZZ_ONNX_SEEDS="$dir" "$BUILD/tests/fuzz/fuzz_onnx" -runs=1 "$dir.empty" >/dev/null 2>&1 || true
      rm -f "$dir.empty" ;;
    fuzz_tokenizer_*)
      cp "$SHARED"/fixtures/tokenizer-tests/*.inp "$dir"/ 2>/dev/null || true
      cp samples/notes/*.md samples/questions.tsv "$dir"/
      printf '<|im_start|>user\nhi<|im_end|>' >"$dir"/special.txt
      printf '[CLS] caf\xc3\xa9 na\xc3\xafve \xe6\x97\xa5\xe6\x9c\xac [SEP]' >"$dir"/unicode.txt ;;
  esac
}

for target in "${TARGETS[@]}"; do
  binary="$BUILD/tests/fuzz/$target"
  corpus="$BUILD/corpus/$target"
  seeds="$BUILD/seeds/$target"
  findings="$BUILD/findings/$target"
  mkdir -p "$corpus" "$findings"
  rm -rf "$seeds" && seed "$target" "$seeds"
  regressions="tests/fuzz/regressions/$target"
  if [ -d "$regressions" ] && [ -n "$(ls -A "$regressions")" ]; then
    echo "== $target: replaying $(ls "$regressions" | wc -l) regression input(s)"
    "$binary" -runs=0 "$regressions"/* >/dev/null 2>&1 || { echo "$target: a regression input fails again" >&2; exit 1; }
  fi
  max_len=4096
  [ "$target" = fuzz_gguf ] && max_len=1300000
  [ "$target" = fuzz_pdf ] && max_len=200000
  case $target in fuzz_docx|fuzz_odt|fuzz_epub|fuzz_html|fuzz_mhtml) max_len=65536 ;; esac
  [ "$target" = fuzz_onnx ] && max_len=1300000
  echo "== $target for ${SECONDS_EACH}s"
  "$binary" -max_total_time="$SECONDS_EACH" -max_len=$max_len -timeout=30 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$findings/" "$corpus" "$seeds" >"$BUILD/$target.log" 2>&1 || true
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$BUILD/$target.log" | grep -o '[0-9]*$' || echo "?")
  crashes=$(ls "$findings" | wc -l)
  echo "$target: $runs executions in ${SECONDS_EACH}s, corpus $(ls "$corpus" | wc -l) inputs, $crashes finding(s) (log: $BUILD/$target.log)"
done
