#!/usr/bin/env bash
# Every C file of the project (not the BPF programs) is formatted as .clang-format says.
set -uo pipefail
cd "${EUCC_SOURCE_DIR:?}"
files=$(find common core btfhub cache server client tests/unit tests/fuzz -name '*.[ch]' -not -path 'client/include/*' | sort)
bad=0
for f in $files; do
	if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
		echo "FAIL: $f is not formatted (clang-format -i $f)"
		bad=$((bad + 1))
	fi
done
echo "$(($(wc -w <<<"$files") - bad)) passed, $bad failed"
[ "$bad" -eq 0 ]
