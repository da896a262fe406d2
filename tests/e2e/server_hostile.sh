#!/usr/bin/env bash
# eucc-server serve against a bad disk and hostile clients: damaged blobs, floods of
# connections, slow and oversized requests, malformed HTTP and JSON, floods of diagnostics,
# language options, leftovers of killed compiles. The server stays healthy throughout.
. "$(dirname "$0")/server_lib.sh"
CORE="$EUCC_SOURCE_DIR/tests/data/core"
seed_store
start_server --workers 2 --compile-timeout 10

healthy() { expect_eq "healthz after $1" "$(curl -s --max-time 5 "$URL/healthz")" '{"status":"ok"}'; }
blob() { echo "$EUCC_DATA/cache/blobs/sha256/${1:0:2}/$1"; }
# flip FILE OFFSET: invert one byte in place (size kept)
flip() {
	python3 -c 'import sys
f = open(sys.argv[1], "r+b"); f.seek(int(sys.argv[2])); b = f.read(1)
f.seek(int(sys.argv[2])); f.write(bytes([b[0] ^ 0xff])); f.close()' "$1" "$2"
}
status() { curl -s -o "$TMP/got" -w '%{http_code}' "$@"; }
hash_of() { sha256sum "$1" | cut -d' ' -f1; }

# ---- damaged blobs: only verified bytes are served; a damaged blob is dropped and rebuilt ----
B=$(body probe "$CORE/basic.bpf.c" '["6.1"]')
post "$B"
expect_eq "compile: 200" "$CODE" 200
HEX=$(jq -r .package.digest <<<"$OUT" | cut -d: -f2)
expect_eq "GET: 200" "$(status "$URL/v1/artifacts/$HEX")" 200
expect_eq "GET: the right bytes" "$(hash_of "$TMP/got")" "$HEX"
expect_eq "no damage yet" "$(metric eucc_cache_damaged_total)" 0
# a byte flipped after it was served: 404, never 200 with wrong bytes
flip "$(blob "$HEX")" 100
expect_eq "flipped: GET 404" "$(status "$URL/v1/artifacts/$HEX")" 404
expect_eq "flipped: counted" "$(metric eucc_cache_damaged_total)" 1
expect_eq "flipped: dropped" "$(test -e "$(blob "$HEX")" && echo kept || echo gone)" gone
# the next compile rebuilds it (the object is still good), and it is served again
post "$B"
expect_eq "rebuilt: 200" "$CODE" 200
expect_eq "rebuilt: the same package" "$(jq -r .package.digest <<<"$OUT")" "sha256:$HEX"
expect_eq "rebuilt: from the good object" "$(jq -r .cache.object <<<"$OUT")" hit
expect_eq "rebuilt: GET 200" "$(status "$URL/v1/artifacts/$HEX")" 200
expect_eq "rebuilt: right bytes" "$(hash_of "$TMP/got")" "$HEX"
# truncated, never served by this process (restart): no 206 from it, no compile hit on it
truncate -s 2000 "$(blob "$HEX")"
stop_server
start_server --workers 2 --compile-timeout 10
expect_eq "truncated: Range 404" "$(status -r 0-99 "$URL/v1/artifacts/$HEX")" 404
expect_eq "truncated: counted" "$(metric eucc_cache_damaged_total)" 1
post "$B"
expect_eq "truncated: compile 200" "$CODE" 200
expect_eq "truncated: Range 206 after the rebuild" "$(status -r 0-99 "$URL/v1/artifacts/$HEX")" 206
expect_eq "truncated: the first 100 bytes" "$(hash_of "$TMP/got")" \
	"$(curl -s "$URL/v1/artifacts/$HEX" | head -c 100 | sha256sum | cut -d' ' -f1)"
# flipped while nobody looked: the compile hit checks it and rebuilds, the answer is good
flip "$(blob "$HEX")" 50
stop_server
start_server --workers 2 --compile-timeout 10
post "$B"
expect_eq "hit on a damaged package: 200" "$CODE" 200
expect_eq "hit on a damaged package: counted" "$(metric eucc_cache_damaged_total)" 1
expect_eq "hit on a damaged package: GET good" "$(status "$URL/v1/artifacts/$HEX")" 200
expect_eq "hit on a damaged package: bytes" "$(hash_of "$TMP/got")" "$HEX"
# a damaged object blob: the compile runs again and the package is right
OBJ=$(jq -r '.object.sha256' <(tar -xzOf "$TMP/got" manifest.json))
flip "$(blob "$OBJ")" 64
before=$(metric eucc_compiles_total)
post "$(body probe "$CORE/basic.bpf.c" '["6.1","5.10"]')"
expect_eq "damaged object: 200" "$CODE" 200
expect_eq "damaged object: compiled again" "$(($(metric eucc_compiles_total) - before))" 1
expect_eq "damaged object: counted" "$(metric eucc_cache_damaged_total)" 2
expect_eq "damaged object: same object" \
	"$(curl -s "$URL$(jq -r .package.url <<<"$OUT")" | tar -xzO manifest.json | jq -r .object.sha256)" "$OBJ"
run 0 eucc-server cache verify
expect "verify after the damage: all good" "$OUT" " 0 bad .*, 0 keys dropped"
healthy "damaged blobs"

finish
