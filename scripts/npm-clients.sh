#!/usr/bin/env bash
# Installs the official client libraries the server tests drive docent with (openai and
# @modelcontextprotocol/sdk, versions pinned by tests/clients/package-lock.json) into
# $BUILD_DIR/npm-clients (default build/npm-clients). Nothing is installed system-wide and
# node_modules is never part of the source tree. Exit 0: installed (or already current);
# 2: node or npm is not installed (the tests then skip, saying so); 1: npm failed.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${BUILD_DIR:-build}/npm-clients"
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "npm-clients: node and npm are needed for the client tests (Debian: apt-get install nodejs npm)" >&2
  exit 2
fi
mkdir -p "$target"
exec 9>"$target/.lock"  # tests running side by side install once
flock 9
if [ -d "$target/node_modules" ] && cmp -s tests/clients/package-lock.json "$target/package-lock.json"; then
  exit 0
fi
cp tests/clients/package.json tests/clients/package-lock.json "$target/"
(cd "$target" && npm ci --no-audit --no-fund --loglevel=error >&2)
versions=$(cd "$target" && node -p "['openai','@modelcontextprotocol/sdk'].map(n => n + ' ' + JSON.parse(require('fs').readFileSync('node_modules/' + n + '/package.json')).version).join(', ')")
echo "npm-clients: installed $versions into $target" >&2
