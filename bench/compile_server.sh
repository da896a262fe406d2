#!/usr/bin/env bash
# Benchmark of the compile server (`eucc-server serve`), side by side with the plain toolchain
# and with nginx. Writes the section "## Compile server" of bench/RESULTS.md (other sections
# are kept).
#
#  1. cold compile: tests/data/core/basic.bpf.c for 1, 4 and 16 x86_64 kernels through
#     `POST /v1/compile` (curl) on a warmed-up server (an earlier request with other source
#     built the per-kernel vmlinux.h, the precompiled header and the parsed BTF; nothing of the
#     measured request is cached), against `clang -target bpf -O2 -g` + `llvm-strip -g` +
#     `bpftool gen min_core_btf` per kernel. Median of BENCH_COMPILE_RUNS runs, interleaved.
#     Kernels: the fixture's x86_64 kernels, then copies of one of them under other release names
#     (distro "bench") up to 16. Each copy has one extra string appended to its BTF string section
#     so that its sha256 differs: the per-kernel cache key holds the kernel BTF's sha256, and
#     byte-identical copies would share minimization results.
#     Each measured run is a cache miss at both levels: a -DRUN=<n> flag changes the object key,
#     and a comment appended to a code line (the last `return` line) changes the source line text
#     that .BTF.ext carries, hence the object's digest and the per-kernel keys (a -D flag alone
#     gives a byte-identical object, so the per-kernel results would be hits). The script checks
#     the answer's "cache" fields. The server's compile is split into its stages from the
#     answers' timings_ms (preprocess, header, clang: the program's own kernel header,
#     docs/kernel-header.md), with the counts of eucc_min_header_total from /metrics.
#  2. minimized BTF size: the btf/x86_64/*.btf of eucc's package against `bpftool gen
#     min_core_btf` on the package's own object, per kernel, for basic.bpf.c and rich.bpf.c.
#  3. warm hits with wrk (-t2 -c32, BENCH_WRK_SECONDS, --latency): `GET /v1/artifacts/<hex>`
#     against nginx serving the same package as a static file; `POST /v1/compile` cache hits
#     against nginx answering the same POST with the saved answer as a static file.
#     Skipped (and said so) when wrk or nginx is missing (Debian packages: wrk, nginx).
#
# Everything listens on 127.0.0.1 only; the server and nginx are stopped at the end.
#
# Environment:
#   EUCC_FIXTURES       fixtures dir (default: <project root>/../shared/fixtures); only read
#   EUCC_SERVER         eucc-server binary to use (default: build with scripts/build.sh)
#   BENCH_COMPILE_RUNS  runs per cold compile measurement (default 5)
#   BENCH_WRK_SECONDS   duration of each wrk run (default 10)
#   BENCH_WORKERS       eucc-server --workers (default: nproc)
#   BENCH_HTTP_THREADS  eucc-server --http-threads (default: the workers)
#   BENCH_RESULTS       results file (default: bench/RESULTS.md)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
export LC_ALL=C

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
fixtures=${EUCC_FIXTURES:-$root/../shared/fixtures}
btfdir=$fixtures/btf
results=${BENCH_RESULTS:-$here/RESULTS.md}
runs=${BENCH_COMPILE_RUNS:-5}
wrk_secs=${BENCH_WRK_SECONDS:-10}
ncpu=$(nproc)
workers=${BENCH_WORKERS:-$ncpu}
http_threads=${BENCH_HTTP_THREADS:-$workers}
counts=(1 4 16)
nmax=16
wrk_threads=2
wrk_conns=32
basic_src=$root/tests/data/core/basic.bpf.c
rich_src=$root/tests/data/core/rich.bpf.c

log() { echo "[bench-server] $*" >&2; }
die() {
	echo "compile_server.sh: error: $*" >&2
	exit 1
}

for tool in clang llvm-strip bpftool curl jq tar xz awk sort date od dd stat cmp; do
	command -v "$tool" >/dev/null || die "'$tool' is needed (see scripts/setup.sh)"
done
[ -d "$btfdir" ] || die "no fixtures in $btfdir (set EUCC_FIXTURES)"
[ -f "$basic_src" ] && [ -f "$rich_src" ] || die "no tests/data/core/{basic,rich}.bpf.c"
[[ $runs =~ ^[1-9][0-9]*$ && $wrk_secs =~ ^[1-9][0-9]*$ ]] ||
	die "BENCH_COMPILE_RUNS and BENCH_WRK_SECONDS must be positive integers"
[[ $workers =~ ^[1-9][0-9]*$ && $http_threads =~ ^[1-9][0-9]*$ ]] ||
	die "BENCH_WORKERS and BENCH_HTTP_THREADS must be positive integers"
[ -n "${EPOCHREALTIME:-}" ] || die "bash 5 is needed (EPOCHREALTIME)"
missing=()
for tool in wrk nginx; do
	command -v "$tool" >/dev/null || missing+=("$tool")
done
if [ "${#missing[@]}" -gt 0 ]; then
	log "missing: ${missing[*]} (Debian packages: wrk nginx); the warm-hit part is skipped"
fi

