#!/usr/bin/env bash
# Benchmark of the BTF store (btfhub/ through `eucc-server btf`), side by side with the plain
# toolchain doing the equivalent work by hand. Writes the section "## BTF store" of
# bench/RESULTS.md (other sections are kept).
#
#  1. import: every BTFHub tarball of the fixtures, one `eucc-server btf import FILE` per fresh
#     data dir, against `tar -xJf` + `bpftool btf dump ... format c` + `sha256sum`; then the
#     whole fixture tree in one command, against the same plain steps for every tarball.
#     Wall time (median of BENCH_IMPORT_RUNS runs) and peak RSS (/usr/bin/time -f %M).
#  2. list: `eucc-server btf list SPEC` on a store of 1,000 indexed kernels (the fixture tree
#     imported once, then index rows cloned with the sqlite3 CLI), against `sqlite3` and `find`
#     answering a similar question. Median and p95 of BENCH_LIST_RUNS whole-process runs.
#
# Environment:
#   EUCC_FIXTURES      fixtures dir (default: <project root>/../shared/fixtures); only read
#   EUCC_SERVER        eucc-server binary to use (default: build with scripts/build.sh)
#   BENCH_IMPORT_RUNS  runs per import measurement (default 3)
#   BENCH_LIST_RUNS    runs per list measurement (default 50)
#   BENCH_RESULTS      results file (default: bench/RESULTS.md)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
fixtures=${EUCC_FIXTURES:-$root/../shared/fixtures}
btfdir=$fixtures/btf
results=${BENCH_RESULTS:-$here/RESULTS.md}
import_runs=${BENCH_IMPORT_RUNS:-3}
list_runs=${BENCH_LIST_RUNS:-50}
list_warmup=3
nkernels=1000

log() { echo "[bench-btf] $*" >&2; }
die() {
	echo "btf_store.sh: error: $*" >&2
	exit 1
}

for tool in bpftool sqlite3 tar xz sha256sum find awk sort date; do
	command -v "$tool" >/dev/null || die "'$tool' is needed (see scripts/setup.sh)"
done
[ -d "$btfdir" ] || die "no fixtures in $btfdir (set EUCC_FIXTURES)"
[[ $import_runs =~ ^[1-9][0-9]*$ && $list_runs =~ ^[1-9][0-9]*$ ]] ||
	die "BENCH_IMPORT_RUNS and BENCH_LIST_RUNS must be positive integers"

tmp=$(mktemp -d /tmp/eucc-bench-btf.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
started=$(date +%s)
load_start=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo "?")

# ---- the binary -----------------------------------------------------------------------------

bench_find_server

# ---- measuring --------------------------------------------------------------------------------

if [ -x /usr/bin/time ]; then
	have_time=1
else
	have_time=0
	log "/usr/bin/time is missing: peak RSS is not reported"
fi
if command -v hyperfine >/dev/null; then
	timer="hyperfine -N (--warmup $list_warmup --runs $list_runs)"
else
	timer="date +%s%N around each run (after $list_warmup warm-up runs)"
fi

# run_timed LOG CMD...: run CMD once (output to LOG), set $ns (wall) and $rss (peak KiB or "").
run_timed() {
	local out=$1 t0 t1 rc=0
	shift
	rss=
	if [ "$have_time" = 1 ]; then
		t0=$(date +%s%N)
		/usr/bin/time -f %M -o "$tmp/rss" "$@" >"$out" 2>&1 || rc=$?
		t1=$(date +%s%N)
		rss=$(tail -n 1 "$tmp/rss")
	else
		t0=$(date +%s%N)
		"$@" >"$out" 2>&1 || rc=$?
		t1=$(date +%s%N)
	fi
	if [ "$rc" != 0 ]; then
		cat "$out" >&2
		die "failed (exit $rc): $*"
	fi
	ns=$((t1 - t0))
}

# median of the numbers in FILE (one a line)
median() {
	sort -n "$1" | awk '{ a[NR] = $1 } END {
		if (NR == 0) { print ""; exit }
		if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

# "median p95 min" of the nanosecond numbers in FILE, in ms (p95 by nearest rank)
latency_stats() {
	sort -n "$1" | awk '{ a[NR] = $1 } END {
		med = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
		k = int(0.95 * NR); if (k < 0.95 * NR) k++; if (k < 1) k = 1
		printf "%.2f %.2f %.2f\n", med / 1e6, a[k] / 1e6, a[1] / 1e6 }'
}

