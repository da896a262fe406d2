#!/usr/bin/env bash
# The static eucc-remote (-DEUCC_STATIC_CLIENT=ON, built beside the normal build in static/<arch>):
# no shared library, no interpreter, for x86_64 and arm64; on this machine it prints its
# version, compiles and pulls over HTTP (a name from /etc/hosts resolved by c-ares) and HTTPS
# (a private CA), inspects, verifies signatures against pinned keys, verifies and pulls from
# a mirror dir, loads and attaches a package, and takes no path through glibc's NSS (no NSS
# module, no shared library, no openssl.cnf).
. "$(dirname "$0")/server_lib.sh"
PATH="$EUCC_BIN/../client:$PATH"
STATIC=$EUCC_BIN/../static
S=$STATIC/x86_64/client/eucc-remote
EX="$EUCC_SOURCE_DIR/examples"
LOCAL=$(uname -r)

# ---- the binaries: static, no interpreter, no NEEDED, the right machine ---------------------
declare -A MACHINE=([x86_64]="x86-64" [aarch64]="ARM aarch64")
for arch in x86_64 aarch64; do
	bin=$STATIC/$arch/client/eucc-remote
	checks=$((checks + 1))
	[ -x "$bin" ] || { echo "FAIL: no static build at $bin"; failures=$((failures + 1)); continue; }
	expect "$arch: file says statically linked" "$(file -b "$bin")" "^ELF 64-bit LSB executable, ${MACHINE[$arch]},.* statically linked"
	expect_not "$arch: file names no interpreter" "$(file -b "$bin")" "interpreter"
	expect_not "$arch: no INTERP program header" "$(readelf -lW "$bin")" "INTERP|Requesting program interpreter"
	expect_not "$arch: no NEEDED entry" "$(readelf -dW "$bin" 2>&1)" "NEEDED"
	expect_not "$arch: no dynamic section at all" "$(readelf -lW "$bin")" "^ +DYNAMIC "
done

# ---- a package for this host, from the dynamic client -------------------------------------
seed_store
start_server --workers 2
export EUCC_SERVER=$URL
cd "$TMP"
run 0 eucc-remote -q compile "$EX/execsnoop.bpf.c" --kernel local --kernel 5.10 -o execsnoop.eucc
DIGEST=$(sha256sum execsnoop.eucc | cut -d' ' -f1)

# ---- HTTP: compile, kernels, pull (resumed) -----------------------------------------------
run 0 "$S" compile "$EX/execsnoop.bpf.c" --kernel local --kernel 5.10 -o static.eucc
expect "compile over HTTP: this kernel ok" "$OUT" "^$(sed 's/[.+]/\\&/g' <<<"$LOCAL") .* ok "
expect_eq "the same package as the dynamic build's" "$(sha256sum <static.eucc | cut -d' ' -f1)" "$DIGEST"
run 0 "$S" kernels 5.10 --json
expect_eq "kernels over HTTP" "$(jq -r '.kernels[0].release' <<<"$OUT")" 5.10.0-32-cloud-amd64
head -c 1000 execsnoop.eucc >resumed.eucc.part
run 0 "$S" pull "sha256:$DIGEST" -o resumed.eucc
expect_eq "pull over HTTP, resumed" "$(sha256sum <resumed.eucc | cut -d' ' -f1)" "$DIGEST"
# A name from /etc/hosts (this test's own, bound over it in its private mount namespace):
# c-ares reads the file itself, as it reads /etc/resolv.conf; glibc's NSS is not asked.
{ cat /etc/hosts; echo "127.0.0.1 eucc-static-test.invalid"; } >hosts
mount --bind hosts /etc/hosts || { echo "FAIL: cannot bind a hosts file"; exit 1; }
NAMED="http://eucc-static-test.invalid:$PORT"
strace -f -qq -e trace=openat,open,socket,connect -o trace-http.txt \
	"$S" --server "$NAMED" pull "$DIGEST" -o named.eucc >/dev/null 2>"$TMP/named.err"
