#!/usr/bin/env bash
# deploy/nginx.conf with a real nginx on loopback, in front of a server with a tokens file:
# artifacts are cached, but only ever given to callers the server authorizes.
#
# The config is deploy/nginx.conf with this test's ports, paths and a self-made certificate
# (TLS and HTTP/2 as deployed), plus a plain-HTTP listener for eucc-remote, which has no
# option for a private CA.
. "$(dirname "$0")/server_lib.sh"
. "$(dirname "$0")/nginx_lib.sh"
: "${EUCC_SOURCE_DIR:?}"
CLIENT="$EUCC_BIN/../client/eucc-remote"
EX="$EUCC_SOURCE_DIR/examples"
NGX="$TMP/nginx"
HOST=eucc.example.internal
trap 'stop_nginx; stop_server -KILL; rm -rf "$TMP"' EXIT

READ=4f6c0c8b2a9e4d1f8e7a6b5c4d3e2f10
COMPILE=9a8b7c6d5e4f30211203f4e5d6c7b8a9
printf '# TOKEN SCOPES NAME\n%s read mirror\n%s compile ci\n' "$READ" "$COMPILE" >"$TMP/tokens"
eucc-server btf import "$EUCC_FIXTURES/btf/debian/12/x86_64/6.1.0-47-cloud-amd64.btf.tar.xz" \
	>/dev/null || { echo "FAIL: import"; exit 1; }
start_server --workers 2 --tokens "$TMP/tokens"
DIRECT=$URL

mkdir -p "$NGX/tmp"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
	-subj "/CN=$HOST" -addext "subjectAltName=DNS:$HOST,IP:127.0.0.1" \
	-keyout "$NGX/key.pem" -out "$NGX/cert.pem" 2>"$NGX/openssl.log" ||
	{ echo "FAIL: openssl"; cat "$NGX/openssl.log"; exit 1; }

# The deployed file with this test's values; each replacement must have happened.
derive() {
	sed -e "s#/var/cache/nginx/eucc#$NGX/cache#" \
		-e "s#127\.0\.0\.1:8639#127.0.0.1:$PORT#" \
		-e "s#listen 443 ssl http2;#listen 127.0.0.1:$TLS_PORT ssl http2; listen 127.0.0.1:$HTTP_PORT;#" \
		-e "s#/etc/ssl/eucc/fullchain\.pem#$NGX/cert.pem#" \
		-e "s#/etc/ssl/eucc/privkey\.pem#$NGX/key.pem#" \
		"$EUCC_SOURCE_DIR/deploy/nginx.conf"
}
start_nginx() {
	for _ in 1 2 3 4 5; do
		TLS_PORT=$((20000 + RANDOM % 12000))
		HTTP_PORT=$((20000 + RANDOM % 12000))
		derive >"$NGX/eucc.conf"
		for want in "$NGX/cache" "127.0.0.1:$PORT;" "127.0.0.1:$TLS_PORT ssl" "$NGX/cert.pem" "$NGX/key.pem"; do
			grep -qF "$want" "$NGX/eucc.conf" || { echo "FAIL: deploy/nginx.conf has no place for $want"; exit 1; }
		done
		nginx_conf <<-EOF
			access_log $NGX/access.log;
			include $NGX/eucc.conf;
		EOF
		nginx_launch "http://127.0.0.1:$HTTP_PORT/healthz" && return 0
	done
	echo "FAIL: nginx did not start"; cat "$NGX/error.log"; exit 1
}
start_nginx
TLS="https://$HOST:$TLS_PORT"
# curl through the TLS front: status in $CODE, headers in $HDR, body in $TMP/body.
get() {
	CODE=$(curl -s --http2 --cacert "$NGX/cert.pem" --resolve "$HOST:$TLS_PORT:127.0.0.1" \
		-D "$TMP/headers" -o "$TMP/body" -w '%{http_code}' "$@")
	HDR=$(tr -d '\r' <"$TMP/headers" | sed 's/^[^:]*:/\L&/') # names in lower case, as HTTP/2 has them
}
artifact_hits() {
	curl -s -H "Authorization: Bearer $READ" "$DIRECT/metrics" |
		awk '/^eucc_http_requests_total\{endpoint="artifacts?",code="2(xx|00)"\}/ {n += $2} END {print n + 0}'
}

# A compile through the TLS front.
jq -n --rawfile src "$EX/execsnoop.bpf.c" \
	'{name:"execsnoop", main:"execsnoop.bpf.c", sources:{"execsnoop.bpf.c":$src}, kernels:["6.1"], arch:"x86_64"}' \
	>"$TMP/req.json"
