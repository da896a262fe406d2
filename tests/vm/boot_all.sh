# shellcheck shell=bash
# Sourced by the tests that boot guests (vm_matrix.sh, truth.sh), after lib.sh.

# two_at_a_time FUNC ARG...: runs FUNC ARG for each ARG in the background, two at a time (the
# next as soon as one ends), and waits for them all (not for other background jobs).
two_at_a_time() {
	local fn=$1 a pid
	local -a running=() alive
	shift
	for a in "$@"; do
		while [ ${#running[@]} -ge 2 ]; do
			wait -n "${running[@]}"
			alive=()
			for pid in "${running[@]}"; do kill -0 "$pid" 2>/dev/null && alive+=("$pid"); done
			running=("${alive[@]}")
		done
		"$fn" "$a" &
		running+=($!)
	done
	[ ${#running[@]} -eq 0 ] || wait "${running[@]}"
}

# vm_boot_all DIR KDIR TIMEOUT RELEASE:ARCH...: boots KDIR/vmlinuz-RELEASE with
# DIR/initrd-ARCH.gz for each RELEASE:ARCH (tests/vm/boot.sh), two at a time; the serial log
# goes to DIR/boot-RELEASE.log, and "RC SECONDS" (boot.sh's exit code, the wall time) to
# DIR/boot-RELEASE.rc. Sets VM_BOOT_SECS to the wall time of all.
vm_boot_all() {
	local t0=$SECONDS
	VM_DIR=$1 VM_KDIR=$2 VM_LIMIT=$3
	shift 3
	two_at_a_time _vm_boot_one "$@"
	VM_BOOT_SECS=$((SECONDS - t0))
}
_vm_boot_one() {
	local k=${1%%:*} a=${1##*:} t=$SECONDS
	"$(dirname "${BASH_SOURCE[0]}")/boot.sh" "$VM_KDIR/vmlinuz-$k" "$VM_DIR/initrd-$a.gz" \
		"$VM_DIR/boot-$k.log" "$VM_LIMIT" "$a"
	echo "$? $((SECONDS - t))" >"$VM_DIR/boot-$k.rc"
}

# vm_guest_result RELEASE RESDIR: the boot of RELEASE by vm_boot_all checked (a failed boot or
# another kernel than RELEASE is a failure, shown with the log's tail) and its log split into
# RESDIR (parse.sh). Sets VM_SECS to the boot's wall time and VM_INFO to its guest.info.
vm_guest_result() {
	local brc
	read -r brc VM_SECS <"$VM_DIR/boot-$1.rc"
	checks=$((checks + 1))
	if [ "$brc" != 0 ]; then
		echo "FAIL: boot of $1 exited $brc ($([ "$brc" = 124 ] && echo "timeout after ${VM_LIMIT}s" || echo qemu))"
		tail -n 40 "$VM_DIR/boot-$1.log" | tr -d '\r'
		failures=$((failures + 1))
	fi
	"$(dirname "${BASH_SOURCE[0]}")/parse.sh" "$VM_DIR/boot-$1.log" "$2"
	VM_INFO=$(cat "$2/guest.info")
	expect "$1: the guest booted this kernel" "$VM_INFO" "^KERNEL $(sed 's/[.+]/\\&/g' <<<"$1")$"
	if [ "$brc" = 0 ] && ! grep -q '^DONE$' <<<"$VM_INFO"; then
		echo "  the guest's console, last lines:"
		tail -n 40 "$VM_DIR/boot-$1.log" | tr -d '\r'
	fi
}
