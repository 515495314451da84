#!/usr/bin/env bash
# Runs the README's two commands on a fresh Debian bookworm machine, as a new user would:
# builds a clean minimal root with debootstrap, clones this repository's committed HEAD into
# /root/docent with ../shared mounted read-only beside it (/root/shared), then inside a chroot
#   1. bash scripts/quickstart.sh   (packages, build, install, the main job on samples/)
#   2. docent --version             (by name, from a login shell: the install put it on PATH,
#                                    with its man page and bash/zsh completion)
#   3. bash scripts/test.sh         (the whole suite)
# and prints each one's wall time and exit code. Needs root and the debootstrap package; the
# only network used is the Debian mirror, read at run time from this machine's apt sources.
# Usage: sudo bash scripts/fresh-machine.sh [--quickstart-only]
# Environment: FRESH_ROOT=DIR builds the root there (default: a new folder under /var/tmp);
#   KEEP_ROOT=1 leaves it behind for a look (mounts are always undone);
#   FRESH_CCACHE=DIR compiles through ccache with DIR as its cache (the root gets the ccache
#   package first; every other package and step is still a new machine's), for a quick re-run.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
ONLY_QUICKSTART=0
[ "${1:-}" = --quickstart-only ] && ONLY_QUICKSTART=1

say() { echo "fresh-machine: $*"; }
die() { echo "fresh-machine: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (debootstrap, chroot, mounts)"
command -v debootstrap >/dev/null || die "debootstrap is missing: apt-get install debootstrap"

# A private mount namespace: whatever happens, no mount made here outlives the script.
if [ -z "${FRESH_MACHINE_NAMESPACE:-}" ]; then
  exec env FRESH_MACHINE_NAMESPACE=1 unshare --mount --propagation private bash "$0" "$@"
fi

# The Debian mirror and suites this machine uses (one-line .list and deb822 .sources files).
sources=$(
  {
    cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
      awk '$1 == "deb" { uri = ""; for (i = 2; i <= NF; i++) if ($i !~ /^\[/ && $i !~ /\]$/) { if (uri == "") uri = $i; else { print uri, $i; break } } }'
    for file in /etc/apt/sources.list.d/*.sources; do
      [ -f "$file" ] || continue
      awk 'BEGIN { RS = ""; FS = "\n" }
           { uris = ""; suites = ""; enabled = 1; deb = 0
             for (i = 1; i <= NF; i++) {
               if ($i ~ /^URIs:/) { uris = $i; sub(/^URIs:[ \t]*/, "", uris) }
               if ($i ~ /^Suites:/) { suites = $i; sub(/^Suites:[ \t]*/, "", suites) }
               if ($i ~ /^Types:.*deb([ \t]|$)/) deb = 1
               if ($i ~ /^Enabled:[ \t]*no/) enabled = 0 }
             if (deb && enabled) { n = split(uris, u, /[ \t]+/); m = split(suites, s, /[ \t]+/)
               for (a = 1; a <= n; a++) for (b = 1; b <= m; b++) print u[a], s[b] } }' "$file"
    done
  } | awk '$2 ~ /^bookworm(-updates|-security)?$/' | sort -u
)
MIRROR=$(awk '$2 == "bookworm" { print $1; exit }' <<<"$sources")
[ -n "$MIRROR" ] || die "no Debian bookworm mirror in /etc/apt/sources.list{,.d}"