get -H "Authorization: Bearer $COMPILE" -H 'Content-Type: application/json' \
	--data-binary @"$TMP/req.json" "$TLS/v1/compile"
expect_eq "compile through nginx (TLS, HTTP/2)" "$CODE" 200
expect "over HTTP/2" "$HDR" "^HTTP/2 200"
expect_eq "compiled for 6.1" "$(jq -r '.kernels[0].status' "$TMP/body")" ok
ART=$(jq -r .package.url "$TMP/body")
HEX=$(jq -r .package.digest "$TMP/body" | cut -d: -f2)
get "$TLS/v1/compile" -H 'Content-Type: application/json' --data-binary @"$TMP/req.json"
expect_eq "compile without a token: 401" "$CODE" 401

# The server's own header: private, as it checks tokens.
expect "server says private" "$(curl -s -I -H "Authorization: Bearer $READ" "$DIRECT$ART" | tr -d '\r')" \
	"^Cache-Control: private, max-age=31536000, immutable$"

# An artifact: fetched once from the server, then from nginx's cache, for any valid token.
before=$(artifact_hits)
get -H "Authorization: Bearer $READ" "$TLS$ART"
expect_eq "authorized GET: 200" "$CODE" 200
expect "first GET: from the server" "$HDR" "^x-cache-status: MISS$"
expect_eq "the package's bytes" "$(sha256sum <"$TMP/body" | cut -d' ' -f1)" "$HEX"
get -H "Authorization: Bearer $READ" "$TLS$ART"
expect_eq "again: 200" "$CODE" 200
expect "again: from the cache" "$HDR" "^x-cache-status: HIT$"
expect_eq "cached bytes" "$(sha256sum <"$TMP/body" | cut -d' ' -f1)" "$HEX"
expect "callers see private" "$HDR" "^cache-control: private"
get -H "Authorization: Bearer $COMPILE" "$TLS$ART"
expect "another token: from the cache" "$HDR" "^x-cache-status: HIT$"
get -H "Authorization: Bearer $READ" -H "Range: bytes=100-199" "$TLS$ART"
expect_eq "Range from the cache: 206" "$CODE" 206
expect_eq "Range: 100 bytes" "$(stat -c %s "$TMP/body")" 100
get -H "Authorization: Bearer $READ" -H "If-None-Match: \"$HEX\"" "$TLS$ART"
expect_eq "If-None-Match: 304" "$CODE" 304
expect_eq "the server sent the artifact once" "$(($(artifact_hits) - before))" 1

# A Range request first (a resumed pull of an artifact nginx does not hold yet): nginx fetches
# the whole artifact, keeps it and answers the range.
jq '.name = "opensnoop" | .main = "opensnoop.bpf.c" | .sources = {"opensnoop.bpf.c": $src}' \
	--rawfile src "$EX/opensnoop.bpf.c" "$TMP/req.json" >"$TMP/req2.json"
get -H "Authorization: Bearer $COMPILE" -H 'Content-Type: application/json' \
	--data-binary @"$TMP/req2.json" "$TLS/v1/compile"
expect_eq "second compile" "$CODE" 200
ART2=$(jq -r .package.url "$TMP/body")
get -H "Authorization: Bearer $READ" -H "Range: bytes=0-99" "$TLS$ART2"
expect_eq "Range on a miss: 206" "$CODE" 206
expect "Range on a miss: from the server" "$HDR" "^x-cache-status: MISS$"
get -H "Authorization: Bearer $READ" "$TLS$ART2"
expect "then whole, from the cache" "$HDR" "^x-cache-status: HIT$"

