#!/usr/bin/env bash
# The libFuzzer targets (tests/fuzz) build with clang and run 30 s each from their seeds without
# a crash: bench/fuzz.sh 30 --ci (which builds build-fuzz/ in the source tree).
. "$(dirname "$0")/lib.sh"
FUZZ_OUT="$TMP/fuzz" bash "$EUCC_SOURCE_DIR/bench/fuzz.sh" "${EUCC_FUZZ_SECONDS:-30}" --ci >"$TMP/table" 2>"$TMP/log"
rc=$?
expect_eq "bench/fuzz.sh --ci: exit 0 (no crash)" "$rc" 0
[ "$rc" = 0 ] || tail -n 40 "$TMP/log"
for t in fuzz_pkg fuzz_btf_source fuzz_btf_validate fuzz_compile_request; do
	row=$(grep -F "| \`$t\` |" "$TMP/table")
	expect "$t: a row" "$row" "^\| \`$t\`"
	# executions, exec/s, cov and ft are numbers, cov above what the seeds alone reach in a few
	expect "$t: ran, with coverage" "$row" "\| [1-9][0-9]* s \| [1-9][0-9]+ \| [0-9]+ \| [1-9][0-9]+ \| [1-9][0-9]+ \| [0-9]+ \| 0 \|$"
done
cat "$TMP/table"
finish
