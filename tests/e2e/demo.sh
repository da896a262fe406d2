#!/usr/bin/env bash
# The README's first command on a fresh host: scripts/demo.sh, in a mount namespace without
# tracefs (lib.sh), with the binaries of this build. It must print the per-kernel table and
# real exec events, and eucc-remote must have mounted tracefs for the tracepoint itself.
. "$(dirname "$0")/lib.sh"
: "${EUCC_SOURCE_DIR:?}"

run 0 env EUCC_DEMO_BUILD="$EUCC_BIN/.." EUCC_DEMO_OUT="$TMP/out" EUCC_DATA="$TMP/demo-data" \
	EUCC_DEMO_PORT=$((20000 + RANDOM % 12000)) "$EUCC_SOURCE_DIR/scripts/demo.sh"
expect "per-kernel table" "$OUT" "4\.19\.90-2107.* ok"
expect "per-kernel table" "$OUT" "5\.10\.0-32-cloud-amd64 .*ok"
expect "exec events from the bundled BTF" "$OUT" "comm=(uname|id|hostname)"
expect "tracefs mounted by eucc-remote" "$(cat /proc/self/mounts)" " /sys/kernel/tracing tracefs "
[ -s "$TMP/out/execsnoop.eucc" ] || { echo "FAIL: no package written"; failures=$((failures + 1)); }
finish
