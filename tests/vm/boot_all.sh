# shellcheck shell=bash
# Sourced by the tests that boot guests (vm_matrix.sh, truth.sh).
#
# vm_boot_all DIR KDIR TIMEOUT RELEASE:ARCH...: boots KDIR/vmlinuz-RELEASE with
# DIR/initrd-ARCH.gz for each RELEASE:ARCH (tests/vm/boot.sh), two at a time, the next one
# as soon as one ends; the serial log goes to DIR/boot-RELEASE.log, and "RC SECONDS" (boot.sh's
# exit code, the wall time) to DIR/boot-RELEASE.rc. Sets VM_BOOT_SECS to the wall time of all.
vm_boot_all() {
	local dir=$1 kdir=$2 limit=$3 vm t0=$SECONDS g pid
	local -a running alive
	vm=$(dirname "${BASH_SOURCE[0]}")
	shift 3
	_vm_boot_one() {
		local k=${1%%:*} a=${1##*:} t=$SECONDS
		"$vm/boot.sh" "$kdir/vmlinuz-$k" "$dir/initrd-$a.gz" "$dir/boot-$k.log" "$limit" "$a"
		echo "$? $((SECONDS - t))" >"$dir/boot-$k.rc"
	}
	running=()
	for g in "$@"; do
		while [ ${#running[@]} -ge 2 ]; do
			wait -n "${running[@]}"
			alive=()
			for pid in "${running[@]}"; do kill -0 "$pid" 2>/dev/null && alive+=("$pid"); done
			running=("${alive[@]}")
		done
		_vm_boot_one "$g" &
		running+=($!)
	done
	wait "${running[@]}"
	VM_BOOT_SECS=$((SECONDS - t0))
}