# The same requests without a token, or with a wrong one: refused, never from the cache.
get "$TLS$ART"
expect_eq "no token: 401" "$CODE" 401
expect_eq "no token: the server's error" "$(jq -r .error.code "$TMP/body" 2>/dev/null)" unauthorized
expect_not "no token: no cache status" "$HDR" "^x-cache-status: HIT"
expect_not "no token: no package bytes" "$(sha256sum <"$TMP/body")" "$HEX"
get -I "$TLS$ART"
expect_eq "HEAD without a token: 401" "$CODE" 401
get -H "Range: bytes=0-99" "$TLS$ART"
expect_eq "Range without a token: 401" "$CODE" 401
get -H "If-None-Match: \"$HEX\"" "$TLS$ART"
expect_eq "If-None-Match without a token: 401" "$CODE" 401
get -H "Authorization: Bearer ${READ%?}x" "$TLS$ART"
expect_eq "wrong token: 401" "$CODE" 401
expect_eq "wrong token: the server's error" "$(jq -r .error.code "$TMP/body" 2>/dev/null)" unauthorized
get -H "Authorization: Basic $(printf 'x:%s' "$READ" | base64)" "$TLS$ART"
expect_eq "not a bearer token: 401" "$CODE" 401
get "$TLS/v1/artifacts/..%2f..%2fv1%2fartifacts%2f$HEX"
expect_not "encoded path without a token: no package" "$CODE" "^200$"
get "$TLS/v1/artifacts/$HEX?x=1"
expect_eq "a query string without a token: 401" "$CODE" 401
get "$TLS/_eucc_auth"
expect_eq "the auth location is internal" "$CODE" 404

# eucc-remote through nginx (the plain listener).
cd "$TMP"
export EUCC_SERVER="http://127.0.0.1:$HTTP_PORT"
run 0 "$CLIENT" --token "$COMPILE" compile "$EX/execsnoop.bpf.c" --kernel 6.1 -o via-nginx.eucc
expect "eucc-remote compile through nginx" "$OUT" "6\.1\.0-47-cloud-amd64 .* ok"
run 0 "$CLIENT" --token "$READ" pull "sha256:$HEX" -o pulled.eucc
expect_eq "eucc-remote pull through nginx" "$(sha256sum <pulled.eucc | cut -d' ' -f1)" "$HEX"
head -c 1000 pulled.eucc >resumed.eucc.part
run 0 "$CLIENT" --token "$READ" pull "sha256:$HEX" -o resumed.eucc
expect_eq "resumed pull through nginx" "$(sha256sum <resumed.eucc | cut -d' ' -f1)" "$HEX"
run 4 "$CLIENT" pull "sha256:$HEX" -o refused.eucc
expect "pull without a token: refused" "$ERR" "HTTP 401"
expect_eq "pull without a token: no package" "$(ls refused.eucc 2>/dev/null | wc -l)" 0

# eucc-remote over TLS, behind a private CA: --cacert, CURL_CA_BUNDLE, SSL_CERT_FILE, --insecure;
# a TLS failure is told apart from a server that is not there.
TLSURL="https://127.0.0.1:$TLS_PORT"
run 0 "$CLIENT" --server "$TLSURL" --cacert "$NGX/cert.pem" --token "$READ" kernels 6.1
expect "kernels over TLS with --cacert" "$OUT" "6\.1\.0-47-cloud-amd64"
run 0 "$CLIENT" --server "$TLSURL" --token "$COMPILE" --cacert "$NGX/cert.pem" \
	compile "$EX/execsnoop.bpf.c" --kernel 6.1 -o via-tls.eucc
expect "compile over TLS" "$OUT" "6\.1\.0-47-cloud-amd64 .* ok"
run 4 env -u CURL_CA_BUNDLE -u SSL_CERT_FILE "$CLIENT" --server "$TLSURL" --token "$READ" kernels
expect "a private CA without --cacert: a TLS error" "$ERR" "error: TLS with $TLSURL failed"
expect "the TLS error says what to do" "$ERR" "hint: .*--cacert FILE"
run 0 env CURL_CA_BUNDLE="$NGX/cert.pem" "$CLIENT" --server "$TLSURL" --token "$READ" kernels 6.1
run 0 env -u CURL_CA_BUNDLE SSL_CERT_FILE="$NGX/cert.pem" "$CLIENT" --server "$TLSURL" --token "$READ" kernels 6.1
run 0 "$CLIENT" --server "$TLSURL" --insecure --token "$READ" kernels 6.1
run 4 "$CLIENT" --server "$TLSURL" --cacert "$TMP/no-such.pem" --token "$READ" kernels
expect "a CA file that is not there" "$ERR" "readable PEM"
run 4 "$CLIENT" --server "https://127.0.0.1:1" --cacert "$NGX/cert.pem" kernels
expect "nothing listening: unreachable, not TLS" "$ERR" "cannot reach the eucc server"
expect_not "nothing listening: not a TLS error" "$ERR" "TLS with"

# Without the server nobody can be authorized: not even a cached artifact is served.
stop_server
get -H "Authorization: Bearer $READ" "$TLS$ART"
expect_eq "server down: no artifact" "$CODE" 500
finish
