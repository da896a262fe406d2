#!/usr/bin/env bash
# `cmake --install` into a temp prefix, then, with the source and build trees hidden (tmpfs
# over them in this test's private mount namespace), the installed server compiles a program
# through the installed client; the installed man pages, pkg-config file and systemd unit work;
# the prefix still works after it is moved; a missing data file stops the server at start,
# and EUCC_INCLUDE_DIR overrides it; the libbpf headers the server compiles with are the ones
# installed with it (/opt, where scripts/setup.sh built them, is hidden too), and without them
# it warns and takes /usr/include's (docs/install.md).
. "$(dirname "$0")/server_lib.sh"
: "${EUCC_SOURCE_DIR:?}"
SRC=$(realpath "$EUCC_SOURCE_DIR")
BUILD_TREE=$(realpath "$EUCC_BIN/..")
PREFIX=$TMP/prefix
FX=$EUCC_FIXTURES/btf/debian
HIDDEN=()

cleanup() {
	stop_server -KILL
	for d in "${HIDDEN[@]}"; do umount "$d"; done
	rm -rf "$TMP"
}
trap cleanup EXIT

# hide DIR: an empty read-only tmpfs over DIR, in this namespace only.
hide() {
	mount -t tmpfs -o ro,size=1m eucc-hidden "$1" || { echo "FAIL: cannot hide $1"; exit 1; }
	HIDDEN+=("$1")
}

# Never hide the trees from anybody else: this must be a mount namespace of its own.
if [ "$(readlink /proc/self/ns/mnt)" = "$(readlink /proc/1/ns/mnt)" ]; then
	echo "FAIL: not in a private mount namespace"
	exit 1
fi

# Configure (default prefix /usr/local), build the binaries, install to another prefix.
t0=$SECONDS
run 0 cmake -S "$SRC" -B "$TMP/build" -DCMAKE_BUILD_TYPE=Release -DEUCC_TESTS=OFF -DEUCC_WERROR=ON
run 0 cmake --build "$TMP/build" -j"$(nproc)"
run 0 cmake --install "$TMP/build" --prefix "$PREFIX"
echo "configure, build and install: $((SECONDS - t0)) s"
[ -x "$PREFIX/bin/eucc-server" ] || { echo "FAIL: nothing installed"; exit 1; }

for f in bin/eucc-server bin/eucc-remote include/eucc/eucc.h share/eucc/include/eucc/eucc.h \
	share/pkgconfig/eucc.pc share/man/man1/eucc-server.1 share/man/man1/eucc-remote.1 \
	lib/systemd/system/eucc-server.service lib/sysusers.d/eucc.conf \
	share/doc/eucc/README.md share/doc/eucc/install.md share/doc/eucc/operations.md \
	share/doc/eucc/eucc-remote.md share/bash-completion/completions/eucc-remote \
	share/bash-completion/completions/eucc-server share/eucc/libbpf/include/bpf/bpf_helpers.h \
	share/eucc/libbpf/include/bpf/bpf_tracing.h share/eucc/libbpf/include/bpf/libbpf_version.h; do
	checks=$((checks + 1))
	[ -s "$PREFIX/$f" ] || { echo "FAIL: $PREFIX/$f is not installed"; failures=$((failures + 1)); }
done
run 0 readelf -d "$PREFIX/bin/eucc-server"
expect_not "no build-tree RPATH in the installed server" "$OUT" "R(UN)?PATH.*$TMP/build"

