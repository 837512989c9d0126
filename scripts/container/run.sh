#!/usr/bin/env bash
# `npm run conformance:container [-- options]`: the suite against Synapse in a container, on a
# machine without a registry or bridge networks (host networking, loopback only).
#
#   1. start the project-private dockerd unless it already runs (scripts/container/dockerd.sh);
#   2. build receipts-conformance/synapse:<version> unless it exists (build-synapse-image.sh);
#   3. run `receipts-conformance run --target container --container-network host ...` with the
#      testcontainers environment, passing every extra option through (--report-dir, --only, ...);
#   4. stop the daemon again, but only if step 1 started it.
#
# Exit codes: those of receipts-conformance run (0, 1, 2, 3), or 75 when no Docker daemon can run
# here or the image cannot be built: the container run is then SKIPPED (said loudly), never passed.
# RC_CONTAINER_SKIP_EXIT=0 turns that skip into exit 0 (still loud) for an umbrella `npm test`
# that should go on when this machine cannot run containers.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
VERSION=${RC_SYNAPSE_VERSION:-1.163.2}
IMAGE=${RC_CONTAINER_IMAGE:-receipts-conformance/synapse:$VERSION}
ARGS=("$@")

skip() {
  printf '\n!! CONTAINER CONFORMANCE RUN SKIPPED (exit ${RC_CONTAINER_SKIP_EXIT:-75}): %s\n!! No scenario was run against the containerised homeserver.\n\n' "$*" >&2
  # The CLI still writes the reports, with every scenario marked skip and the reason.
  cd "$ROOT"
  RC_CONTAINER_UNAVAILABLE="$*" node bin/receipts-conformance.js run --target container --image "$IMAGE" --container-network host "${ARGS[@]}" >&2 || true
  exit "${RC_CONTAINER_SKIP_EXIT:-75}"
}

started_daemon=0
cleanup() {
  local rc=$?
  if ((started_daemon)); then "$HERE/dockerd.sh" stop || true; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

eval "$("$HERE/dockerd.sh" env)"
if ! "$HERE/dockerd.sh" status 2>/dev/null; then
  rc=0
  "$HERE/dockerd.sh" start || rc=$?
  # dockerd.sh may have launched a daemon even if it then failed to answer; stop tries either way.
  started_daemon=1
  ((rc == 0)) || skip "the Docker daemon could not be started (dockerd.sh start exited with $rc)"
fi

rc=0
"$HERE/build-synapse-image.sh" "$VERSION" || rc=$?
if ((rc == 75)); then skip "the Synapse image could not be built on this machine"; fi
((rc == 0)) || { echo "run.sh: building $IMAGE failed (exit $rc)" >&2; exit "$rc"; }

cd "$ROOT"
rc=0
node bin/receipts-conformance.js run --target container --image "$IMAGE" --container-network host "$@" || rc=$?
exit "$rc"
