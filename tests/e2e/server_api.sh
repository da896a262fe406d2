#!/usr/bin/env bash
# eucc-server serve: bad input, limits, auth, HTTP details. The server stays healthy throughout.
. "$(dirname "$0")/server_lib.sh"
CORE="$EUCC_SOURCE_DIR/tests/data/core"
seed_store
start_server --workers 2 --compile-timeout 5

healthy() { expect_eq "healthz after $1" "$(curl -s "$URL/healthz")" '{"status":"ok"}'; }
err_code() { jq -r .error.code <<<"$OUT"; }

post '{"name": "x", "main": '
expect_eq "malformed JSON: 400" "$CODE" 400
expect_eq "malformed JSON: code" "$(err_code)" bad_request
expect "malformed JSON: says where" "$(jq -r .error.message <<<"$OUT")" "malformed JSON near byte"
healthy "malformed JSON"

post "$(body probe "$CORE/basic.bpf.c" '["local"]')"
expect_eq "local on the server: 400" "$CODE" 400
expect "local: says what to send" "$(jq -r .error.hint <<<"$OUT")" "uname -r"
post "$(body probe "$CORE/basic.bpf.c" '["4.1"]')"
expect_eq "unknown kernel: 404" "$CODE" 404
expect_eq "unknown kernel: code" "$(err_code)" kernel_not_found
expect "unknown kernel: closest" "$(jq -r .error.hint <<<"$OUT")" "closest stored: "

# A 100 MB body is refused from its Content-Length, before it is read.
head -c $((100 << 20)) /dev/zero | tr '\0' 'a' >"$TMP/big"
CODE=$(curl -s -o "$TMP/big.out" -w '%{http_code}' -H 'Content-Type: application/json' \
	--data-binary @"$TMP/big" "$URL/v1/compile")
expect_eq "100 MB body: 413" "$CODE" 413
expect_eq "100 MB body: code" "$(jq -r .error.code "$TMP/big.out")" too_large
healthy "a 100 MB body"

# Paths and flags.
post "$(body probe "$CORE/basic.bpf.c" '["6.1"]' '| .sources["/etc/x.h"] = "x"')"
expect_eq "absolute path: 400" "$CODE" 400
post "$(body probe "$CORE/basic.bpf.c" '["6.1"]' '| .sources["../x.h"] = "x"')"
expect_eq "dot-dot path: 400" "$CODE" 400
for flag in -Xclang -o/tmp/x @/etc/passwd -fplugin=x.so --sysroot=/ -I/usr -include/etc/shadow; do
	post "$(body probe "$CORE/basic.bpf.c" '["6.1"]' "| .cflags = [\"$flag\"]")"
	expect_eq "flag $flag: 400" "$CODE" 400
	expect "flag $flag: named" "$(jq -r .error.message <<<"$OUT")" "$(sed 's/[][\.*^$/]/\\&/g' <<<"${flag:0:6}")"
done
healthy "bad flags"

# Includes that try to leave the upload: a diagnostic, never the file.
printf '#include "/etc/shadow"\nint x;\n' >"$TMP/shadow.c"
post "$(body shadow "$TMP/shadow.c" '["6.1"]')"
expect_eq "/etc/shadow: 422" "$CODE" 422
expect "/etc/shadow: file not found" "$(jq -r '.diagnostics[0].message' <<<"$OUT")" "file not found"
expect_not "/etc/shadow: no content" "$OUT" "$(head -n1 /etc/shadow | cut -d: -f1):"
printf '#include "../../etc/passwd"\nint x;\n' >"$TMP/up.c"
post "$(body up "$TMP/up.c" '["6.1"]')"
expect_eq "../../x: 422" "$CODE" 422
expect_not "../../x: no content" "$OUT" "root:x:0:0"
expect_not "no server path in answers" "$OUT" "$TMP|/job/|eucc-e2e"

