#!/usr/bin/env bash
# Replicas that share, and mirrors. Three eucc-server replicas on loopback share one registry
# (docker-registry, TLS and htpasswd): a compile answered by one is a hit on another, whose
# answer says so (cache.registry), and a replica that never compiled a package serves it. nginx
# in front, with the upstream of deploy/kubernetes-replicas.yaml (hash $http_x_eucc_key
# consistent), sends the same program to the same replica; the key eucc-remote sends is the
# source key as docs/registry.md defines it. Then `eucc-remote mirror` writes a mirror, which
# nginx (a static root) and `eucc-server serve --mirror` serve; hosts pull from it by digest.
. "$(dirname "$0")/server_lib.sh"
. "$(dirname "$0")/registry_lib.sh"
. "$(dirname "$0")/nginx_lib.sh"
: "${EUCC_SOURCE_DIR:?}"
CLIENT="$EUCC_BIN/../client/eucc-remote"
EX="$EUCC_SOURCE_DIR/examples"
NGX=$TMP/nginx
PIDS=()
PORTS=()
stop_all() {
	stop_nginx
	for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
	stop_server -KILL
	stop_registries
}
trap 'stop_all; rm -rf "$TMP"' EXIT
unset EUCC_SERVER
CA=$TMP/ca
make_ca "$CA"
start_registry "$TMP/reg" tls auth
export EUCC_REGISTRY_USER=alice:s3cret

# Three replicas, each with its own data dir (the same kernels) and the one registry.
EUCC_DATA=$TMP/base eucc-server btf import \
	"$EUCC_FIXTURES/btf/debian/12/x86_64/6.1.0-47-cloud-amd64.btf.tar.xz" >/dev/null ||
	{ echo "FAIL: import"; exit 1; }
# One signing key for all (keys/ copied with the data dir): the replicas' packages are the same.
EUCC_DATA=$TMP/base eucc-server key rotate >/dev/null || { echo "FAIL: key rotate"; exit 1; }
for i in 0 1 2; do
	cp -a "$TMP/base" "$TMP/r$i"
	EUCC_DATA=$TMP/r$i start_server --workers 1 --http-threads 2 \
		--registry "https://$REG/eucc/cache" --registry-cacert "$CA/ca.pem"
	PIDS+=("$SRV_PID")
	PORTS+=("$PORT")
	SRV_PID=
done
R0=http://127.0.0.1:${PORTS[0]}
R1=http://127.0.0.1:${PORTS[1]}
R2=http://127.0.0.1:${PORTS[2]}
cd "$TMP"

run 0 "$CLIENT" --server "$R0" --json compile "$EX/execsnoop.bpf.c" --kernel 6.1 -o a.eucc
expect_eq "replica A compiles: a miss, pushed" "$(jq -c '[.cache.object, .cache.registry.object]' <<<"$OUT")" '["miss","pushed"]'
expect_eq "... the kernel's result pushed too" "$(jq -r '.cache.registry.kernels["6.1.0-47-cloud-amd64"]' <<<"$OUT")" pushed
HEX=$(jq -r .package.digest <<<"$OUT" | cut -d: -f2)
run 0 "$CLIENT" --server "$R1" --json compile "$EX/execsnoop.bpf.c" --kernel 6.1 -o b.eucc
expect_eq "replica B: a hit, from the registry" "$(jq -c '[.cache.object, .cache.registry.object]' <<<"$OUT")" '["hit","hit"]'
expect_eq "... the kernel too" "$(jq -c '[.cache.kernels[], .cache.registry.kernels[]]' <<<"$OUT")" '["hit","hit"]'
expect_eq "... the same package" "$(jq -r .package.digest <<<"$OUT")" "sha256:$HEX"
expect_eq "B compiled nothing" "$(curl -s "$R1/metrics" | awk '$1 == "eucc_compiles_total" {print $2}')" 0
expect_eq "B's registry counters" "$(curl -s "$R1/metrics" | awk '$1 ~ /^eucc_registry_total/ {printf "%s ", $2}')" "2 0 1 0 "
run 0 "$CLIENT" --server "$R1" --json compile "$EX/execsnoop.bpf.c" --kernel 6.1 -o b2.eucc
expect_eq "B again: its own cache" "$(jq -r '.cache.object' <<<"$OUT")" hit
run 0 "$CLIENT" --server "$R2" pull "sha256:$HEX" -o c.eucc
expect_eq "replica C serves the package it never compiled" "$(sha256sum <c.eucc | cut -d' ' -f1)" "$HEX"
expect "the registry holds the shared entries under key tags" \
	"$(curl -s --cacert "$CA/ca.pem" -u alice:s3cret "https://$REG/v2/eucc/cache/tags/list")" \
	'"object-[0-9a-f]{64}"'

