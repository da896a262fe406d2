#!/usr/bin/env bash
# Fuzz every libFuzzer target of tests/fuzz for SECONDS each (default 600), starting from its
# seed corpus tests/fuzz/<target>/, and write the section "## Fuzzing" of bench/RESULTS.md:
# per target the time, executions, libFuzzer's coverage (cov: edges, ft: features), the corpus
# it grew and the crashes (each kept with the input that makes it, under out/fuzz/).
#
#   bench/fuzz.sh [SECONDS] [--ci]
#
# --ci: the same run, the table printed instead of written to bench/RESULTS.md; the exit code
# says whether anything crashed (the e2e_fuzz test runs `bench/fuzz.sh 30 --ci`).
# The build: build-fuzz/ (clang, -DEUCC_FUZZ=ON: ASan, UBSan and coverage everywhere).
#
# Environment:
#   BENCH_RESULTS  results file (default: bench/RESULTS.md)
#   FUZZ_TARGETS   targets to run (default: all four)
#   FUZZ_OUT       where crashes and grown corpora go (default: out/fuzz)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
results=${BENCH_RESULTS:-$here/RESULTS.md}
targets=(${FUZZ_TARGETS:-fuzz_pkg fuzz_btf_source fuzz_btf_validate fuzz_compile_request})
seconds=600
ci=0
for a in "$@"; do
	case "$a" in
	--ci) ci=1 ;;
	[1-9]*) seconds=$a ;;
	*)
		echo "usage: bench/fuzz.sh [SECONDS] [--ci]" >&2
		exit 3
		;;
	esac
done
[[ $seconds =~ ^[1-9][0-9]*$ ]] || {
	echo "fuzz.sh: SECONDS must be a positive integer" >&2
	exit 3
}
log() { echo "[fuzz] $*" >&2; }
die() {
	echo "fuzz.sh: error: $*" >&2
	exit 1
}

# What each target feeds, for the table.
declare -A what=(
	[fuzz_pkg]="package reader: \`pkg_open\` (gzip, tar, manifest, members)"
	[fuzz_btf_source]="BTF import's dispatch: \`btf_source_scan_buffer\` (raw, ELF, bzImage, Image, zboot, xz/gzip/zstd/lz4, tar, .deb)"
	[fuzz_btf_validate]="\`btf_source_validate\`, then libbpf's parser, vmlinux.h, feature tables, definitions on what it accepts"
	[fuzz_compile_request]="\`compile_request_parse\` on a JSON body"
)

command -v clang >/dev/null || die "clang is needed (scripts/setup.sh)"
# what is fuzzed: the tree as it is built now
commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(git -C "$root" status --porcelain -- common btfhub core server tests/fuzz 2>/dev/null)" ]; then
	commit="$commit + uncommitted changes"
fi
build=$root/build-fuzz
log "building the fuzz targets in ${build#"$root"/}"
cmake -S "$root" -B "$build" -DCMAKE_C_COMPILER=clang -DEUCC_FUZZ=ON -DEUCC_TESTS=OFF \
	-DEUCC_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null || die "cmake failed"
cmake --build "$build" -j"$(nproc)" --target fuzz >&2 || die "the build failed"

out=${FUZZ_OUT:-$root/out/fuzz}
tmp=$(mktemp -d /tmp/eucc-fuzz.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
started=$(date +%s)
load_start=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo "?")
rows=()
crashed=0
# ASan: abort on the first error (libFuzzer then keeps the input); leaks count as crashes.
export ASAN_OPTIONS=abort_on_error=1:detect_leaks=1:allocator_may_return_null=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

