#!/usr/bin/env bash
# eucc-server serve against a bad disk and hostile clients: damaged blobs, floods of
# connections, slow and oversized requests, malformed HTTP and JSON, floods of diagnostics,
# language options, leftovers of killed compiles. The server stays healthy throughout.
. "$(dirname "$0")/server_lib.sh"
CORE="$EUCC_SOURCE_DIR/tests/data/core"
seed_store
SERVE=(--workers 2 --compile-timeout 10 --access-log "$TMP/access.log")
start_server "${SERVE[@]}"

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
HOSTILE="$(dirname "$0")/hostile_http.py"
# raw REQUEST...: printf the request (escapes allowed) to the server; the answer in $OUT
raw() { OUT=$(printf "$@" | python3 "$HOSTILE" raw "$PORT"); }
# valid_utf8 TEXT: the text decodes as UTF-8
valid_utf8() { python3 -c 'import sys; sys.stdin.buffer.read().decode("utf-8")' <<<"$1" && echo yes; }

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
start_server "${SERVE[@]}"
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
start_server "${SERVE[@]}"
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

# ---- HTTP and JSON: one reading of every request --------------------------------------------
post "$(body probe "$CORE/basic.bpf.c" '["6.1"]')garbage"
expect_eq "trailing garbage: 400" "$CODE" 400
expect "trailing garbage: says so" "$(jq -r .error.message <<<"$OUT")" "unexpected data after the JSON object at byte [0-9]+"
printf '%s\0' "$(body probe "$CORE/basic.bpf.c" '["6.1"]')" >"$TMP/nul.json"
CODE=$(curl -s -o "$TMP/got" -w '%{http_code}' --data-binary @"$TMP/nul.json" "$URL/v1/compile")
expect_eq "a NUL after the JSON: 400" "$CODE" 400
post "$(body probe "$CORE/basic.bpf.c" '["6.1"]')
	 "
expect_eq "trailing white space is fine" "$CODE" 200
raw 'POST /v1/compile HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 40\r\n\r\n{}'
expect "two different Content-Length: 400" "$OUT" "^HTTP/1.1 400"
expect "two different Content-Length: says so" "$OUT" "Content-Length headers with different values"
expect "two different Content-Length: closed" "$(tail -n1 <<<"$OUT")" "^closed$"
raw 'GET /v1/info HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer a\r\nAuthorization: Bearer b\r\n\r\n'
expect "two Authorization: 400" "$OUT" "^HTTP/1.1 400"
expect "two Authorization: says so" "$OUT" "more than one Authorization header"
expect "two Authorization: closed" "$(tail -n1 <<<"$OUT")" "^closed$"
raw 'POST /v1/compile HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n'
expect "Transfer-Encoding and Content-Length: 400" "$OUT" "^HTTP/1.1 400"
raw 'POST /v1/compile HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n'
expect "Transfer-Encoding gzip: 400" "$OUT" "^HTTP/1.1 400"
raw 'GET /v1/info HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n'
expect "the same Content-Length twice is one" "$OUT" "^HTTP/1.1 200"
expect "a good request keeps the connection" "$(tail -n1 <<<"$OUT")" "^open$"
# invalid UTF-8 and control bytes of a request come back escaped, as valid UTF-8
printf '{"name":"x","main":"x.bpf.c","sources":{"x.bpf.c":"int x;"},"kernels":["6.1"],"cflags":["-\xff\xfe\x1b]0;t\x07"]}' >"$TMP/utf8.json"
CODE=$(curl -s -o "$TMP/got" -w '%{http_code}' --data-binary @"$TMP/utf8.json" "$URL/v1/compile")
expect_eq "invalid UTF-8 flag: 400" "$CODE" 400
expect_eq "invalid UTF-8 flag: valid UTF-8 answer" "$(valid_utf8 "$(cat "$TMP/got")")" yes
expect "invalid UTF-8 flag: escaped" "$(jq -r .error.message "$TMP/got")" "cflag '-\\\\xff\\\\xfe\\\\x1b\]0;t\\\\x07' is not allowed"
printf '{"name":"x","main":"x.bpf.c","sources":{"x.bpf.c":"#include \\"caf\xe9\x1b.h\\"\\n"},"kernels":["6.1"]}' >"$TMP/utf8.json"
CODE=$(curl -s -o "$TMP/got" -w '%{http_code}' --data-binary @"$TMP/utf8.json" "$URL/v1/compile")
expect_eq "invalid UTF-8 in a diagnostic: 422" "$CODE" 422
expect_eq "invalid UTF-8 in a diagnostic: valid UTF-8 answer" "$(valid_utf8 "$(cat "$TMP/got")")" yes
expect "invalid UTF-8 in a diagnostic: escaped" "$(jq -r '.diagnostics[0].message' "$TMP/got")" "'caf(\\\\xe9|<E9>).*\.h' file not found"
# a URL with control bytes (%1b, %0a): escaped in the access log, no forged line
curl -s -o /dev/null "$URL/v1/artifacts/%1b%5b2J%0aGET%20/forged%20200"
expect "access log: the URL escaped" "$(cat "$TMP/access.log")" '^GET /v1/artifacts/\\x1b\[2J\\x0aGET /forged 200 404 '
expect_not "access log: no control bytes" "$(cat "$TMP/access.log")" $'\x1b'
expect_not "access log: no forged line" "$(cat "$TMP/access.log")" '^GET /forged'
healthy "malformed HTTP and JSON"

