#!/usr/bin/env bash
# mkinitrd.sh OUT.cpio.gz BUSYBOX CLIENT PLANS PKG...
#
# Builds a gzip'd cpio (newc) initramfs for tests/vm/boot.sh that holds nothing from this
# machine's /lib: BUSYBOX (a static busybox of the guest's arch) with its applet links, CLIENT
# (the static eucc-remote of that arch) as /bin/eucc-remote, the packages PKG... under /pkgs,
# marker programs, tests/vm/init.sh as /init, the plan files of the dir PLANS under /plans
# (one run a line, see init.sh), and /dev/console (4.19 writes /init's output nowhere without
# it). A client or busybox that needs a program interpreter or a shared library is refused.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
die() { echo "mkinitrd: $*" >&2; exit 1; }
[ $# -ge 4 ] || die "usage: mkinitrd.sh OUT BUSYBOX CLIENT PLANS PKG..."
out=$1 busybox=$2 client=$3 plans=$4
shift 4
[ -x "$busybox" ] || die "no busybox $busybox (apt-get install busybox-static; scripts/setup.sh)"
[ -x "$client" ] || die "no client binary $client"
[ -d "$plans" ] || die "no plan dir $plans"
# static: no PT_INTERP, no dynamic section (readelf reads any arch's ELF)
for bin in "$busybox" "$client"; do
	readelf -lW "$bin" >/dev/null 2>&1 || die "$bin is not an ELF file"
	! readelf -lW "$bin" | grep -Eq 'INTERP|^ +DYNAMIC ' || die "$bin is not static (it wants a program interpreter or shared libraries)"
done

root=$(mktemp -d /tmp/eucc-initrd-XXXXXX)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,root,pkgs,etc,plans}
cp "$busybox" "$root/bin/busybox"
# The applet list from the host's busybox (the guest's may be of another arch); links to
# applets a build lacks only fail when called.
for applet in $(busybox --list); do
	[ "$applet" = busybox ] || ln -s busybox "$root/bin/$applet"
done
cp "$client" "$root/bin/eucc-remote"
mknod "$root/dev/console" c 5 1

# Marker programs: copies of busybox under recognizable names (their exec shows this comm;
# busybox then exits 127, "applet not found", which does not matter), and a file to open.
cp "$busybox" "$root/bin/eucc_mk_exec"
echo "eucc marker" >"$root/eucc_mark_open.txt"

for p in "$@"; do
	[ -r "$p" ] || die "no package $p"
	cp "$p" "$root/pkgs/"
done
cp "$plans"/* "$root/plans/"
install -m 0755 "$here/init.sh" "$root/init"

(cd "$root" && find . | LC_ALL=C sort | busybox cpio -o -H newc -R 0:0 2>/dev/null) | gzip -1 >"$out.tmp"
mv "$out.tmp" "$out"