expect_eq "pull by a name from /etc/hosts" "$(sha256sum <named.eucc 2>/dev/null | cut -d' ' -f1)" "$DIGEST"
trace=$(cat trace-http.txt)
expect "c-ares read /etc/hosts" "$trace" "openat\(.*\"/etc/hosts\""
expect "and connected to the address it names" "$trace" "connect\(.*127\.0\.0\.1"
expect_not "no NSS module, no shared library" "$trace" "libnss|ld\.so|\.so(\.[0-9]+)*\""
expect_not "no OpenSSL configuration, no passwd" "$trace" "openssl\.cnf|/etc/passwd|/etc/group"
umount /etc/hosts

# ---- HTTPS: a server behind a private CA ---------------------------------------------------
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=eucc test CA" \
	-keyout ca.key -out ca.pem >/dev/null 2>&1
openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout tls.key -out tls.csr >/dev/null 2>&1
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >san.ext
openssl x509 -req -in tls.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile san.ext \
	-out tls.pem >/dev/null 2>&1 || { echo "FAIL: cannot make a certificate"; exit 1; }
mkdir -p www/v1/artifacts && cp execsnoop.eucc "www/v1/artifacts/$DIGEST"
TLS_PORT=$((PORT + 1))
(cd www && exec openssl s_server -quiet -WWW -accept "$TLS_PORT" -cert ../tls.pem -key ../tls.key) \
	>s_server.log 2>&1 </dev/null &
TLS_PID=$!
for _ in $(seq 50); do curl -s --cacert ca.pem -o /dev/null "https://localhost:$TLS_PORT/" && break; sleep 0.1; done
TLSURL="https://localhost:$TLS_PORT"
run 0 "$S" --server "$TLSURL" --cacert ca.pem pull "$DIGEST" -o tls.eucc
expect_eq "pull over HTTPS with --cacert" "$(sha256sum <tls.eucc | cut -d' ' -f1)" "$DIGEST"
strace -f -qq -e trace=openat -o trace-tls.txt env -u CURL_CA_BUNDLE -u SSL_CERT_FILE \
	"$S" --server "$TLSURL" pull "$DIGEST" -o notrust.eucc >/dev/null 2>notrust.err
ERR=$(cat notrust.err)
expect "a private CA without --cacert: refused" "$ERR" "error: TLS with $TLSURL failed"
expect "the host's CA bundle was the one tried" "$(cat trace-tls.txt)" "/etc/ssl/certs/ca-certificates\.crt"
expect_eq "and nothing written" "$(ls notrust.eucc 2>/dev/null | wc -l)" 0
kill "$TLS_PID" 2>/dev/null
wait "$TLS_PID" 2>/dev/null

