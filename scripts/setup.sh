#!/usr/bin/env bash
# Installs what docent needs on Debian bookworm (skips what is already there), configures and
# builds it in ./build (Release), then installs the `docent` binary, its man page and shell
# completions into PREFIX (default: ~/.local, or /usr/local when run as root). Safe to run again.
# Environment: BUILD_DIR (build), BUILD_TYPE (Release), CMAKE_ARGS, PREFIX.
set -euo pipefail
cd "$(dirname "$0")/.."

# One package per line, grouped by what needs it, so additions merge cleanly.
PACKAGES=(
  # toolchain
  build-essential
  cmake
  ninja-build
  pkg-config
  git
  python3
  # index: SQLite, vectors
  libsqlite3-dev
  libfaiss-dev
  libopenblas-dev
  # engine: ONNX/protobuf, linear algebra
  libonnx-dev
  libprotobuf-dev
  protobuf-compiler
  libeigen3-dev
  # ingest: PDF text (poppler-data maps CJK and other non-Latin fonts), regexes, Unicode
  libpoppler-cpp-dev
  poppler-data
  libpcre2-dev
  libicu-dev
  # ingest: Word, OpenDocument, EPUB (ZIP archives of XML) and HTML
  libzip-dev
  libxml2-dev
  # cli: flags, JSON, config file, line editing
  libcli11-dev
  nlohmann-json3-dev
  libtomlplusplus-dev
  libedit-dev
  # cli: `docent serve` (its HTTP transport plugin)
  libcpp-httplib-dev
  # tests: GoogleTest, pdftotext as a peer, tmux drives `docent chat` on a real terminal, zsh
  # runs the generated completion, pandoc writes the DOCX/ODT/EPUB/HTML the format tests read
  googletest
  libgtest-dev
  poppler-utils
  pandoc
  tmux
  zsh
  # tests: the official openai and MCP clients drive `docent serve` and `docent mcp`
  # (scripts/npm-clients.sh installs them into build/npm-clients)
  nodejs
  npm
)

# A Node.js installed another way counts: NodeSource's nodejs bundles npm and conflicts with
# Debian's npm package, so asking apt for npm there fails.
provided_otherwise() {
  case "$1" in
    nodejs) command -v node >/dev/null ;;
    npm) command -v npm >/dev/null ;;
    *) return 1 ;;
  esac
}
missing=()
for package in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || provided_otherwise "$package" ||
    missing+=("$package")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

BUILD_DIR=${BUILD_DIR:-build}
if [ -z "${PREFIX:-}" ]; then
  if [ "$(id -u)" = 0 ]; then PREFIX=/usr/local; else PREFIX="$HOME/.local"; fi
fi
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-Release}" ${CMAKE_ARGS:-} >/dev/null
cmake --build "$BUILD_DIR" -j "$(nproc)"
cmake --install "$BUILD_DIR" --prefix "$PREFIX" >/dev/null
echo "setup: built $BUILD_DIR/cli/docent, installed $PREFIX/bin/docent (man page, bash and zsh completion beside it)"
case ":$PATH:" in
  *":$PREFIX/bin:"*) ;;
  *) echo "setup: $PREFIX/bin is not on your PATH; add it, e.g.: echo 'export PATH=\"$PREFIX/bin:\$PATH\"' >> ~/.profile" ;;
esac
