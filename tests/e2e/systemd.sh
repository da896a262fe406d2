#!/usr/bin/env bash
# deploy/eucc-server.service: its exposure score and `systemd-analyze verify`; a store that
# root imported, served by an unprivileged server; and the unit run by a real systemd (booted
# in a systemd-nspawn container made of this host's /usr and a copy of its /etc), with a
# root import into the running service's state dir and compiles through it.
. "$(dirname "$0")/server_lib.sh"
PATH="$EUCC_BIN/../client:$PATH"
# the unit as installed: the binary's path filled in (a plain file, or a template for cmake)
UNIT_SRC="$EUCC_SOURCE_DIR/deploy/eucc-server.service"
[ -e "$UNIT_SRC" ] || UNIT_SRC="$UNIT_SRC.in"
CORE="$EUCC_SOURCE_DIR/tests/data/core"
K510="$EUCC_FIXTURES/btf/debian/11"
K61="$EUCC_FIXTURES/btf/debian/12/x86_64"
R510=5.10.0-32-cloud-amd64
R61=6.1.0-47-cloud-amd64
NSPAWN=
LEADER=
MACHINE="eucc-e2e-$$"
cleanup() {
	stop_server -KILL
	if [ -n "$NSPAWN" ] && kill -0 "$NSPAWN" 2>/dev/null; then
		[ -n "$LEADER" ] && nsenter -t "$LEADER" -a systemctl poweroff 2>/dev/null
		for _ in $(seq 50); do kill -0 "$NSPAWN" 2>/dev/null || break; sleep 0.2; done
		kill -KILL "$NSPAWN" 2>/dev/null
		wait "$NSPAWN" 2>/dev/null
	fi
	rm -rf "/run/systemd/nspawn/propagate/$MACHINE" "$TMP"
}
trap cleanup EXIT

# ---- the unit file ------------------------------------------------------------------------

# The unit as it is, but for where the binary lives.
mkdir -p "$TMP/unit"
UNIT="$TMP/unit/eucc-server.service"
sed -e "s|/usr/local/bin/eucc-server|$EUCC_BIN/eucc-server|" \
	-e "s|@EUCC_BINDIR@/eucc-server|$EUCC_BIN/eucc-server|" "$UNIT_SRC" >"$UNIT"
expect_eq "one ExecStart, of the server" "$(grep -c "^ExecStart=$EUCC_BIN/eucc-server serve " "$UNIT")" 1

run 0 systemd-analyze security --offline=yes "$UNIT"
SCORE=$(grep -oE 'Overall exposure level for eucc-server.service: [0-9]+\.[0-9]+' <<<"$OUT" |
	awk '{print $NF}')
echo "exposure: $SCORE"
expect "an overall exposure" "$SCORE" '^[0-9]+\.[0-9]+$'
checks=$((checks + 1))
if ! awk -v s="$SCORE" 'BEGIN { exit !(s != "" && s <= 4.0) }'; then
	echo "FAIL: exposure $SCORE is above 4.0:"
	grep '✗' <<<"$OUT"
	failures=$((failures + 1))
fi
# what bubblewrap needs is allowed, the rest refused (docs/operations.md, "systemd")
expect "no capabilities" "$OUT" '✓ CapabilityBoundingSet=~CAP_SYS_ADMIN'
expect "seccomp: no @clock" "$OUT" '✓ SystemCallFilter=~@clock'
expect "a user namespace of its own" "$OUT" '✓ PrivateUsers='
expect "no private network" "$OUT" '✗ PrivateNetwork='

run 0 systemd-analyze verify --man=no "$UNIT"
expect_eq "verify: no warning" "$ERR" ""

# ---- a store that root imported, an unprivileged server --------------------------------------

