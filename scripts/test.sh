#!/usr/bin/env bash
# Every test: the normal build, then the same tests under AddressSanitizer + UBSan.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
status=0
for mode in "" --sanitize; do
	dir=$(scripts/build.sh $mode)
	echo "== ctest in $dir"
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		ctest --test-dir "$dir" --output-on-failure -j2 || status=1
done
exit $status
