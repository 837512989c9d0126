#!/usr/bin/env bash
# Builds the local image receipts-conformance/synapse:<version> without any container registry:
#
#   1. debootstrap a minimal Debian rootfs (python3, python3-venv, ca-certificates); the tarball is
#      cached under ~/.cache/receipts-conformance/images/, keyed by Debian suite;
#   2. pip-install matrix-synapse==<version> into /opt/synapse inside that rootfs (chroot); the
#      result is cached as a second tarball keyed by suite and Synapse version;
#   3. `tar | docker import` with PATH and ENTRYPOINT set, so the image runs
#      `python -m synapse.app.homeserver <args>` like the official image's own Python.
#
# Usage: scripts/container/build-synapse-image.sh [SYNAPSE_VERSION]   (default 1.163.2)
# Needs root (debootstrap, chroot) and a reachable Docker daemon (DOCKER_HOST, see dockerd.sh env).
# Idempotent: does nothing when the image exists; reuses the cached tarballs otherwise.
# Exit codes: 0 image present; 1 build failed; 75 cannot build on this machine (caller skips).
set -euo pipefail

VERSION=${1:-${RC_SYNAPSE_VERSION:-1.163.2}}
SUITE=${RC_DEBIAN_SUITE:-bookworm}
# The Debian mirror this machine's own apt uses (deb822 .sources or a classic sources.list), so
# the image comes from the same place as every other package here; RC_DEBIAN_MIRROR overrides.
host_mirror() {
  local uri
  uri=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
  [[ -n $uri ]] || uri=$(awk '$1 == "deb" && $2 !~ /^\[/ {print $2; exit} $1 == "deb" && $2 ~ /^\[/ {print $3; exit}' /etc/apt/sources.list 2>/dev/null || true)
  printf '%s' "$uri"
}
MIRROR=${RC_DEBIAN_MIRROR:-$(host_mirror)}
IMAGE=receipts-conformance/synapse:$VERSION
CACHE=${RC_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/receipts-conformance}
IMAGES=$CACHE/images
BASE_TAR=$IMAGES/debian-$SUITE-python-rootfs.tar
SYNAPSE_TAR=$IMAGES/synapse-$VERSION-$SUITE-rootfs.tar
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

say() { printf 'build-synapse-image.sh: %s\n' "$*" >&2; }
unavailable() { say "CANNOT BUILD: $*"; exit 75; }

if [[ -z ${DOCKER_HOST:-} ]]; then eval "$("$HERE/dockerd.sh" env)"; fi
docker info >/dev/null 2>&1 || unavailable "no Docker daemon answers on ${DOCKER_HOST} (run scripts/container/dockerd.sh start)"

if docker image inspect "$IMAGE" >/dev/null 2>&1; then
  say "$IMAGE already exists; nothing to do"
  exit 0
fi
[[ $(id -u) -eq 0 ]] || unavailable "building the rootfs needs root (debootstrap and chroot)"

