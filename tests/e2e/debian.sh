#!/usr/bin/env bash
# The Debian packages (debian/, docs/install.md): built with dpkg-buildpackage from a copy of
# the tree, checked by lintian (no errors), installed with dpkg -i, used (the commands, the
# unit, the system user and the data dir, a fixture imported as eucc, a compile through the
# packaged server and client; its three toolchains and the libbpf 1.5 headers it carries, with
# /opt hidden), then purged: the machine is left as it was.
. "$(dirname "$0")/server_lib.sh"
: "${EUCC_SOURCE_DIR:?}"
SRC=$(realpath "$EUCC_SOURCE_DIR")
FIXTURE=$EUCC_FIXTURES/btf/debian/12/x86_64/6.1.0-47-cloud-amd64.btf.tar.xz
PKGS=(eucc-remote eucc-server)
UNIT=/lib/systemd/system/eucc-server.service
EDIR=
HIDDEN=

# installed PKG: dpkg has PKG in any state but not-installed (also half-installed ones).
installed() {
	local status
	status=$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)
	[ -n "$status" ] && [ "$status" != not-installed ]
}

# Whatever happens, the packages go, and the user if this test made it.
user_before=$(getent passwd eucc)
group_before=$(getent group eucc)
purge_all() {
	for p in "${PKGS[@]}"; do
		installed "$p" && dpkg --purge "$p" >>"$TMP/dpkg.log" 2>&1
	done
	[ -n "$user_before" ] || ! getent passwd eucc >/dev/null || userdel eucc
	[ -n "$group_before" ] || ! getent group eucc >/dev/null || groupdel eucc
}
cleanup() {
	stop_server -KILL
	[ -z "$HIDDEN" ] || umount "$HIDDEN"
	purge_all
	rm -rf "$TMP" "$EDIR"
}
trap cleanup EXIT

# A machine that has them already is not this test's to change.
for p in "${PKGS[@]}"; do
	if installed "$p"; then
		echo "FAIL: $p is installed already; this test installs and purges it"
		trap - EXIT
		rm -rf "$TMP"
		exit 1
	fi
done
# /opt is hidden below: never from anybody else.
if [ "$(readlink /proc/self/ns/mnt)" = "$(readlink /proc/1/ns/mnt)" ]; then
	echo "FAIL: not in a private mount namespace"
	trap - EXIT
	rm -rf "$TMP"
	exit 1
fi
if [ -e /var/lib/eucc ] || [ -e "$UNIT" ]; then
	echo "FAIL: /var/lib/eucc or $UNIT exists already"
	trap - EXIT
	rm -rf "$TMP"
	exit 1
fi
wants_before=$(ls /etc/systemd/system/multi-user.target.wants/ 2>/dev/null)

# The versions agree: debian/changelog, CMakeLists.txt.
version=$(dpkg-parsechangelog -l "$SRC/debian/changelog" -S Version)
cmake_version=$(sed -n 's/^project(eucc VERSION \([0-9.]*\).*/\1/p' "$SRC/CMakeLists.txt")
expect_eq "debian/changelog version = project(VERSION)" "$version" "$cmake_version"

# Build-Depends are what scripts/setup.sh installs (debhelper's own names aside).
setup_pkgs=$(sed -n '/^packages=(/,/^)/p' "$SRC/scripts/setup.sh" | sed 's/#.*//' | tr -s ' \t' '\n')
for dep in $(sed -n '/^Build-Depends:/,/^[A-Z]/p' "$SRC/debian/control" | sed 's/^Build-Depends://; /^[A-Z#]/d' |
	tr ',' '\n' | sed 's/(.*)//; s/[[:space:]]//g' | grep -v '^$'); do
	case $dep in debhelper-compat | dh-sequence-*) continue ;; esac
	expect "Build-Depends $dep is in scripts/setup.sh" "$setup_pkgs" "^$dep\$"
done

# A copy of the tree without build dirs (what git tracks, and new files it does not ignore).
mkdir -p "$TMP/src"
(cd "$SRC" && git ls-files -z -co --exclude-standard) | while IFS= read -r -d '' f; do
	[ -e "$SRC/$f" ] && printf '%s\0' "$f"
