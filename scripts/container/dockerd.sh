#!/usr/bin/env bash
# A project-private Docker daemon for the containerised conformance target.
#
#   scripts/container/dockerd.sh start    install docker.io if missing, start dockerd, wait for it
#   scripts/container/dockerd.sh stop     remove its containers, then stop that dockerd (by its pid)
#   scripts/container/dockerd.sh status   exit 0 if our daemon answers, 1 if not
#   scripts/container/dockerd.sh env      print the exports testcontainers needs (eval "$(... env)")
#
# The daemon never touches the machine's own Docker: it has its own socket, data root, exec root
# and pid file. It runs with --bridge=none --iptables=false --ip6tables=false, so it creates no
# bridge, no NAT rules and no address in a private range; containers use host networking and only
# talk over loopback. The storage driver is vfs, which works inside another container (no overlay
# on overlay), at the cost of a full copy of the image per container.
#
# Exit codes: 0 done; 1 usage or "not running" (status); 75 (EX_TEMPFAIL) the daemon cannot run on
# this machine. Callers must report the container part as SKIPPED on 75, never as passed.
set -euo pipefail

EX_UNAVAILABLE=75
NAME=receipts-conformance-docker
SOCK_PATH=${RC_DOCKER_SOCK:-/run/$NAME.sock}
EXEC_ROOT=${RC_DOCKER_EXEC_ROOT:-/run/$NAME}
PIDFILE=${RC_DOCKER_PIDFILE:-/run/$NAME.pid}
CACHE=${RC_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/receipts-conformance}
DATA_ROOT=${RC_DOCKER_DATA_ROOT:-$CACHE/docker}
LOG=$CACHE/dockerd.log
START_TIMEOUT=${RC_DOCKER_START_TIMEOUT:-60}
export DOCKER_HOST=unix://$SOCK_PATH

say() { printf 'dockerd.sh: %s\n' "$*" >&2; }

# Loud, unmistakable, and a distinct exit code: the caller marks the container scenarios skipped.
unavailable() {
  printf '\n' >&2
  printf '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n' >&2
  printf '!! CONTAINER TARGET SKIPPED: no Docker daemon can run on this machine.\n' >&2
  printf '!! Reason: %s\n' "$*" >&2
  printf '!! Nothing was tested against the containerised homeserver.\n' >&2
  printf '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n\n' >&2
  exit "$EX_UNAVAILABLE"
}

# The pid in our pid file, if that process is alive and is a dockerd.
our_pid() {
  [[ -s $PIDFILE ]] || return 1
  local pid
  pid=$(cat "$PIDFILE")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  [[ -r /proc/$pid/comm && $(cat "/proc/$pid/comm") == dockerd ]] || return 1
  echo "$pid"
}

answers() { docker info --format '{{.ServerVersion}}' >/dev/null 2>&1; }

ensure_installed() {
  command -v dockerd >/dev/null 2>&1 && command -v docker >/dev/null 2>&1 && return 0
  [[ $(id -u) -eq 0 ]] || unavailable "dockerd is not installed and installing Debian's docker.io needs root"
  command -v apt-get >/dev/null 2>&1 || unavailable "dockerd is not installed and there is no apt-get to install docker.io"
  say "installing Debian's docker.io (once)…"
  # The package's postinst may try to start the system service; there is usually no init here and
  # that is fine: we never use the system daemon.
  if ! { DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io; } >"$CACHE/apt-docker.log" 2>&1; then
    tail -n 20 "$CACHE/apt-docker.log" >&2 || true
    unavailable "apt-get install docker.io failed (log: $CACHE/apt-docker.log)"
  fi
}

