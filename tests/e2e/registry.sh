#!/usr/bin/env bash
# eucc-remote push and pull oci:// against a real registry on loopback (Debian's
# docker-registry): TLS behind a CA made here, htpasswd users (Basic auth), the Bearer token
# flow (a front that issues tokens), the artifact as the registry stores it, blobs skipped when
# present, pulls pinned to the manifest digest, resumed with a Range, verified (a tampered
# manifest or layer is refused), and the static client.
. "$(dirname "$0")/server_lib.sh"
. "$(dirname "$0")/registry_lib.sh"
: "${EUCC_SOURCE_DIR:?}"
CLIENT="$EUCC_BIN/../client/eucc-remote"
STATIC="$EUCC_BIN/../static/x86_64/client/eucc-remote"
EX="$EUCC_SOURCE_DIR/examples"
PROXY_PID=
trap 'kill $PROXY_PID 2>/dev/null; stop_registries; stop_server -KILL; rm -rf "$TMP"' EXIT
unset EUCC_REGISTRY_USER CURL_CA_BUNDLE SSL_CERT_FILE
CA=$TMP/ca
make_ca "$CA"

eucc-server btf import "$EUCC_FIXTURES/btf/debian/12/x86_64/6.1.0-47-cloud-amd64.btf.tar.xz" \
	>/dev/null || { echo "FAIL: import"; exit 1; }
start_server --workers 2
cd "$TMP"
run 0 "$CLIENT" --server "$URL" compile "$EX/execsnoop.bpf.c" --kernel 6.1 -o exec.eucc
HEX=$(sha256sum <exec.eucc | cut -d' ' -f1)
stop_server

# ---- TLS and Basic auth ---------------------------------------------------------------------
start_registry "$TMP/reg" tls auth
R=$REG
run 4 "$CLIENT" --registry-user alice:s3cret push exec.eucc "$R/probes/execsnoop:v1"
expect "a private CA without --cacert: a TLS error" "$ERR" "TLS with the registry $R failed"
expect "... with a hint" "$ERR" "hint: .*--cacert"
run 4 "$CLIENT" --cacert "$CA/ca.pem" push exec.eucc "$R/probes/execsnoop:v1"
expect "no credentials" "$ERR" "the registry $R wants credentials"
expect "... says how to give them" "$ERR" "--registry-user USER:PASSWORD"
run 4 "$CLIENT" --cacert "$CA/ca.pem" --registry-user alice:wrong push exec.eucc "$R/probes/execsnoop:v1"
expect "wrong password" "$ERR" "refused the credentials"
run 3 "$CLIENT" --registry-user alice push exec.eucc "$R/probes/execsnoop:v1"
expect "credentials without a password" "$ERR" "USER:PASSWORD"
run 3 "$CLIENT" push exec.eucc "$R/Probes/execsnoop:v1"
expect "an upper-case repository" "$ERR" "the repository is lowercase"
run 3 "$CLIENT" push exec.eucc "$R/probes/execsnoop"
expect "no tag" "$ERR" "names no tag"

export EUCC_REGISTRY_USER=alice:s3cret
run 0 "$CLIENT" --cacert "$CA/ca.pem" --json push exec.eucc "$R/probes/execsnoop:v1"
REF=$(jq -r .reference <<<"$OUT")
MAN=$(jq -r .manifest <<<"$OUT")
expect "push prints a pinned reference" "$REF" "^oci://$R/probes/execsnoop@sha256:[0-9a-f]{64}$"
expect_eq "push names the package" "$(jq -r .package <<<"$OUT")" "$HEX"
uploads() { grep -c '"PUT /v2/probes/[a-z]*/blobs/uploads/' "$TMP/reg/log"; }
ups=$(uploads)
expect_eq "two blobs uploaded: the empty config and the package" "$ups" 2
run 0 "$CLIENT" --cacert "$CA/ca.pem" push exec.eucc "$R/probes/execsnoop:v2"
expect_eq "pushed again: blobs the registry has are not sent" "$(uploads)" "$ups"
expect "... and the same manifest digest" "$OUT" "${MAN#sha256:}"