done | tar -C "$SRC" --null -T - -cf - | tar -C "$TMP/src" -xf -
[ -f "$TMP/src/debian/control" ] || { echo "FAIL: cannot copy the tree"; exit 1; }

t0=$SECONDS
(cd "$TMP/src" && dpkg-buildpackage -us -uc -b -j"$(nproc)") >"$TMP/build.log" 2>&1
rc=$?
expect_eq "dpkg-buildpackage" "$rc" 0
[ "$rc" = 0 ] || { tail -40 "$TMP/build.log"; exit 1; }
echo "dpkg-buildpackage: $((SECONDS - t0)) s"
debs=()
for p in "${PKGS[@]}"; do debs+=("$TMP/${p}_${version}_$(dpkg --print-architecture).deb"); done
ls "${debs[@]}" >/dev/null || exit 1

t0=$SECONDS
run 0 lintian --fail-on error "$TMP/eucc_${version}_$(dpkg --print-architecture).changes"
expect_not "lintian errors" "$OUT" "^E: "
[ -z "$OUT" ] || echo "lintian says:"$'\n'"$OUT"
echo "lintian: $((SECONDS - t0)) s"

# The files go where they belong: binaries and man pages in each, the rest in the server.
run 0 dpkg-deb -c "${debs[0]}"
remote_files=$OUT
for f in ./usr/bin/eucc-remote ./usr/share/man/man1/eucc-remote.1.gz ./usr/include/eucc/eucc.h \
	./usr/share/pkgconfig/eucc.pc ./usr/share/doc/eucc-remote/copyright \
	./usr/share/bash-completion/completions/eucc-remote; do
	expect "eucc-remote has $f" "$remote_files" " $f\$"
done
expect_not "eucc-remote has no server" "$remote_files" "eucc-server|systemd|var/lib"
run 0 dpkg-deb -c "${debs[1]}"
server_files=$OUT
for f in ./usr/bin/eucc-server ./usr/share/man/man1/eucc-server.1.gz \
	./usr/share/eucc/include/eucc/eucc.h ./lib/systemd/system/eucc-server.service \
	./usr/lib/sysusers.d/eucc.conf ./var/lib/eucc/ ./usr/share/doc/eucc-server/copyright \
	./usr/share/bash-completion/completions/eucc-server \
	./usr/share/eucc/libbpf/include/bpf/bpf_helpers.h ./usr/share/eucc/libbpf/include/bpf/libbpf_version.h; do
	expect "eucc-server has $f" "$server_files" " $f\$"
done
run 0 dpkg-deb -f "${debs[1]}" Depends
for d in clang llvm clang-19 llvm-19 bubblewrap pahole libclang1-14 libmicrohttpd12; do
	expect "eucc-server depends on $d" "$OUT" "(^|, )$d( |,|\$)"
done
expect_not "eucc-server carries its libbpf headers: no libbpf-dev" "$OUT" "(^|, )libbpf-dev( |,|\$)"
run 0 dpkg-deb -f "${debs[1]}" Recommends
expect_eq "eucc-server recommends clang-16" "$OUT" "clang-16, llvm-16"

