#!/usr/bin/env bash
# boot.sh KERNEL INITRD LOG [TIMEOUT]: boots KERNEL (a bzImage) with INITRD under qemu without
# KVM, the serial console in LOG, for at most TIMEOUT seconds (default 60). Exit code: qemu's
# (0 after the guest's poweroff), 124 on the timeout, 127 without qemu.
set -uo pipefail
[ $# -ge 3 ] || { echo "usage: boot.sh KERNEL INITRD LOG [TIMEOUT]" >&2; exit 3; }
kernel=$1 initrd=$2 log=$3 limit=${4:-60}
qemu=$(command -v qemu-system-x86_64) || { echo "boot: no qemu-system-x86_64 (apt-get install qemu-system-x86)" >&2; exit 127; }
[ -r "$kernel" ] || { echo "boot: no kernel $kernel" >&2; exit 127; }
[ -r "$initrd" ] || { echo "boot: no initrd $initrd" >&2; exit 127; }
timeout --kill-after=5 "$limit" "$qemu" -m 512 -smp 1 -cpu max -nographic -no-reboot \
	-kernel "$kernel" -initrd "$initrd" -append "console=ttyS0 panic=-1 quiet" \
	</dev/null >"$log" 2>&1