# The artifact as the registry keeps it (read with curl, not with eucc).
curl -s --cacert "$CA/ca.pem" -u alice:s3cret -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
	-o manifest.json "https://$R/v2/probes/execsnoop/manifests/v1"
expect_eq "the manifest's digest is the pinned one" "sha256:$(sha256sum <manifest.json | cut -d' ' -f1)" "$MAN"
expect_eq "an OCI image manifest" "$(jq -r .mediaType manifest.json)" application/vnd.oci.image.manifest.v1+json
expect_eq "eucc's artifact type" "$(jq -r .artifactType manifest.json)" application/vnd.eucc.package.v1
expect_eq "the empty config" "$(jq -r '.config | .mediaType + " " + .digest + " " + (.size|tostring)' manifest.json)" \
	"application/vnd.oci.empty.v1+json sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a 2"
expect_eq "one layer: the package" "$(jq -r '.layers | length' manifest.json) $(jq -r '.layers[0] | .mediaType + " " + .digest' manifest.json)" \
	"1 application/vnd.eucc.package.v1.tar+gzip sha256:$HEX"
expect_eq "annotations: name, arch, kernels, statuses" \
	"$(jq -r '.annotations | [."dev.eucc.package.name", ."dev.eucc.package.arch", ."dev.eucc.package.kernels", ."dev.eucc.package.statuses"] | join(" ")' manifest.json)" \
	"execsnoop x86_64 6.1.0-47-cloud-amd64 6.1.0-47-cloud-amd64=ok"
curl -s --cacert "$CA/ca.pem" -u alice:s3cret -o layer.bin "https://$R/v2/probes/execsnoop/blobs/sha256:$HEX"
expect_eq "the layer holds the .eucc bytes" "$(cmp -s layer.bin exec.eucc && echo same)" same

# ---- pull -----------------------------------------------------------------------------------
run 0 "$CLIENT" --cacert "$CA/ca.pem" pull "$REF" -o pulled.eucc
expect_eq "pull by digest: the package's bytes" "$(sha256sum <pulled.eucc | cut -d' ' -f1)" "$HEX"
expect "pull says what it got" "$OUT" "wrote pulled.eucc \(sha256:$HEX\) from $REF"
run 0 "$CLIENT" --cacert "$CA/ca.pem" pull "oci://$R/probes/execsnoop:v1"
expect "pull by tag: NAME.eucc, with the manifest to pin" "$OUT" "wrote execsnoop.eucc .*manifest $MAN"
expect_eq "pull by tag: the package's bytes" "$(sha256sum <execsnoop.eucc | cut -d' ' -f1)" "$HEX"
CURL_CA_BUNDLE="$CA/ca.pem" run 0 "$CLIENT" pull "$REF" -o via-env.eucc
expect_eq "the CA from CURL_CA_BUNDLE" "$(sha256sum <via-env.eucc | cut -d' ' -f1)" "$HEX"
run 2 "$CLIENT" --cacert "$CA/ca.pem" pull "oci://$R/probes/execsnoop@sha256:$(printf '0%.0s' $(seq 64))" -o none.eucc
expect "a digest the registry lacks" "$ERR" "HTTP 404 MANIFEST_UNKNOWN"
expect_eq "... writes nothing" "$(ls none.eucc* 2>/dev/null | wc -l)" 0
run 3 "$CLIENT" pull "oci://$R/probes/execsnoop@sha256:abc"
expect "a short digest" "$ERR" "the digest is not sha256:<64 lowercase hex digits>"
EUCC_REGISTRY_USER= run 4 "$CLIENT" --cacert "$CA/ca.pem" pull "$REF" -o anon.eucc
expect "pull without credentials" "$ERR" "wants credentials"