# Install both; the postinst makes the user and gives it the data dir.
t0=$SECONDS
run 0 dpkg -i "${debs[@]}"
echo "dpkg -i: $((SECONDS - t0)) s"
installed eucc-server || { echo "FAIL: eucc-server did not install"; exit 1; }
# From here on nothing of /opt (scripts/setup.sh's libbpf headers) is there: the packaged server
# compiles with the headers it carries.
mount -t tmpfs -o ro,size=1m eucc-hidden /opt || { echo "FAIL: cannot hide /opt"; exit 1; }
HIDDEN=/opt
expect_eq "/opt is hidden" "$(ls -A /opt)" ""
hash -r
PATH=/usr/sbin:/usr/bin:/sbin:/bin
expect_eq "eucc-server on PATH" "$(command -v eucc-server)" /usr/bin/eucc-server
expect_eq "eucc-remote on PATH" "$(command -v eucc-remote)" /usr/bin/eucc-remote
run 0 eucc-server --version
expect "eucc-server --version" "$OUT" "^eucc-server $version \(libbpf [0-9]+\.[0-9]+\)$"
run 0 eucc-remote --version
expect "eucc-remote --version" "$OUT" "^eucc-remote $version \(libbpf [0-9]+\.[0-9]+\)$"
run 0 man -w eucc-server
expect_eq "man eucc-server" "$OUT" /usr/share/man/man1/eucc-server.1.gz
MANWIDTH=80 run 0 man eucc-remote
expect "man eucc-remote" "$OUT" "eucc-remote +- +compile"
run 0 pkg-config --modversion eucc
expect_eq "pkg-config eucc" "$OUT" "$version"
run 0 pkg-config --cflags eucc
expect "the packaged libbpf headers are 1.5" "$(cat /usr/share/eucc/libbpf/include/bpf/libbpf_version.h)" \
	"^#define LIBBPF_MINOR_VERSION 5\$"
run 0 eucc-server -v --version
for tc in clang-19 clang-16 clang-14; do
	expect "eucc-server -v: $tc with the packaged headers" "$OUT" \
		"^toolchain $tc: .*, libbpf headers 1\.5 \(/usr/share/eucc/libbpf/include\)"
done

expect "unit ExecStart" "$(cat "$UNIT" 2>&1)" "^ExecStart=/usr/bin/eucc-server serve "
run 0 systemd-analyze verify "$UNIT"
run 0 systemctl --root=/ is-enabled eucc-server.service
expect_eq "the unit is enabled" "$OUT" enabled
if [ -d /run/systemd/system ]; then # systemd runs this machine: ask it
	run 0 systemctl cat eucc-server.service
	expect "systemctl cat" "$OUT" "ExecStart=/usr/bin/eucc-server"
fi
run 0 getent passwd eucc
expect "the system user" "$OUT" "^eucc:x:[0-9]+:[0-9]+:[^:]*:/var/lib/eucc:/usr/sbin/nologin\$"
uid=$(cut -d: -f3 <<<"$OUT")
checks=$((checks + 1))
[ -n "$uid" ] && [ "$uid" -lt 1000 ] || { echo "FAIL: eucc is not a system uid: $uid"; failures=$((failures + 1)); }
expect_eq "the data dir" "$(stat -c '%a %U %G' /var/lib/eucc)" "750 eucc eucc"

# btf import as eucc into a temp data dir, and into the package's data dir.
EDIR=$(mktemp -d /tmp/eucc-debian-XXXXXX)
cp "$FIXTURE" "$EDIR/"
chown -R eucc:eucc "$EDIR"
cd / || exit 1
as_eucc=(setpriv --reuid=eucc --regid=eucc --init-groups --)
run 0 "${as_eucc[@]}" eucc-server btf import --data "$EDIR/data" "$EDIR/${FIXTURE##*/}"
expect "btf import" "$OUT" "added +6\.1\.0-47-cloud-amd64"
k=$EDIR/data/btf/debian/12/x86_64/6.1.0-47-cloud-amd64
expect_eq "file modes" "$(stat -c '%a %U' "$EDIR/data/btf/debian/12/x86_64" "$k.btf" "$k.h" "$EDIR/data/index.db" | tr '\n' ,)" \
	"755 eucc,644 eucc,644 eucc,644 eucc,"
run 0 "${as_eucc[@]}" eucc-server btf list --data "$EDIR/data" --json
expect_eq "btf list" "$(jq -r '.[0].release' <<<"$OUT")" 6.1.0-47-cloud-amd64
run 0 "${as_eucc[@]}" eucc-server btf import --data /var/lib/eucc "$EDIR/${FIXTURE##*/}"

