#!/usr/bin/env bash
# The thin client's numbers: binary size and libraries, compile time cold and warm end to end,
# and the time from start to attached next to `bpftool prog loadall` of the same object.
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
# attach, detach) next to bpftool prog loadall of the same object (load and pin, no attach).
tar -xzf c.eucc execsnoop.bpf.o
mkdir -p /sys/fs/bpf
run_ms=() tool_ms=()
for i in $(seq "$runs"); do
	# until it says "loaded and attached" (detaching after that waits for the kernel's RCU)
	t0=$(ms)
	t1=$("$remote" run c.eucc --attach-only | { read -r _; ms; cat >/dev/null; })
	run_ms+=($((t1 - t0)))
	rm -rf /sys/fs/bpf/eucc-bench
	t0=$(ms); bpftool prog loadall execsnoop.bpf.o /sys/fs/bpf/eucc-bench >/dev/null; t1=$(ms)
	tool_ms+=($((t1 - t0)))
	rm -rf /sys/fs/bpf/eucc-bench
done
run_med=$(printf '%s\n' "${run_ms[@]}" | median)
tool_med=$(printf '%s\n' "${tool_ms[@]}" | median)
size=$(stat -c %s "$remote")
stripped=$(strip -o "$tmp/stripped" "$remote" && stat -c %s "$tmp/stripped")
direct=$(readelf -d "$remote" | awk '/NEEDED/ {gsub(/[\[\]]/, "", $5); printf "%s ", $5}')

section=$(cat <<MD
## Client

Run $(date -u '+%Y-%m-%d %H:%M') UTC by \`bench/client.sh\`, $runs runs each, medians.
Machine: $(nproc) CPUs, kernel $(uname -r); load average $(cut -d' ' -f1 /proc/loadavg) at the end.

| what | eucc-remote | next to it |
|---|---:|---|
| binary size | $((size / 1024)) KiB ($((stripped / 1024)) KiB stripped) | |
| \`compile\` of examples/execsnoop.bpf.c for 3 kernels, cold (object and kernels miss) | $cold_ms ms | |
| the same request again (cache hit), end to end with the package download | $warm_ms ms | |
| start to attached: \`run PKG --attach-only\` until it prints "loaded and attached" | $run_med ms | \`bpftool prog loadall\` of the same object: $tool_med ms |

Libraries the client links directly (ELF NEEDED): \`$direct\`.
\`run --attach-only\` verifies the package's digests, picks the BTF, loads, attaches and detaches;
\`bpftool prog loadall\` loads and pins the programs without attaching.
MD
)
cd "$root"
printf '%s\n' "$section" >"$tmp/section.md"
results_write_section bench/RESULTS.md "Client" "$tmp/section.md"
echo "$section"