# Resumed: a partial file gets the rest with a Range (206), then the whole is verified.
head -c 5000 exec.eucc >resumed.eucc.part
run 0 "$CLIENT" --cacert "$CA/ca.pem" pull "$REF" -o resumed.eucc
expect_eq "resumed pull: the package's bytes" "$(sha256sum <resumed.eucc | cut -d' ' -f1)" "$HEX"
expect "the registry answered the range" "$(grep "blobs/sha256:$HEX" "$TMP/reg/log")" '" 206 '
# A partial file whose bytes are wrong is completed, not fetched again: the whole is refused.
head -c 5000 /dev/zero >bad.eucc.part
run 2 "$CLIENT" --cacert "$CA/ca.pem" pull "$REF" -o bad.eucc
expect "a wrong partial file: refused" "$ERR" "does not match the digest"
expect_eq "... and deleted" "$(ls bad.eucc* 2>/dev/null | wc -l)" 0

# run takes oci:// references too (pulled once into the package cache): its help lists the
# package's own parameters.
run 0 "$CLIENT" --cacert "$CA/ca.pem" run "$REF" --help
expect "run oci:// --help: the package's parameters" "$OUT" "execsnoop"
expect_eq "... kept in the package cache" "$(ls "$EUCC_DATA/packages/sha256/$HEX.eucc" | wc -l)" 1

# The static client: the same pull over TLS.
run 0 "$STATIC" --cacert "$CA/ca.pem" pull "$REF" -o static.eucc
expect_eq "static client: pull by digest over TLS" "$(sha256sum <static.eucc | cut -d' ' -f1)" "$HEX"
head -c 3000 exec.eucc >static2.eucc.part
run 0 "$STATIC" --cacert "$CA/ca.pem" pull "$REF" -o static2.eucc
expect_eq "static client: resumed" "$(sha256sum <static2.eucc | cut -d' ' -f1)" "$HEX"

# ---- the Bearer token flow --------------------------------------------------------------------
start_registry "$TMP/plain"
python3 "$EUCC_SOURCE_DIR/tests/e2e/token_proxy.py" "$TMP/proxy.port" "$REG" "$TMP/proxy.log" &
PROXY_PID=$!
for _ in $(seq 50); do [ -s "$TMP/proxy.port" ] && break; sleep 0.1; done
P=127.0.0.1:$(cat "$TMP/proxy.port")
EUCC_REGISTRY_USER= run 4 "$CLIENT" push exec.eucc "oci+http://$P/probes/execsnoop:v1"
expect "token flow without credentials" "$ERR" "wants credentials"
EUCC_REGISTRY_USER=alice:nope run 4 "$CLIENT" push exec.eucc "oci+http://$P/probes/execsnoop:v1"
expect "token flow, wrong password" "$ERR" "the token service .* refused the credentials"
run 0 "$CLIENT" --json push exec.eucc "oci+http://$P/probes/execsnoop:v1"
expect_eq "token flow: pushed, the same manifest" "$(jq -r .manifest <<<"$OUT")" "$MAN"
expect "a token was issued for the repository's scope" "$(cat "$TMP/proxy.log")" \
	"token issued for /token\?service=eucc-test&scope=repository%3Aprobes%3Apull%2Cpush"
run 0 "$CLIENT" pull "oci+http://$P/probes/execsnoop@$MAN" -o bearer.eucc
expect_eq "token flow: pulled" "$(sha256sum <bearer.eucc | cut -d' ' -f1)" "$HEX"

# ---- tampered registry storage: refused --------------------------------------------------------
BLOBS=$TMP/reg/data/docker/registry/v2/blobs/sha256
m=$BLOBS/${MAN:7:2}/${MAN#sha256:}/data
printf ' ' >>"$m"
run 2 "$CLIENT" --cacert "$CA/ca.pem" pull "$REF" -o tampered.eucc
expect "an altered manifest: refused" "$ERR" "hashes to .*not to the pinned"
truncate -s -1 "$m"
l=$BLOBS/${HEX:0:2}/$HEX/data
printf 'x' | dd of="$l" bs=1 seek=100 conv=notrunc 2>/dev/null
run 2 "$CLIENT" --cacert "$CA/ca.pem" pull "$REF" -o tampered.eucc
expect "an altered layer: refused" "$ERR" "does not match the digest"
expect_eq "... and nothing written" "$(ls tampered.eucc* 2>/dev/null | wc -l)" 0
finish
