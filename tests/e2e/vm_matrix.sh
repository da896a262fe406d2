#!/usr/bin/env bash
# Predictions meet reality on real kernels: packages compiled by a real eucc-server for the
# Debian kernels 5.10, 6.1 and 6.12 are run by eucc-remote (default --btf auto) inside qemu
# guests that boot those very kernels with their own BTF hidden (a tmpfs over /sys/kernel/btf),
# so the loader must find the package's bundled BTF for `uname -r` by itself.
#
# For every (program, kernel) pair the server's compile-time status must match what the guest
# does: `ok` programs load, attach and report the marker events started in the guest;
# `incompatible` ones are really refused there, with a message that names the cause; a package
# without the guest's kernel fails with "no BTF for this kernel" (exit 2). One boot per kernel
# runs every package (tests/vm/init.sh), two boots at a time. The observed matrix is written
# to $EUCC_VM_MATRIX (default: the build dir's vm-matrix.md), which docs/vm-matrix.md copies.
# Needs qemu-system-x86_64 and busybox-static; fails, never skips, without them.
. "$(dirname "$0")/server_lib.sh"
: "${EUCC_SOURCE_DIR:?}"
PATH="$EUCC_BIN/../client:$PATH"
VM="$EUCC_SOURCE_DIR/tests/vm"
EX="$EUCC_SOURCE_DIR/examples"
CORE="$EUCC_SOURCE_DIR/tests/data/core"
KDIR="$EUCC_FIXTURES/kernels"
MATRIX=${EUCC_VM_MATRIX:-$EUCC_BIN/../vm-matrix.md}
K510=5.10.0-32-cloud-amd64
K61=6.1.0-47-cloud-amd64
K612=6.12.100+deb12-cloud-amd64
KERNELS=("$K510" "$K61" "$K612")
BOOT_TIMEOUT=60
T0=$SECONDS

die() { echo "FAIL: $*"; exit 1; }

# ---- what this needs: fail loudly ----------------------------------------------------------
command -v eucc-remote >/dev/null || die "no eucc-remote in $EUCC_BIN/../client"
command -v qemu-system-x86_64 >/dev/null || die "no qemu-system-x86_64 (apt-get install qemu-system-x86; scripts/setup.sh)"
command -v busybox >/dev/null || die "no busybox (apt-get install busybox-static; scripts/setup.sh)"
ldd "$(command -v busybox)" >/dev/null 2>&1 && die "busybox is not static (apt-get install busybox-static)"
for k in "${KERNELS[@]}"; do
	[ -r "$KDIR/vmlinuz-$k" ] || die "no kernel $KDIR/vmlinuz-$k"
done
(cd "$KDIR" && sha256sum --quiet -c SHA256SUMS) || die "the fixture kernels do not match $KDIR/SHA256SUMS"

# ---- compile on the host: the server's predictions -----------------------------------------
seed_store
start_server --workers 2
export EUCC_SERVER=$URL

# program name, source, expected events/maps of a run that loads (an extended regex over stdout)
PROGS=(execsnoop opensnoop runqlat state loop state_guarded)
declare -A SRC=(
	[execsnoop]="$EX/execsnoop.bpf.c" [opensnoop]="$EX/opensnoop.bpf.c" [runqlat]="$EX/runqlat.bpf.c"
	[state]="$CORE/state.bpf.c" [loop]="$CORE/loop.bpf.c" [state_guarded]="$CORE/state_guarded.bpf.c")
declare -A EVENTS=(
	[execsnoop]='^[0-9:]{8} events: pid=[0-9]+ ppid=[0-9]+ uid=0 comm=eucc_mk_exec$'
	[opensnoop]='^[0-9:]{8} events: pid=[0-9]+ comm=cat fname=/eucc_mark_open\.txt$'
	[runqlat]='^ +[0-9]+ -> [0-9]+ +: [1-9][0-9]* +\|'
	[state]='^states: key=[0-9]+ value=[0-9]+$'
	[loop]='^sums: key=0 value=120$'
	[state_guarded]='^states: key=[0-9]+ value=[0-9]+$')
# What the server must say (the brief of these programs; anything else is a regression there).
declare -A WANT=(
	[execsnoop]="ok ok ok" [opensnoop]="ok ok ok" [runqlat]="ok ok ok"
	[state]="incompatible ok ok" [loop]="incompatible ok ok" [state_guarded]="ok ok ok")
declare -A PRED FINDING

