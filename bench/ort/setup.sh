#!/bin/sh
# Installs ONNX Runtime for Node (CPU only) into a folder outside the repository, for
# tests/engine/ort_run.mjs (DOCENT_ORT_DIR) and bench/ort/ort_bench.mjs (--ort).
#   bench/ort/setup.sh [FOLDER]     default: $XDG_CACHE_HOME/docent/ort (~/.cache/docent/ort),
#                                   where the tests and bench_engine look when no variable is set
set -eu
case "${XDG_CACHE_HOME:-}" in /*) cache="$XDG_CACHE_HOME" ;; *) cache="$HOME/.cache" ;; esac
folder="${1:-$cache/docent/ort}"
repo="$(cd "$(dirname "$0")/../.." && pwd)"
mkdir -p "$folder"
folder="$(cd "$folder" && pwd)"
case "$folder/" in
  "$repo"/*) echo "setup.sh: install ONNX Runtime outside the repository (got $folder)" >&2; exit 2 ;;
esac
command -v npm >/dev/null || { echo "setup.sh: npm (Node.js 18+) is required" >&2; exit 2; }
cd "$folder"
[ -f package.json ] || printf '{ "private": true }\n' > package.json
ONNXRUNTIME_NODE_INSTALL_CUDA=skip npm install --no-audit --no-fund onnxruntime-node
node -e "const ort = require('onnxruntime-node'); console.log('onnxruntime-node', ort.env.versions.node, 'in $folder')"
echo "export DOCENT_ORT_DIR=$folder"