for t in "${targets[@]}"; do
	seeds=$root/tests/fuzz/$t
	[ -d "$seeds" ] || die "no seed corpus $seeds"
	rm -rf "${out:?}/$t"
	mkdir -p "$out/$t/corpus" "$out/$t/artifacts" "$tmp/$t"
	nseeds=$(find "$seeds" -type f | wc -l)
	log "$t: $seconds s from $nseeds seeds"
	t0=$(date +%s)
	rc=0
	# the first corpus dir is where new inputs go; the seeds are read, never written
	(cd "$tmp/$t" && TMPDIR=$tmp/$t "$build/tests/fuzz/$t" -max_total_time="$seconds" \
		-print_final_stats=1 -timeout=30 -rss_limit_mb=3072 -max_len=65536 \
		-artifact_prefix="$out/$t/artifacts/" "$out/$t/corpus" "$seeds") \
		>"$out/$t/log" 2>&1 || rc=$?
	took=$(($(date +%s) - t0))
	last=$(grep -E '^#[0-9]+' "$out/$t/log" | tail -n 1 || true)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/$t/log" | tail -n 1)
	[ -n "$execs" ] || execs=$(sed -E 's/^#([0-9]+).*/\1/' <<<"$last")
	cov=$(grep -oE 'cov: [0-9]+' <<<"$last" | awk '{ print $2 }' || true)
	ft=$(grep -oE 'ft: [0-9]+' <<<"$last" | awk '{ print $2 }' || true)
	corp=$(grep -oE 'corp: [0-9]+' <<<"$last" | awk '{ print $2 }' || true)
	found=$(find "$out/$t/artifacts" -type f | wc -l)
	if [ "$rc" != 0 ] || [ "$found" != 0 ]; then
		crashed=$((crashed + 1))
		why=$(grep -m1 -E 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|SUMMARY' "$out/$t/log" || echo "exit $rc")
		log "$t: CRASH (exit $rc): $why; input(s) in ${out#"$root"/}/$t/artifacts"
		crashes="$found ($(sed 's/|/\\|/g' <<<"${why:0:120}"))"
	else
		crashes=0
	fi
	log "$t: $execs executions in $took s, cov $cov, ft $ft, corpus $corp, crashes $crashes"
	rows+=("| \`$t\` | ${what[$t]:-} | $nseeds | $took s | $execs | $((execs / (took ? took : 1))) | $cov | $ft | $corp | $crashes |")
done

model=$(lscpu 2>/dev/null | sed -n 's/^Model name:[[:space:]]*//p' | head -n 1)
section=$tmp/section.md
{
	echo "## Fuzzing"
	echo
	echo "Run $(date -u '+%Y-%m-%d %H:%M UTC') by \`bench/fuzz.sh $seconds\` in $(($(date +%s) - started)) s, at $commit."
	echo "Machine: $(nproc) CPUs, ${model:-unknown CPU}, kernel $(uname -r); 1-minute load average"
	echo "$load_start at the start and $(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo "?") at the end (the machine is shared)."
	echo "$(clang --version | head -n 1); libFuzzer with ASan and UBSan, every library instrumented"
	echo "(\`-DEUCC_FUZZ=ON\`). Each target starts from its seeds in \`tests/fuzz/<target>/\` (made"
	echo "by \`tests/fuzz/make_seeds.sh\` from a real package, fixture BTF cut small by the CO-RE"
	echo "checker, that BTF packed every way \`btf import\` reads, the hostile BTF of the tests and"
	echo "example requests) and runs for $seconds s, one process on one core."
	echo "**cov** is libFuzzer's \`cov:\` (edges reached), **ft** its \`ft:\` (features), **corpus**"
	echo "the inputs it kept, all at the end of the run."
	echo
	echo "| target | what it feeds | seeds | time | executions | exec/s | cov | ft | corpus | crashes |"
	echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---|"
	printf '%s\n' "${rows[@]}"
} >"$section"

if [ "$ci" = 1 ]; then
	cat "$section"
else
	results_write_section "$results" "Fuzzing" "$section"
	log "wrote the Fuzzing section of ${results#"$root"/}"
fi
[ "$crashed" = 0 ] || die "$crashed target(s) crashed: see ${out#"$root"/}/*/artifacts"
