#!/usr/bin/env bash
# Builds docent (setting up packages if needed) and runs the whole test suite with CTest.
# Tests that need ../shared skip with a message when it is absent.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# The official openai and MCP clients the server tests drive (exit 2: no node/npm; they skip).
bash scripts/npm-clients.sh || [ $? = 2 ]
ctest --test-dir "${BUILD_DIR:-build}" --output-on-failure -j "$(nproc)" "$@"
