#!/usr/bin/env bash
# run --fetch-missing: a package compiled without this host's kernel is run against a real
# server on loopback; the server adds this kernel to the same object (no compile), this host's
# BTF uploaded because the server did not know it; the new package attaches here.
. "$(dirname "$0")/server_lib.sh"
PATH="$EUCC_BIN/../client:$PATH"
EX="$EUCC_SOURCE_DIR/examples"
LOCAL=$(uname -r)
eucc-server btf import "$EUCC_FIXTURES/btf/debian/12/x86_64/6.1.0-47-cloud-amd64.btf.tar.xz" \
	>/dev/null || { echo "FAIL: import debian/12"; exit 1; }
start_server --workers 1 --allow-btf-upload
export EUCC_SERVER=$URL
cd "$TMP"
cp /bin/true "$TMP/eucc_mk_fetch"
# Marker commands, run until killed: the events must show them, however long the start takes.
markers() { while :; do "$TMP/eucc_mk_fetch"; sleep 0.3; done; }

run 0 eucc-remote compile "$EX/execsnoop.bpf.c" --kernel debian/12 -o only61.eucc --json
OLD=$(jq -r .package.digest <<<"$OUT")
run 0 eucc-remote inspect only61.eucc --json
OBJ=$(jq -r .object.sha256 <<<"$OUT")
expect_eq "compiled without this host's kernel" "$(jq --arg r "$LOCAL" '[.kernels[] | select(.release == $r)] | length' <<<"$OUT")" 0
COMPILES=$(metric eucc_compiles_total)
expect_eq "one compile so far" "$COMPILES" 1

# Without the server: exit 4, and the hint names --btf PATH.
EUCC_SERVER=http://127.0.0.1:1 run 4 eucc-remote run only61.eucc --fetch-missing --duration 1
expect "unreachable: hint" "$ERR" "hint: .*--btf PATH"

# A host without BTF whose kernel the server lacks: nothing to offer, a clear error (the BTF
# hidden in this test's own mount namespace).
mount -t tmpfs none /sys/kernel/btf || { echo "FAIL: hide /sys/kernel/btf"; exit 1; }
run 2 eucc-remote run only61.eucc --fetch-missing --duration 1
umount /sys/kernel/btf
expect "no BTF anywhere: says so" "$ERR" "error: no stored kernel is $LOCAL \(x86_64, build id [0-9a-f]+\) and the host sent no BTF of its own"
expect "no BTF anywhere: the remedy" "$ERR" "hint: import that kernel's BTF on the server .* --release $LOCAL"