# nginx in front, with the deployed upstream (its servers: the three replicas here).
mkdir -p "$NGX/tmp" "$TMP/mirror"
/usr/bin/python3 -c '
import sys, yaml
for d in yaml.safe_load_all(open(sys.argv[1])):
    if d and d["kind"] == "ConfigMap" and d["metadata"]["name"] == "eucc-front":
        print(d["data"]["eucc.conf"])' "$EUCC_SOURCE_DIR/deploy/kubernetes-replicas.yaml" >"$NGX/front.conf"
expect "the deployed front hashes the key consistently" "$(cat "$NGX/front.conf")" 'hash \$http_x_eucc_key consistent;'
start_nginx() {
	for _ in 1 2 3 4 5; do
		FPORT=$((20000 + RANDOM % 12000))
		MPORT=$((20000 + RANDOM % 12000))
		awk -v s="${PORTS[*]}" -v f="$FPORT" -v rlog="$NGX/route.log" '
			BEGIN { n = split(s, p, " ") }
			/^ *server eucc-server-[0-9]+\./ { if (!done) for (i = 1; i <= n; i++) print "server 127.0.0.1:" p[i] ";"; done = 1; next }
			/listen 8080;/ { print "listen 127.0.0.1:" f ";"; next }
			/access_log \/dev\/stdout/ { print "access_log " rlog " eucc_route;"; next }
			{ print }' "$NGX/front.conf" >"$NGX/eucc.conf" || { echo "FAIL: awk"; exit 1; }
		nginx_conf <<-EOF
			include $NGX/eucc.conf;
			# a mirror: nothing but files
			server { listen 127.0.0.1:$MPORT; access_log $NGX/mirror.log; root $TMP/mirror; }
		EOF
		nginx_launch "http://127.0.0.1:$FPORT/healthz" && return 0
	done
	echo "FAIL: nginx did not start"; cat "$NGX/error.log"; exit 1
}
start_nginx
expect_eq "the upstream: the three replicas" "$(grep -c 'server 127.0.0.1:' "$NGX/eucc.conf")" 3
FRONT=http://127.0.0.1:$FPORT
for prog in opensnoop runqlat opensnoop runqlat execsnoop; do
	run 0 "$CLIENT" --server "$FRONT" -q compile "$EX/$prog.bpf.c" --kernel 6.1 -o "front-$prog.eucc"
done
keys() { awk '/POST \/v1\/compile/ {print $0}' "$NGX/route.log"; }
expect_eq "five compiles through the front, each with a key" \
	"$(keys | grep -cE 'key=[0-9a-f]{64} upstream=127\.0\.0\.1:[0-9]+')" 5
expect_eq "each key went to one replica" \
	"$(keys | sed -E 's/.*key=([0-9a-f]+) upstream=(\S+).*/\1 \2/' | sort -u | awk '{print $1}' | uniq -d | wc -l)" 0
expect_eq "three programs, three keys" \
	"$(keys | sed -E 's/.*key=([0-9a-f]+).*/\1/' | sort -u | wc -l)" 3
# The key is the source key of docs/registry.md, computed here from its definition.
srckey() {
	/usr/bin/python3 - "$1" "$2" <<-'PY'
		import hashlib, struct, sys
		def key(parts):
		    h = hashlib.sha256()
		    for p in parts:
		        b = p.encode()
		        h.update(struct.pack(">Q", len(b)) + b)
		    return h.hexdigest()
		path, main = sys.argv[1], sys.argv[2]
		src = key([main, hashlib.sha256(open(path, "rb").read()).hexdigest()])
		print(key(["source", "x86_64", main, src]))
	PY
}
expect "opensnoop's key: the source key" "$(keys | grep -m1 "key=$(srckey "$EX/opensnoop.bpf.c" opensnoop.bpf.c) ")" upstream=
expect "execsnoop's key: the source key" "$(keys | grep -m1 "key=$(srckey "$EX/execsnoop.bpf.c" execsnoop.bpf.c) ")" upstream=
expect_eq "packages through the front: verified and written" "$(ls front-*.eucc | wc -l)" 3

# ---- mirrors --------------------------------------------------------------------------------
run 0 "$CLIENT" --cacert "$CA/ca.pem" push a.eucc "$REG/probes/execsnoop:v1"
OREF=$(grep -o 'oci://\S*' <<<"$OUT")
run 0 "$CLIENT" --server "$R0" --cacert "$CA/ca.pem" mirror "sha256:$HEX" front-opensnoop.eucc -o mirror
expect "mirror: each package listed" "$OUT" "^$HEX  execsnoop \(sha256:$HEX\)"
run 0 "$CLIENT" --server "$R0" --cacert "$CA/ca.pem" --json mirror "$OREF" front-runqlat.eucc -o mirror
expect_eq "mirror again: added to what is there (oci:// the same package)" \
	"$(jq -r '.packages | length' <<<"$OUT")" 3