# The data dir belongs to the server's user (systemd's StateDirectory= does that); root imports
# with a umask that would hide every file; the server, running as nobody, reads and extends it.
chmod 0711 "$TMP"
STORE="$TMP/owned/data"
mkdir -m 0750 "$TMP/owned"
chown nobody:nogroup "$TMP/owned"
run 0 bash -c "umask 077; eucc-server btf import --data '$STORE' '$K510'"
expect_eq "root's import: all nobody's" "$(find "$TMP/owned" ! -user nobody -printf '%p ')" ""
expect_eq "root's import: files 0644" "$(find "$STORE" -type f ! -perm 0644 -printf '%p %m ')" ""
expect_eq "root's import: dirs 0755" "$(find "$STORE" -type d ! -perm 0755 -printf '%p %m ')" ""
mkdir "$TMP/as-nobody"
printf '#!/bin/sh\nexec setpriv --reuid=nobody --regid=nogroup --clear-groups %q "$@"\n' \
	"$EUCC_BIN/eucc-server" >"$TMP/as-nobody/eucc-server"
chmod 0755 "$TMP/as-nobody/eucc-server"
# (--full-header: every compile uses the kernel's full header, precompiled into the store)
PATH="$TMP/as-nobody:$PATH" start_server --data "$STORE" --workers 1 --full-header
expect_eq "the server runs as nobody" "$(ps -o user= -p "$SRV_PID")" nobody
post "$(body basic "$CORE/basic.bpf.c" '["5.10"]')"
expect_eq "nobody's server compiles" "$CODE" 200
expect_eq "5.10 ok" "$(jq -r '.kernels[0].status' <<<"$OUT")" ok
expect "its precompiled header, in root's import dir" \
	"$(find "$STORE/btf" -name '*.pch' -user nobody)" "$R510\.h\.x86_64\.clang-[0-9]+\.pch$"
# root imports again while it runs: a new kernel in a new dir
run 0 bash -c "umask 077; eucc-server btf import --data '$STORE' '$K61'"
sleep 2.1 # the server's memo of a request lives 2 s
post "$(body basic "$CORE/basic.bpf.c" '["5.10","6.1"]')"
expect_eq "root's second import: compiles" "$CODE" 200
expect_eq "both ok" "$(jq -r '[.kernels[].status] | unique | join(",")' <<<"$OUT")" ok
expect "a precompiled header for 6.1" "$(find "$STORE/btf" -name '*.pch' -user nobody)" \
	"$R61\.h\.x86_64\.clang-[0-9]+\.pch"
expect_eq "still all nobody's" "$(find "$TMP/owned" ! -user nobody -printf '%p ')" ""
stop_server

# ---- --tokens credential:NAME ------------------------------------------------------------------

mkdir "$TMP/cred"
printf '0123456789abcdef0123456789 read x\n' >"$TMP/cred/tokens"
run 3 env -u CREDENTIALS_DIRECTORY eucc-server serve --data "$TMP/cd" --tokens credential:tokens
expect "no credentials dir: says so" "$ERR" 'credential:tokens: \$CREDENTIALS_DIRECTORY is not set'
expect "and how to get one" "$ERR" 'LoadCredential=tokens:FILE'
run 3 env CREDENTIALS_DIRECTORY="$TMP/cred" eucc-server serve --data "$TMP/cd" \
	--tokens credential:../tokens
expect "a credential's name has no /" "$ERR" "a credential's name has no '/'"
CREDENTIALS_DIRECTORY="$TMP/cred" start_server --data "$TMP/cd" --tokens credential:tokens
expect_eq "the credential's tokens: 401 without one" \
	"$(curl -s -o /dev/null -w '%{http_code}' "$URL/v1/kernels")" 401
expect_eq "the credential's tokens: 200 with one" "$(curl -s -o /dev/null -w '%{http_code}' \
	-H 'Authorization: Bearer 0123456789abcdef0123456789' "$URL/v1/kernels")" 200
stop_server

# ---- the unit under systemd ------------------------------------------------------------------

# The container's /etc: this host's, with the system user the Debian package makes, a tokens
# file, the unit (the binary's path and the port changed, nothing else) and a target that
# starts nothing else. /usr is the host's, read-only (systemd-nspawn --volatile=yes).
ETC="$TMP/etc"
cp -a /etc "$ETC"
: >"$ETC/machine-id"
if ! grep -q '^eucc:' "$ETC/passwd"; then
	for id in $(seq 999 -1 100); do
		cut -d: -f3 "$ETC/passwd" "$ETC/group" | grep -qx "$id" || break
	done
	echo "eucc:x:$id:$id:eucc compile server:/var/lib/eucc:/usr/sbin/nologin" >>"$ETC/passwd"
	grep -q '^eucc:' "$ETC/group" || echo "eucc:x:$id:" >>"$ETC/group"
