# Helpers for the end-to-end tests: run a command, check its exit code and output.
#
# Each test runs in a mount namespace of its own in which neither tracefs nor debugfs is
# mounted, as on a fresh host: what a test needs mounted, eucc must mount itself, and no test
# sees another's mounts.
set -uo pipefail
if [ -z "${EUCC_E2E_NS:-}" ]; then
	EUCC_E2E_NS=1 exec unshare --mount --propagation private bash "$0" "$@"
fi
while umount -l /sys/kernel/debug 2>/dev/null; do :; done
while umount -l /sys/kernel/tracing 2>/dev/null; do :; done
if [ -e /sys/kernel/tracing/events ] || [ -e /sys/kernel/debug/tracing ]; then
	echo "FAIL: cannot hide tracefs in a private mount namespace"
	exit 1
fi
: "${EUCC_BIN:?}" "${EUCC_FIXTURES:?}"
PATH="$EUCC_BIN:$PATH"
failures=0
checks=0
TMP=$(mktemp -d /tmp/eucc-e2e-XXXXXX)
trap 'rm -rf "$TMP"' EXIT
export EUCC_DATA="$TMP/data"

# run EXPECTED_RC CMD...: runs CMD, keeps stdout in $OUT and stderr in $ERR.
run() {
	local want=$1
	shift
	OUT=$("$@" 2>"$TMP/stderr")
	RC=$?
	ERR=$(cat "$TMP/stderr")
	checks=$((checks + 1))
	if [ "$RC" != "$want" ]; then
		echo "FAIL: '$*' exited $RC, expected $want"
		echo "  stdout: ${OUT:0:2000}"
		echo "  stderr: ${ERR:0:2000}"
		failures=$((failures + 1))
	fi
}

# expect WHAT TEXT PATTERN: TEXT must match the extended regex PATTERN.
expect() {
	checks=$((checks + 1))
	if ! grep -Eq -- "$3" <<<"$2"; then
		echo "FAIL: $1: no match for /$3/ in:"
		echo "${2:0:3000}"
		failures=$((failures + 1))
	fi
}

# expect_has WHAT TEXT STRING: TEXT must contain STRING (no regex).
expect_has() {
	checks=$((checks + 1))
	if ! grep -Fq -- "$3" <<<"$2"; then
		echo "FAIL: $1: no '$3' in:"
		echo "${2:0:3000}"
		failures=$((failures + 1))
	fi
}

# expect_not WHAT TEXT PATTERN
expect_not() {
	checks=$((checks + 1))
	if grep -Eq -- "$3" <<<"$2"; then
		echo "FAIL: $1: unexpected match for /$3/"
		failures=$((failures + 1))
	fi
}

# expect_eq WHAT GOT WANT
expect_eq() {
	checks=$((checks + 1))
	if [ "$2" != "$3" ]; then
		echo "FAIL: $1: got '$2', expected '$3'"
		failures=$((failures + 1))
	fi
}

finish() {
	echo "$((checks - failures)) passed, $failures failed"
	[ "$failures" -eq 0 ]
}