# The packaged server, as eucc on /var/lib/eucc, compiles for the packaged client.
mkdir -p "$TMP/prog"
cp "$SRC/examples/execsnoop.bpf.c" "$TMP/prog/"
SERVE_AS="setpriv --reuid=eucc --regid=eucc --init-groups --"
start_server --data /var/lib/eucc
expect_eq "the server runs as eucc" "$(stat -c %U "/proc/$SRV_PID")" eucc
cd "$TMP/prog" || exit 1
run 0 eucc-remote --server "$URL" compile execsnoop.bpf.c --kernel 6.1 --arch x86_64 -o execsnoop.eucc
expect "compile through the packages" "$OUT" "6\.1\.0-47-cloud-amd64 +debian/12 +x86_64 +ok"
run 0 eucc-remote inspect execsnoop.eucc --json
expect_eq "the package's kernel" "$(jq -r '.kernels[0].release' <<<"$OUT")" 6.1.0-47-cloud-amd64
expect_eq "clang forked from warm tools (the packaged libeucc-warm.so)" \
	"$(curl -s "$URL/metrics" | awk '$1 ~ /^eucc_sandbox_runs_total/ && $2 > 0 {print $1}' | tr '\n' ' ')" \
	'eucc_sandbox_runs_total{how="warm"} '

# Its toolchains: the three clangs the package depends on and recommends, each with libbpf 1.5.
t0=$SECONDS
INFO=$(curl -s "$URL/v1/info")
expect_eq "/v1/info: three toolchains" "$(jq -r '[.toolchains[].name] | join(",")' <<<"$INFO")" \
	"clang-19,clang-16,clang-14"
expect_eq "/v1/info: libbpf 1.5 headers for each" \
	"$(jq -r '[.toolchains[].libbpf_headers] | unique | join(",")' <<<"$INFO")" 1.5
expect_not "no warning about missing libbpf headers" "$(cat "$TMP/server.log")" "no libbpf headers"
# BPF_UPROBE and BPF_URETPROBE are in libbpf 1.5's bpf_tracing.h, not in Debian 12's 1.1.
cat >uprobe.bpf.c <<'EOF'
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

SEC("uprobe/libc.so.6:malloc")
int BPF_UPROBE(on_malloc, size_t size)
{
	return size > 4096;
}

SEC("uretprobe/libc.so.6:malloc")
int BPF_URETPROBE(on_malloc_ret, void *ptr)
{
	return ptr ? 0 : 1;
}

char LICENSE[] SEC("license") = "GPL";
EOF
run 0 eucc-remote --server "$URL" compile uprobe.bpf.c --kernel 6.1 --arch x86_64 --toolchain clang-16 \
	-o uprobe.eucc
expect "BPF_UPROBE with clang-16" "$OUT" "6\.1\.0-47-cloud-amd64 +debian/12 +x86_64 +ok"
tar -xzf uprobe.eucc -O manifest.json >uprobe.json
expect_eq "the manifest: clang-16" "$(jq -r .toolchain.name uprobe.json)" clang-16
expect_eq "the manifest: libbpf 1.5 headers" "$(jq -r .toolchain.libbpf_headers uprobe.json)" 1.5
echo "toolchains and the clang-16 compile: $((SECONDS - t0)) s"
cd / || exit 1
stop_server
umount /opt && HIDDEN=

# Purge: nothing of the packages stays.
t0=$SECONDS
for p in "${PKGS[@]}"; do run 0 dpkg --purge "$p"; done
echo "dpkg --purge: $((SECONDS - t0)) s"
purge_all
for f in /usr/bin/eucc-server /usr/bin/eucc-remote "$UNIT" /var/lib/eucc /usr/share/eucc \
	/usr/include/eucc /etc/systemd/system/multi-user.target.wants/eucc-server.service; do
	checks=$((checks + 1))
	[ ! -e "$f" ] || { echo "FAIL: $f is left after purge"; failures=$((failures + 1)); }
done
expect_eq "the unit's links are gone" "$(ls /etc/systemd/system/multi-user.target.wants/ 2>/dev/null)" "$wants_before"
expect_eq "the user is gone (or was there before)" "$(getent passwd eucc)" "$user_before"
finish