fi
TOKEN=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
mkdir -p "$ETC/eucc"
printf '# TOKEN SCOPES NAME\n%s compile e2e\n' "$TOKEN" >"$ETC/eucc/tokens"
chmod 0600 "$ETC/eucc/tokens"
for _ in $(seq 20); do
	PORT=$((20000 + RANDOM % 12000))
	[ -z "$(ss -Htln "sport = :$PORT")" ] && break
done
URL="http://127.0.0.1:$PORT"
sed "s|127.0.0.1:8639|127.0.0.1:$PORT|" "$UNIT" >"$ETC/systemd/system/eucc-server.service"
cat >"$ETC/systemd/system/eucc-e2e.target" <<'EOF'
[Unit]
Description=eucc e2e: the base system only
Requires=sysinit.target
After=sysinit.target
EOF
ARGS=(--bind="$ETC:/etc" --bind-ro="$EUCC_SOURCE_DIR" --bind-ro="$EUCC_FIXTURES")
ARGS+=(--bind-ro="$(dirname "$EUCC_BIN")")
# Under a host's systemd the container gets a scope of its own; without one (as on the
# machine this was written on) it stays in the test's cgroup.
[ -d /run/systemd/system ] || ARGS+=(--keep-unit)
# cgroup v2 and bpf() in the container, so that systemd applies IPAddressDeny= and the device
# policy (BPF programs on the service's cgroup), as on a host.
SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1 systemd-nspawn --quiet --register=no \
	--machine="$MACHINE" --directory=/ --volatile=yes "${ARGS[@]}" \
	--capability=CAP_BPF,CAP_NET_ADMIN --system-call-filter=bpf --console=pipe \
	--boot -- systemd.unit=eucc-e2e.target </dev/null >"$TMP/console.log" 2>&1 &
NSPAWN=$!
for _ in $(seq 100); do
	LEADER=$(ps -o pid= --ppid "$NSPAWN" | head -n1 | tr -d ' ')
	[ -n "$LEADER" ] && [ "$(ps -o comm= -p "$LEADER")" = systemd ] && break
	LEADER=
	sleep 0.1
done
if [ -z "$LEADER" ]; then
	echo "FAIL: systemd-nspawn booted no systemd"
	cat "$TMP/console.log"
	exit 1
fi
in_ct() { nsenter -t "$LEADER" -a --wd=/ "$@"; }
for _ in $(seq 100); do # until its manager listens
	in_ct test -S /run/systemd/private && break
	sleep 0.1
done
run 0 timeout 60 nsenter -t "$LEADER" -a systemctl is-system-running --wait
expect "systemd is up" "$OUT" '^running$'

run 0 in_ct systemctl start eucc-server.service
for _ in $(seq 100); do curl -sf "$URL/healthz" >/dev/null && break; sleep 0.1; done
run 0 curl -sf "$URL/healthz"
run 0 in_ct systemctl show -p MainPID --value eucc-server.service
MAIN=$OUT
expect_eq "the service runs as eucc" "$(in_ct ps -o user= -p "$MAIN")" eucc
STATUS=$(in_ct cat "/proc/$MAIN/status")
expect "no new privileges" "$STATUS" $'NoNewPrivs:\t1'
expect "a seccomp filter" "$STATUS" $'Seccomp:\t2'
expect "no capabilities" "$STATUS" $'CapBnd:\t0000000000000000'
run 0 in_ct bpftool cgroup show /sys/fs/cgroup/system.slice/eucc-server.service
expect "IPAddressDeny= in force" "$OUT" 'cgroup_inet_ingress .*sd_fw_ingress'
expect "IPAddressDeny= in force on egress" "$OUT" 'cgroup_inet_egress .*sd_fw_egress'
expect "the device policy in force" "$OUT" 'cgroup_device .*sd_devices'
run 0 in_ct journalctl -b -u eucc-server.service -o cat
expect "the tokens came as a credential" "$OUT" "listening on $URL .*tokens required"
expect_eq "no token: 401" "$(curl -s -o /dev/null -w '%{http_code}' "$URL/v1/kernels")" 401

