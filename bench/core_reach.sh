#!/usr/bin/env bash
# Benchmark of the reachability analysis: what one more kernel costs a compile (core_check for
# that kernel, everything included), and of it the analysis alone (bench/core_reach.c). The
# example tools and two test programs, compiled against the 6.12 fixture's vmlinux.h, against
# every x86_64 fixture kernel and this machine's own. Writes the section "## Reachability" of
# bench/RESULTS.md (other sections are kept).
#
# Environment:
#   EUCC_FIXTURES     fixtures dir (default: <project root>/../shared/fixtures); only read
#   EUCC_BENCH_REACH  the eucc-bench-reach binary (default: build/bench/eucc-bench-reach)
#   BENCH_RUNS        runs per (object, kernel) pair, median reported (default 51)
#   BENCH_RESULTS     results file (default: bench/RESULTS.md)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
fixtures=${EUCC_FIXTURES:-$root/../shared/fixtures}
results=${BENCH_RESULTS:-$here/RESULTS.md}
runs=${BENCH_RUNS:-51}
bench=${EUCC_BENCH_REACH:-$root/build/bench/eucc-bench-reach}

log() { echo "[bench-reach] $*" >&2; }
die() {
	echo "core_reach.sh: error: $*" >&2
	exit 1
}

for tool in bpftool clang tar awk sort; do
	command -v "$tool" >/dev/null || die "'$tool' is needed (see scripts/setup.sh)"
done
[ -x "$bench" ] || die "no $bench: cmake --build build --target eucc-bench-reach"
[[ $runs =~ ^[1-9][0-9]*$ ]] || die "BENCH_RUNS must be a positive integer"

tmp=$(mktemp -d /tmp/eucc-bench-reach.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
load_start=$(cut -d' ' -f1 /proc/loadavg)

log "kernels"
kernels=()
for f in "$fixtures"/btf/*/*/x86_64/*.btf.tar.xz; do
	tar -xJf "$f" -C "$tmp"
	kernels+=("$tmp/$(basename "$f" .tar.xz)")
done
[ ${#kernels[@]} -gt 0 ] || die "no x86_64 kernels in $fixtures/btf"
kernels+=(/sys/kernel/btf/vmlinux)
header=$(ls "$tmp"/6.12.*.btf | head -n 1)
mkdir -p "$tmp/inc"
bpftool btf dump file "$header" format c >"$tmp/inc/vmlinux.h"

log "objects"
objs=()
for src in "$root"/examples/{execsnoop,opensnoop,runqlat}.bpf.c \
	"$root"/tests/data/core/{rich,reach_param}.bpf.c; do
	o=$tmp/$(basename "$src" .bpf.c).o
	clang -target bpf -O2 -g -D__TARGET_ARCH_x86 -I"$tmp/inc" -I"$root/examples" \
		-I"$root/client/include" -c "$src" -o "$o"
	objs+=("$o")
done

log "$runs runs per pair"
"$bench" "$runs" "${objs[@]}" -- "${kernels[@]}" >"$tmp/out.tsv"

section=$tmp/section.md
{
	echo "## Reachability"
	echo
	echo "Run $(date -u '+%Y-%m-%d %H:%M') UTC by \`bench/core_reach.sh\` at $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?'), $runs runs per pair, medians."
	echo "Machine: $(nproc) CPUs, kernel $(uname -r); load average $load_start at the start and $(cut -d' ' -f1 /proc/loadavg) at the end."
	echo
	echo "**check**: \`core_check\` for one kernel, as the pipeline runs it for each one more kernel"
	echo "(relocations, reachability, helpers, maps, programs, attach targets, minimized BTF), given"
	echo "the kernel's name index as the server keeps it with the kernel's parsed BTF;"
	echo "**index**: building that index (\`btf_index_new\`), once per kernel and not per check;"
	echo "**analysis**: of it, the reachability analysis at the parameters' defaults;"
	echo "**probes**: the runs with other parameter values, forced here (the checker makes them only"
	echo "when something that fails is dead at the defaults)."
	echo
	echo "| object | instructions | relocations | kernel | check | analysis | probes | index |"
	echo "|---|---:|---:|---|---:|---:|---:|---:|"
	awk -F'\t' '{
		o = $1; sub(".*/", "", o); k = $2; sub(".*/", "", k); sub("\\.btf$", "", k)
		if (k == "vmlinux") k = "this machine"
		printf "| %s | %d | %d | %s | %.2f ms | %.3f ms | %.3f ms | %.2f ms |\n", o, $3, $4, k, $5, $6, $7, $8
	}' "$tmp/out.tsv"
	echo
	awk -F'\t' 'BEGIN { m = 0; a = 0; x = 0 } { if ($5 > m) m = $5; if ($6 + $7 > a) a = $6 + $7; if ($8 > x) x = $8 }
		END { printf "The slowest check of one kernel took %.2f ms; the analysis with every probe at most %.3f ms of a check; building a kernel'"'"'s index at most %.2f ms.\n", m, a, x }' "$tmp/out.tsv"
	echo
	echo "Before the name index (at 0f8b8c8, 2026-12-02 00:59 UTC, same objects, kernels and runs), every"
	echo "name lookup of a check was a pass over the kernel's whole BTF (relocation candidates, attach"
	echo "targets, the attach capability types): checks took 0.51 to 5.15 ms, runqlat against the 4.19"
	echo "fixture 3.50 ms, rich against this machine 5.15 ms; \`perf record\` of runqlat against the 4.19"
	echo "fixture put the candidate search, string comparisons and \`btf__type_by_id\` at the top."
	echo "Rerun at d4c1ad0, just before the index, on a less loaded machine: runqlat against the 4.19"
	echo "fixture 3.61 ms, rich against this machine 2.54 ms (31 runs)."
	echo "Timings on a shared machine vary with its load (see the load averages above)."
} >"$section"
results_write_section "$results" "Reachability" "$section"
log "wrote the section \"Reachability\" of $results"