# ---- the static binary on this machine ----------------------------------------------------
run 0 "$S" --version
expect "version line: static" "$OUT" "^eucc-remote [0-9.]+ \(libbpf 1\.[0-9]+; static\)$"
run 0 "$S" inspect execsnoop.eucc
expect "inspect: name" "$OUT" "^name: +execsnoop$"
expect "inspect: this kernel" "$OUT" "^  $(sed 's/[.+]/\\&/g' <<<"$LOCAL") "
run 0 "$S" inspect execsnoop.eucc --json
expect_eq "inspect --json: two kernels" "$(jq '.kernels | length' <<<"$OUT")" 2
# signatures, checked by the static build's libcrypto (ed25519) against pinned keys
eucc-server key export >trust.pem
eucc-server --data "$TMP/other-key" key rotate >/dev/null && eucc-server --data "$TMP/other-key" key export >other.pem
run 0 "$S" --trust trust.pem inspect execsnoop.eucc --json
expect_eq "static: signature verified" "$(jq -r .signature <<<"$OUT")" verified
python3 "$(dirname "$0")/pkg_repack.py" execsnoop.eucc flipped.eucc flip
run 2 "$S" --trust trust.pem inspect flipped.eucc
expect "static: a flipped signature refused" "$ERR" "signature does not verify"
run 2 "$S" --trust other.pem inspect execsnoop.eucc
expect "static: another key refused" "$ERR" "which is not among the 1 trusted keys"
run 0 "$S" run execsnoop.eucc --attach-only
expect "run --attach-only (the kernel's BTF)" "$OUT" "^execsnoop: loaded and attached with BTF /sys/kernel/btf/vmlinux$"
run 0 "$S" run execsnoop.eucc --attach-only --btf bundled
expect "run --attach-only --btf bundled" "$OUT" "^execsnoop: loaded and attached with BTF bundled $(sed 's/[.+]/\\&/g' <<<"$LOCAL")"
cp /bin/true eucc_mk_static
(sleep 1.2; for _ in 1 2 3; do ./eucc_mk_static; sleep 0.2; done) &
run 0 "$S" run execsnoop.eucc --btf bundled --duration 3
expect "run: exec events" "$OUT" "^[0-9:]{8} events: pid=[0-9]+ ppid=[0-9]+ uid=0 comm=eucc_mk_static$"

# ---- pull from a mirror dir and from a file: verified, no network -------------------------
mkdir -p mirror/v1/artifacts flat
cp execsnoop.eucc "mirror/v1/artifacts/$DIGEST"
cp execsnoop.eucc flat/some-name.eucc
run 0 "$S" pull "sha256:$DIGEST" --from mirror -o a.eucc
expect_eq "pull --from DIR (v1/artifacts/<hex>)" "$(sha256sum <a.eucc | cut -d' ' -f1)" "$DIGEST"
run 0 "$S" pull "$DIGEST" --from flat
expect "pull --from DIR (a .eucc by content), named by the package" "$OUT" "^wrote execsnoop\.eucc \(sha256:$DIGEST\)$"
run 0 "$S" pull "$DIGEST" --from flat/some-name.eucc -o b.eucc
expect_eq "pull --from FILE" "$(sha256sum <b.eucc | cut -d' ' -f1)" "$DIGEST"
cp execsnoop.eucc tampered && printf 'x' | dd of=tampered bs=1 seek=600 conv=notrunc 2>/dev/null
mkdir -p bad && cp tampered "bad/$DIGEST"
run 2 "$S" pull "$DIGEST" --from bad -o c.eucc
expect "a mirror's wrong bytes are refused" "$ERR" "does not match the digest"
expect_eq "and nothing written" "$(ls c.eucc 2>/dev/null | wc -l)" 0
run 2 "$S" pull "$(printf '0%.0s' $(seq 64))" --from mirror
expect "no such artifact in the mirror" "$ERR" "mirror holds no artifact sha256:000000000000"

# ---- no NSS, no OpenSSL configuration, no socket ------------------------------------------
strace -f -qq -e trace=openat,open,socket,connect -o trace.txt "$S" run execsnoop.eucc --attach-only >/dev/null 2>&1
strace -f -qq -e trace=openat,open,socket,connect -o trace2.txt "$S" pull "$DIGEST" --from mirror -o d.eucc >/dev/null 2>&1
trace=$(cat trace.txt trace2.txt)
expect "strace saw the package opened" "$trace" "openat\(.*execsnoop\.eucc"
expect_not "no NSS (nsswitch.conf, passwd, hosts, libnss_*)" "$trace" "nsswitch|/etc/passwd|/etc/group|/etc/hosts|libnss|resolv\.conf"
expect_not "no shared library looked for" "$trace" "ld\.so|\.so(\.[0-9]+)*\""
expect_not "no OpenSSL configuration read" "$trace" "openssl\.cnf"
expect_not "no socket opened" "$trace" "socket\(|connect\("

stop_server
finish
