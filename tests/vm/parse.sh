#!/usr/bin/env bash
# parse.sh LOG DIR: splits a guest's serial console log (tests/vm/init.sh's delimiters) into
# DIR/NAME.out, DIR/NAME.err and DIR/NAME.rc per run, and DIR/guest.info with the other
# "@@EUCC ..." lines (KERNEL, NATIVE_BTF, BTF, FAIL, DONE) without the prefix.
# Carriage returns, terminal escapes before a delimiter and kernel log lines are dropped.
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: parse.sh LOG DIR" >&2; exit 3; }
mkdir -p "$2"
: >"$2/guest.info"
awk -v dir="$2" '
{ sub(/\r+$/, ""); i = index($0, "@@EUCC "); if (i > 1) $0 = substr($0, i) }
/^@@EUCC BEGIN / { name = $3; f = dir "/" name ".out"; printf "" > f; next }
/^@@EUCC STDERR / { if (f != "") close(f); f = dir "/" name ".err"; printf "" > f; next }
/^@@EUCC END / {
	if (f != "") close(f)
	f = ""; rc = $4; sub(/^rc=/, "", rc)
	print rc > (dir "/" name ".rc"); close(dir "/" name ".rc"); next
}
/^@@EUCC / { print substr($0, 8) > (dir "/guest.info"); next }
/^\[ *[0-9]+\.[0-9]+\] / { next }
f != "" { print > f }
' "$1"