expect_eq "the index on disk is what it printed" "$(jq -c . mirror/v1/index.json)" "$(jq -c . <<<"$OUT")"
expect_eq "index: format 1, sorted by digest" "$(jq -r '.format, (.packages | map(.digest) | . == sort)' mirror/v1/index.json | tr '\n' ' ')" "1 true "
expect_eq "index: an entry" "$(jq -r --arg d "sha256:$HEX" '.packages[] | select(.digest == $d) | [.name, .arch, .path, .size, .kernels[0].release, .kernels[0].status] | join(" ")' mirror/v1/index.json)" \
	"execsnoop x86_64 v1/artifacts/$HEX $(stat -c %s a.eucc) 6.1.0-47-cloud-amd64 ok"
expect_eq "the artifact file" "$(sha256sum <"mirror/v1/artifacts/$HEX" | cut -d' ' -f1)" "$HEX"

# nginx serving the dir as plain files; eucc-remote pulls from it as from a server.
MIRROR=http://127.0.0.1:$MPORT
run 0 "$CLIENT" --server "$MIRROR" pull "sha256:$HEX" -o m1.eucc
expect_eq "pull from nginx's mirror" "$(sha256sum <m1.eucc | cut -d' ' -f1)" "$HEX"
head -c 4000 a.eucc >m2.eucc.part
run 0 "$CLIENT" --server "$MIRROR" pull "sha256:$HEX" -o m2.eucc
expect_eq "resumed from nginx's mirror" "$(sha256sum <m2.eucc | cut -d' ' -f1)" "$HEX"
expect "... with a range" "$(cat "$NGX/mirror.log")" "GET /v1/artifacts/$HEX HTTP/1.1\" 206"
expect_eq "nginx serves the index" "$(curl -s "$MIRROR/v1/index.json" | jq -c .)" "$(jq -c . mirror/v1/index.json)"

# eucc-server serve --mirror: the same, read-only.
EUCC_DATA=$TMP/nodata start_server --mirror "$TMP/mirror"
expect "a mirror says so" "$(cat "$TMP/server.log")" "read-only mirror of $TMP/mirror"
run 0 "$CLIENT" --server "$URL" pull "sha256:$HEX" -o m3.eucc
expect_eq "pull from serve --mirror" "$(sha256sum <m3.eucc | cut -d' ' -f1)" "$HEX"
head -c 4000 a.eucc >m4.eucc.part
run 0 "$CLIENT" --server "$URL" pull "sha256:$HEX" -o m4.eucc
expect_eq "resumed from serve --mirror" "$(sha256sum <m4.eucc | cut -d' ' -f1)" "$HEX"
expect_eq "serve --mirror: the index" "$(curl -s "$URL/v1/index.json" | jq -c .)" "$(jq -c . mirror/v1/index.json)"
expect_eq "serve --mirror: /v1/info says mirror" "$(curl -s "$URL/v1/info" | jq -r .mirror)" true
run 4 "$CLIENT" --server "$URL" compile "$EX/execsnoop.bpf.c" --kernel 6.1 -o none.eucc
expect "no compiles on a mirror" "$ERR" "read-only mirror: it compiles nothing"
expect_eq "no data dir made" "$(ls -d "$TMP/nodata" 2>/dev/null | wc -l)" 0
printf 'x' | dd of="mirror/v1/artifacts/$HEX" bs=1 seek=200 conv=notrunc 2>/dev/null
expect_eq "a damaged file is not served" "$(curl -s -o /dev/null -w '%{http_code}' "$URL/v1/artifacts/$HEX")" 404
run 2 "$CLIENT" --server "$MIRROR" pull "sha256:$HEX" -o m5.eucc
expect "nginx serves it, the client refuses it" "$ERR" "does not match the digest"
stop_server
run 3 "$CLIENT" mirror nothing-here -o mirror
expect "mirror of a name that is nothing" "$ERR" "is no file, digest, URL or oci:// reference"
run 3 "$CLIENT" mirror "sha256:$HEX"
expect "mirror needs -o" "$ERR" "mirror needs -o DIR"
EUCC_DATA=$TMP/r0 run 3 eucc-server serve --registry ftp://h/r --listen 127.0.0.1:1
expect "--registry with another scheme" "$ERR" "the scheme is not http:// or https://"
EUCC_DATA=$TMP/r0 run 3 eucc-server serve --registry http://h/Bad --listen 127.0.0.1:1
expect "--registry with a bad repository" "$ERR" "the repository is lowercase"
EUCC_DATA=$TMP/nodata run 2 eucc-server serve --mirror "$TMP/none" --listen 127.0.0.1:1
expect "serve --mirror of a dir that is no mirror" "$ERR" "is not a mirror: no v1/index.json"
finish