tmp=$(mktemp -d /tmp/eucc-bench-server.XXXXXX)
server_pid=
nginx_pid=
stop_pid() { # stop_pid PID: TERM, wait up to 10 s, then KILL
	local pid=$1 i
	[ -n "$pid" ] || return 0
	kill "$pid" 2>/dev/null || return 0
	for ((i = 0; i < 100; i++)); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -9 "$pid" 2>/dev/null || true
}
cleanup() {
	stop_pid "$nginx_pid"
	stop_pid "$server_pid"
	rm -rf "$tmp"
}
trap cleanup EXIT
started=$(date +%s)
load_start=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "?")

# ---- the binary -----------------------------------------------------------------------------

bench_find_server

# ---- helpers ----------------------------------------------------------------------------------

# median of the numbers in FILE (one a line)
median() {
	sort -n "$1" | awk '{ a[NR] = $1 } END {
		if (NR == 0) { print ""; exit }
		if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}
ms() { awk -v n="$1" 'BEGIN { printf "%.0f", n / 1e6 }'; }
# "min–max" of the nanosecond numbers in FILE, in ms
range() { sort -n "$1" | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%.0f–%.0f", lo / 1e6, hi / 1e6 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
size_h() { awk -v b="$1" 'BEGIN { if (b >= 1048576) printf "%.1f MiB", b / 1048576; else if (b >= 10240) printf "%.0f KiB", b / 1024; else printf "%d B", b }'; }
now_ns() { local t=$EPOCHREALTIME; echo "${t%.*}${t#*.}000"; }

# A free loopback port (nothing accepts a connection on it).
free_port() {
	local p i
	for ((i = 0; i < 200; i++)); do
		p=$((20000 + RANDOM % 30000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	die "no free loopback port found"
}

# wait_http URL PID NAME: until URL answers (up to 15 s) while PID lives.
wait_http() {
	local i
	for ((i = 0; i < 150; i++)); do
		curl -sf -o /dev/null "$1" && return 0
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# btf_variant SRC DST TAG: SRC (raw little-endian BTF, strings last) with the string TAG
# appended to its string section: the same types, another sha256.
btf_variant() {
	local src=$1 dst=$2 tag=$3 hdr str_off str_len size n
	read -r hdr < <(od -An -tu4 -j4 -N4 "$src")
	read -r str_off str_len < <(od -An -tu4 -j16 -N8 "$src")
	size=$(stat -c %s "$src")
	[ "$size" = $((hdr + str_off + str_len)) ] || die "$src: not a raw BTF with strings last"
	cp "$src" "$dst"
	printf '%s\0' "$tag" >>"$dst"
	n=$((str_len + ${#tag} + 1))
	# shellcheck disable=SC2059
	printf "$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' $((n & 255)) $((n >> 8 & 255)) \
		$((n >> 16 & 255)) $((n >> 24 & 255)))" |
		dd of="$dst" bs=1 seek=20 conv=notrunc status=none
}

# src_variant SRC DST TAG: SRC with "/* eucc bench: TAG */" appended to its last `return` line
# (the same program; the line text in .BTF.ext differs, so the object's digest does).
src_variant() {
	awk -v tag="$3" 'NR == FNR { if ($0 ~ /return[ \t(;]/) last = FNR; next }
		FNR == last { print $0 " /* eucc bench: " tag " */"; next } { print }' "$1" "$1" >"$2"
	grep -q "eucc bench: $3" "$2" || die "$1 has no return line to tag"
}

# make_body OUT NAME MAIN SRCFILE FLAG KERNEL...: the JSON of POST /v1/compile, with the
# toolchain clang-14: the same clang as the plain toolchain's `clang`.
make_body() {
	local out=$1 name=$2 main=$3 src=$4 flag=$5
	shift 5
	jq -n --rawfile src "$src" --arg name "$name" --arg main "$main" --arg flag "$flag" \
		--argjson kernels "$(printf '%s\n' "$@" | jq -R . | jq -cs .)" \
		'{name: $name, main: $main, sources: {($main): $src}, kernels: $kernels,
		  arch: "x86_64", cflags: [$flag], toolchain: "clang-14"}' >"$out"
}

# post BODY ANSWER: POST /v1/compile; sets $curl_s (curl's time_total); dies unless 200.
post() {
	local code
	read -r code curl_s < <(curl -sS -o "$2" -w '%{http_code} %{time_total}\n' -X POST \
		-H 'Content-Type: application/json' --data-binary @"$1" "$base_url/v1/compile")
	[ "$code" = 200 ] || {
		head -c 2000 "$2" >&2
		echo >&2
		die "POST /v1/compile answered $code"
	}
}

# fetch_pkg ANSWER DIR: download the answer's package and unpack it into DIR; sets $pkg_hex.
fetch_pkg() {
	local url
	url=$(jq -r '.package.url' "$1")
	pkg_hex=${url##*/}
	rm -rf "$2"
	mkdir -p "$2"
	curl -sSf -o "$2.eucc" "$base_url$url" || die "GET $url failed"
	tar -xzf "$2.eucc" -C "$2" || die "cannot unpack the package $url"
}

# ---- the store --------------------------------------------------------------------------------

data=$tmp/data
log "importing the fixture BTF"
"$server" btf import "$btfdir" --data "$data" >"$tmp/import.log" 2>&1 || {
	cat "$tmp/import.log" >&2
	die "btf import of the fixtures failed"
}
nfixtures=$(grep -c '^added ' "$tmp/import.log" || true)
mapfile -t x86 < <(EUCC_DATA=$data "$server" btf list --arch x86_64 --json | jq -r '.[].release')
[ "${#x86[@]}" -gt 0 ] || die "no x86_64 kernel in the fixtures"
[ "${#x86[@]}" -le "$nmax" ] || x86=("${x86[@]:0:$nmax}")
base_rel=6.1.0-47-cloud-amd64
base_tar=$(find "$btfdir" -path '*/x86_64/*' -name "$base_rel.btf.tar.xz" -type f | sed -n 1p)
if [ -z "$base_tar" ]; then
	base_tar=$(find "$btfdir" -path '*/x86_64/*' -name '*.btf.tar.xz' -type f | LC_ALL=C sort | sed -n 1p)
	base_rel=$(basename "$base_tar" .btf.tar.xz)
fi
[ -n "$base_tar" ] || die "no x86_64 .btf.tar.xz under $btfdir"
mkdir -p "$tmp/copies"
tar -xJf "$base_tar" -C "$tmp/copies"
base_btf=$(find "$tmp/copies" -name "$base_rel.btf" -type f | sed -n 1p)
[ -n "$base_btf" ] || die "$base_tar holds no $base_rel.btf"
ncopies=$((nmax - ${#x86[@]}))
copies=()
log "importing $ncopies copies of $base_rel (distinct sha256)"
for ((i = 1; i <= ncopies; i++)); do
	case $base_rel in
	*-cloud-*) rel=${base_rel/-cloud-/-copy$i-} ;;
	*) rel=$base_rel-copy$i ;;
	esac
	btf_variant "$base_btf" "$tmp/copies/copy$i.btf" "eucc-bench-copy$i"
	"$server" btf import "$tmp/copies/copy$i.btf" --data "$data" --release "$rel" \
		--distro bench --version "$i" --arch x86_64 >>"$tmp/import.log" 2>&1 || {
		cat "$tmp/import.log" >&2
		die "btf import of copy $i failed"
	}
	copies+=("$rel")
done
# Kernel sets: 1 = the copied kernel; then the fixture kernels; then the copies.
all=("${x86[@]}" "${copies[@]}")
declare -A kset
kset[1]=$base_rel
kset[4]="${all[*]:0:4}"
kset[16]="${all[*]:0:16}"
declare -A store_btf
for rel in "${all[@]}"; do
	f=$(find "$data/btf" -path '*/x86_64/*' -name "$rel.btf" -type f | sed -n 1p)
	[ -n "$f" ] || die "no $rel.btf in the store"
	store_btf[$rel]=$f
done
distinct_sha=$(EUCC_DATA=$data "$server" btf list --arch x86_64 --json | jq -r '.[].sha256' | sort -u | wc -l)

# ---- the server -------------------------------------------------------------------------------

port=$(free_port)
base_url=http://127.0.0.1:$port
log "starting eucc-server on 127.0.0.1:$port (--workers $workers --http-threads $http_threads)"
"$server" serve --listen "127.0.0.1:$port" --data "$data" --workers "$workers" \
	--http-threads "$http_threads" >"$tmp/server.log" 2>&1 &
server_pid=$!
wait_http "$base_url/healthz" "$server_pid" || {
	cat "$tmp/server.log" >&2
	die "eucc-server did not come up"
}
info=$(curl -sSf "$base_url/v1/info")

# Warm-up, as a long-running server is: for every kernel set, one request with other source
# (so vmlinux.h, the precompiled header of the set's header kernel and the parsed BTF exist).
declare -A hdr
for k in "${counts[@]}"; do
	read -r -a ks <<<"${kset[$k]}"
	src_variant "$basic_src" "$tmp/warm.bpf.c" "warm-up $k"
	make_body "$tmp/warm.json" basic basic.bpf.c "$tmp/warm.bpf.c" "-DRUN=warm$k" "${ks[@]}"
	post "$tmp/warm.json" "$tmp/warm.answer"
	log "warm-up, $k kernels: $(jq -c '.timings_ms' "$tmp/warm.answer")"
	fetch_pkg "$tmp/warm.answer" "$tmp/warm.pkg"
	hdr[$k]=$(jq -r '.toolchain.headers // empty' "$tmp/warm.pkg/manifest.json")
	[ -n "${hdr[$k]}" ] || die "the package names no header kernel (manifest .toolchain.headers)"
	h=$(find "$data/btf" -path '*/x86_64/*' -name "${hdr[$k]}.h" -type f | sed -n 1p)
	[ -n "$h" ] || die "no vmlinux.h of ${hdr[$k]} in the store"
	mkdir -p "$tmp/inc$k"
	ln -sf "$h" "$tmp/inc$k/vmlinux.h"
done

# ---- 1. cold compile --------------------------------------------------------------------------

# The plain toolchain, one bash: compile, strip, then min_core_btf for every kernel BTF.
# Prints the nanoseconds spent in clang + llvm-strip (the rest is min_core_btf).
plain_script='set -eu
inc=$1 src=$2 flag=$3 out=$4
shift 4
t0=$EPOCHREALTIME
clang -target bpf -O2 -g -D__TARGET_ARCH_x86 "$flag" -I"$inc" -c "$src" -o "$out/prog.bpf.o"
llvm-strip -g "$out/prog.bpf.o"
t1=$EPOCHREALTIME
i=0
for b in "$@"; do
	i=$((i + 1))
	bpftool gen min_core_btf "$b" "$out/$i.btf" "$out/prog.bpf.o"
done
echo $(( ${t1%.*}${t1#*.} - ${t0%.*}${t0#*.} ))000'

log "cold compile: ${counts[*]} kernels x $runs runs (eucc and plain, interleaved)"
mkdir -p "$tmp/src"
n=0
for ((r = 1; r <= runs; r++)); do
	for k in "${counts[@]}"; do
		n=$((n + 1))
		read -r -a ks <<<"${kset[$k]}"
		btfs=()
		for rel in "${ks[@]}"; do btfs+=("${store_btf[$rel]}"); done
		src_variant "$basic_src" "$tmp/src/basic.bpf.c" "run $n"
		t0=$(now_ns)
		make_body "$tmp/body.json" basic basic.bpf.c "$tmp/src/basic.bpf.c" "-DRUN=$n" "${ks[@]}"
		t1=$(now_ns)
		echo $((t1 - t0)) >>"$tmp/jq$k"
		cp "$tmp/body.json" "$tmp/body$k.json"

		t0=$(now_ns)
		post "$tmp/body.json" "$tmp/answer.json"
		t1=$(now_ns)
		echo $((t1 - t0)) >>"$tmp/eucc$k"
		awk -v s="$curl_s" 'BEGIN { printf "%.0f\n", s * 1e9 }' >>"$tmp/curl$k"
		jq -r '.timings_ms | "\(.total // 0) \(.compile // 0) \(.check // 0) \(.package // 0)
			\(.preprocess // "-") \(.header // "-") \(.clang // "-")"' \
			"$tmp/answer.json" | tr '\n' ' ' >"$tmp/tm"
		echo >>"$tmp/tm"
		read -r tt tc tk tp tpre thdr tcl <"$tmp/tm"
		echo "$tpre" >>"$tmp/st_pre$k"
		echo "$thdr" >>"$tmp/st_hdr$k"
		echo "$tcl" >>"$tmp/st_clang$k"
		echo "$tt" >>"$tmp/st_total$k"
		echo "$tc" >>"$tmp/st_compile$k"
		echo "$tk" >>"$tmp/st_check$k"
		echo "$tp" >>"$tmp/st_package$k"
		misses=$(jq '[.cache.object] + [.cache.kernels[]] | map(select(. == "miss")) | length' "$tmp/answer.json")
		[ "$misses" = $((k + 1)) ] || {
			jq -c '.cache' "$tmp/answer.json" >&2
			die "run $n ($k kernels) was not a cache miss everywhere"
		}
		nk=$(jq '.kernels | length' "$tmp/answer.json")
		[ "$nk" = "$k" ] || die "the answer holds $nk kernels, expected $k"
		cp "$tmp/answer.json" "$tmp/answer$k.json"

		rm -rf "$tmp/plain"
		mkdir -p "$tmp/plain"
		t0=$(now_ns)
		cc_ns=$(bash -c "$plain_script" _ "$tmp/inc$k" "$tmp/src/basic.bpf.c" "-DRUN=$n" \
			"$tmp/plain" "${btfs[@]}" 2>"$tmp/plain.err") || {
			cat "$tmp/plain.err" >&2
			die "the plain toolchain failed"
		}
		t1=$(now_ns)
		echo $((t1 - t0)) >>"$tmp/plain$k"
		echo "$cc_ns" >>"$tmp/plaincc$k"
		echo $((t1 - t0 - cc_ns)) >>"$tmp/plainmin$k"
		log "  run $r, $k kernels: eucc $(ms "$(tail -n 1 "$tmp/eucc$k")") ms" \
			"(server $tt ms), plain $(ms $((t1 - t0))) ms"
	done
done

# How the compiles went: against the program's own header, or the full vmlinux.h.
curl -sSf "$base_url/metrics" | grep '^eucc_min_header_total' >"$tmp/min_metrics" ||
	die "/metrics has no eucc_min_header_total"
min_used=$(awk -F'} ' '/result="used"/ { print $2 }' "$tmp/min_metrics")
min_fallback=$(awk -F'} ' '/result="fallback"/ { print $2 }' "$tmp/min_metrics")
min_refused=$(awk -F'} ' '/result="refused"/ { print $2 }' "$tmp/min_metrics")
# How the sandboxed commands ran: forked from warm tools, or started afresh under bwrap.
curl -sSf "$base_url/metrics" | grep '^eucc_sandbox_runs_total' >"$tmp/sandbox_metrics" ||
	die "/metrics has no eucc_sandbox_runs_total"
runs_warm=$(awk -F'} ' '/how="warm"/ { print $2 }' "$tmp/sandbox_metrics")
runs_bwrap=$(awk -F'} ' '/how="bwrap"/ { print $2 }' "$tmp/sandbox_metrics")
# median of a column that may say "-" (the full header was used: no own-header stages)
median_or_dash() { if grep -q '^-$' "$1"; then echo "-"; else median "$1"; fi; }

cold_rows=()
breakdown_rows=()
declare -A cold_ratio
for k in "${counts[@]}"; do
	e=$(median "$tmp/eucc$k")
	p=$(median "$tmp/plain$k")
	cold_ratio[$k]=$(ratio "$e" "$p")
	breakdown_rows+=("| $k | $(median "$tmp/st_compile$k") ms | $(median_or_dash "$tmp/st_pre$k") ms | $(median_or_dash "$tmp/st_hdr$k") ms | $(median_or_dash "$tmp/st_clang$k") ms | $(median "$tmp/st_check$k") ms | $(median "$tmp/st_package$k") ms | $(ms "$(median "$tmp/plaincc$k")") ms | $(ms "$(median "$tmp/plainmin$k")") ms |")
	cold_rows+=("| $k | \`${hdr[$k]}\` | **$(ms "$e") ms** ($(range "$tmp/eucc$k")) | $(ms "$(median "$tmp/curl$k")") ms | $(median "$tmp/st_total$k") ms | $(median "$tmp/st_compile$k") / $(median "$tmp/st_check$k") / $(median "$tmp/st_package$k") ms | **$(ms "$p") ms** ($(range "$tmp/plain$k")) | $(ms "$(median "$tmp/plaincc$k")") ms | $(ms "$(median "$tmp/plainmin$k")") ms | **${cold_ratio[$k]}x** | $(ms "$(median "$tmp/jq$k")") ms |")
done

# ---- 2. minimized BTF size --------------------------------------------------------------------

log "minimized BTF sizes"
size_rows=()
size_ratios=()
: >"$tmp/size_sum"
read -r -a k4 <<<"${kset[4]}"
for prog in basic rich; do
	case $prog in
	basic) cp "$tmp/answer4.json" "$tmp/size.answer" ;;
	rich)
		make_body "$tmp/size.json" rich rich.bpf.c "$rich_src" "-DRUN=size" "${k4[@]}"
		post "$tmp/size.json" "$tmp/size.answer"
		;;
	esac
	fetch_pkg "$tmp/size.answer" "$tmp/size.pkg"
	obj=$(jq -r '.object.path' "$tmp/size.pkg/manifest.json")
	[ -f "$tmp/size.pkg/$obj" ] || die "the $prog package has no $obj"
	for rel in "${k4[@]}"; do
		f=$tmp/size.pkg/btf/x86_64/$rel.btf
		status=$(jq -r --arg r "$rel" '.kernels[] | select(.release == $r) | .status' "$tmp/size.pkg/manifest.json")
		if [ -f "$f" ]; then e=$(stat -c %s "$f"); else e=; fi
		if bpftool gen min_core_btf "${store_btf[$rel]}" "$tmp/min.btf" "$tmp/size.pkg/$obj" \
			>"$tmp/min.log" 2>&1; then
			p=$(stat -c %s "$tmp/min.btf")
		else
			p=
			log "  bpftool gen min_core_btf failed for $prog on $rel: $(tail -n 1 "$tmp/min.log")"
		fi
		if [ -n "$e" ] && [ -n "$p" ]; then
			rt=$(ratio "$e" "$p")
			size_ratios+=("$rt")
			echo "$e $p" >>"$tmp/size_sum"
		else
			rt=n/a
		fi
		size_rows+=("| \`$obj\` | \`$rel\` | $status | ${e:-none} B | ${p:-failed} B | ${rt}x |")
		log "  $prog on $rel: eucc ${e:-none} B, bpftool ${p:-failed} B"
	done
done
size_lo=$(printf '%s\n' "${size_ratios[@]}" | grep -v n/a | sort -n | sed -n 1p || true)
size_hi=$(printf '%s\n' "${size_ratios[@]}" | grep -v n/a | sort -n | tail -n 1 || true)
size_total=$(awk '{ e += $1; p += $2 } END { if (p > 0) printf "%.2f", e / p }' "$tmp/size_sum")

# ---- 3. warm hits with wrk ---------------------------------------------------------------------

wrk_rows=()
wrk_note=
declare -A rps
if [ "${#missing[@]}" -gt 0 ]; then
	wrk_note="Not measured: ${missing[*]} missing (Debian packages \`wrk\` and \`nginx\`)."
else
	# The package: the last 16-kernel answer's; the compile hit: the last 4-kernel request again.
	fetch_pkg "$tmp/answer16.json" "$tmp/hit.pkg"
	hit_hex=$pkg_hex
	pkg_size=$(stat -c %s "$tmp/hit.pkg.eucc")
	post "$tmp/body4.json" "$tmp/hit.answer"
	jq -e '[.cache.object] + [.cache.kernels[]] | all(. == "hit")' "$tmp/hit.answer" >/dev/null ||
		die "repeating a request was not a cache hit: $(jq -c .cache "$tmp/hit.answer")"
	body_size=$(stat -c %s "$tmp/body4.json")
	answer_size=$(stat -c %s "$tmp/hit.answer")

	www=$tmp/www
	mkdir -p "$www/v1/artifacts" "$tmp/nginx/tmp"
	cp "$tmp/hit.pkg.eucc" "$www/v1/artifacts/$hit_hex"
	cp "$tmp/hit.answer" "$www/v1/compile"
	nport=$(free_port)
	[ "$nport" != "$port" ] || nport=$(free_port)
	# Workers of nginx started by root would run as nobody, who cannot enter the temp dir.
	nginx_user=
	[ "$(id -u)" != 0 ] || nginx_user="user root;"
	cat >"$tmp/nginx/nginx.conf" <<EOF
$nginx_user
daemon off;
worker_processes 2;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log warn;
events { worker_connections 1024; }
http {
	access_log off;
	sendfile on;
	tcp_nopush on;
	keepalive_requests 1000000;
	default_type application/octet-stream;
	client_body_temp_path $tmp/nginx/tmp/body;
	proxy_temp_path $tmp/nginx/tmp/proxy;
	fastcgi_temp_path $tmp/nginx/tmp/fastcgi;
	uwsgi_temp_path $tmp/nginx/tmp/uwsgi;
	scgi_temp_path $tmp/nginx/tmp/scgi;
	server {
		listen 127.0.0.1:$nport;
		root $www;
		# POST to a static file is 405 in nginx; answer it with the file instead.
		location = /v1/compile {
			default_type application/json;
			error_page 405 =200 \$uri;
		}
	}
}
EOF
	log "starting nginx on 127.0.0.1:$nport (2 workers)"
	nginx -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" -e "$tmp/nginx/error.log" \
		>"$tmp/nginx/stdout.log" 2>&1 &
	nginx_pid=$!
	nginx_url=http://127.0.0.1:$nport
	wait_http "$nginx_url/v1/artifacts/$hit_hex" "$nginx_pid" || {
		cat "$tmp/nginx/error.log" "$tmp/nginx/stdout.log" >&2 || true
		die "nginx did not come up"
	}
	curl -sSf -o "$tmp/via-nginx" "$nginx_url/v1/artifacts/$hit_hex"
	curl -sSf -o "$tmp/via-eucc" "$base_url/v1/artifacts/$hit_hex"
	cmp -s "$tmp/via-nginx" "$tmp/via-eucc" || die "nginx and eucc-server serve different bytes"
	code=$(curl -sS -o "$tmp/via-nginx.json" -w '%{http_code}' -X POST \
		-H 'Content-Type: application/json' --data-binary @"$tmp/body4.json" "$nginx_url/v1/compile")
	[ "$code" = 200 ] && cmp -s "$tmp/via-nginx.json" "$tmp/hit.answer" ||
		die "nginx does not answer the POST with the saved answer (status $code)"

	cat >"$tmp/post.lua" <<EOF
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = assert(io.open("$tmp/body4.json", "rb"))
wrk.body = f:read("*a")
f:close()
EOF

	# to_ms VALUE: wrk's "1.23ms"/"456.00us"/"1.02s" in ms
	to_ms() {
		awk -v v="$1" 'BEGIN {
			if (v ~ /us$/) { sub(/us$/, "", v); printf "%.2f", v / 1000 }
			else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.2f", v }
			else if (v ~ /m$/) { sub(/m$/, "", v); printf "%.0f", v * 60000 }
			else if (v ~ /s$/) { sub(/s$/, "", v); printf "%.2f", v * 1000 }
			else print "?" }'
	}
	clk_tck=$(getconf CLK_TCK 2>/dev/null || echo 100)
	# cpu_ticks PID: user + system clock ticks of PID and of its children still running (all
	# threads; nginx's workers are the master's children).
	cpu_ticks() {
		local p sum=0 t
		for p in "$1" $(ps -o pid= --ppid "$1" 2>/dev/null); do
			t=$(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$p/stat" 2>/dev/null || echo 0)
			sum=$((sum + t))
		done
		echo "$sum"
	}
	# bench_wrk KEY NAME URL PID [LUA]: a 1 s warm-up, then the measured run; adds a row.
	bench_wrk() {
		local key=$1 name=$2 url=$3 pid=$4 lua=${5:-} args=() out=$tmp/wrk-$1.txt r p50 p99 reqs errs
		local non2xx sock c0 c1 cpu
		[ -z "$lua" ] || args=(-s "$lua")
		wrk -t"$wrk_threads" -c"$wrk_conns" -d1s "${args[@]}" "$url" >/dev/null 2>&1 || true
		c0=$(cpu_ticks "$pid")
		wrk -t"$wrk_threads" -c"$wrk_conns" -d"${wrk_secs}s" --timeout 10s --latency "${args[@]}" \
			"$url" >"$out" 2>&1 || {
			cat "$out" >&2
			die "wrk failed on $url"
		}
		c1=$(cpu_ticks "$pid")
		r=$(awk '/^Requests\/sec:/ { print $2 }' "$out")
		p50=$(to_ms "$(awk '$1 == "50%" { print $2 }' "$out")")
		p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$out")")
		reqs=$(awk '/ requests in / { print $1 }' "$out")
		non2xx=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$out")
		sock=$(awk -F'Socket errors: ' 'NF > 1 { print $2 }' "$out")
		errs=${non2xx:-0}
		[ -z "$sock" ] || errs="$errs; socket errors: $sock"
		[ -n "$r" ] || {
			cat "$out" >&2
			die "no Requests/sec in wrk's output"
		}
		cpu=$(awk -v d=$((c1 - c0)) -v hz="$clk_tck" -v n="$reqs" 'BEGIN { if (n > 0) printf "%.0f", d * 1e6 / hz / n; else print "?" }')
		rps[$key]=$r
		wrk_rows+=("$key|$name|$r|$p50|$p99|$reqs|$errs|$cpu")
		log "  $name: $r req/s, p50 $p50 ms, p99 $p99 ms ($reqs requests, non-2xx $errs, server CPU $cpu us/request)"
	}
	log "warm hits: wrk -t$wrk_threads -c$wrk_conns -d${wrk_secs}s --latency"
	bench_wrk get_eucc "\`GET /v1/artifacts/<hex>\`: eucc-server" "$base_url/v1/artifacts/$hit_hex" "$server_pid"
	bench_wrk get_nginx "\`GET /v1/artifacts/<hex>\`: nginx, static file" "$nginx_url/v1/artifacts/$hit_hex" "$nginx_pid"
	bench_wrk post_eucc "\`POST /v1/compile\` (hit, 4 kernels): eucc-server" "$base_url/v1/compile" "$server_pid" "$tmp/post.lua"
	bench_wrk post_nginx "\`POST /v1/compile\`: nginx, the saved answer as a static file" "$nginx_url/v1/compile" "$nginx_pid" "$tmp/post.lua"
	stop_pid "$nginx_pid"
	nginx_pid=
fi
stop_pid "$server_pid"
server_pid=

# ---- the report -------------------------------------------------------------------------------

model=$(lscpu 2>/dev/null | sed -n 's/^Model name:[[:space:]]*//p' | sed -n 1p)
mem=$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo 2>/dev/null || true)
commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(git -C "$root" status --porcelain -- server cache btfhub core common 2>/dev/null)" ]; then
	commit="$commit + uncommitted changes in server/ cache/ btfhub/ core/ common/"
fi
elapsed=$(($(date +%s) - started))
load_end=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "?")
clang_v=$(clang --version | sed -n 1p)
bpftool_v=$(bpftool version | sed -n 1p)
curl_v=$(curl --version | sed -n 1p | awk '{ print $1, $2 }')
if command -v wrk >/dev/null; then
	wrk_v=$( (wrk --version 2>&1 || true) | sed -n 1p | awk '{ print $1, $2 }')
else
	wrk_v="wrk missing"
fi
nginx_v=$(command -v nginx >/dev/null && nginx -v 2>&1 | sed 's/^nginx version: //' || echo "nginx missing")

section=$tmp/section.md
{
	echo "## Compile server"
	echo
	echo "Run $(date -u '+%Y-%m-%d %H:%M UTC') by \`bench/compile_server.sh\` in ${elapsed} s."
	echo "Machine: $ncpu CPUs, ${model:-unknown CPU}, ${mem:-? GiB} RAM, kernel $(uname -r);"
	echo "load average (1/5/15 min) $load_start at the start and $load_end at the end (the machine is shared;"
	echo "client, server and nginx run on the same $ncpu CPUs)."
	echo "eucc-server $("$server" --version | awk '{ print $2 }') (\`${server_src#"$root"/}\`) at $commit;"
	echo "$clang_v, $bpftool_v, $curl_v, $wrk_v, $nginx_v."
	echo "Server: \`eucc-server serve --listen 127.0.0.1:PORT --data DIR --workers $workers --http-threads $http_threads\`"
	echo "(\`/v1/info\`: $info), a fresh data dir holding the $nfixtures fixture kernels and"
	echo "$ncopies copies of \`$base_rel\` (\`--distro bench\`, releases \`${copies[0]:-}\` ...; each copy's BTF has one"
	echo "string appended so that its sha256 differs, $distinct_sha distinct x86_64 BTF digests in all)."
	echo
	echo "### Cold compile"
	echo
	echo "\`tests/data/core/basic.bpf.c\` for 1, 4 and 16 x86_64 kernels (1: \`$base_rel\`; 4: the fixture's"
	echo "x86_64 kernels; 16: those and the copies). Median of $runs runs, eucc and plain interleaved."
	echo "The server was warmed up per kernel set by one request with other source (vmlinux.h, the"
	echo "precompiled header of the header kernel and the parsed BTF exist); every measured run had"
	echo "\`-DRUN=<n>\` and a comment on its last \`return\` line changed, and its answer said \`miss\` for"
	echo "the object and every kernel (checked). **eucc** is the wall time of one"
	echo "\`curl -X POST --data-binary @body.json /v1/compile\` process; \`time_total\` is curl's own;"
	echo "**server** is the answer's \`timings_ms\` (total; compile / check / package). The JSON body was"
	echo "built before, with \`jq --rawfile\` (its time in the last column, not in eucc's)."
	echo "**plain** is one \`bash -c\`: \`clang -target bpf -O2 -g -D__TARGET_ARCH_x86 -DRUN=<n> -I<dir> -c\`"
	echo "against the same header kernel's vmlinux.h from the store, \`llvm-strip -g\`, then"
	echo "\`bpftool gen min_core_btf <kernel.btf> out.btf obj.o\` for each kernel in turn. Both use clang 14"
	echo "(the requests ask for the server's toolchain \`clang-14\`). Ratio: eucc / plain."
	echo
	echo "Times: median (min–max)."
	echo
	echo "| kernels | header kernel | eucc | curl time_total | server total | compile / check / package | plain | clang + strip | min_core_btf (all) | ratio | jq body |"
	echo "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	printf '%s\n' "${cold_rows[@]}"
	echo
	echo "Where the time went (server side, medians of the answers' \`timings_ms\`): **compile** is"
	echo "preprocess (\`clang -E\` in the sandbox against a stub vmlinux.h) + header (the program's own"
	echo "kernel header from the header kernel's parsed BTF, docs/kernel-header.md) + clang (the compile"
	echo "against that header in the sandbox, then the DWARF strip in the server's memory), plus job"
	echo "dirs; both clang runs are forked from a warm tool (docs/security.md); **check** is"
	echo "the per-kernel relocation, feature and attach checks with the minimization; **package** the"
	echo "package's assembly and storing. The plain toolchain's own split is beside it. Compiles over the"
	echo "whole run (\`eucc_min_header_total\`, warm-up and size requests included): $min_used against"
	echo "the program's own header, $min_fallback fell back to the full vmlinux.h, $min_refused had none made."
	echo "Sandboxed commands over the whole run (\`eucc_sandbox_runs_total\`, docs/security.md \"Warm"
	echo "tools\"): $runs_warm forked from warm tools, $runs_bwrap started afresh under bwrap (a precompiled"
	echo "header, when one is made, is made under bwrap)."
	echo
	echo "| kernels | compile | preprocess | header | clang | check | package | plain: clang + strip | plain: min_core_btf |"
	echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	printf '%s\n' "${breakdown_rows[@]}"
	echo
	echo "### Minimized BTF size"
	echo
	echo "Per kernel: \`btf/x86_64/<release>.btf\` of eucc's package (\`GET /v1/artifacts/<hex>\`, \`tar -xzf\`)"
	echo "against \`bpftool gen min_core_btf <kernel.btf> out.btf <obj>\` run on the package's own object."
	echo "The copies of \`$base_rel\` give the same sizes as it, so only the fixture's kernels are listed."
	echo
	echo "| object | kernel | status | eucc | bpftool | ratio |"
	echo "|---|---|---|---:|---:|---:|"
	printf '%s\n' "${size_rows[@]}"
	echo "| **all** | | | | | **${size_total:-n/a}x** |"
	echo
	echo "### Warm hits (wrk)"
	echo
	if [ -n "$wrk_note" ]; then
		echo "$wrk_note"
	else
		echo "\`wrk -t$wrk_threads -c$wrk_conns -d${wrk_secs}s --latency\` after a 1 s warm-up run, on the same $ncpu CPUs as the"
		echo "servers. The package: the $(size_h "$pkg_size") package of a 16-kernel answer above. nginx: \`worker_processes 2\`,"
		echo "\`sendfile on\`, \`access_log off\`, the package as a static file at the same path. The compile"
		echo "hit: the last 4-kernel request again ($(size_h "$body_size") JSON body, $(size_h "$answer_size") answer, \`hit\` everywhere,"
		echo "checked), POSTed by a wrk Lua script; nginx answers the same POST with the saved answer as"
		echo "a static file (\`error_page 405 =200 \$uri\`). Server CPU / request: user + system time of the server"
		echo "process (nginx: master and workers) during the run, over the requests. Ratio: req/s against"
		echo "nginx's on the same request."
		echo
		echo "| request: server | req/s | p50 | p99 | requests | non-2xx | server CPU / request | ratio |"
		echo "|---|---:|---:|---:|---:|---:|---:|---:|"
		for row in "${wrk_rows[@]}"; do
			IFS='|' read -r key name r p50 p99 reqs errs cpu <<<"$row"
			case $key in
			get_eucc) rt="**$(ratio "$r" "${rps[get_nginx]}")x**" ;;
			post_eucc) rt="**$(ratio "$r" "${rps[post_nginx]}")x** ($(ratio "$r" "${rps[get_nginx]}")x of nginx's package GET)" ;;
			*) rt="1.00x" ;;
			esac
			echo "| $name | $r | $p50 ms | $p99 ms | $reqs | $errs | $cpu µs | $rt |"
		done
	fi
	echo
	summary="In this run eucc took ${cold_ratio[1]}x, ${cold_ratio[4]}x and ${cold_ratio[16]}x the plain toolchain's time for"
	summary="$summary 1, 4 and 16 kernels ($(ms "$(median "$tmp/eucc1")"), $(ms "$(median "$tmp/eucc4")") and $(ms "$(median "$tmp/eucc16")") ms against"
	summary="$summary $(ms "$(median "$tmp/plain1")"), $(ms "$(median "$tmp/plain4")") and $(ms "$(median "$tmp/plain16")") ms);"
	summary="$summary the targets are at most 0.25x for 1 kernel and 0.15x for 16."
	summary="$summary Its minimized BTF was ${size_lo:-?}x to ${size_hi:-?}x the size of bpftool's per kernel (${size_total:-?}x in total)."
	if [ -z "$wrk_note" ]; then
		summary="$summary On warm hits eucc-server served $(ratio "${rps[get_eucc]}" "${rps[get_nginx]}")x nginx's"
		summary="$summary request rate for the package GET and $(ratio "${rps[post_eucc]}" "${rps[post_nginx]}")x for the compile POST"
		summary="$summary ($(printf '%.0f' "${rps[get_eucc]}") and $(printf '%.0f' "${rps[post_eucc]}") req/s against $(printf '%.0f' "${rps[get_nginx]}") and $(printf '%.0f' "${rps[post_nginx]}"))."
	fi
	echo "$summary" | fold -s -w 100 | sed 's/ *$//'
	echo
} >"$section"

results_write_section "$results" "Compile server" "$section"
log "wrote the \"## Compile server\" section of $results (${elapsed} s)"