# The BPF backend's own errors (only on clang's stderr) come back as diagnostics.
printf '#include "vmlinux.h"\n#include <bpf/bpf_helpers.h>\nSEC("tp/x/y") int f(void *c)\n{\n\tvolatile int a = bpf_get_prandom_u32(), b = 3;\n\treturn a / b;\n}\nchar L[] SEC("license") = "GPL";\n' >"$TMP/div.c"
post "$(body div "$TMP/div.c" '["6.1"]')"
expect_eq "backend error: 422" "$CODE" 422
expect_eq "backend error: message and line" \
	"$(jq -r '.diagnostics[] | select(.message | test("signed division")) | "\(.file):\(.line)"' <<<"$OUT")" div.bpf.c:6

# A compile that runs away is killed at its limit and reported.
cat >"$TMP/bomb.c" <<'C'
#define A(x) x x x x x x x x x x
#define B(x) A(A(A(A(x))))
#define C(x) B(B(B(x)))
int f(void) { return C(C(1+)) 0; }
C
post "$(body bomb "$TMP/bomb.c" '["6.1"]')"
expect_eq "runaway compile: 422" "$CODE" 422
expect "runaway compile: says the limit" "$(jq -r '.diagnostics[-1].message' <<<"$OUT")" "limit"
healthy "a runaway compile"

# HTTP details of artifacts: HEAD, ETag, Range, bad digests.
post "$(body probe "$CORE/basic.bpf.c" '["6.1"]')"
expect_eq "good compile" "$CODE" 200
HEX=$(jq -r .package.digest <<<"$OUT" | cut -d: -f2)
SIZE=$(jq -r .package.size <<<"$OUT")
H=$(curl -sI "$URL/v1/artifacts/$HEX")
expect "HEAD: 200" "$H" "^HTTP/1.1 200"
expect "HEAD: ETag" "$H" "ETag: \"$HEX\""
expect "HEAD: length" "$H" "Content-Length: $SIZE"
expect_eq "If-None-Match: 304" "$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: \"$HEX\"" "$URL/v1/artifacts/$HEX")" 304
curl -s -r 0-99 -o "$TMP/part1" "$URL/v1/artifacts/$HEX"
curl -s -r 100- -o "$TMP/part2" "$URL/v1/artifacts/$HEX"
curl -s -o "$TMP/whole" "$URL/v1/artifacts/$HEX"
expect_eq "ranges put together" "$(cat "$TMP/part1" "$TMP/part2" | sha256sum | cut -d' ' -f1)" "$HEX"
expect_eq "whole" "$(sha256sum <"$TMP/whole" | cut -d' ' -f1)" "$HEX"
expect_eq "signed range: 416" "$(curl -s -o /dev/null -w '%{http_code}' -H 'Range: bytes=--5' "$URL/v1/artifacts/$HEX")" 416
expect_eq "range past the end: 416" "$(curl -s -o /dev/null -w '%{http_code}' -r "$((SIZE + 10))-" "$URL/v1/artifacts/$HEX")" 416
expect_eq "unknown artifact: 404" "$(curl -s -o /dev/null -w '%{http_code}' "$URL/v1/artifacts/$(printf '0%.0s' $(seq 64))")" 404
expect_eq "bad digest: 400" "$(curl -s -o /dev/null -w '%{http_code}' "$URL/v1/artifacts/xyz")" 400
expect_eq "wrong method: 405" "$(curl -s -o /dev/null -w '%{http_code}' -X DELETE "$URL/v1/compile")" 405
expect "405 says what is allowed" "$(curl -s -D - -o /dev/null -X DELETE "$URL/v1/info")" "Allow: GET, HEAD"
expect "HEAD on a JSON endpoint" "$(curl -sI "$URL/v1/info")" "^HTTP/1.1 200"
expect_eq "no such endpoint: 404" "$(curl -s -o /dev/null -w '%{http_code}' "$URL/v2/x")" 404

