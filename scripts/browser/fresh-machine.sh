#!/usr/bin/env bash
# Proves that the browser test provides its own Chromium on a machine that has none. It runs
# `vitest --project browser` inside a throwaway copy-on-write view of this machine (an overlay in a
# private mount namespace, its changes held in memory) where Debian's chromium is purged and the
# unpacked npm Chromium is gone. Nothing outside the overlay changes. Needs root and overlayfs.
#
#   scripts/browser/fresh-machine.sh apt   # root with apt-get: installs Debian's chromium
#   scripts/browser/fresh-machine.sh npm   # no apt allowed: unpacks the one inside @sparticuz/chromium
set -euo pipefail
mode=${1:?usage: fresh-machine.sh apt|npm}
case "$mode" in
  apt) sources=env,path,apt ;;
  npm) sources=env,path,npm ;;
  *) echo "usage: fresh-machine.sh apt|npm" >&2; exit 2 ;;
esac
[ "$(id -u)" = 0 ] || { echo "fresh-machine.sh needs root (mount namespaces, overlayfs)" >&2; exit 2; }
repo=$(cd "$(dirname "$0")/../.." && pwd)
cache=${RC_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/receipts-conformance}

base=$(mktemp -d /tmp/rc-fresh-XXXXXX)
trap 'rmdir "$base"' EXIT

unshare --mount --propagation private bash -s "$repo" "$cache" "$sources" "$base" <<'INNER'
set -euo pipefail
repo=$1 cache=$2 sources=$3 base=$4
mount -t tmpfs -o size=4g tmpfs "$base"
mkdir -p "$base/upper" "$base/work" "$base/root"
mount -t overlay overlay -o "lowerdir=/,upperdir=$base/upper,workdir=$base/work" "$base/root"
for d in proc sys dev; do mount --rbind "/$d" "$base/root/$d"; done
chroot "$base/root" /usr/bin/env -i PATH="$PATH" HOME="$HOME" TERM=dumb RC_BROWSER_SOURCE="$sources" \
  bash -c '
    set -euo pipefail
    DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq chromium chromium-common chromium-sandbox >/dev/null 2>&1 || true
    rm -rf "'"$cache"'"/chromium-npm-*
    if command -v chromium >/dev/null || [ -e /usr/bin/chromium ]; then echo "chromium is still there" >&2; exit 1; fi
    echo "fresh view: no chromium on PATH, no unpacked npm Chromium; RC_BROWSER_SOURCE=$RC_BROWSER_SOURCE"
    cd "'"$repo"'"
    start=$(date +%s)
    npx vitest run --project browser
    echo "browser test on a fresh view: $(( $(date +%s) - start )) s"
  '
INNER