# What the tests below need from the source tree, copied out before it is hidden.
mkdir -p "$TMP/prog" "$TMP/inc"
cp "$SRC/examples/execsnoop.bpf.c" "$TMP/prog/"
cp "$SRC/client/include/eucc/eucc.h" "$TMP/inc/"
hide "$SRC"
hide "$TMP/build"
case "$BUILD_TREE/" in "$SRC"/*) ;; *) hide "$BUILD_TREE" ;; esac
hide /opt
checks=$((checks + 1))
if [ -e "$SRC/client/include/eucc/eucc.h" ] || [ -e "$EUCC_BIN/eucc-server" ]; then
	echo "FAIL: the source or build tree is still visible"
	failures=$((failures + 1))
fi
PATH="$PREFIX/bin:/usr/sbin:/usr/bin:/sbin:/bin"
unset EUCC_INCLUDE_DIR
expect_eq "eucc-server on PATH" "$(command -v eucc-server)" "$PREFIX/bin/eucc-server"
expect_eq "eucc-remote on PATH" "$(command -v eucc-remote)" "$PREFIX/bin/eucc-remote"
run 0 eucc-server --version
expect "server version" "$OUT" '^eucc-server [0-9]+\.[0-9]+\.[0-9]+ \(libbpf [0-9]+\.[0-9]+\)$'
version=$(cut -d' ' -f1-2 <<<"$OUT")

# The man pages: they render without warnings, carry the binary's version, and name every
# command and long option that the binaries' --help lists.
export MANWIDTH=100
for prog in eucc-server eucc-remote; do
	page=$PREFIX/share/man/man1/$prog.1
	run 0 man --warnings -l "$page"
	expect "man -l $prog.1" "$OUT" "^NAME"
	expect "man -l $prog.1: name line" "$OUT" "$prog +- +[a-z]"
	expect_eq "man -l $prog.1: warnings" "$ERR" ""
	expect "$prog.1 names the version" "$(head -c 400 "$page")" "\"eucc ${version#eucc-server }\""
	text=$OUT
	case $prog in
	eucc-server) helps=("serve" "btf import" "btf list" "btf show" "btf rm" "cache stats" "cache gc" "key rotate" "key export") ;;
	eucc-remote) helps=(compile check pull push mirror run inspect kernels export) ;;
	esac
	run 0 "$prog" --help
	usage=$OUT
	for cmd in "${helps[@]}"; do
		run 0 "$prog" $cmd --help
		usage+=$'\n'$OUT
	done
	for opt in $(grep -Eo -- '--[a-z][a-z-]*' <<<"$usage" | sort -u); do
		expect "$prog.1 documents $opt" "$text" "(^|[^a-z-])$opt([^a-z-]|$)"
	done
	cmds=$(sed -n '/^Commands:/,/^$/p' <<<"$usage" | grep -Eo '^  [a-z]+' | grep -vx '  help' | sort -u)
	expect "$prog --help lists commands" "$cmds" "^  [a-z]"
	for cmd in $cmds; do
		expect "$prog.1 documents the command $cmd" "$text" "^ +$cmd( |$)"
	done
done
run 0 env MANPATH="$PREFIX/share/man:" man -w eucc-remote
expect_eq "man finds the page under the prefix" "$OUT" "$PREFIX/share/man/man1/eucc-remote.1"

# The unit points at the installed binary; systemd-analyze checks it (and its man page).
unit=$PREFIX/lib/systemd/system/eucc-server.service
expect "unit ExecStart" "$(cat "$unit")" "^ExecStart=$PREFIX/bin/eucc-server serve "
run 0 env MANPATH="$PREFIX/share/man:" systemd-analyze verify "$unit"
expect "sysusers.d names the user" "$(cat "$PREFIX/lib/sysusers.d/eucc.conf")" '^u eucc - .* /var/lib/eucc$'

# pkg-config finds eucc.h under the prefix, and a BPF program compiles with its flags.
export PKG_CONFIG_PATH=$PREFIX/share/pkgconfig
run 0 pkg-config --cflags eucc
expect_eq "pkg-config --cflags eucc" "${OUT% }" "-I$PREFIX/include"
run 0 pkg-config --modversion eucc
expect_eq "pkg-config --modversion eucc" "$OUT" "${version#eucc-server }"
cat >"$TMP/prog/ev.bpf.c" <<'EOF'
#include <eucc/eucc.h>
struct ev { unsigned int pid; };
EUCC_EVENT(events, struct ev);
EOF
run 0 "$EUCC_CLANG" -target bpf $(pkg-config --cflags eucc) -c "$TMP/prog/ev.bpf.c" -o "$TMP/prog/ev.o"

# The installed server, on a store of two fixture kernels, compiles through the installed client.
run 0 eucc-server btf import "$FX/11/x86_64/5.10.0-32-cloud-amd64.btf.tar.xz" \
	"$FX/12/x86_64/6.1.0-47-cloud-amd64.btf.tar.xz"
start_server
cd "$TMP/prog" || exit 1
run 0 eucc-remote --server "$URL" compile execsnoop.bpf.c --kernel 5.10 --kernel 6.1 --arch x86_64 \
	-o execsnoop.eucc
expect "compile answer" "$OUT" "wrote execsnoop.eucc"
run 0 eucc-remote inspect execsnoop.eucc --json
kernels=$(jq -r '[.kernels[] | .release + " " + .status] | sort | join(",")' <<<"$OUT")
expect_eq "the package's kernels" "$kernels" "5.10.0-32-cloud-amd64 ok,6.1.0-47-cloud-amd64 ok"
expect_eq "clang forked from warm tools (the installed libeucc-warm.so)" \
	"$(curl -s "$URL/metrics" | awk '$1 ~ /^eucc_sandbox_runs_total/ && $2 > 0 {print $1}' | tr '\n' ' ')" \
	'eucc_sandbox_runs_total{how="warm"} '
INFO=$(curl -s "$URL/v1/info")
expect_eq "the installed libbpf 1.5 headers for each toolchain" \
	"$(jq -r '[.toolchains[].libbpf_headers] | unique | join(",")' <<<"$INFO")" 1.5
run 0 eucc-server -v --version
expect "the headers are the prefix's" "$OUT" "libbpf headers 1\.5 \($PREFIX/share/eucc/libbpf/include\)"
stop_server
expect_not "no warning about the libbpf headers" "$(cat "$TMP/server.log")" "no libbpf headers"

# A moved prefix still finds its data files (they are found relative to the binary).
mv "$PREFIX" "$TMP/moved"
PATH="$TMP/moved/bin:$PATH"
start_server
run 0 eucc-remote --server "$URL" compile execsnoop.bpf.c --kernel 6.1 --arch x86_64 -DMOVED=1 \
	-o moved.eucc
expect "compile from a moved prefix" "$OUT" "wrote moved.eucc"
stop_server

# Without its data files the server says so at start; EUCC_INCLUDE_DIR overrides them.
rm -r "$TMP/moved/share/eucc"
run 2 eucc-server serve --listen 127.0.0.1:1
expect "missing eucc.h" "$ERR" "cannot read $TMP/moved/bin/../share/eucc/include/eucc/eucc.h \(from the install prefix\)"
expect "missing eucc.h: hint" "$ERR" "hint: .*EUCC_INCLUDE_DIR"
EUCC_INCLUDE_DIR=$TMP/nowhere run 2 eucc-server serve --listen 127.0.0.1:1
expect "missing EUCC_INCLUDE_DIR" "$ERR" "cannot read $TMP/nowhere/eucc.h \(from EUCC_INCLUDE_DIR\)"
export EUCC_INCLUDE_DIR=$TMP/inc
start_server
run 0 eucc-remote --server "$URL" compile execsnoop.bpf.c --kernel 6.1 --arch x86_64 -DOVERRIDE=1 \
	-o override.eucc
expect "compile with EUCC_INCLUDE_DIR" "$OUT" "wrote override.eucc"
stop_server
# That removed the libbpf headers too, and /opt is hidden: the server fell back, and said so.
expect "without its libbpf headers: a warning" "$(cat "$TMP/server.log")" \
	"warning: no libbpf headers in $TMP/moved/bin/\.\./share/eucc/libbpf/include or /opt/eucc/libbpf-1\.5/include; compiling with /usr/include \(libbpf 1\.[0-9]+\)"
cd / || exit 1
finish