for p in "${PROGS[@]}"; do
	want_rc=0
	[[ ${WANT[$p]} == *incompatible* ]] && want_rc=1
	run $want_rc eucc-remote compile "${SRC[$p]}" --kernel 5.10 --kernel 6.1 --kernel 6.12 \
		--arch x86_64 -o "$TMP/$p.eucc" --json
	printf '%s\n' "$OUT" >"$TMP/$p.json"
	[ -s "$TMP/$p.eucc" ] || die "$p: no package written"
	run $want_rc eucc-remote check "${SRC[$p]}" --kernel 5.10 --kernel 6.1 --kernel 6.12 \
		--arch x86_64 --format json
	printf '%s\n' "$OUT" >"$TMP/$p.check.json"
	got=
	for k in "${KERNELS[@]}"; do
		s=$(jq -r --arg r "$k" '[.kernels[] | select(.release == $r) | .status] | first // "none"' "$TMP/$p.json")
		c=$(jq -r --arg r "$k" '[.kernels[] | select(.release == $r) | .status] | first // "none"' "$TMP/$p.check.json")
		expect_eq "$p on $k: compile and check agree" "$c" "$s"
		PRED[$p,$k]=$s
		FINDING[$p,$k]=$(jq -r --arg r "$k" '[.kernels[] | select(.release == $r) | .findings[].message] | join("; ")' "$TMP/$p.json")
		got+="${got:+ }$s"
	done
	expect_eq "$p: statuses on 5.10 6.1 6.12" "$got" "${WANT[$p]}"
done

# Packages without one of the kernels: execsnoop for the other two (the object is a cache hit).
for k in "${KERNELS[@]}"; do
	specs=()
	for o in "${KERNELS[@]}"; do [ "$o" = "$k" ] || specs+=(--kernel "$o"); done
	run 0 eucc-remote compile "$EX/execsnoop.bpf.c" "${specs[@]}" --arch x86_64 -o "$TMP/no-$k.eucc" --json
	printf '%s\n' "$OUT" >"$TMP/no-$k.json"
	[ -s "$TMP/no-$k.eucc" ] || die "no-$k: no package written"
done
stop_server
T_COMPILE=$((SECONDS - T0))