markers &
mpid=$!
run 0 eucc-remote -v run only61.eucc --fetch-missing --duration 4
kill "$mpid"; wait "$mpid" 2>/dev/null
# The build id, read here independently: the GNU note (type 3) of /sys/kernel/notes.
BUILD_ID=$(python3 -c '
import struct, sys
d = open("/sys/kernel/notes", "rb").read(); o = 0
while o + 12 <= len(d):
    n, s, t = struct.unpack_from("<III", d, o); name = d[o + 12:o + 12 + n]
    desc = o + 12 + (n + 3) // 4 * 4
    if t == 3 and name == b"GNU\0": print(d[desc:desc + s].hex()); sys.exit()
    o = desc + (s + 3) // 4 * 4')
expect "asked the server" "$ERR" "lacks this host's kernel $LOCAL, build id $BUILD_ID; asking"
expect "offered the BTF (unknown to the server)" "$ERR" "offering it \(sha256:"
expect "the object was reused" "$ERR" "added this kernel to the package: object hit, kernel check miss"
expect "attached and saw the markers" "$OUT" "comm=eucc_mk_fetch"
expect_not "no warning of an unchecked kernel" "$ERR" "never checked this package for this kernel"
expect_eq "nothing compiled" "$(metric eucc_compiles_total)" "$COMPILES"

# The answer itself: a new package, the same object, this kernel's check.
BTF_SHA=$(sha256sum /sys/kernel/btf/vmlinux | cut -d' ' -f1)
BODY=$(jq -nc --arg r "$LOCAL" --arg s "$BTF_SHA" '{release:$r, arch:"x86_64", btf_sha256:$s}')
ANS=$(curl -s -H 'Content-Type: application/json' --data-binary "$BODY" "$URL/v1/packages/${OLD#sha256:}/kernels")
NEW=$(jq -r .package.digest <<<"$ANS")
expect_eq "added" "$(jq -r .added <<<"$ANS")" true
expect_eq "object hit, kernel check from the cache now" "$(jq -c --arg r "$LOCAL" '[.cache.object, .cache.kernels[$r]]' <<<"$ANS")" '["hit","hit"]'
expect_eq "this kernel's status" "$(jq -r '.kernels[0].status' <<<"$ANS")" ok
run 0 eucc-remote pull "$NEW" -o new.eucc
run 0 eucc-remote inspect new.eucc --json
expect_eq "same object" "$(jq -r .object.sha256 <<<"$OUT")" "$OBJ"
expect_eq "both kernels" "$(jq -c '[.kernels[].release]' <<<"$OUT")" "[\"6.1.0-47-cloud-amd64\",\"$LOCAL\"]"
eucc-server key export >trust.pem
expect_eq "the package with the added kernel is signed by the server's key" \
	"$(eucc-remote --trust trust.pem inspect new.eucc --json | jq -r .signature)" verified
expect_eq "this kernel's entry has its build id" "$(jq -r --arg r "$LOCAL" '.kernels[] | select(.release == $r) | .build_id' <<<"$OUT")" "$BUILD_ID"
expect_eq "the store keys the uploaded kernel by its build id" "$(curl -s "$URL/v1/kernels?match=$LOCAL" | jq -r '.kernels[0].build_id')" "$BUILD_ID"
expect_eq "the pulled package is the one run used" "$(ls "$EUCC_DATA/packages/sha256/")" "${NEW#sha256:}.eucc"
# A package that has the kernel: unchanged.
ANS=$(curl -s -H 'Content-Type: application/json' --data-binary "$BODY" "$URL/v1/packages/${NEW#sha256:}/kernels")
expect_eq "has it: same package" "$(jq -r '[.added, .package.digest] | join(" ")' <<<"$ANS")" "false $NEW"

# Refusals: no such package; BTF the server lacks; no BTF at all.
CODE=$(curl -s -o "$TMP/a" -w '%{http_code}' --data-binary "$BODY" "$URL/v1/packages/$(printf %064d 0)/kernels")
expect_eq "unknown package: 404 not_found" "$CODE $(jq -r .error.code "$TMP/a")" "404 not_found"
CODE=$(curl -s -o "$TMP/a" -w '%{http_code}' --data-binary '{"release":"6.9.9","btf_sha256":"'"$(printf %064d 1)"'"}' "$URL/v1/packages/${OLD#sha256:}/kernels")
expect_eq "unknown BTF: 404 btf_needed" "$CODE $(jq -r .error.code "$TMP/a")" "404 btf_needed"
CODE=$(curl -s -o "$TMP/a" -w '%{http_code}' --data-binary '{"release":"6.9.9"}' "$URL/v1/packages/${OLD#sha256:}/kernels")
expect_eq "no BTF anywhere: 404 kernel_not_found" "$CODE $(jq -r .error.code "$TMP/a")" "404 kernel_not_found"
expect "says why" "$(jq -r .error.message "$TMP/a")" "no stored kernel is 6.9.9 .* no BTF of its own"
CODE=$(curl -s -o "$TMP/a" -w '%{http_code}' --data-binary '{"release":"6.9.9","build_id":"xyz"}' "$URL/v1/packages/${OLD#sha256:}/kernels")
expect_eq "bad build id: 400" "$CODE $(jq -r .error.code "$TMP/a")" "400 bad_request"
CODE=$(curl -s -o "$TMP/a" -w '%{http_code}' --data-binary '{"release":"6.9.9"} x' "$URL/v1/packages/${OLD#sha256:}/kernels")
expect_eq "data after the body: 400" "$CODE $(jq -r .error.message "$TMP/a")" "400 unexpected data after the JSON object at byte 20"
CODE=$(curl -s -o "$TMP/a" -w '%{http_code}' --data-binary '["6.9.9"]' "$URL/v1/packages/${OLD#sha256:}/kernels")
expect_eq "not an object: 400" "$CODE $(jq -r .error.code "$TMP/a")" "400 bad_request"
finish
