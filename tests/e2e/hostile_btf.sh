#!/usr/bin/env bash
# Hostile BTF (tests/e2e/hostile_btf.py: cycles, ids and string offsets out of range, vlen past
# the data, a truncated section, a record whose vmlinux.h would be gigabytes): refused by `btf import` and by POST /v1/btf with a message
# that says what is wrong, the store unchanged, the server alive; BTF stored before the full
# check is refused when a compile reads it, across restarts; real BTF still imports.
. "$(dirname "$0")/server_lib.sh"
CORE="$EUCC_SOURCE_DIR/tests/data/core"
R510=5.10.0-32-cloud-amd64
TOKEN=compile-token-0123456789

# expect_has WHAT TEXT STRING: TEXT contains STRING (no regex).
expect_has() {
	checks=$((checks + 1))
	if ! grep -Fq -- "$3" <<<"$2"; then
		echo "FAIL: $1: no '$3' in:"
		echo "${2:0:3000}"
		failures=$((failures + 1))
	fi
}

store_state() { (eucc-server btf list --json && find "$EUCC_DATA/btf" -type f | sort) 2>&1; }
healthy() { expect_eq "healthz after $1" "$(curl -s "$URL/healthz")" '{"status":"ok"}'; }

mkdir -p "$TMP/hostile"
python3 "$EUCC_SOURCE_DIR/tests/e2e/hostile_btf.py" "$TMP/hostile" >"$TMP/cases" ||
	{ echo "FAIL: hostile_btf.py"; exit 1; }
expect_eq "eight cases" "$(wc -l <"$TMP/cases")" 8
run 0 eucc-server btf import "$EUCC_FIXTURES/btf/debian/11/x86_64/$R510.btf.tar.xz"
before=$(store_state)

# The command: exit 2, the file and the reason named, nothing stored.
while IFS=$'\t' read -r name message; do
	run 2 eucc-server btf import "$TMP/hostile/$name.btf" --release 9.9.9-hostile --arch x86_64
	if [ "$name" = truncated ]; then
		expect_has "import $name: names the file" "$ERR" "$name.btf: truncated BTF"
	else
		expect_has "import $name: names the file" "$ERR" "$name.btf: invalid BTF"
	fi
	expect_has "import $name: says why" "$ERR" "$message"
	expect_has "import $name: a hint" "$ERR" "hint: "
	expect_eq "import $name: store unchanged" "$(store_state)" "$before"
done <"$TMP/cases"

# The upload, by a client with the compile scope: 400 bad_input, nothing stored, still alive.
printf '%s compile ci\n' "$TOKEN" >"$TMP/tokens"
start_server --tokens "$TMP/tokens" --allow-btf-upload
upload() { # FILE RELEASE: the answer in $OUT, the status in $CODE
	CODE=$(curl -s -o "$TMP/up.out" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
		--data-binary @"$1" "$URL/v1/btf?release=$2&arch=x86_64&sha256=$(sha256sum <"$1" | cut -d' ' -f1)")
	OUT=$(cat "$TMP/up.out")
}
while IFS=$'\t' read -r name message; do
	upload "$TMP/hostile/$name.btf" 9.9.9-hostile
	expect_eq "upload $name: 400" "$CODE" 400
	expect_eq "upload $name: code" "$(jq -r .error.code <<<"$OUT")" bad_input
	expect_has "upload $name: says why" "$(jq -r .error.message <<<"$OUT")" "$message"
	expect_not "upload $name: no server path" "$OUT" "$TMP|/tmp/"
	healthy "upload $name"
	expect_eq "upload $name: store unchanged" "$(store_state)" "$before"
done <"$TMP/cases"
expect_eq "the kernels answer holds one kernel" "$(curl -s -H "Authorization: Bearer $TOKEN" "$URL/v1/kernels" | jq -r '.kernels | length')" 1
# Real BTF: accepted by the upload and by the command.
cp /sys/kernel/btf/vmlinux "$TMP/local.btf"
upload "$TMP/local.btf" 9.9.9-up
expect_eq "a real BTF upload: 201" "$CODE" 201
stop_server
run 0 eucc-server btf import "$EUCC_FIXTURES/btf/debian/12/x86_64/6.1.0-47-cloud-amd64.btf.tar.xz"
expect "a real fixture imports" "$OUT" "added +6.1.0-47-cloud-amd64"
run 0 eucc-server btf show 6.1.0-47-cloud-amd64 --type list_head
expect "and reads back" "$OUT" "struct list_head \{"

# A store from before the full check: the cycle sits under a stored kernel without its header.
path=$(eucc-server btf show "$R510" --json | jq -r .path)
[ -f "$path" ] || path=$(find "$EUCC_DATA/btf" -name "$R510.btf")
cp "$TMP/hostile/typedef_cycle.btf" "$path"
rm -f "${path%.btf}".h*
for round in first second; do
	start_server --tokens "$TMP/tokens"
	OUT=$(curl -s -w '\n%{http_code}' -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
		--data-binary "$(body probe "$CORE/basic.bpf.c" "[\"$R510\"]")" "$URL/v1/compile")
	CODE=$(tail -n1 <<<"$OUT")
	OUT=$(sed '$d' <<<"$OUT")
	expect_eq "$round compile against the stored cycle: 500" "$CODE" 500
	# a server-side fault: the answer says so without details, the log has them
	expect_eq "$round compile: code" "$(jq -r .error.code <<<"$OUT")" internal
	healthy "$round compile against the stored cycle"
	kill -0 "$SRV_PID" 2>/dev/null
	expect_eq "$round: the server runs" "$?" 0
	stop_server
done
expect_not "no crash in the log" "$(cat "$TMP/server.log")" "Segmentation|AddressSanitizer|core dumped"
expect "the log says what is wrong" "$(cat "$TMP/server.log")" "stored BTF of $R510: invalid BTF: a cycle"
run 2 eucc-server btf show "$R510" --type list_head
expect "btf show: refused" "$ERR" "stored BTF of $R510: invalid BTF"
expect "btf show: the remedy" "$ERR" "eucc-server btf rm $R510"

finish