# ---- one initramfs for every guest ---------------------------------------------------------
# Runs in plan order; every guest runs all of them (see tests/vm/init.sh for the markers).
{
	echo "btf_native run /pkgs/execsnoop.eucc --btf native --duration 1"
	for p in "${PROGS[@]}"; do echo "$p run /pkgs/$p.eucc --duration 2"; done
	for k in "${KERNELS[@]}"; do echo "no-$k run /pkgs/no-$k.eucc --duration 1"; done
} >"$TMP/plan"
pkgs=("$TMP"/*.eucc)
"$VM/mkinitrd.sh" "$TMP/initrd.gz" "$EUCC_BIN/../client/eucc-remote" "$TMP/plan" "${pkgs[@]}" ||
	die "cannot build the initramfs"

# ---- boot: each kernel once, two at a time -------------------------------------------------
boot_one() {
	local k=$1 t=$SECONDS
	"$VM/boot.sh" "$KDIR/vmlinuz-$k" "$TMP/initrd.gz" "$TMP/boot-$k.log" "$BOOT_TIMEOUT"
	echo "$? $((SECONDS - t))" >"$TMP/boot-$k.rc"
}
T_BOOT=$SECONDS
running=()
for k in "${KERNELS[@]}"; do
	while [ ${#running[@]} -ge 2 ]; do
		wait -n "${running[@]}"
		alive=()
		for pid in "${running[@]}"; do kill -0 "$pid" 2>/dev/null && alive+=("$pid"); done
		running=("${alive[@]}")
	done
	boot_one "$k" &
	running+=($!)
done
wait "${running[@]}"
T_BOOT=$((SECONDS - T_BOOT))

# ---- predictions meet reality --------------------------------------------------------------
ROWS=()
MSGS=()
declare -A BOOT_SECS

# cell K NAME: the run's rc ("none" when the guest never finished it), stdout, stderr.
cell() {
	local d="$TMP/res-$1"
	RRC=$(cat "$d/$2.rc" 2>/dev/null || echo none)
	ROUT=$(cat "$d/$2.out" 2>/dev/null)
	RERR=$(cat "$d/$2.err" 2>/dev/null)
}
# mismatch WHAT: a failed check of the matrix.
mismatch() {
	echo "FAIL: $*"
	echo "  rc: $RRC"
	echo "  stdout: ${ROUT:0:1500}"
	echo "  stderr: ${RERR:0:2500}"
	failures=$((failures + 1))
	ACT="MISMATCH: $ACT"
}
# complaint: the last line of stderr before the hints (the verifier's or the loader's words).
complaint() {
	grep -v '^  hint:' <<<"$RERR" | grep -v '^$' | tail -n1
}
md() { printf '`%s`' "$(tr '|' '/' <<<"$1")"; }

for k in "${KERNELS[@]}"; do
	read -r brc bsecs <"$TMP/boot-$k.rc"
	BOOT_SECS[$k]=$bsecs
	checks=$((checks + 1))
	if [ "$brc" != 0 ]; then
		echo "FAIL: boot of $k exited $brc ($([ "$brc" = 124 ] && echo "timeout after ${BOOT_TIMEOUT}s" || echo qemu))"
		tail -n 40 "$TMP/boot-$k.log" | tr -d '\r'
		failures=$((failures + 1))
	fi
	"$VM/parse.sh" "$TMP/boot-$k.log" "$TMP/res-$k"
	info=$(cat "$TMP/res-$k/guest.info")
	expect "$k: the guest booted this kernel" "$info" "^KERNEL $(sed 's/[.+]/\\&/g' <<<"$k")$"
	expect "$k: the kernel has BTF of its own (so hiding it means something)" "$info" "^NATIVE_BTF yes$"
	expect "$k: its BTF is hidden" "$info" "^BTF hidden$"
	expect "$k: the plan ran to the end" "$info" "^DONE$"
	expect_not "$k: no setup failure in the guest" "$info" "^FAIL"

	# The hidden BTF, as the client sees it: --btf native has nothing.
	cell "$k" btf_native
	checks=$((checks + 1))
	ACT="no_btf"
	[ "$RRC" = 2 ] && grep -q "this kernel ($k) has no /sys/kernel/btf/vmlinux" <<<"$RERR" ||
		mismatch "$k: --btf native must fail with no_btf when /sys/kernel/btf is hidden"
	NATIVE_MSG=$RERR

	for p in "${PROGS[@]}"; do
		pred=${PRED[$p,$k]}
		cell "$k" "$p"
		checks=$((checks + 1))
		note=
		case $pred in
		ok | warning)
			n=$(grep -Ec -- "${EVENTS[$p]}" <<<"$ROUT")
			case $p in
			execsnoop) ACT="loaded; $n execs of eucc_mk_exec" ;;
			opensnoop) ACT="loaded; $n opens of /eucc_mark_open.txt" ;;
			runqlat) ACT="loaded; histogram of $(awk -F: '/ -> / {split($2, a, " "); s += a[1]} END {print s + 0}' <<<"$ROUT") wakeups" ;;
			loop) ACT="loaded; sums[0]=120 (bpf_loop ran)" ;;
			*) ACT="loaded; $n tasks in map states" ;;
			esac
			if [ "$RRC" != 0 ]; then
				ACT="failed, exit $RRC: $(complaint)"
				mismatch "$p on $k: predicted $pred, but the run exited $RRC"
			elif [ "$n" -lt 1 ]; then
				ACT="loaded, but no expected output"
				mismatch "$p on $k: loaded, but no output matches /${EVENTS[$p]}/"
			elif grep -q 'error' <<<"$RERR"; then
				mismatch "$p on $k: an error on stderr of a good run"
			fi
			;;
		incompatible)
			ACT="refused, exit $RRC"
			note="server: ${FINDING[$p,$k]}; guest: $(complaint)"
			if [ "$RRC" != 2 ]; then
				mismatch "$p on $k: predicted incompatible, but the run exited $RRC"
			elif grep -Eq -- "${EVENTS[$p]}" <<<"$ROUT"; then
				mismatch "$p on $k: predicted incompatible, but it produced output"
			elif ! grep -Eq "error: program '[a-z_]+' was rejected by the verifier" <<<"$RERR"; then
				mismatch "$p on $k: refused, but not by the verifier"
			else
				ACT="refused by the verifier, exit 2"
			fi
			;;
		*) ACT="no prediction ($pred)"; mismatch "$p on $k: the server gave no status" ;;
		esac
		ROWS+=("| $p | $k | $pred | $ACT | ${note:+$(md "$note")} |")
		[ "$pred" = incompatible ] && MSGS+=("$p on $k" "$RERR")
	done

	# Packages built for the other two kernels (and this one's, which must work here).
	for o in "${KERNELS[@]}"; do
		cell "$k" "no-$o"
		checks=$((checks + 1))
		bundled=$(jq -r '[.kernels[].release] | join(", ")' "$TMP/no-$o.json")
		if [ "$o" = "$k" ]; then
			pred="no BTF bundled"
			ACT="no_btf, exit $RRC"
			if [ "$RRC" != 2 ]; then
				mismatch "execsnoop without $k, in the $k guest: exit $RRC, expected 2 (no_btf)"
			elif ! grep -q "no BTF for this kernel ($k)" <<<"$RERR"; then
				mismatch "execsnoop without $k: not the no_btf error"
			else
				for b in $(jq -r '.kernels[].release' "$TMP/no-$o.json"); do
					grep -qF "$b" <<<"$RERR" || mismatch "execsnoop without $k: the error does not list $b"
				done
				grep -qF -- "--kernel $k" <<<"$RERR" || mismatch "execsnoop without $k: no compile command for $k"
			fi
			ROWS+=("| execsnoop [$bundled] | $k | $pred | $ACT | $(md "$(head -n1 <<<"$RERR")") |")
			MSGS+=("execsnoop without $k, on $k" "$RERR")
		else
			n=$(grep -Ec -- "${EVENTS[execsnoop]}" <<<"$ROUT")
			ACT="loaded; $n execs of eucc_mk_exec"
			[ "$RRC" = 0 ] && [ "$n" -ge 1 ] || mismatch "execsnoop without $o: must run on $k (exit $RRC, $n events)"
		fi
	done
done

# The message for loop.bpf.c on 5.10 should name bpf_loop (the server knows: "bpf_loop (helper
# #181) is not available"); the guest's verifier says something else. Reported, not failed.
cell "$K510" loop
if [ "$RRC" = 2 ] && ! grep -q 'bpf_loop' <<<"$RERR"; then
	echo "NOTE: loop on $K510 is refused, but the message does not name bpf_loop: $(complaint)"
fi
# state.bpf.c on 5.10: the failing relocation must be named.
cell "$K510" state
expect "state on $K510: names the failing relocation" "$RERR" "CO-RE relocation.*task_struct\.__state"

# ---- the matrix ----------------------------------------------------------------------------
T_ALL=$((SECONDS - T0))
{
	echo "<!-- generated by tests/e2e/vm_matrix.sh on $(date -u +%Y-%m-%dT%H:%MZ); do not edit by hand -->"
	echo "Observed on $(date -u +%Y-%m-%d) with $(eucc-remote --version 2>/dev/null | head -n1 || true)"
	echo "(host $(uname -r), $(nproc) CPUs, qemu $(qemu-system-x86_64 --version | head -n1 | awk '{print $4}'), TCG, no KVM)."
	echo "Boots: ${BOOT_SECS[$K510]} s ($K510), ${BOOT_SECS[$K61]} s ($K61), ${BOOT_SECS[$K612]} s ($K612),"
	echo "two at a time: ${T_BOOT} s; compiles ${T_COMPILE} s; the whole test ${T_ALL} s."
	echo
	echo "| program | kernel | predicted (server) | actual (guest, BTF hidden, --btf auto) | note |"
	echo "|---|---|---|---|---|"
	printf '%s\n' "${ROWS[@]}"
	echo
	echo "In every guest \`eucc-remote run --btf native\` fails (exit 2) with \`$(head -n1 <<<"$NATIVE_MSG" | sed "s/($K612)/(R)/")\`:"
	echo "the kernel's BTF is really out of sight, so every load above used the package's bundled BTF."
	echo "\"execsnoop [A, B]\" is execsnoop compiled only for A and B; it also ran, with events, in the"
	echo "guests of A and B."
	echo
	echo "What eucc-remote printed in the guests where it refused (stderr, verbatim):"
	for ((i = 0; i < ${#MSGS[@]}; i += 2)); do
		echo
		echo "${MSGS[i]}:"
		echo
		echo '```'
		printf '%s\n' "${MSGS[i + 1]}"
		echo '```'
	done
} >"$MATRIX"
echo "---- $MATRIX"
cat "$MATRIX"
echo "----"
echo "vm_matrix: ${T_ALL}s in all (compile ${T_COMPILE}s, boots ${T_BOOT}s)"
finish