cmd_start() {
  mkdir -p "$CACHE" "$DATA_ROOT" 2>/dev/null || unavailable "cannot create $CACHE and $DATA_ROOT"
  if pid=$(our_pid) && answers; then
    say "already running (pid $pid, $DOCKER_HOST)"
    return 0
  fi
  [[ $(id -u) -eq 0 ]] || unavailable "dockerd needs root here (rootless Docker is not set up); running as uid $(id -u)"
  ensure_installed
  # A stale pid file or socket from a crashed run would make dockerd refuse to start.
  rm -f "$PIDFILE" "$SOCK_PATH"
  mkdir -p "$EXEC_ROOT"
  say "starting dockerd on $DOCKER_HOST (data root $DATA_ROOT, log $LOG)"
  # setsid: the daemon outlives this script, in its own session, and ignores our terminal's signals.
  setsid dockerd \
    --host "$DOCKER_HOST" \
    --data-root "$DATA_ROOT" \
    --exec-root "$EXEC_ROOT" \
    --pidfile "$PIDFILE" \
    --storage-driver=vfs \
    --bridge=none \
    --iptables=false \
    --ip6tables=false \
    --ip-masq=false \
    --userland-proxy=false \
    >"$LOG" 2>&1 </dev/null &
  local launched=$!
  # dockerd logs "API listen on <socket>" once it serves the API: wait for that line (tail follows
  # the log and ends when dockerd exits), bounded by the deadline, then confirm with docker info.
  if ! timeout "$START_TIMEOUT" grep -q -m1 "API listen on $SOCK_PATH" <(tail -n +1 -F --pid="$launched" "$LOG" 2>/dev/null); then
    tail -n 25 "$LOG" >&2 || true
    if ! kill -0 "$launched" 2>/dev/null; then unavailable "dockerd exited during start-up (log: $LOG)"; fi
    kill "$launched" 2>/dev/null || true
    unavailable "dockerd did not announce its API on $DOCKER_HOST within ${START_TIMEOUT}s (log: $LOG)"
  fi
  answers || unavailable "dockerd announced its API but $DOCKER_HOST does not answer (log: $LOG)"
  say "dockerd ready (pid $(cat "$PIDFILE"), server $(docker info --format '{{.ServerVersion}}'), storage $(docker info --format '{{.Driver}}'))"
}

cmd_stop() {
  local pid
  if ! pid=$(our_pid); then
    say "not running (no live dockerd in $PIDFILE)"
    rm -f "$PIDFILE"
    return 0
  fi
  # Containers first: otherwise dockerd waits for them on shutdown. This daemon is ours alone, so
  # every container on it belongs to this project (testcontainers labels them org.testcontainers).
  if answers; then
    local ids
    ids=$(docker ps -aq || true)
    if [[ -n $ids ]]; then
      say "removing $(wc -w <<<"$ids") container(s) left on the daemon"
      # shellcheck disable=SC2086
      docker rm -f $ids >/dev/null || true
    fi
  fi
  say "stopping dockerd (pid $pid)"
  kill -TERM "$pid"
  local deadline=$((SECONDS + 30))
  while kill -0 "$pid" 2>/dev/null; do
    if ((SECONDS >= deadline)); then
      say "dockerd (pid $pid) ignored SIGTERM for 30 s; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.2
  done
  # With vfs and no bridge, dockerd can leave its netns mount behind under the exec root.
  if [[ -d $EXEC_ROOT ]]; then
    grep -o " $EXEC_ROOT/[^ ]*" /proc/self/mounts 2>/dev/null | sort -r | while read -r m; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true; done
  fi
  rm -f "$PIDFILE" "$SOCK_PATH"
  say "stopped"
}

cmd_env() {
  cat <<EOF
export DOCKER_HOST=$DOCKER_HOST
export TESTCONTAINERS_RYUK_DISABLED=true
export TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1
export RC_CONTAINER_NETWORK=host
EOF
}

case ${1:-} in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) if pid=$(our_pid) && answers; then say "running (pid $pid, $DOCKER_HOST)"; exit 0; else exit 1; fi ;;
  env) cmd_env ;;
  *)
    echo "usage: $0 start|stop|status|env" >&2
    exit 1
    ;;
esac