# Kernels, definitions, BTF, info, metrics.
expect_eq "kernels 4.19" "$(curl -s "$URL/v1/kernels?match=4.19" | jq '.kernels | length')" 3
expect_eq "kernels 4.19 x86_64" "$(curl -s "$URL/v1/kernels?match=4.19&arch=x86_64" | jq '.kernels | length')" 1
expect_eq "kernels local: 400" "$(curl -s -o /dev/null -w '%{http_code}' "$URL/v1/kernels?match=local")" 400
expect_eq "kernels 4.1: 404" "$(curl -s -o /dev/null -w '%{http_code}' "$URL/v1/kernels?match=4.1")" 404
expect "type definition" "$(curl -s "$URL/v1/kernels/5.10.0-32-cloud-amd64/types/task_struct" | jq -r .definition)" "long int state;"
expect "func prototype" "$(curl -s "$URL/v1/kernels/6.1.0-47-cloud-amd64/funcs/vfs_read" | jq -r .definition)" "vfs_read\(struct file"
SHA=$(curl -s "$URL/v1/kernels?match=5.10" | jq -r '.kernels[0].sha256')
expect_eq "full BTF by digest" "$(curl -s "$URL/v1/btf/$SHA" | sha256sum | cut -d' ' -f1)" "$SHA"
expect "info" "$(curl -s "$URL/v1/info" | jq -r .clang)" "clang version"
expect "metrics" "$(curl -s "$URL/metrics")" '^eucc_compiles_total [0-9]+$'
# Prometheus' conventions: seconds, histograms per endpoint and stage, exact status codes,
# build info, gauges of the store and the cache.
M=$(curl -s "$URL/metrics")
expect "build info" "$M" '^eucc_build_info\{version="[0-9.]+",pipeline="[0-9]+\.[0-9]+",clang="[^"]+",libbpf="[0-9.]+"\} 1$'
expect "exact status codes" "$M" '^eucc_http_requests_total\{endpoint="compile",code="200"\} [0-9]+$'
expect "a 404 counted as 404" "$M" '^eucc_http_requests_total\{endpoint="other",code="404"\} [0-9]+$'
expect "a 405 counted as 405" "$M" '^eucc_http_requests_total\{endpoint="compile",code="405"\} [0-9]+$'
expect "latency per endpoint" "$M" '^eucc_http_request_duration_seconds_bucket\{endpoint="kernels",le="0.001"\} [0-9]+$'
expect "latency: +Inf bucket" "$M" '^eucc_http_request_duration_seconds_bucket\{endpoint="compile",le="\+Inf"\} [0-9]+$'
expect "latency: sum in seconds" "$M" '^eucc_http_request_duration_seconds_sum\{endpoint="compile"\} [0-9]+\.[0-9]{6}$'
expect "stage histograms" "$M" '^eucc_pipeline_stage_duration_seconds_count\{stage="compile"\} [1-9][0-9]*$'
expect "check stage" "$M" '^eucc_pipeline_stage_duration_seconds_count\{stage="check"\} [1-9][0-9]*$'
expect_eq "stored kernels gauge" "$(metric eucc_kernels)" "$(curl -s "$URL/v1/kernels" | jq '.kernels | length')"
expect "cache bytes gauge" "$(metric eucc_cache_bytes)" '^[1-9][0-9]*$'
expect_not "no milliseconds" "$M" '_ms|millisecond'
# the +Inf bucket holds every request of the endpoint
expect_eq "+Inf bucket = count" \
	"$(awk '/^eucc_http_request_duration_seconds_bucket\{endpoint="compile",le="\+Inf"\}/ {print $2}' <<<"$M")" \
	"$(awk '/^eucc_http_request_duration_seconds_count\{endpoint="compile"\}/ {print $2}' <<<"$M")"

# The access log: one line per request, off by default.
stop_server
start_server --access-log "$TMP/access.log"
curl -s -o /dev/null "$URL/v1/kernels?match=5.10"
curl -s -o /dev/null -X DELETE "$URL/v1/compile"
curl -s -o /dev/null "$URL/v2/nothing"
LOG=$(cat "$TMP/access.log")
expect "access log: a GET" "$LOG" '^GET /v1/kernels 200 [0-9]+\.[0-9]{3} ms kernels$'
expect "access log: a 405" "$LOG" '^DELETE /v1/compile 405 [0-9]+\.[0-9]{3} ms compile$'
expect "access log: a 404" "$LOG" '^GET /v2/nothing 404 [0-9]+\.[0-9]{3} ms other$'
expect_eq "access log: a line each (and the start-up health checks)" "$(grep -vc " /healthz " "$TMP/access.log")" 3
expect_not "no access log by default" "$(cat "$TMP/server.log")" '^GET /v1/'