ms() { awk -v n="$1" 'BEGIN { printf "%.0f", n / 1e6 }'; }
mib() { [ -n "$1" ] && awk -v k="$1" 'BEGIN { printf "%.0f MiB", k / 1024 }' || echo "n/a"; }
delta_kib() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%+.1f KiB", (a - b) / 1024 }'; }
size_h() { awk -v b="$1" 'BEGIN { if (b >= 1048576) printf "%.1f MiB", b / 1048576; else printf "%.0f KiB", b / 1024 }'; }

# The plain toolchain on one tarball: unpack, dump the C header, hash the raw BTF.
plain_one='set -eu
for f in "$@"; do
	rel=$(basename "$f" .btf.tar.xz)
	d=$PLAIN_OUT/$rel
	mkdir -p "$d"
	tar -xJf "$f" -C "$d"
	bpftool btf dump file "$d/$rel.btf" format c >"$d/vmlinux.h"
	sha256sum "$d/$rel.btf" >"$d/SHA256"
done'

mapfile -t tarballs < <(find "$btfdir" -name '*.btf.tar.xz' -type f | LC_ALL=C sort)
[ "${#tarballs[@]}" -gt 0 ] || die "no .btf.tar.xz under $btfdir"

# ---- 1. import --------------------------------------------------------------------------------

