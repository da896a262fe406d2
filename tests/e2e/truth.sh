#!/usr/bin/env bash
# The truth table: the server's verdict for every (program, kernel) pair against what that
# kernel does with the package.
#
# Every program of tests/data/truth/ is compiled by a real eucc-server for every stored x86_64
# kernel (the BTF fixtures, the plain 4.19.108 and this host, `--kernel local`) into one package.
# Each package is then run with `eucc-remote run PKG --btf bundled --attach-only` (load,
# attach, detach) on this host and in qemu guests that boot 4.19.108, 5.10, 6.1 and 6.12 (one
# boot per kernel runs every package; tests/vm/). The guests keep their own BTF visible (libbpf
# finds fentry and tp_btf targets and kfuncs in it) but CO-RE relocates against the bundled BTF.
#
# A pair agrees when ok/warning meets a run that exits 0 and incompatible one that fails.
# The test fails on a disagreement that tests/data/truth/MISMATCHES does not list, on a listed
# one that now agrees, and on a run that does not do what the program's header says
# (its "EXPECT:" line). The table goes to $EUCC_TRUTH_TABLE (default: the build dir's
# truth-table.md), which docs/vm-matrix.md copies.
. "$(dirname "$0")/server_lib.sh"
: "${EUCC_SOURCE_DIR:?}"
PATH="$EUCC_BIN/../client:$PATH"
VM="$EUCC_SOURCE_DIR/tests/vm"
DATA="$EUCC_SOURCE_DIR/tests/data/truth"
KDIR="$EUCC_FIXTURES/kernels"
STATIC="$EUCC_BIN/../static"
TABLE=${EUCC_TRUTH_TABLE:-$EUCC_BIN/../truth-table.md}
K419=4.19.108
KHOST=$(uname -r)
# The kernels a package runs on, by the label the programs' EXPECT lines use.
LABELS=(4.19.108 5.10 6.1 6.12 local)
declare -A REL=([4.19.108]=$K419 [5.10]=5.10.0-32-cloud-amd64 [6.1]=6.1.0-47-cloud-amd64
	[6.12]=6.12.100+deb12-cloud-amd64 [local]=$KHOST)
GUESTS=(6.12 6.1 5.10 4.19.108) # boot order: the slowest first
BOOT_TIMEOUT=90
T0=$SECONDS

die() { echo "FAIL: $*"; exit 1; }

command -v eucc-remote >/dev/null || die "no eucc-remote in $EUCC_BIN/../client"
command -v qemu-system-x86_64 >/dev/null || die "no qemu-system-x86_64 (apt-get install qemu-system-x86; scripts/setup.sh)"
command -v busybox >/dev/null || die "no busybox (apt-get install busybox-static; scripts/setup.sh)"
[ -x "$STATIC/x86_64/client/eucc-remote" ] || die "no static eucc-remote in $STATIC/x86_64 (the normal build makes it)"
for g in "${GUESTS[@]}"; do [ -r "$KDIR/vmlinuz-${REL[$g]}" ] || die "no kernel $KDIR/vmlinuz-${REL[$g]}"; done
[ -r "$KDIR/$K419.btf.tar.xz" ] || die "no $KDIR/$K419.btf.tar.xz"
[ -r "$DATA/MISMATCHES" ] || die "no $DATA/MISMATCHES"

# ---- the corpus and what each program's header expects -------------------------------------
PROGS=()
declare -A EXPECT RUNARGS
for f in "$DATA"/*.bpf.c; do
	p=$(basename "$f" .bpf.c)
	PROGS+=("$p")
	line=$(grep -m1 -o 'EXPECT:.*' "$f") || die "$p: no EXPECT: line in its header"
	for l in "${LABELS[@]}"; do
		v=$(grep -Eo "(^| )$(sed 's/\./\\./g' <<<"$l")=(loads|refused)" <<<"${line#EXPECT:}" | cut -d= -f2)
		[ -n "$v" ] || die "$p: its EXPECT: line says nothing of $l"
		EXPECT[$p,$l]=$v
	done
	# RUN: the options its own user space amounts to (--map-size, --no-autoload), if any
	RUNARGS[$p]=$(grep -m1 -o 'RUN:.*' "$f" | sed 's/^RUN: *//')