# ---- connections: a flood from one address, slow requests, an endless chunked body ---------
# 150 connections from 127.0.0.1 that send headers and a byte of the body, then nothing: the
# first 64 (per address) are held, the rest closed at once; 127.0.0.2 is served meanwhile, and
# 127.0.0.1 again once the held ones are closed as idle (15 s).
python3 "$HOSTILE" idle "$PORT" 150 20 >"$TMP/idle.out" &
FLOOD=$!
for _ in $(seq 50); do [ -s "$TMP/idle.out" ] && break; sleep 0.2; done
expect_eq "flood: 64 held, 86 refused" "$(head -n1 "$TMP/idle.out")" "open=64 closed=86"
t0=$(date +%s%N)
expect_eq "flood: another address is served" \
	"$(curl -s -o /dev/null -w '%{http_code}' --interface 127.0.0.2 --max-time 5 "$URL/healthz")" 200
expect "flood: at once" "$((($(date +%s%N) - t0) / 1000000)) ms" "^[0-9]{1,3} ms$"
expect_eq "flood: its own address is refused" \
	"$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$URL/healthz")" 000
t0=$(date +%s)
until [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$URL/healthz")" = 200 ]; do
	[ $(($(date +%s) - t0)) -lt 30 ] || break
	sleep 0.5
done
expect "flood: its address served again within the idle timeout" "$(($(date +%s) - t0))" "^([0-9]|1[0-9])$"
wait "$FLOOD"
expect_eq "flood: every held connection closed by the server" "$(tail -n1 "$TMP/idle.out")" \
	"end: closed_by_server=150"