ROOT=${FRESH_ROOT:-$(mktemp -d /var/tmp/docent-fresh-XXXXXX)}
mkdir -p "$ROOT"
chmod 755 "$ROOT"  # apt in the root drops to the _apt user, which must reach it
SHARED=$(realpath -m "$REPO/../shared")
mounted=()
cleanup() {
  local i
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do umount -R "${mounted[i]}" 2>/dev/null || umount -lR "${mounted[i]}" || true; done
  if [ -z "${KEEP_ROOT:-}" ] && [ -z "${FRESH_ROOT:-}" ]; then
    if findmnt -rno TARGET | grep -q "^$ROOT"; then
      echo "fresh-machine: something is still mounted under $ROOT; left in place" >&2
    else
      rm -rf --one-file-system "$ROOT"
    fi
  else
    say "root kept at $ROOT"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
mount_into() {  # mount_into TARGET ARGS...: mount, remembering TARGET for the clean-up
  local target=$1
  shift
  mkdir -p "$target"
  mount "$@" "$target"
  mounted+=("$target")
}

started=$(date +%s)
say "debootstrap bookworm (minbase) from $MIRROR into $ROOT"
debootstrap --variant=minbase bookworm "$ROOT" "$MIRROR" >"$ROOT.debootstrap.log" 2>&1 ||
  { tail -20 "$ROOT.debootstrap.log" >&2; die "debootstrap failed (log: $ROOT.debootstrap.log)"; }
rm -f "$ROOT.debootstrap.log"
{
  while read -r uri suite; do echo "deb $uri $suite main"; done <<<"$sources"
} >"$ROOT/etc/apt/sources.list"
cp /etc/resolv.conf "$ROOT/etc/resolv.conf" 2>/dev/null || true
# This machine's certificate trust (a proxy's own authority, say), for npm as for apt: the
# network setup of the host, not something a new user installs.
cp /etc/ssl/certs/ca-certificates.crt "$ROOT/etc/host-ca-certificates.crt" 2>/dev/null || true
say "root ready in $(( $(date +%s) - started )) s"

head=$(git -C "$REPO" rev-parse --short HEAD)
git -C "$REPO" diff --quiet HEAD || say "note: uncommitted changes in $REPO are not part of the checkout"
git clone --quiet --no-hardlinks "$REPO" "$ROOT/root/docent"
git -C "$ROOT/root/docent" checkout --quiet --detach "$head"
if [ -d "$SHARED" ]; then
  mount_into "$ROOT/root/shared" --bind "$SHARED"
  mount -o remount,bind,ro "$ROOT/root/shared"
else
  say "note: $SHARED is missing; tests that need it will skip"
fi
mount_into "$ROOT/proc" -t proc proc
mount_into "$ROOT/sys" --rbind /sys
mount_into "$ROOT/dev" --rbind /dev

# A clean login environment, as on a new machine.
cache_environment=()
[ -f "$ROOT/etc/host-ca-certificates.crt" ] && cache_environment=(NODE_EXTRA_CA_CERTS=/etc/host-ca-certificates.crt)
in_root() {
  chroot "$ROOT" /usr/bin/env -i HOME=/root USER=root LOGNAME=root SHELL=/bin/bash TERM=dumb \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "${cache_environment[@]}" bash -lc "$1"
}
if [ -n "${FRESH_CCACHE:-}" ]; then
  mkdir -p "$FRESH_CCACHE"
  mount_into "$ROOT/var/cache/docent-ccache" --bind "$FRESH_CCACHE"
  in_root "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ccache >/dev/null" ||
    die "could not install ccache in the root"
  # Paths relative to the checkout, so objects compiled from another checkout are found.
  cache_environment+=(CCACHE_DIR=/var/cache/docent-ccache CCACHE_BASEDIR=/root/docent CCACHE_NOHASHDIR=1
    "CMAKE_ARGS=-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache")
  say "compiling through ccache ($FRESH_CCACHE)"
fi
results=()
step() {  # step NAME COMMAND: runs COMMAND in the root, logs it, records time and exit code
  local name=$1 command=$2 log="$ROOT.$1.log" begun code
  say "== $name: $command   (log: $log)"
  begun=$(date +%s)
  set +e
  in_root "$command" 2>&1 | tee "$log"
  code=${PIPESTATUS[0]}
  set -e
  results+=("$name: exit $code in $(( $(date +%s) - begun )) s")
  say "${results[-1]}"
  return "$code"
}

status=0
step quickstart "cd /root/docent && bash scripts/quickstart.sh" || status=1
step by-name "command -v docent && docent --version && ls /usr/local/share/man/man1/docent.1 /usr/local/share/bash-completion/completions/docent /usr/local/share/zsh/site-functions/_docent" || status=1
if [ "$ONLY_QUICKSTART" = 0 ]; then
  step tests "cd /root/docent && bash scripts/test.sh" || status=1
fi
echo
say "commit $head on Debian bookworm (debootstrap minbase, mirror $MIRROR):"
for line in "${results[@]}"; do say "  $line"; done
say "total $(( $(date +%s) - started )) s"
exit "$status"
