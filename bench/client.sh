#!/usr/bin/env bash
# The thin client's numbers: binary size and libraries, compile time cold and warm end to end,
# the time from start to attached of the dynamic and the static build next to `bpftool prog
# loadall` of the same object (taken in turn, run by run), and the VM matrix's wall time
# (ctest -R e2e_vm_matrix; BENCH_CLIENT_MATRIX=0 leaves it out).
# Writes the "## Client" section of bench/RESULTS.md.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/.."
root=$PWD
fixtures=${EUCC_FIXTURES:-$(cd .. && pwd)/shared/fixtures}
runs=${BENCH_CLIENT_RUNS:-7}
dir=$(scripts/build.sh)
server=$root/$dir/server/eucc-server
remote=$root/$dir/client/eucc-remote
static=$root/$dir/static/x86_64/client/eucc-remote
static_arm64=$root/$dir/static/aarch64/client/eucc-remote
[ -x "$static" ] && [ -x "$static_arm64" ] || { echo "bench: no static build in $dir/static" >&2; exit 1; }
tmp=$(mktemp -d /tmp/eucc-bench-client-XXXXXX)
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$tmp"' EXIT
export EUCC_DATA=$tmp/data
port=$((20000 + RANDOM % 12000))
export EUCC_SERVER=http://127.0.0.1:$port

ms() { echo $(($(date +%s%N) / 1000000)); }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR + 1) / 2)]}'; }

"$server" btf import "$fixtures/btf" >/dev/null
"$server" btf import /sys/kernel/btf/vmlinux --release "$(uname -r)" >/dev/null
"$server" serve --listen "127.0.0.1:$port" >/dev/null 2>&1 &
pid=$!
for _ in $(seq 50); do curl -sf "$EUCC_SERVER/healthz" >/dev/null && break; sleep 0.1; done
cd "$tmp"
cp "$root/examples/execsnoop.bpf.c" .

# One compile to make the header kernel's precompiled header, as a running server has it.
"$remote" -q compile execsnoop.bpf.c --kernel 5.10 --kernel 6.1 --kernel local -D WARMUP -o w.eucc >/dev/null
cold=() warm=()
for i in $(seq "$runs"); do
	# a comment on a code line changes the object's line info, so every kernel is a miss too
	sed "s|^\(\s*return 0;\).*|\1 // run $i|" "$root/examples/execsnoop.bpf.c" >execsnoop.bpf.c
	t0=$(ms); "$remote" -q compile execsnoop.bpf.c --kernel 5.10 --kernel 6.1 --kernel local -D RUN=$i -o c.eucc >/dev/null; t1=$(ms)
	cold+=($((t1 - t0)))
	t0=$(ms); "$remote" -q compile execsnoop.bpf.c --kernel 5.10 --kernel 6.1 --kernel local -D RUN=$i -o c.eucc >/dev/null; t1=$(ms)
	warm+=($((t1 - t0)))
done
cold_ms=$(printf '%s\n' "${cold[@]}" | median)
warm_ms=$(printf '%s\n' "${warm[@]}" | median)

# Start to attached: eucc-remote run --attach-only (verify the package, choose the BTF, load,
# attach, detach), dynamic and static, next to bpftool prog loadall of the same object (load
# and pin, no attach); the three in turn in every round, so that a drift of the machine's
# speed touches them alike.
tar -xzf c.eucc execsnoop.bpf.o
mkdir -p /sys/fs/bpf
# until it says "loaded and attached" (detaching after that waits for the kernel's RCU)
attached_ms() {
	local t0 t1
	t0=$(ms)
	t1=$("$1" run c.eucc --attach-only | { read -r _; ms; cat >/dev/null; })
	echo $((t1 - t0))
}
run_ms=() static_ms=() tool_ms=()
for i in $(seq "$runs"); do
	run_ms+=("$(attached_ms "$remote")")
	static_ms+=("$(attached_ms "$static")")
	rm -rf /sys/fs/bpf/eucc-bench
	t0=$(ms); bpftool prog loadall execsnoop.bpf.o /sys/fs/bpf/eucc-bench >/dev/null; t1=$(ms)
	tool_ms+=($((t1 - t0)))
	rm -rf /sys/fs/bpf/eucc-bench
