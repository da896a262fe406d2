#!/usr/bin/env bash
# boot.sh KERNEL INITRD LOG [TIMEOUT] [ARCH]: boots KERNEL with INITRD under qemu without KVM,
# the serial console in LOG, for at most TIMEOUT seconds (default 60). ARCH is x86_64 (a
# bzImage, qemu-system-x86_64, ttyS0; the default) or aarch64 (a raw arm64 Image,
# qemu-system-aarch64 -M virt, ttyAMA0). Exit code: qemu's (0 after the guest's poweroff),
# 124 on the timeout, 127 without qemu.
set -uo pipefail
[ $# -ge 3 ] || { echo "usage: boot.sh KERNEL INITRD LOG [TIMEOUT] [ARCH]" >&2; exit 3; }
kernel=$1 initrd=$2 log=$3 limit=${4:-60} arch=${5:-x86_64}
case $arch in
x86_64)
	qemu=$(command -v qemu-system-x86_64) || { echo "boot: no qemu-system-x86_64 (apt-get install qemu-system-x86)" >&2; exit 127; }
	machine=(-cpu max) console=ttyS0
	;;
aarch64)
	qemu=$(command -v qemu-system-aarch64) || { echo "boot: no qemu-system-aarch64 (apt-get install qemu-system-arm)" >&2; exit 127; }
	machine=(-M virt -cpu cortex-a57) console=ttyAMA0
	;;
*) echo "boot: unknown arch $arch (x86_64 or aarch64)" >&2; exit 3 ;;
esac
[ -r "$kernel" ] || { echo "boot: no kernel $kernel" >&2; exit 127; }
[ -r "$initrd" ] || { echo "boot: no initrd $initrd" >&2; exit 127; }
timeout --kill-after=5 "$limit" "$qemu" "${machine[@]}" -m 512 -smp 1 -nographic -no-reboot \
	-kernel "$kernel" -initrd "$initrd" -append "console=$console panic=-1 quiet" \
	</dev/null >"$log" 2>&1
