#!/usr/bin/env bash
# mkinitrd.sh OUT.cpio.gz CLIENT PLAN PKG...
#
# Builds a gzip'd cpio (newc) initramfs for tests/vm/boot.sh: busybox-static with its applet
# links, CLIENT (eucc-remote) with every shared library ldd lists and the dynamic loader (at the
# paths ldd prints), the packages PKG... under /pkgs, marker programs, tests/vm/init.sh as /init
# and PLAN (one run a line, see init.sh) as /plan. Fails loudly when something is missing.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
die() { echo "mkinitrd: $*" >&2; exit 1; }
[ $# -ge 3 ] || die "usage: mkinitrd.sh OUT CLIENT PLAN PKG..."
out=$1 client=$2 plan=$3
shift 3
[ -x "$client" ] || die "no client binary $client"
[ -r "$plan" ] || die "no plan $plan"

busybox=$(command -v busybox || true)
[ -n "$busybox" ] || die "no busybox (apt-get install busybox-static)"
ldd "$busybox" >/dev/null 2>&1 && die "$busybox is not static (apt-get install busybox-static)"

root=$(mktemp -d /tmp/eucc-initrd-XXXXXX)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,root,pkgs,etc}
cp "$busybox" "$root/bin/busybox"
for applet in $("$busybox" --list); do
	[ "$applet" = busybox ] || ln -s busybox "$root/bin/$applet"
done

# The client and what the dynamic loader needs for it, at the paths ldd prints
# (the loader itself is the line without "=>").
cp "$client" "$root/bin/eucc-remote"
ldd "$client" | awk '/=>/ {print $3; next} $1 ~ /^\// {print $1}' | while read -r lib; do
	[ -n "$lib" ] || continue
	[ -e "$lib" ] || die "ldd names a missing library: $lib"
	mkdir -p "$root$(dirname "$lib")"
	cp -L "$lib" "$root$lib"
done
ldd "$client" | grep -q 'not found' && die "ldd: a library of $client is not found"

# Marker programs: copies of busybox under recognizable names (their exec shows this comm;
# busybox then exits 127, "applet not found", which does not matter), and a file to open.
cp "$busybox" "$root/bin/eucc_mk_exec"
echo "eucc marker" >"$root/eucc_mark_open.txt"

for p in "$@"; do
	[ -r "$p" ] || die "no package $p"
	cp "$p" "$root/pkgs/"
done
cp "$plan" "$root/plan"
install -m 0755 "$here/init.sh" "$root/init"

(cd "$root" && find . | LC_ALL=C sort | "$busybox" cpio -o -H newc -R 0:0 2>/dev/null) | gzip -1 >"$out.tmp"
mv "$out.tmp" "$out"