log "import: ${#tarballs[@]} tarballs x $import_runs runs (eucc-server and plain toolchain, interleaved)"
import_rows=()
sum_eucc=0
sum_plain=0
slowest_rel=
slowest_ns=0
rss_ratios=()
for f in "${tarballs[@]}"; do
	relpath=${f#"$btfdir"/}
	rel=$(basename "$f" .btf.tar.xz)
	: >"$tmp/e_ns"
	: >"$tmp/e_rss"
	: >"$tmp/p_ns"
	: >"$tmp/p_rss"
	for ((r = 1; r <= import_runs; r++)); do
		rm -rf "$tmp/data" "$tmp/plain"
		mkdir -p "$tmp/data" "$tmp/plain"
		run_timed "$tmp/import.log" "$server" btf import "$f" --data "$tmp/data"
		echo "$ns" >>"$tmp/e_ns"
		echo "${rss:-0}" >>"$tmp/e_rss"
		awk -v r="$rel" '$1 == "added" && $2 == r { f = 1 } END { exit !f }' "$tmp/import.log" || {
			cat "$tmp/import.log" >&2
			die "eucc-server did not report 'added $rel'"
		}
		eucc_btf=$(find "$tmp/data/btf" -name "$rel.btf" -type f)
		eucc_h=$(find "$tmp/data/btf" -name "$rel.h" -type f)
		[ -n "$eucc_btf" ] && [ -n "$eucc_h" ] || die "no $rel.btf/.h in the store after import"

		run_timed "$tmp/plain.log" env PLAIN_OUT="$tmp/plain" bash -c "$plain_one" _ "$f"
		echo "$ns" >>"$tmp/p_ns"
		echo "${rss:-0}" >>"$tmp/p_rss"
	done
	e_ns=$(median "$tmp/e_ns")
	p_ns=$(median "$tmp/p_ns")
	e_rss=$(median "$tmp/e_rss")
	p_rss=$(median "$tmp/p_rss")
	[ "$have_time" = 1 ] || e_rss= p_rss=
	raw=$(stat -c %s "$eucc_btf")
	cmp -s "$eucc_btf" "$tmp/plain/$rel/$rel.btf" || log "note: $rel: stored BTF differs from the tarball's"
	e_hsize=$(stat -c %s "$eucc_h")
	p_hsize=$(stat -c %s "$tmp/plain/$rel/vmlinux.h")
	sum_eucc=$(awk -v a="$sum_eucc" -v b="$e_ns" 'BEGIN { printf "%.0f", a + b }')
	sum_plain=$(awk -v a="$sum_plain" -v b="$p_ns" 'BEGIN { printf "%.0f", a + b }')
	if awk -v a="$e_ns" -v b="$slowest_ns" 'BEGIN { exit !(a > b) }'; then
		slowest_ns=$e_ns
		slowest_rel=$relpath
		slowest_p_ns=$p_ns
		slowest_e_rss=$e_rss
		slowest_p_rss=$p_rss
	fi
	rss_ratios+=("$(awk -v a="${e_rss:-0}" -v b="${p_rss:-0}" 'BEGIN { if (b > 0) printf "%.1f", a / b }')")
	ratio=$(awk -v a="$e_ns" -v b="$p_ns" 'BEGIN { printf "%.2f", a / b }')
	import_rows+=("| \`${relpath%.btf.tar.xz}\` | $(size_h "$raw") | $(ms "$e_ns") ms | $(mib "$e_rss") | $(ms "$p_ns") ms | $(mib "$p_rss") | ${ratio}x | $(size_h "$e_hsize") ($(delta_kib "$e_hsize" "$p_hsize")) |")
	log "  $relpath: eucc $(ms "$e_ns") ms, plain $(ms "$p_ns") ms"
done

log "import: the whole tree in one command x $import_runs runs"
: >"$tmp/e_ns"
: >"$tmp/e_rss"
: >"$tmp/p_ns"
: >"$tmp/p_rss"
for ((r = 1; r <= import_runs; r++)); do
	rm -rf "$tmp/data" "$tmp/plain"
	mkdir -p "$tmp/data" "$tmp/plain"
	run_timed "$tmp/import.log" "$server" btf import "$btfdir" --data "$tmp/data"
	echo "$ns" >>"$tmp/e_ns"
	echo "${rss:-0}" >>"$tmp/e_rss"
	run_timed "$tmp/plain.log" env PLAIN_OUT="$tmp/plain" bash -c "$plain_one" _ "${tarballs[@]}"
	echo "$ns" >>"$tmp/p_ns"
	echo "${rss:-0}" >>"$tmp/p_rss"
done
tree_added=$(grep -c '^added ' "$tmp/import.log" || true)
[ "$tree_added" = "${#tarballs[@]}" ] || {
	cat "$tmp/import.log" >&2
	die "the tree import added $tree_added kernels, expected ${#tarballs[@]}"
}
tree_e_ns=$(median "$tmp/e_ns")
tree_p_ns=$(median "$tmp/p_ns")
tree_e_rss=$(median "$tmp/e_rss")
tree_p_rss=$(median "$tmp/p_rss")
[ "$have_time" = 1 ] || tree_e_rss= tree_p_rss=
tree_ratio=$(awk -v a="$tree_e_ns" -v b="$tree_p_ns" 'BEGIN { printf "%.2f", a / b }')

# ---- 2. list on 1,000 kernels ---------------------------------------------------------------

# The last tree import is the seed: clone its rows (not the feature rows, not the files) with
# other releases until the index holds $nkernels kernels. Releases stay in each kernel's style:
# 4.19.90-<n>.<rest> (and 4.18.0-<n>.<rest>) for the others, <x.y.z>-<n>-cloud-<arch> for Debian.
store=$tmp/data
db=$store/index.db
base=$(sqlite3 "$db" "SELECT count(*) FROM kernels")
[ "$base" -gt 0 ] || die "the seed store is empty"
per=$(((nkernels - base + base - 1) / base))
log "list: cloning $base index rows into $nkernels"
sqlite3 "$db" >/dev/null <<SQL
PRAGMA journal_mode=WAL;
BEGIN;
CREATE TEMP TABLE seed AS SELECT * FROM kernels;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $per),
clone AS (
	SELECT s.*, n.i AS i,
	       CASE WHEN s.distro = 'debian'
	            THEN substr(s.release, 1, instr(s.release, '-')) || (100 + n.i) ||
	                 substr(s.release, instr(s.release, '-cloud-'))
	            ELSE substr(s.release, 1, instr(s.release, '-')) || (100 + n.i) || '.' ||
	                 substr(s.release, instr(s.release, '-') + 1)
	       END AS newrel
	FROM seed s, n)
