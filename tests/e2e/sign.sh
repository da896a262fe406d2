#!/usr/bin/env bash
# Signed packages: the server's key made on first start (0600), packages signed over their
# manifest's sha256 (checked here with openssl's own ed25519, not eucc's code), the client's
# pinned keys (--trust, EUCC_TRUST, /etc/eucc/trust.d) refusing unsigned, altered and
# foreign-signed packages in inspect, run, pull and compile; key rotation keeps old packages valid.
. "$(dirname "$0")/server_lib.sh"
PATH="$EUCC_BIN/../client:$PATH"
EX="$EUCC_SOURCE_DIR/examples"
REPACK="$(dirname "$0")/pkg_repack.py"
cd "$TMP"
eucc-server btf import /sys/kernel/btf/vmlinux --release "$(uname -r)" >/dev/null ||
	{ echo "FAIL: import local kernel"; exit 1; }
start_server --workers 1
export EUCC_SERVER=$URL

# ---- the key: made on first start, private 0600, listed, announced ------------------------
expect_eq "private key mode" "$(stat -c %a "$EUCC_DATA/keys/signing.pem")" 600
expect_eq "keys dir mode" "$(stat -c %a "$EUCC_DATA/keys")" 700
run 0 eucc-server key show --json
KEY1=$(jq -r .current.id <<<"$OUT")
expect "key id is sha256:<hex>" "$KEY1" '^sha256:[0-9a-f]{64}$'
expect_eq "/v1/info names it" "$(curl -s "$URL/v1/info" | jq -r .signing_key.id)" "$KEY1"
run 0 eucc-server key export -o old-trust.pem
# the id is the sha256 of the raw public key (the last 32 bytes of its DER form)
RAW_ID=$(openssl pkey -pubin -in old-trust.pem -outform DER | tail -c 32 | sha256sum | cut -d' ' -f1)
expect_eq "key id = sha256 of the public key" "$KEY1" "sha256:$RAW_ID"

# ---- a signed package, verified by an independent ed25519 (openssl pkeyutl) ---------------
run 0 eucc-remote -q compile "$EX/execsnoop.bpf.c" --kernel local -o a.eucc
expect_eq "signature.json is the second member" "$(tar tzf a.eucc | sed -n 2p)" signature.json
tar xzf a.eucc manifest.json signature.json
expect_eq "format 2" "$(jq .format manifest.json)" 2
expect_eq "signs the manifest's sha256" "$(jq -r .manifest signature.json)" \
	"sha256:$(sha256sum manifest.json | cut -d' ' -f1)"
printf 'eucc manifest sha256:%s' "$(sha256sum manifest.json | cut -d' ' -f1)" >msg
jq -r .signature signature.json | base64 -d >sig.bin
run 0 openssl pkeyutl -verify -pubin -inkey old-trust.pem -rawin -in msg -sigfile sig.bin
expect "openssl verifies it" "$OUT" "Signature Verified Successfully"
run 0 eucc-remote -q compile "$EX/execsnoop.bpf.c" --kernel local -o again.eucc
expect_eq "deterministic: the same bytes again" "$(sha256sum <again.eucc)" "$(sha256sum <a.eucc)"

# ---- without pinned keys: accepted, "not checked" ------------------------------------------
run 0 eucc-remote inspect a.eucc --json
expect_eq "no trust: not checked" "$(jq -r .signature <<<"$OUT")" "not checked"
expect_eq "inspect shows the signer" "$(jq -r .signer.key_id <<<"$OUT")" "$KEY1"
expect_eq "and its name" "$(jq -r .signer.name <<<"$OUT")" "eucc-server@$(hostname)"
run 0 eucc-remote inspect a.eucc
expect "inspect text: signer" "$OUT" "^signer: +$KEY1 \(eucc-server@.*\), not checked"

