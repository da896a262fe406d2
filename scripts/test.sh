#!/usr/bin/env bash
# Every test: the normal build, then the same tests under AddressSanitizer + UBSan; the Release
# build (gcc) and the clang build are built too, warnings as errors, and their unit tests run.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
status=0
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
for mode in "" --sanitize; do
	dir=$(scripts/build.sh $mode)
	echo "== ctest in $dir"
	ctest --test-dir "$dir" --output-on-failure -j2 || status=1
done
for mode in --release --clang; do
	dir=$(scripts/build.sh $mode)
	echo "== unit tests in $dir"
	ctest --test-dir "$dir" --output-on-failure -j2 -R '^test_' || status=1
done
exit $status
