#!/bin/busybox sh
# shellcheck shell=dash
# /init of the tests/vm initramfs: the guest is a host WITHOUT kernel BTF that runs
# `eucc-remote run` (default --btf auto) for each line of its plan, while marker programs run
# in the background, and reports on the serial console between delimiter lines:
#
#   @@EUCC KERNEL <uname -r>          @@EUCC ARCH <uname -m>
#   @@EUCC NATIVE_BTF yes|no          (before hiding it)
#   @@EUCC BTF hidden|none            (or "@@EUCC BTF visible", then it stops: a broken setup)
#   @@EUCC BEGIN <name>  <stdout>  @@EUCC STDERR <name>  <stderr>  @@EUCC END <name> rc=<N>
#   @@EUCC SH <name> rc=<N>
#   @@EUCC DONE
#
# The plan: /plans/<uname -r> if there is one, else /plans/default. One run a line,
# "NAME ARGS...": eucc-remote ARGS (e.g. run /pkgs/x.eucc --duration 3); "NAME ! CMD": the shell
# command CMD (e.g. mounts between runs). Markers: /bin/eucc_mk_exec is exec'd (execsnoop sees
# comm=eucc_mk_exec), cat opens /eucc_mark_open.txt (opensnoop), short sleeps make wakeups
# (runqlat), every 0.2 s.
/bin/busybox mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t tmpfs tmpfs /tmp
echo 1 >/proc/sys/kernel/printk
export PATH=/bin HOME=/root TMPDIR=/tmp

fail() {
	echo "@@EUCC FAIL $*"
	poweroff -f
	sleep 10
}
# tracefs and debugfs are left unmounted, as on a fresh host: eucc-remote mounts tracefs.
[ ! -e /sys/kernel/tracing/events ] || fail "tracefs is mounted before eucc-remote runs"
[ ! -e /sys/kernel/debug/tracing ] || fail "debugfs is mounted before eucc-remote runs"
mount -t bpf bpf /sys/fs/bpf || fail "cannot mount bpffs"

echo "@@EUCC KERNEL $(uname -r)"
echo "@@EUCC ARCH $(uname -m)"
if [ -e /sys/kernel/btf/vmlinux ]; then echo "@@EUCC NATIVE_BTF yes"; else echo "@@EUCC NATIVE_BTF no"; fi
# Hide the kernel's own BTF: from here on this is a host without BTF. A kernel without
# /sys/kernel/btf (before 5.4) has none to hide.
if [ -d /sys/kernel/btf ]; then
	mount -t tmpfs tmpfs /sys/kernel/btf || fail "cannot mount tmpfs on /sys/kernel/btf"
	[ ! -e /sys/kernel/btf/vmlinux ] || { echo "@@EUCC BTF visible"; fail "kernel BTF still visible"; }
	echo "@@EUCC BTF hidden"
else
	echo "@@EUCC BTF none"
fi

(
	while :; do
		/bin/eucc_mk_exec 2>/dev/null
		cat /eucc_mark_open.txt >/dev/null
		sleep 0.1
		sleep 0.1
	done
) &
markers=$!

plan=/plans/$(uname -r)
[ -r "$plan" ] || plan=/plans/default
while read -r name args; do
	case "$name" in '' | '#'*) continue ;; esac
	case "$args" in
	'!'*)
		sh -c "${args#!}" >/dev/null 2>&1
		echo "@@EUCC SH $name rc=$?"
		continue
		;;
	esac
	# shellcheck disable=SC2086 # ARGS are words
	eucc-remote $args >/tmp/out 2>/tmp/err </dev/null
	rc=$?
	echo "@@EUCC BEGIN $name"
	cat /tmp/out
	echo "@@EUCC STDERR $name"
	cat /tmp/err
	echo "@@EUCC END $name rc=$rc"
done <"$plan"

kill "$markers"
echo "@@EUCC DONE"
poweroff -f
sleep 10