INSERT INTO kernels(release, distro, version, arch, sha256, size, source, origin, imported_at,
                    types, funcs, features_known, path)
SELECT newrel, distro, version, arch, sha256, size, source, origin, imported_at, types, funcs,
       features_known, replace(path, release, newrel)
FROM clone ORDER BY i, id LIMIT $((nkernels - base));
COMMIT;
PRAGMA wal_checkpoint(TRUNCATE);
SQL
total=$(sqlite3 "$db" "SELECT count(*) FROM kernels")
[ "$total" = "$nkernels" ] || die "the cloned index holds $total kernels, expected $nkernels"

# The same 1,000 kernels as empty files laid out like the store (<data>/btf/<d>/<v>/<a>/<r>.btf).
plain_tree=$tmp/plain-tree
sqlite3 "$db" "SELECT path FROM kernels" >"$tmp/paths"
case "$(head -n 1 "$tmp/paths")" in
/*) sed -i "s|^$store/||" "$tmp/paths" ;;
esac
grep -q '^btf/' "$tmp/paths" || sed -i 's|^|btf/|' "$tmp/paths"
(
	mkdir -p "$plain_tree"
	cd "$plain_tree"
	sed 's|/[^/]*$||' "$tmp/paths" | sort -u | xargs -d '\n' mkdir -p
	xargs -d '\n' touch <"$tmp/paths"
)
nfiles=$(find "$plain_tree/btf" -type f | wc -l)
[ "$nfiles" = "$nkernels" ] || die "the plain tree holds $nfiles files, expected $nkernels"

list_rows=()
# latency NAME EXPECTED_RC COUNT_MODE CMD...: time CMD, add a table row.
# COUNT_MODE: table (lines - header), json (objects), lines, none.
latency() {
	local name=$1 want=$2 mode=$3 rc=0 count t0 t1 i stats
	shift 3
	"$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
	[ "$rc" = "$want" ] || {
		cat "$tmp/err" >&2
		die "exit $rc (expected $want): $*"
	}
	case $mode in
	table) count=$(($(wc -l <"$tmp/out") - 1)) ;;
	json) count=$(grep -o '"release"' "$tmp/out" | wc -l) ;;
	lines) count=$(wc -l <"$tmp/out") ;;
	*) count="-" ;;
	esac
	[ "$rc" = 0 ] || count="0 (exit $rc)"
	: >"$tmp/lat"
	if command -v hyperfine >/dev/null; then
		local cmdline
		cmdline=$(printf '%q ' "$@")
		hyperfine -N -i --style none --warmup "$list_warmup" --runs "$list_runs" \
			--export-json "$tmp/hf.json" -- "$cmdline" >/dev/null 2>&1 ||
			die "hyperfine failed on: $*"
		tr -d ' \n' <"$tmp/hf.json" | grep -o '"times":\[[^]]*\]' | head -n 1 |
			sed 's/.*\[//; s/\]//' | tr ',' '\n' |
			awk 'NF { printf "%.0f\n", $1 * 1e9 }' >"$tmp/lat"
	else
		for ((i = 0; i < list_warmup; i++)); do
			"$@" >/dev/null 2>&1 || true
		done
		for ((i = 0; i < list_runs; i++)); do
			rc=0
			t0=$(date +%s%N)
			"$@" >/dev/null 2>&1 || rc=$?
			t1=$(date +%s%N)
			[ "$rc" = "$want" ] || die "exit $rc (expected $want) on run $i: $*"
			echo $((t1 - t0)) >>"$tmp/lat"
		done
	fi
	read -r med p95 min < <(latency_stats "$tmp/lat")
	list_rows+=("| $name | $count | $med ms | $p95 ms | $min ms |")
	log "  $name: median $med ms, p95 $p95 ms"
}

log "list: $list_runs runs per command"
ev=(env EUCC_DATA="$store" "$server" btf list)
latency "\`eucc-server btf list 4.19\`" 0 table "${ev[@]}" 4.19
latency "\`eucc-server btf list 5.10.0-32-cloud-amd64\`" 0 table "${ev[@]}" 5.10.0-32-cloud-amd64
latency "\`eucc-server btf list debian/12\`" 0 table "${ev[@]}" debian/12
"${ev[@]}" 4.1 >/dev/null 2>"$tmp/miss" && die "btf list 4.1 should not match" || miss_rc=$?
latency "\`eucc-server btf list 4.1\` (miss, names the closest)" "$miss_rc" none "${ev[@]}" 4.1
latency "\`eucc-server btf list\` (all)" 0 table "${ev[@]}"
latency "\`eucc-server btf list --json\` (all)" 0 json "${ev[@]}" --json
latency "\`eucc-server btf list 4.19 --json\`" 0 json "${ev[@]}" 4.19 --json
latency "plain: \`sqlite3 index.db \"SELECT ... WHERE release LIKE '4.19%'\"\`" 0 lines \
	sqlite3 "$db" "SELECT release, distro, version, arch, size FROM kernels WHERE release LIKE '4.19%' ORDER BY arch, release"
latency "plain: \`sqlite3 index.db \"SELECT ... \"\` (all)" 0 lines \
	sqlite3 "$db" "SELECT release, distro, version, arch, size FROM kernels ORDER BY arch, release"
latency "plain: \`find btf -name '4.19*'\` (1,000 empty files)" 0 lines \
	find "$plain_tree/btf" -name '4.19*'
latency "baseline: \`eucc-server --version\` (its start, no store)" 0 none "$server" --version
latency "baseline: \`/bin/true\` (process start + timer)" 0 none /bin/true

miss_msg=$(grep -m1 'error' "$tmp/miss" | sed 's/^eucc-server: error: //' || true)
miss_hint=$(grep -m1 'closest' "$tmp/miss" | sed 's/^ *hint: //; s/; to add a kernel.*//' || true)