done
run_med=$(printf '%s\n' "${run_ms[@]}" | median)
static_med=$(printf '%s\n' "${static_ms[@]}" | median)
tool_med=$(printf '%s\n' "${tool_ms[@]}" | median)
size=$(stat -c %s "$remote")
stripped=$(strip -o "$tmp/stripped" "$remote" && stat -c %s "$tmp/stripped")
direct=$(readelf -d "$remote" | awk '/NEEDED/ {gsub(/[\[\]]/, "", $5); printf "%s ", $5}')
all_libs=$(ldd "$remote" | grep -c '=>')
ssize=$(stat -c %s "$static")
sstripped=$(strip -o "$tmp/sstripped" "$static" && stat -c %s "$tmp/sstripped")
asize=$(stat -c %s "$static_arm64")
sneeded=$(readelf -d "$static" 2>&1 | grep -c NEEDED || true)
sinterp=$(readelf -lW "$static" | grep -c INTERP || true)

# The VM matrix: five guests, two at a time (tests/e2e/vm_matrix.sh).
matrix_row=
if [ "${BENCH_CLIENT_MATRIX:-1}" != 0 ]; then
	t0=$(ms)
	ctest --test-dir "$root/$dir" -R '^e2e_vm_matrix$' -V >"$tmp/matrix.log" 2>&1 ||
		{ cat "$tmp/matrix.log" >&2; echo "bench: the VM matrix failed" >&2; exit 1; }
	t1=$(ms)
	boots=$(grep -o 'boots [0-9]*s)' "$tmp/matrix.log" | head -n1 | tr -dc 0-9 || true)
	matrix_row="| the VM matrix (\`ctest -R e2e_vm_matrix\`: compiles, 5 guests booted two at a time under TCG) | $(((t1 - t0) / 1000)) s wall | of it the boots: $boots s |"
fi

section=$(cat <<MD
## Client

Run $(date -u '+%Y-%m-%d %H:%M') UTC by \`bench/client.sh\`, $runs runs each, medians; the three start-to-attached
figures taken in turn in each run.
Machine: $(nproc) CPUs, kernel $(uname -r); load average $(cut -d' ' -f1 /proc/loadavg) at the end.

| what | eucc-remote | next to it |
|---|---:|---|
| binary size | $((size / 1024)) KiB ($((stripped / 1024)) KiB stripped) | |
| \`compile\` of examples/execsnoop.bpf.c for 3 kernels, cold (object and kernels miss) | $cold_ms ms | |
| the same request again (cache hit), end to end with the package download | $warm_ms ms | |
| start to attached: \`run PKG --attach-only\` until it prints "loaded and attached" | $run_med ms | the static build: $static_med ms; \`bpftool prog loadall\` of the same object: $tool_med ms |
| the static build (\`static/x86_64\`): binary size | $((ssize / 1024)) KiB ($((sstripped / 1024)) KiB stripped) | arm64: $((asize / 1024)) KiB; NEEDED entries: $sneeded, INTERP: $sinterp |
$matrix_row

Libraries the client links directly (ELF NEEDED): \`$direct\`; with theirs, $all_libs shared libraries.
The static build links none: libbpf, libelf, zlib, libcurl (HTTP, HTTPS), c-ares, libssl, libcrypto and cJSON are in the file.
\`run --attach-only\` verifies the package's digests, picks the BTF, loads, attaches and detaches;
\`bpftool prog loadall\` loads and pins the programs without attaching.
MD
)
cd "$root"
printf '%s\n' "$section" >"$tmp/section.md"
results_write_section bench/RESULTS.md "Client" "$tmp/section.md"
echo "$section"