# ---- pinned: verified; unsigned, flipped, other key refused --------------------------------
run 0 eucc-remote --trust old-trust.pem inspect a.eucc --json
expect_eq "pinned: verified" "$(jq -r .signature <<<"$OUT")" verified
python3 "$REPACK" a.eucc unsigned.eucc unsigned
python3 "$REPACK" a.eucc flipped.eucc flip
run 0 eucc-remote inspect unsigned.eucc --json
expect_eq "unsigned, no trust: accepted" "$(jq -r '.signature, .signer' <<<"$OUT" | tr '\n' ' ')" "not checked null "
run 2 eucc-remote --trust old-trust.pem inspect unsigned.eucc
expect "unsigned refused" "$ERR" "unsigned.eucc: the package is not signed, and trusted keys are configured"
run 2 eucc-remote --trust old-trust.pem inspect flipped.eucc
expect "flipped signature refused" "$ERR" "signature does not verify with key $KEY1"
run 2 eucc-remote --trust old-trust.pem run flipped.eucc --duration 1
expect "run refuses it too" "$ERR" "signature does not verify"
eucc-server --data "$TMP/other" key rotate --name other >/dev/null
eucc-server --data "$TMP/other" key export >other.pem
run 2 eucc-remote --trust other.pem inspect a.eucc
expect "another key refused" "$ERR" "signed by key $KEY1 \(\"eucc-server@.*\"\), which is not among the 1 trusted keys"
expect "with a hint to pin" "$ERR" "hint: pin the signer's public key"
run 2 eucc-remote --trust missing.pem inspect a.eucc
expect "a missing trust file is an error" "$ERR" "--trust names missing.pem: No such file"
run 2 eucc-remote --trust other.pem pull --from a.eucc "$(sha256sum a.eucc | cut -d' ' -f1)" -o pulled.eucc
expect "pull refuses it" "$ERR" "which is not among"
expect_eq "and keeps no file" "$(ls pulled.eucc* 2>/dev/null)" ""
run 2 eucc-remote --trust other.pem -q compile "$EX/execsnoop.bpf.c" --kernel local -o refused.eucc
expect "compile refuses the download" "$ERR" "which is not among"
expect_eq "and writes no package" "$(ls refused.eucc* 2>/dev/null)" ""

# ---- EUCC_TRUST (files and dirs) and /etc/eucc/trust.d ------------------------------------
mkdir -p tdir && cp other.pem tdir/other.pem && cp old-trust.pem tdir/team.pem
EUCC_TRUST="$TMP/other.pem" run 2 eucc-remote inspect a.eucc
expect "EUCC_TRUST file pins" "$ERR" "not among the 1 trusted keys"
EUCC_TRUST="$TMP/other.pem:$TMP/tdir" run 0 eucc-remote inspect a.eucc --json
expect_eq "EUCC_TRUST dir adds its *.pem" "$(jq -r .signature <<<"$OUT")" verified
mkdir -p etc/eucc/trust.d && cp other.pem etc/eucc/trust.d/other.pem
mount -t overlay overlay -o "lowerdir=$TMP/etc:/etc" /etc || { echo "FAIL: overlay on /etc"; exit 1; }
run 2 eucc-remote inspect a.eucc
expect "/etc/eucc/trust.d pins without flags" "$ERR" "not among the 1 trusted keys"
run 0 eucc-remote --trust old-trust.pem run a.eucc --duration 1 # --trust adds: loads, attaches
umount /etc

# ---- rotation: new packages signed by the new key, old ones still valid --------------------
stop_server
run 0 eucc-server key rotate
KEY2=$(eucc-server key show --json | jq -r .current.id)
expect_not "a new key" "$KEY2" "^$KEY1\$"
run 0 eucc-server key show --json
expect_eq "the old public key stays listed" "$(jq -r '[.keys[] | .id + " " + (.current | tostring)] | join(",")' <<<"$OUT")" "$KEY2 true,$KEY1 false"
eucc-server key export >trust.pem
start_server --workers 1
export EUCC_SERVER=$URL
run 0 eucc-remote -q compile "$EX/execsnoop.bpf.c" --kernel local -o b.eucc
run 0 eucc-remote --trust trust.pem inspect b.eucc --json
expect_eq "new package: signed by the new key" "$(jq -r .signer.key_id <<<"$OUT")" "$KEY2"
expect_eq "and verified" "$(jq -r .signature <<<"$OUT")" verified
run 0 eucc-remote --trust trust.pem inspect a.eucc --json
expect_eq "old package: still verified" "$(jq -r .signature <<<"$OUT")" verified
run 2 eucc-remote --trust old-trust.pem inspect b.eucc
expect "a host that pinned only the old key refuses the new" "$ERR" "signed by key $KEY2"
finish