# ---- the report -------------------------------------------------------------------------------

model=$(lscpu 2>/dev/null | sed -n 's/^Model name:[[:space:]]*//p' | head -n 1)
mem=$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo 2>/dev/null || true)
commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(git -C "$root" status --porcelain -- btfhub server common 2>/dev/null)" ]; then
	commit="$commit + uncommitted changes in btfhub/ server/ common/"
fi
elapsed=$(($(date +%s) - started))
total_ratio=$(awk -v a="$sum_eucc" -v b="$sum_plain" 'BEGIN { printf "%.2f", a / b }')

lat_of() { # median ms of the list row whose name starts with $1
	local r
	for r in "${list_rows[@]}"; do
		case "$r" in "| $1"*) echo "$r" | awk -F'|' '{ gsub(/ ms| /, "", $4); print $4 }' && return ;; esac
	done
}
l419=$(lat_of '`eucc-server btf list 4.19`')
lall=$(lat_of '`eucc-server btf list` (all)')
lsql=$(lat_of "plain: \`sqlite3 index.db \"SELECT ... WHERE")
lfind=$(lat_of "plain: \`find")
ltrue=$(lat_of 'baseline: `/bin/true`')
lver=$(lat_of 'baseline: `eucc-server --version`')
l510=$(lat_of '`eucc-server btf list 5.10')
rss_lo=$(printf '%s\n' "${rss_ratios[@]}" | grep . | sort -n | head -n 1 || true)
rss_hi=$(printf '%s\n' "${rss_ratios[@]}" | grep . | sort -n | tail -n 1 || true)