# headers sent a byte a second: closed at the 10 s header deadline although never idle
T=$(python3 "$HOSTILE" drip "$PORT" headers 30)
expect "slow headers: closed after 10 s" "$T" "^1[0-2]\.[0-9]$"
expect_eq "slow headers: counted" "$(curl -s "$URL/metrics" | awk '$1 == "eucc_http_timeouts_total{phase=\"headers\"}" {print $2}')" 1
# a chunked body without end: 413 as soon as it passes the 16 MiB limit, not at its end
read -r S T N < <(python3 "$HOSTILE" chunked "$PORT" $((10 << 30)))
expect_eq "endless chunked body: 413" "$S" 413
expect "endless chunked body: within 2 s" "$T" "^[01]\.[0-9]+$"
expect "endless chunked body: read up to the limit only" "$((N >> 20)) MiB" "^(1[6-9]|[2-5][0-9]) MiB$"
head -c $((20 << 20)) /dev/zero | tr '\0' ' ' >"$TMP/big"
CODE=$(curl -s -o "$TMP/got" -w '%{http_code}' -H 'Transfer-Encoding: chunked' --data-binary @"$TMP/big" "$URL/v1/compile")
expect_eq "curl, chunked 20 MiB: 413" "$CODE" 413
expect_eq "curl, chunked 20 MiB: code" "$(jq -r .error.code "$TMP/got")" too_large
expect_eq "413 counted" "$(curl -s "$URL/metrics" | awk '$1 == "eucc_http_requests_total{endpoint=\"compile\",code=\"413\"}" {print $2}')" 2
healthy "floods and slow requests"

# ---- a flood of diagnostics: cut at 1000, said so, never cached ------------------------------
{
	printf '#include "vmlinux.h"\n#include <bpf/bpf_helpers.h>\n'
	for i in $(seq 1500); do printf '#warning w%d\n' "$i"; done
	printf 'SEC("tp/x/y") int f(void *c) { return 0; }\nchar L[] SEC("license") = "GPL";\n'
} >"$TMP/warn.c"
before=$(metric eucc_compiles_total)
post "$(body warn "$TMP/warn.c" '["6.1"]')"
expect_eq "1500 warnings: 200" "$CODE" 200
expect_eq "1500 warnings: 1000 kept" "$(jq '.diagnostics | length' <<<"$OUT")" 1000
expect_eq "1500 warnings: truncated" "$(jq -c '[.diagnostics_truncated, .diagnostics_dropped]' <<<"$OUT")" "[true,500]"
curl -s "$URL$(jq -r .package.url <<<"$OUT")" | tar -xzO report.json >"$TMP/report.json"
expect_eq "1500 warnings: the report says so" "$(jq -c '[.diagnostics_truncated, .diagnostics_dropped]' "$TMP/report.json")" "[true,500]"
post "$(body warn "$TMP/warn.c" '["6.1"]')"
expect_eq "1500 warnings again: 200" "$CODE" 200
expect_eq "1500 warnings again: not from the cache" "$(jq -r .cache.object <<<"$OUT")" miss
expect_eq "1500 warnings again: compiled twice" "$(($(metric eucc_compiles_total) - before))" 2
expect_eq "1500 warnings again: still says so" "$(jq -r .diagnostics_dropped <<<"$OUT")" 500
printf '#error stop here\n' >>"$TMP/warn.c"
post "$(body warn "$TMP/warn.c" '["6.1"]')"
expect_eq "1500 warnings and an error: 422" "$CODE" 422
expect_eq "1500 warnings and an error: the error kept" "$(jq -r '.diagnostics[-1].message' <<<"$OUT")" "stop here"
expect_eq "1500 warnings and an error: truncated" "$(jq -c '[(.diagnostics | length), .diagnostics_truncated, .diagnostics_dropped]' <<<"$OUT")" "[1001,true,500]"
post "$(body probe "$CORE/basic.bpf.c" '["6.1"]')"
expect_eq "an ordinary answer says nothing of truncation" "$(jq -c '[.diagnostics_truncated, .diagnostics_dropped]' <<<"$OUT")" "[null,null]"
# a compile killed at its limit is not kept either: the next one runs again
cat >"$TMP/bomb.c" <<'C'
#define A(x) x x x x x x x x x x
#define B(x) A(A(A(A(x))))
#define C(x) B(B(B(x)))
int f(void) { return C(C(1+)) 0; }
C
before=$(metric eucc_compiles_total)
post "$(body bomb "$TMP/bomb.c" '["6.1"]')"
expect_eq "killed: 422" "$CODE" 422
expect "killed: says the limit" "$(jq -r '.diagnostics[-1].message' <<<"$OUT")" "(killed at|exceeded) the .*limit"
post "$(body bomb "$TMP/bomb.c" '["6.1"]')"
expect_eq "killed again: 422" "$CODE" 422
expect_eq "killed again: compiled again" "$(($(metric eucc_compiles_total) - before))" 2
healthy "floods of diagnostics"

# ---- language standards: a precompiled header per -std, so every allowed one compiles ----------
# (the precompiled header is the full header's: a server that makes no header per program)
stop_server
start_server "${SERVE[@]}" --full-header
TC=$(curl -s "$URL/v1/info" | jq -r '.toolchains[] | select(.default) | .name')
STDC2X=$(echo | "$TC" -std=gnu2x -dM -E - | sed -n 's/#define __STDC_VERSION__ \([0-9]*\)L/\1/p')
cat >"$TMP/std.c" <<'C'
#include "vmlinux.h"
#if __STDC_VERSION__ != WANT
#error not the standard asked for
#endif
#define SEC(n) __attribute__((section(n), used))
SEC("tracepoint/sched/sched_process_exec") int f(void *c) { return c != 0; }
char L[] SEC("license") = "GPL";
C
# (C89 has no __STDC_VERSION__: 0 in #if)
for s in gnu11:201112 c11:201112 gnu99:199901 c17:201710 c18:201710 gnu2x:$STDC2X gnu17:201710 c89:0; do
	post "$(body "std_${s%%:*}" "$TMP/std.c" '["6.1"]' "| .cflags = [\"-std=${s%%:*}\", \"-DWANT=${s#*:}L\"]")"
	expect_eq "-std=${s%%:*}: 200" "$CODE" 200
	expect_eq "-std=${s%%:*}: ok" "$(jq -r '.kernels[0].status' <<<"$OUT")" ok
done
post "$(body probe "$CORE/basic.bpf.c" '["6.1"]' '| .cflags = ["-std=gnu99", "-Wall"]')"
expect_eq "libbpf's headers with -std=gnu99: 200" "$CODE" 200
expect_eq "one PCH per standard (c18 is c17, gnu17 the default)" \
	"$(find "$EUCC_DATA" -name '6.1.0-47-cloud-amd64.h.*.pch' | sed 's/.*\.h\.//' | sort | tr '\n' ' ')" \
	"$(for s in c11 c17 c89 gnu11 gnu2x gnu99; do printf 'x86_64.%s.%s.pch ' "$TC" "$s"; done)x86_64.$TC.pch "
healthy "language standards"

# ---- leftovers of killed compiles: removed at start; what a live process holds is kept -------
T="$EUCC_DATA/tmp"
post "$(body bomb "$TMP/bomb.c" '["6.1"]' '| .cflags = ["-DKILLED=1"]')" &
for _ in $(seq 50); do compgen -G "$T/job-*" >/dev/null && break; sleep 0.1; done
stop_server -KILL
wait
expect "kill -9 in a compile leaves its job dir" "$(ls "$T")" "^job-"
mkdir -p "$T/job-fake01/src" "$T/job-live01/out"
echo 'int x;' >"$T/job-fake01/src/a.c"
echo 'BTF' >"$T/upload-fake01"
echo 'not ours' >"$T/other"
flock --no-fork "$T/job-live01" sleep 300 >/dev/null 2>&1 &
LIVE=$!
until ! flock -n "$T/job-live01" true; do sleep 0.1; done
start_server "${SERVE[@]}"
expect_eq "start: stale job dirs and uploads removed, the live one and others kept" \
	"$(ls "$T" | sort | tr '\n' ' ')" "job-live01 other "
kill "$LIVE"
wait "$LIVE" 2>/dev/null
healthy "leftovers"

# ---- cache gc removes leftovers too, not what a live process holds --------------------------
mkdir -p "$T/job-fake02/src" "$T/job-live02"
echo 'BTF' >"$T/upload-fake02"
flock --no-fork "$T/job-live02" sleep 300 >/dev/null 2>&1 &
LIVE=$!
until ! flock -n "$T/job-live02" true; do sleep 0.1; done
run 0 eucc-server cache gc --json
expect_eq "gc: the leftovers removed (and job-live01, free since)" "$(jq .job_dirs_removed <<<"$OUT")" 3
expect_eq "gc: the live one kept" "$(ls "$T" | sort | tr '\n' ' ')" "job-live02 other "
kill "$LIVE"
wait "$LIVE" 2>/dev/null
run 0 eucc-server cache gc
expect "gc: once nobody holds it, it goes" "$OUT" " and 1 stale job dirs$"
expect_eq "gc: only what is not ours stays" "$(ls "$T")" other

# ---- the connection limits as serve options ---------------------------------------------------
stop_server
start_server "${SERVE[@]}" --per-ip-connections 4 --header-timeout 2 --body-timeout 3
python3 "$HOSTILE" idle "$PORT" 10 1 >"$TMP/idle.out"
expect_eq "--per-ip-connections 4" "$(head -n1 "$TMP/idle.out")" "open=4 closed=6"
T=$(python3 "$HOSTILE" drip "$PORT" headers 30)
expect "--header-timeout 2" "$T" "^[23]\.[0-9]$"
# a body sent a byte a second, never idle: closed at the body deadline
T=$(python3 "$HOSTILE" drip "$PORT" body 30)
expect "slow body: --body-timeout 3" "$T" "^[34]\.[0-9]$"
M=$(curl -s "$URL/metrics")
expect "slow body: counted" "$M" '^eucc_http_timeouts_total\{phase="body"\} 1$'
expect "slow headers: counted" "$M" '^eucc_http_timeouts_total\{phase="headers"\} 1$'
healthy "connection options"

finish
