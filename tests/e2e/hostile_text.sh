#!/usr/bin/env bash
# A package's strings reach the terminal escaped: a program whose event strings and parameter
# comment hold terminal controls, and its package rewritten so that its name, program, map and
# kernel strings and a finding's message hold ESC, BEL, CR, other C0, DEL and C1 controls.
# inspect and run (events, --help, findings) print them as \xNN; --json escapes them too.
. "$(dirname "$0")/server_lib.sh"
PATH="$EUCC_BIN/../client:$PATH"
LOCAL=$(uname -r)
eucc-server btf import /sys/kernel/btf/vmlinux --release "$LOCAL" >/dev/null ||
	{ echo "FAIL: import the local kernel"; exit 1; }
start_server --workers 1
export EUCC_SERVER=$URL
cd "$TMP"
ESC=$'\x1b' BEL=$'\x07'
sed -e "s/@ESC@/$ESC/g" -e "s/@BEL@/$BEL/g" \
	"$EUCC_SOURCE_DIR/tests/data/hostile/hostile.bpf.c.in" >hostile.bpf.c
# Raw controls in what eucc-remote printed: C0 but newline and tab, DEL, C1 (UTF-8 or raw).
raw_controls() { LC_ALL=C grep -c $'[\x01-\x08\x0b-\x1f\x7f]\|\xc2[\x80-\x9f]\|[\x80-\x9f]' <<<"$1"; }
cp /bin/true "$TMP/eucc_mk_hostile"
# Marker commands, run until killed: the events must show them, however long the start takes.
markers() { while :; do "$TMP/eucc_mk_hostile"; sleep 0.3; done; }

run 0 eucc-remote compile hostile.bpf.c --kernel local -o plain.eucc
python3 "$EUCC_SOURCE_DIR/tests/e2e/hostile_pkg.py" plain.eucc hostile.eucc "$LOCAL" ||
	{ echo "FAIL: rewrite the package"; exit 1; }

run 0 eucc-remote inspect hostile.eucc
expect_eq "inspect: no raw control" "$(raw_controls "$OUT")" 0
expect_has "inspect: the name" "$OUT" 'name:      evil\x1b]0;title\x07'
expect_has "inspect: the program" "$OUT" '  handle\x1b[31m           tp/\x0dsched\x08'
expect_has "inspect: the map type (DEL, C1)" "$OUT" '  events                   ringbuf\x7f\xc2\x9b'
expect_has "inspect: the distro" "$OUT" "  $LOCAL"
expect "inspect: the distro (C1 as UTF-8)" "$OUT" ' debian\\xc2\\x9b1m/'
run 0 eucc-remote inspect hostile.eucc --json
expect_eq "inspect --json: no raw control" "$(raw_controls "$OUT")" 0
expect_has "inspect --json: escaped by the JSON writer" "$OUT" '"name":'$'\t''"evil\u001b]0;title\u0007"'
expect_has "inspect --json: DEL and C1" "$OUT" '"type":'$'\t''"ringbuf\u007f\u009b"'

run 0 eucc-remote run hostile.eucc --help
expect_eq "run --help: no raw control" "$(raw_controls "$OUT")" 0
expect_has "run --help: the name" "$OUT" 'Parameters of evil\x1b]0;title\x07 (--NAME VALUE'
expect_has "run --help: the comment" "$OUT" '        lev\x1b]0;pwned\x07el\x01'
run 0 eucc-remote run plain.eucc --help
expect_has "the comment as the server read it from the source" "$OUT" '        lev\x1b]0;pwned\x07el'

markers &
mpid=$!
run 0 eucc-remote run hostile.eucc --duration 3
kill "$mpid"; wait "$mpid" 2>/dev/null
expect_eq "run: no raw control on stdout" "$(raw_controls "$OUT")" 0
expect_eq "run: no raw control on stderr" "$(raw_controls "$ERR")" 0
expect "run: the event's string, escaped" "$OUT" '^[0-9:]{8} events: pid=[0-9]+ msg="\\x1b\]0;pwned\\x07\\x0d\\x9bend"$'
expect_has "run: the finding" "$ERR" "eucc-remote: warning: the server found this package warning with $LOCAL:"
expect_has "run: the finding's text" "$ERR" '  hostile.bpf.c\x0d:3: warning\x1b[0m: gone\x1b[2J\xc2\x85here'
markers &
mpid=$!
run 0 eucc-remote run hostile.eucc --duration 3 --json
kill "$mpid"; wait "$mpid" 2>/dev/null
expect_eq "run --json: no raw control" "$(raw_controls "$OUT")" 0
expect "run --json: the event" "$OUT" '"msg":"[^"]*pwned[^"]*end"'
finish