started=$SECONDS
mkdir -p "$IMAGES"
WORK=$(mktemp -d "$IMAGES/build.XXXXXX")
ROOTFS=$WORK/rootfs
# Whatever happens, unmount what we mounted in the chroot and drop the work folder.
cleanup() {
  umount "$ROOTFS/proc" 2>/dev/null || true
  umount "$ROOTFS/dev" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# --- 1. Base rootfs (cached by suite) --------------------------------------------------------
if [[ ! -s $BASE_TAR ]]; then
  if ! command -v debootstrap >/dev/null 2>&1; then
    say "installing debootstrap (once)…"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null 2>&1 ||
      { DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; } ||
      unavailable "debootstrap is missing and could not be installed"
  fi
  if [[ -z $MIRROR ]]; then
    echo "build-synapse-image.sh: no Debian mirror in this machine's apt sources; set RC_DEBIAN_MIRROR" >&2
    exit 75
  fi
  say "debootstrap $SUITE (minbase + python3, python3-venv, ca-certificates) from $MIRROR…"
  t=$SECONDS
  mkdir -p "$ROOTFS"
  debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates "$SUITE" "$ROOTFS" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 ||
    { tail -n 30 "$WORK/debootstrap.log" >&2; say "debootstrap failed"; exit 1; }
  # Package caches and lists are not needed at run time.
  rm -rf "$ROOTFS"/var/cache/apt/archives/*.deb "$ROOTFS"/var/lib/apt/lists/*
  tar -C "$ROOTFS" -cf "$BASE_TAR.partial" . && mv "$BASE_TAR.partial" "$BASE_TAR"
  say "base rootfs cached at $BASE_TAR ($(du -sh "$BASE_TAR" | cut -f1), $((SECONDS - t)) s)"
else
  say "using cached base rootfs $BASE_TAR"
fi

# --- 2. Synapse in /opt/synapse (cached by suite and version) --------------------------------
if [[ ! -s $SYNAPSE_TAR ]]; then
  rm -rf "$ROOTFS" && mkdir -p "$ROOTFS"
  tar -C "$ROOTFS" -xf "$BASE_TAR"
  # HTTPS from this machine needs its own CA bundle (it carries CAs that Debian's stock bundle
  # lacks, see research/targets.md §7). Put it where Debian keeps the bundle, so pip, Python's ssl
  # and /etc/pip.conf (copied when the host has one) all find it.
  cp /etc/ssl/certs/ca-certificates.crt "$ROOTFS/etc/ssl/certs/ca-certificates.crt"
  if [[ -f /etc/pip.conf ]]; then cp /etc/pip.conf "$ROOTFS/etc/pip.conf"; fi
  cp /etc/resolv.conf "$ROOTFS/etc/resolv.conf"
  mount -t proc proc "$ROOTFS/proc"
  mount --bind /dev "$ROOTFS/dev"
  say "pip install matrix-synapse==$VERSION into /opt/synapse (chroot)…"
  t=$SECONDS
  # A clean environment: the host's PIP_* settings may point at paths that do not exist inside.
  chroot_env=(env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8
    PIP_CERT=/etc/ssl/certs/ca-certificates.crt SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
    PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PIP_DEFAULT_TIMEOUT=180)
  for v in http_proxy https_proxy no_proxy HTTP_PROXY HTTPS_PROXY NO_PROXY PIP_INDEX_URL PIP_EXTRA_INDEX_URL; do
    if [[ -n ${!v:-} ]]; then chroot_env+=("$v=${!v}"); fi
  done
  chroot "$ROOTFS" "${chroot_env[@]}" sh -ec "
    python3 -m venv /opt/synapse
    /opt/synapse/bin/pip install --quiet matrix-synapse==$VERSION
    /opt/synapse/bin/python -c 'import synapse; print(\"synapse\", synapse.__version__)'
  " 2>&1 | tee "$WORK/pip.log" >&2 || { say "pip install failed (see above)"; exit 1; }
  grep -q "^synapse $VERSION\$" "$WORK/pip.log" || { say "matrix-synapse $VERSION did not import after install"; exit 1; }
  umount "$ROOTFS/dev"
  umount "$ROOTFS/proc"
  rm -f "$ROOTFS/etc/resolv.conf"
  mkdir -p "$ROOTFS/data"
  tar -C "$ROOTFS" -cf "$SYNAPSE_TAR.partial" . && mv "$SYNAPSE_TAR.partial" "$SYNAPSE_TAR"
  say "Synapse rootfs cached at $SYNAPSE_TAR ($(du -sh "$SYNAPSE_TAR" | cut -f1), pip took $((SECONDS - t)) s)"
else
  say "using cached Synapse rootfs $SYNAPSE_TAR"
fi

# --- 3. Import ---------------------------------------------------------------------------------
t=$SECONDS
docker import \
  --change 'ENV PATH=/opt/synapse/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV PYTHONUNBUFFERED=1' \
  --change 'WORKDIR /data' \
  --change 'ENTRYPOINT ["/opt/synapse/bin/python", "-m", "synapse.app.homeserver"]' \
  --change "LABEL org.opencontainers.image.title=receipts-conformance-synapse org.opencontainers.image.version=$VERSION" \
  "$SYNAPSE_TAR" "$IMAGE" >/dev/null
say "imported $IMAGE in $((SECONDS - t)) s"
say "image build time: $((SECONDS - started)) s"