done
[ ${#PROGS[@]} -ge 40 ] || die "only ${#PROGS[@]} programs in $DATA (at least 40)"

# ---- the verdicts: one package per program, every stored x86_64 kernel ---------------------
seed_store
eucc-server btf import "$KDIR/$K419.btf.tar.xz" --distro vanilla --version 4.19 --arch x86_64 >/dev/null ||
	die "cannot import $KDIR/$K419.btf.tar.xz"
start_server --workers 2
export EUCC_SERVER=$URL
mkdir -p "$TMP/pkgs" "$TMP/out"
SPECS=(--kernel 4.19 --kernel 5.10 --kernel 6.1 --kernel 6.12 --kernel local)
compile_one() {
	eucc-remote compile "$DATA/$1.bpf.c" "${SPECS[@]}" --arch x86_64 -o "$TMP/pkgs/$1.eucc" --json \
		>"$TMP/out/$1.json" 2>"$TMP/out/$1.cerr"
	echo $? >"$TMP/out/$1.crc"
}
# two at a time (the server has two workers)
. "$VM/boot_all.sh"
two_at_a_time compile_one "${PROGS[@]}"
stop_server
declare -A VERDICT FINDING
STORED=()
for p in "${PROGS[@]}"; do
	rc=$(cat "$TMP/out/$p.crc")
	checks=$((checks + 1))
	if [ "$rc" != 0 ] && [ "$rc" != 1 ] || [ ! -s "$TMP/pkgs/$p.eucc" ]; then
		echo "FAIL: $p: compile exited $rc, no package"
		cat "$TMP/out/$p.cerr"
		failures=$((failures + 1))
		continue
	fi
	while IFS=$'\t' read -r rel st msg; do
		VERDICT[$p,$rel]=$st
		FINDING[$p,$rel]=$msg
	done < <(jq -r '.kernels[] | [.release, .status, ([.findings[] | .severity + ": " + .message] | join("; "))] | @tsv' "$TMP/out/$p.json")
done
mapfile -t STORED < <(jq -r '.kernels[].release' "$TMP/out/${PROGS[0]}.json")
# The stored kernels that no guest boots: their verdicts are in the table, unchecked.
VONLY=()
for rel in "${STORED[@]}"; do
	bootable=
	for l in "${LABELS[@]}"; do [ "${REL[$l]}" = "$rel" ] && bootable=1; done
	[ -n "$bootable" ] || VONLY+=("$rel")
done
for l in "${LABELS[@]}"; do
	printf '%s\n' "${STORED[@]}" | grep -qxF "${REL[$l]}" || die "the server did not compile for ${REL[$l]} (stored: ${STORED[*]})"
done
T_COMPILE=$((SECONDS - T0))

# ---- this host ----------------------------------------------------------------------------
T_HOST=$SECONDS
mkdir -p "$TMP/res-local"
for p in "${PROGS[@]}"; do
	# shellcheck disable=SC2086 # RUN: holds words
	timeout 60 eucc-remote run "$TMP/pkgs/$p.eucc" --btf bundled --attach-only ${RUNARGS[$p]} \
		>"$TMP/res-local/$p.out" 2>"$TMP/res-local/$p.err" </dev/null
	echo $? >"$TMP/res-local/$p.rc"
done
T_HOST=$((SECONDS - T_HOST))

# ---- the guests: one initramfs, one boot per kernel ----------------------------------------
# The plan's first line undoes init.sh's hiding of the kernel's BTF (4.19 has none to show).
mkdir -p "$TMP/plans"
{
	echo "show_btf ! umount /sys/kernel/btf && [ -e /sys/kernel/btf/vmlinux ]"
	for p in "${PROGS[@]}"; do echo "$p run /pkgs/$p.eucc --btf bundled --attach-only ${RUNARGS[$p]}"; done
} >"$TMP/plans/default"
"$VM/mkinitrd.sh" "$TMP/initrd-x86_64.gz" "$(command -v busybox)" "$STATIC/x86_64/client/eucc-remote" \
	"$TMP/plans" "$TMP"/pkgs/*.eucc || die "cannot build the initramfs"
boot_list=()
for g in "${GUESTS[@]}"; do boot_list+=("${REL[$g]}:x86_64"); done
vm_boot_all "$TMP" "$KDIR" "$BOOT_TIMEOUT" "${boot_list[@]}"
declare -A BOOT_SECS
for g in "${GUESTS[@]}"; do
	k=${REL[$g]}
	vm_guest_result "$k" "$TMP/res-$g"
	BOOT_SECS[$g]=$VM_SECS
	info=$VM_INFO
	expect "$k: the plan ran to the end" "$info" "^DONE$"
	if [ "$g" = "$K419" ]; then
		expect "$k: no BTF of its own" "$info" "^NATIVE_BTF no$"
	else
		expect "$k: its own BTF visible again for the runs" "$info" "^SH show_btf rc=0$"
	fi
done

# ---- verdicts meet load results ------------------------------------------------------------
declare -A LISTED LOAD
while read -r p k v l rest; do
	case "$p" in '' | '#'*) continue ;; esac
	[ -n "$l" ] || die "MISMATCHES: '$p $k $v' wants: program kernel verdict load-result"
	LISTED["$p $k $v $l"]=1
done <"$DATA/MISMATCHES"
agree=0 false_ok=0 false_alarm=0 pairs=0
ROWS=()
DETAILS=()
# complaint FILE: the kernel's (or libbpf's) words: eucc-remote's error and the last line of
# stderr that says more than "failed to load object" (the verifier's or libbpf's reason).
complaint() {
	local e l
	e=$(grep -m1 '^eucc-remote: error:' "$1" 2>/dev/null)
	l=$(grep -Ev '^  hint:|^$|failed to load object|^eucc-remote: error:' "$1" 2>/dev/null | tail -n1)
	echo "${e}${e:+${l:+ / }}${l}"
}
for p in "${PROGS[@]}"; do
	row="| $p"
	for rel in "${VONLY[@]}"; do row+=" | ${VERDICT[$p,$rel]:-none}"; done
	for l in "${LABELS[@]}"; do
		rel=${REL[$l]} v=${VERDICT[$p,${REL[$l]}]:-none} d="$TMP/res-$l"
		rc=$(cat "$d/$p.rc" 2>/dev/null || echo none)
		how=
		case $rc in
		0) got=loads ;;
		none) got="not run" ;;
		*) got=refused ;;
		esac
		# loaded, and left for its user space to attach (eucc-remote cannot): that loads
		if [ "$got" = refused ] && grep -q 'was loaded and not attached: libbpf cannot attach them by itself' "$d/$p.err" &&
			! grep -Eq 'rejected by the verifier|failed to (load|create)' "$d/$p.err"; then
			got=loads how=" (not attached)"
		fi
		LOAD[$p,$l]=$got
		pairs=$((pairs + 1))
		checks=$((checks + 1))
		cell="$v / $got$how"
		if [ "$got" != "${EXPECT[$p,$l]}" ]; then
			echo "FAIL: $p on $rel: $got (exit $rc), but its header expects ${EXPECT[$p,$l]}"
			echo "  stderr: $(head -c 2500 "$d/$p.err" 2>/dev/null)"
			failures=$((failures + 1))
			cell+=" (header: ${EXPECT[$p,$l]})"
		fi
		if [[ ($v == ok || $v == warning) && $got == loads ]] || [[ $v == incompatible && $got == refused ]]; then
			agree=$((agree + 1))
			if [ -n "${LISTED["$p $l $v $got"]:-}" ]; then
				echo "FAIL: $p on $l: listed in $DATA/MISMATCHES, but the verdict ($v) and the load ($got) agree now: remove the line"
				failures=$((failures + 1))
			fi
		else
			[ "$got" = loads ] && false_alarm=$((false_alarm + 1)) || false_ok=$((false_ok + 1))
			cell="**$cell**"
			DETAILS+=("- $p on $rel: verdict $v, $got (exit $rc). Findings: ${FINDING[$p,$rel]:-none}. The run said: $(complaint "$d/$p.err" | tr '|' '/')")
			if [ -n "${LISTED["$p $l $v $got"]:-}" ]; then
				unset "LISTED[$p $l $v $got]"
				LISTED["$p $l $v $got"]=seen
			else
				echo "FAIL: $p on $rel: the verdict is $v, but the kernel's answer: $got (exit $rc)"
				echo "  findings: ${FINDING[$p,$rel]:-none}"
				echo "  kernel: $(complaint "$d/$p.err")"
				echo "  (a known disagreement goes into $DATA/MISMATCHES as: $p $l $v $got)"
				failures=$((failures + 1))
			fi
		fi
		row+=" | $cell"
	done
	ROWS+=("$row |")
done
for key in "${!LISTED[@]}"; do
	[ "${LISTED[$key]}" = seen ] && continue
	echo "FAIL: $DATA/MISMATCHES lists '$key', which this run did not see: remove the line"
	failures=$((failures + 1))
done
unlisted=$(grep -cvE '^(#|$)' "$DATA/MISMATCHES")

# ---- the table -----------------------------------------------------------------------------
T_ALL=$((SECONDS - T0))
boots=
for g in "${GUESTS[@]}"; do boots+="${boots:+, }${BOOT_SECS[$g]:-?} s (${REL[$g]})"; done
head_cols="| program"
sep="|---"
for rel in "${VONLY[@]}"; do head_cols+=" | $rel (verdict only)"; sep+="|---"; done
for l in "${LABELS[@]}"; do head_cols+=" | ${REL[$l]}$([ "$l" = local ] && echo " (this host)")"; sep+="|---"; done
{
	echo "<!-- generated by tests/e2e/truth.sh on $(date -u +%Y-%m-%dT%H:%MZ); do not edit by hand -->"
	echo "Observed on $(date -u +%Y-%m-%d): ${#PROGS[@]} programs, $pairs (program, kernel) pairs loaded;"
	echo "$agree agree, $false_ok false ok, $false_alarm false alarm ($unlisted listed in tests/data/truth/MISMATCHES)."
	echo "Branch $(git -C "$EUCC_SOURCE_DIR" rev-parse --abbrev-ref HEAD 2>/dev/null || echo '?') at $(git -C "$EUCC_SOURCE_DIR" rev-parse --short HEAD 2>/dev/null || echo '?');"
	echo "host $KHOST, $(nproc) CPUs, qemu $(qemu-system-x86_64 --version | head -n1 | awk '{print $4}') (TCG). Boots: $boots;"
	echo "two at a time: ${VM_BOOT_SECS} s; compiles ${T_COMPILE} s; host runs ${T_HOST} s; the whole test ${T_ALL} s."
	echo
	echo "Each cell: the server's verdict / what the kernel did with \`run --btf bundled --attach-only\`"
	echo "(loads: exit 0, or loaded with a program left to its user space to attach, \"not attached\";"
	echo "refused: it failed), with the options of the program's RUN: line. **Bold**: they disagree."
	echo
	echo "$head_cols |"
	echo "$sep|"
	printf '%s\n' "${ROWS[@]}"
	if [ ${#DETAILS[@]} -gt 0 ]; then
		echo
		echo "Disagreements:"
		echo
		printf '%s\n' "${DETAILS[@]}"
	fi
} >"$TABLE"
echo "---- $TABLE"
cat "$TABLE"
echo "----"
echo "truth: ${T_ALL}s in all (compile ${T_COMPILE}s, host ${T_HOST}s, boots ${VM_BOOT_SECS}s)"
finish