# root imports into the running service's state dir (owned by eucc), with a hostile umask
run 0 in_ct sh -c "umask 077; '$EUCC_BIN/eucc-server' btf import --data /var/lib/eucc '$K510'"
expect_eq "root's import in /var/lib/eucc: all eucc's" \
	"$(in_ct find /var/lib/eucc ! -user eucc -printf '%p ')" ""
export EUCC_SERVER="$URL" EUCC_TOKEN="$TOKEN"
run 0 eucc-remote compile "$CORE/basic.bpf.c" --kernel 5.10 -o "$TMP/basic.eucc"
expect "compiled through the service" "$OUT" "$R510 .* ok"
run 0 eucc-remote inspect "$TMP/basic.eucc"
expect "a package" "$OUT" "$R510"
expect_eq "clang forked from warm tools under the unit's hardening" \
	"$(curl -s -H "Authorization: Bearer $TOKEN" "$URL/metrics" | awk '$1 ~ /^eucc_sandbox_runs_total/ && $2 > 0 {print $1}' | tr '\n' ' ')" \
	'eucc_sandbox_runs_total{how="warm"} '
run 0 eucc-remote compile "$CORE/basic.bpf.c" --kernel 5.10 -o "$TMP/basic2.eucc"
expect_eq "the same package again" "$(sha256sum <"$TMP/basic2.eucc")" "$(sha256sum <"$TMP/basic.eucc")"
# a program whose own kernel header does not compile falls back to the full one, precompiled
run 0 eucc-remote compile "$EUCC_SOURCE_DIR/tests/data/header/deref.bpf.c" --kernel 5.10 -o "$TMP/deref.eucc"
expect "the service wrote its precompiled header" \
	"$(in_ct find /var/lib/eucc/btf -name '*.pch' -user eucc)" "$R510\.h\.x86_64\.clang-[0-9]+\.pch$"
# a compile error comes back as diagnostics, not as a sandbox failure
printf 'int x(void) { return y; }\n' >"$TMP/bad.bpf.c"
run 2 eucc-remote compile "$TMP/bad.bpf.c" --kernel 5.10 -o "$TMP/bad.eucc"
expect "clang's diagnostic" "$ERR$OUT" "bad.bpf.c:1:.*undeclared identifier 'y'"

run 0 in_ct systemctl stop eucc-server.service
run 0 in_ct systemctl show -p Result --value eucc-server.service
expect_eq "stopped cleanly" "$OUT" success
run 0 in_ct journalctl -b -u eucc-server.service -o cat
expect "SIGTERM stops it" "$OUT" "terminated, stopping"

# The other order: root imports before the service ever ran (a root-owned /var/lib/eucc);
# systemd gives the state dir to eucc when it starts the service.
run 0 in_ct rm -rf /var/lib/eucc
run 0 in_ct sh -c "umask 077; '$EUCC_BIN/eucc-server' btf import --data /var/lib/eucc '$K61'"
expect_eq "root's import before the first start: root's" \
	"$(in_ct stat -c %U /var/lib/eucc/btf/debian/12/x86_64/$R61.btf)" root
run 0 in_ct systemctl start eucc-server.service
for _ in $(seq 100); do curl -sf "$URL/healthz" >/dev/null && break; sleep 0.1; done
expect_eq "after the start: all eucc's" "$(in_ct find /var/lib/eucc ! -user eucc -printf '%p ')" ""
run 0 eucc-remote compile "$CORE/basic.bpf.c" --kernel 6.1 -o "$TMP/basic61.eucc"
expect "compiled for 6.1" "$OUT" "$R61 .* ok"
run 0 in_ct systemctl stop eucc-server.service
run 0 in_ct journalctl -b -u eucc-server.service -o cat
expect_not "no sandbox failure" "$OUT" "bwrap|SIGSYS|internal|no precompiled header"
finish