section=$tmp/section.md
{
	echo "## BTF store"
	echo
	echo "Run $(date -u '+%Y-%m-%d %H:%M UTC') by \`bench/btf_store.sh\` in ${elapsed} s."
	echo "Machine: $(nproc) CPUs, ${model:-unknown CPU}, ${mem:-? GiB} RAM, kernel $(uname -r);"
	echo "1-minute load average $load_start at the start and $(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo "?") at the end (the machine is shared)."
	echo "eucc-server $("$server" --version | awk '{ print $2 }') (\`${server_src#"$root"/}\`) at $commit;" \
		"$(bpftool version | head -n 1), sqlite3 $(sqlite3 --version | awk '{ print $1 }')," \
		"$(tar --version | head -n 1)."
	echo
	echo "### Import, one kernel per command"
	echo
	echo "Median of $import_runs runs, each into a fresh data dir. **eucc-server** is"
	echo "\`eucc-server btf import FILE --data DIR\` (unpack, validate, index, feature tables, vmlinux.h);"
	echo "**plain** is the toolchain by hand: \`tar -xJf FILE\` + \`bpftool btf dump file R.btf format c > vmlinux.h\`"
	echo "+ \`sha256sum R.btf\` (one \`bash -c\`). Peak RSS: \`/usr/bin/time -f %M\`, the largest process"
	echo "of the command$([ "$have_time" = 1 ] || echo " (not measured: /usr/bin/time is missing)"). Ratio: eucc-server time / plain time."
	echo
	echo "| kernel | raw BTF | eucc-server | peak RSS | plain | peak RSS | ratio | vmlinux.h: eucc (vs bpftool) |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|"
	printf '%s\n' "${import_rows[@]}"
	echo "| **sum of the medians** | | **$(ms "$sum_eucc") ms** | | **$(ms "$sum_plain") ms** | | **${total_ratio}x** | |"
	echo
	echo "The whole tree in one command (median of $import_runs runs, fresh data dir each):"
	echo
	echo "| command | wall | peak RSS |"
	echo "|---|---:|---:|"
	echo "| \`eucc-server btf import <fixtures>/btf --data DIR\` (${#tarballs[@]} kernels) | $(ms "$tree_e_ns") ms | $(mib "$tree_e_rss") |"
	echo "| plain: the steps above for each of the ${#tarballs[@]} tarballs, one \`bash -c\` | $(ms "$tree_p_ns") ms | $(mib "$tree_p_rss") |"
	echo
	echo "### \`btf list\` on $nkernels indexed kernels"
	echo
	echo "The store: the fixture tree imported once, its $base index rows then cloned with the"
	echo "\`sqlite3\` CLI into $nkernels rows (releases like \`4.19.90-<n>.<rest>\`, \`5.10.0-<n>-cloud-amd64\`;"
	echo "no feature rows, no files). Each command is a whole process, timed by $timer;"
	echo "$list_runs runs each. Rows: what the command printed (kernels, or lines for the plain ones)."
	echo "The **plain** rows are the comparison: \`sqlite3\` is the CLI querying the same \`index.db\`"
	echo "(a LIKE prefix scan, and all rows), and \`find\` walks a tree of $nkernels empty files laid out"
	echo "like the store (\`btf/<distro>/<version>/<arch>/<release>.btf\`). The \`/bin/true\` row is"
	echo "the cost of starting any process, timer overhead included, which is part of every row; the"
	echo "\`eucc-server --version\` row is eucc-server starting and exiting without opening the store."
	echo
	echo "| command | rows | median | p95 | min |"
	echo "|---|---:|---:|---:|---:|"
	printf '%s\n' "${list_rows[@]}"
	echo
	if [ -n "$miss_msg" ]; then
		echo "The miss answers: \"$miss_msg\"; ${miss_hint:-(no closest kernels named)}."
		echo
	fi
	echo "In this run, importing the ${#tarballs[@]} fixture kernels one by one took ${total_ratio}x the plain"
	echo "toolchain's time in total (the whole tree in one command: ${tree_ratio}x); the slowest import was"
	echo "\`${slowest_rel%.btf.tar.xz}\` at $(ms "$slowest_ns") ms (plain: $(ms "$slowest_p_ns") ms)."
	if [ "$have_time" = 1 ] && [ -n "$rss_lo" ]; then
		echo "eucc-server's peak RSS was ${rss_lo}x to ${rss_hi}x the plain toolchain's largest process"
		echo "($(mib "$slowest_e_rss") against $(mib "$slowest_p_rss") on the slowest kernel)."
	fi
	echo "On $nkernels kernels, \`btf list 4.19\` took $l419 ms (median), an exact release $l510 ms and"
	echo "listing all $lall ms, against $lsql ms for the \`sqlite3\` CLI's prefix query and $lfind ms for"
	echo "\`find\`; \`eucc-server --version\`, which opens no store, took $lver ms and \`/bin/true\` $ltrue ms."
	echo
} >"$section"

results_write_section "$results" "BTF store" "$section"
log "wrote the \"## BTF store\" section of $results (${elapsed} s)"
