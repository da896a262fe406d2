#!/usr/bin/env bash
# scripts/libbpf_headers.sh [PREFIX]: the libbpf headers BPF programs compile with
# (EUCC_LIBBPF_HEADERS, docs/compile.md), those of the newest libbpf Debian has, trixie's
# 1.5.0, built from its source package into PREFIX (default /opt/eucc/libbpf-1.5): a deb-src
# entry for trixie is added (no binary package of trixie is installed), `apt-get source`, then
# libbpf's own `make install`. Needs root, apt, dpkg-dev, make, a C compiler and libelf-dev.
# Nothing is done when PREFIX already holds this version. Used by scripts/setup.sh and by the
# container image's build (deploy/Containerfile).
set -euo pipefail
LIBBPF_VERSION=1:1.5.0-3
prefix=${1:-/opt/eucc/libbpf-1.5}
list=/etc/apt/sources.list.d/eucc-trixie-src.sources
stamp="libbpf $LIBBPF_VERSION"

if [ "$(cat "$prefix/.libbpf" 2>/dev/null)" = "$stamp" ] &&
	[ -e "$prefix/include/bpf/bpf_helpers.h" ]; then
	echo "libbpf_headers: libbpf ${LIBBPF_VERSION#1:} present in $prefix"
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "libbpf_headers: the libbpf ${LIBBPF_VERSION#1:} headers are missing in $prefix; run this script as root" >&2
	exit 1
fi
if [ ! -e "$list" ]; then
	cat >"$list" <<'SOURCES'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
	apt-get update -q
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chmod 0755 "$work"
(cd "$work" && apt-get source -q "libbpf=${LIBBPF_VERSION#1:}" >/dev/null)
rm -rf "$prefix"
make -C "$work"/libbpf-*/src BUILD_STATIC_ONLY=1 OBJDIR="$work/obj" PREFIX="$prefix" \
	LIBDIR="$prefix/lib" install >"$work/make.log" 2>&1 || {
	tail -n 30 "$work/make.log" >&2
	exit 1
}
chmod -R a+rX "$prefix"
echo "$stamp" >"$prefix/.libbpf"
echo "libbpf_headers: built libbpf ${LIBBPF_VERSION#1:} into $prefix"