# A full queue answers 503 with Retry-After rather than piling up.
stop_server
start_server --workers 1 --queue 1 --compile-timeout 5
for i in $(seq 6); do
	curl -s -o /dev/null -D "$TMP/busy.$i.h" -H 'Content-Type: application/json' \
		--data-binary "$(body busy$i "$CORE/rich.bpf.c" '["5.10","6.1","6.12"]' "| .cflags = [\"-DB=$i\"]")" \
		"$URL/v1/compile" &
	pids+=($!)
done
wait "${pids[@]}"
expect "some 503" "$(cat "$TMP"/busy.*.h)" "HTTP/1.1 503"
expect "Retry-After" "$(cat "$TMP"/busy.*.h)" "Retry-After: "
expect "and some 200" "$(cat "$TMP"/busy.*.h)" "HTTP/1.1 200"
healthy "a full queue"

# Tokens and scopes.
stop_server
printf 'read-token-0123456789 read mirror\ncompile-token-0123456789 compile ci\n' >"$TMP/tokens"
start_server --tokens "$TMP/tokens"
expect_eq "healthz without token" "$(curl -s -o /dev/null -w '%{http_code}' "$URL/healthz")" 200
expect_eq "no token: 401" "$(curl -s -o /dev/null -w '%{http_code}' "$URL/v1/kernels")" 401
expect_eq "bad token: 401" "$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer nope-nope-nope-nope' "$URL/v1/kernels")" 401
# Refused before the body is read: a 20 MB upload without a token gets its 401 at once.
head -c $((20 << 20)) /dev/zero >"$TMP/zeros"
expect_eq "no token, big body: 401" "$(curl -s -o /dev/null -w '%{http_code}' --data-binary @"$TMP/zeros" "$URL/v1/btf?release=1.2.3&arch=x86_64&sha256=$(printf 'a%.0s' $(seq 64))")" 401
expect_eq "read token reads" "$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer read-token-0123456789' "$URL/v1/kernels")" 200
expect_eq "read token cannot compile" "$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer read-token-0123456789' -H 'Content-Type: application/json' --data-binary "$(body probe "$CORE/basic.bpf.c" '["6.1"]')" "$URL/v1/compile")" 403
expect_eq "compile token compiles" "$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer compile-token-0123456789' -H 'Content-Type: application/json' --data-binary "$(body probe "$CORE/basic.bpf.c" '["6.1"]')" "$URL/v1/compile")" 200
stop_server
# BTF uploads: raw BTF only, with a compile token, on a server that takes them.
stop_server
start_server --tokens "$TMP/tokens" --allow-btf-upload
TARBALL="$EUCC_FIXTURES/btf/debian/11/x86_64/5.10.0-32-cloud-amd64.btf.tar.xz"
CODE=$(curl -s -o "$TMP/up.out" -w '%{http_code}' -H 'Authorization: Bearer compile-token-0123456789' \
	--data-binary @"$TARBALL" "$URL/v1/btf?release=9.9.9-up&arch=x86_64&sha256=$(sha256sum <"$TARBALL" | cut -d' ' -f1)")
expect_eq "a tarball is not raw BTF: 400" "$CODE" 400
expect "says what to send" "$(jq -r .error.message "$TMP/up.out")" "not raw BTF"
expect_not "no server path" "$(cat "$TMP/up.out")" "$TMP|/tmp/"
SYSBTF=/sys/kernel/btf/vmlinux
cp "$SYSBTF" "$TMP/local.btf"
CODE=$(curl -s -o "$TMP/up.out" -w '%{http_code}' -H 'Authorization: Bearer compile-token-0123456789' \
	--data-binary @"$TMP/local.btf" "$URL/v1/btf?release=9.9.9-up&arch=x86_64&sha256=$(sha256sum <"$TMP/local.btf" | cut -d' ' -f1)")
expect_eq "raw BTF upload: 201" "$CODE" 201
stop_server
run 3 eucc-server serve --listen 0.0.0.0:$PORT
expect "no tokens, not loopback: refused" "$ERR" "refusing to listen on 0.0.0.0 without a tokens file"

finish
