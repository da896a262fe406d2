#!/usr/bin/env bash
# examples/: execsnoop, opensnoop and runqlat compiled by a real server for 4.19, 5.10, 6.1,
# 6.12 and this host, with the status each kernel must get, then run here for real with the
# package's bundled (minimized) BTF while marker commands give them something to report.
# (e2e_vm_matrix runs the same examples in 5.10, 6.1 and 6.12 guests: older verifiers.)
# Needs root and bpf() (eucc-remote mounts tracefs itself); it fails, never skips, when loading or attaching breaks.
# See docs/examples.md.
. "$(dirname "$0")/server_lib.sh"
: "${EUCC_SOURCE_DIR:?}"
PATH="$EUCC_BIN/../client:$PATH"
EX="$EUCC_SOURCE_DIR/examples"
LOCAL=$(uname -r)
B419=4.19.90-2107.6.0.0248.35.oe1.bclinux.x86_64
K510=5.10.0-32-cloud-amd64
K61=6.1.0-47-cloud-amd64
K612=6.12.100+deb12-cloud-amd64
T='[0-9]{2}:[0-9]{2}:[0-9]{2}' # the TIME column of events
KERNELS=(--kernel 4.19 --kernel 5.10 --kernel 6.1 --kernel 6.12 --kernel local --arch x86_64)

command -v eucc-remote >/dev/null || { echo "FAIL: no eucc-remote in $EUCC_BIN/../client"; exit 1; }
[ "$(id -u)" = 0 ] || { echo "FAIL: the examples are loaded for real: run as root"; exit 1; }
[ "$(uname -m)" = x86_64 ] || { echo "FAIL: this test targets x86_64 hosts"; exit 1; }

seed_store
start_server --workers 2

# statuses FILE: "release status" per kernel of a compile/check answer, sorted.
statuses() {
	jq -r '.kernels[] | "\(.release) \(.status)"' "$1" | sort
}

# want R1 S1 R2 S2 ...: the same shape, sorted, for expect_eq.
want() {
	while [ $# -gt 0 ]; do
		echo "$1 $2"
		shift 2
	done | sort -u
}

# compile NAME RC: compile examples/NAME.bpf.c for the five kernels into $TMP/NAME.eucc.
compile() {
	run "$2" eucc-remote --server "$URL" compile "$EX/$1.bpf.c" "${KERNELS[@]}" \
		-o "$TMP/$1.eucc" --json
	printf '%s\n' "$OUT" >"$TMP/$1.json"
	[ -s "$TMP/$1.eucc" ] || { echo "FAIL: $1: no package written"; failures=$((failures + 1)); }
}

# ---- compile: per-kernel status ------------------------------------------------------------

# execsnoop uses only what 4.19 has (perf buffer, tracepoint, bpf_probe_read via BPF_CORE_READ,
# no global data): ok everywhere, exit 0.
compile execsnoop 0
expect_eq "execsnoop: statuses" "$(statuses "$TMP/execsnoop.json")" \
	"$(want "$B419" ok "$K510" ok "$K61" ok "$K612" ok "$LOCAL" ok)"
expect_eq "execsnoop: no findings" "$(jq '[.kernels[].findings[]] | length' "$TMP/execsnoop.json")" 0
MEMBERS=$(tar -tzf "$TMP/execsnoop.eucc")
expect "execsnoop: BTF of this host bundled" "$MEMBERS" "^btf/x86_64/$LOCAL\.btf$"
expect "execsnoop: BTF of 4.19 bundled" "$MEMBERS" "^btf/x86_64/$B419\.btf$"

# opensnoop: ring buffer (map type and bpf_ringbuf_* helpers, 5.8) and a read-only global
# (global data, 5.2; the bclinux 4.19 kernel has none): incompatible on 4.19, so exit 1;
# ok on 5.10 and later.
compile opensnoop 1
expect_eq "opensnoop: statuses" "$(statuses "$TMP/opensnoop.json")" \
	"$(want "$B419" incompatible "$K510" ok "$K61" ok "$K612" ok "$LOCAL" ok)"
F419=$(jq -c --arg r "$B419" '.kernels[] | select(.release == $r) | .findings' "$TMP/opensnoop.json")
expect "opensnoop 4.19: ringbuf map finding" \
	"$(jq -r '.[] | select(.kind == "map") | .message' <<<"$F419")" "map type ringbuf is not available"
expect "opensnoop 4.19: ringbuf helper finding" \
	"$(jq -r '.[] | select(.kind == "helper") | .message' <<<"$F419")" "^bpf_ringbuf_reserve "
expect "opensnoop 4.19: global data finding" \
	"$(jq -r '.[] | select(.kind == "map") | .message' <<<"$F419")" "uses global data \(\.rodata\)"
expect_eq "opensnoop 4.19: findings point into the source" \
	"$(jq -r '[.[].file] | unique | join(",")' <<<"$F419")" opensnoop.bpf.c

# The same verdict from `check` (no package), as CI would gate on it.
run 1 eucc-remote --server "$URL" check "$EX/opensnoop.bpf.c" "${KERNELS[@]}" --format json
printf '%s\n' "$OUT" >"$TMP/opensnoop.check.json"
expect_eq "check opensnoop: statuses" "$(statuses "$TMP/opensnoop.check.json")" \
	"$(want "$B419" incompatible "$K510" ok "$K61" ok "$K612" ok "$LOCAL" ok)"
run 1 eucc-remote --server "$URL" check "$EX/opensnoop.bpf.c" "${KERNELS[@]}"
expect "check opensnoop: text table" "$OUT" "^$B419 .* incompatible +4$"

# runqlat: raw tracepoints (4.17), hash + array maps, no loop, no global data: it loads on
# 4.19, but the check says `warning` there, exit 0: sched_wakeup and sched_wakeup_new are
# DEFINE_EVENTs of the class sched_wakeup_template, and a 4.19 BTF has neither
# `btf_trace_<name>` typedefs (5.5) nor `__traceiter_<name>` functions (5.10), so the
# checker cannot tell whether those two tracepoints exist. sched_switch has its own class
# (struct trace_event_raw_sched_switch), so it is confirmed. Everything else is ok.
compile runqlat 0
expect_eq "runqlat: statuses" "$(statuses "$TMP/runqlat.json")" \
	"$(want "$B419" warning "$K510" ok "$K61" ok "$K612" ok "$LOCAL" ok)"
expect_eq "runqlat 4.19: two attach warnings, nothing else" \
	"$(jq -r --arg r "$B419" '.kernels[] | select(.release == $r) | .findings[] |
		select(.severity != "note") |
		"\(.severity) \(.kind) \(.message | capture("tracepoint .(?<t>[a-z_]+).").t)"' \
		"$TMP/runqlat.json" | sort)" \
	"$(printf '%s\n' "warning attach sched_wakeup" "warning attach sched_wakeup_new")"
# its __state read is behind bpf_core_field_exists(): on 4.19 the verifier never reaches it
expect "runqlat 4.19: the guarded read is a note" \
	"$(jq -r --arg r "$B419" '.kernels[] | select(.release == $r) | .findings[] |
		select(.severity == "note") | .message' "$TMP/runqlat.json")" \
	"^guarded: task_struct.__state: no such field"

# ---- run on this host, with the bundled minimized BTF --------------------------------------

cp /bin/true "$TMP/eucc_mark_exec"
echo marker >"$TMP/eucc_mark_open.txt"
echo other >"$TMP/eucc_mark_other.txt"

# start_run NAME ARGS...: `eucc-remote run` in the background, stdout in $TMP/NAME.out.
start_run() {
	local name=$1
	shift
	eucc-remote run "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" &
	RUN_PID=$!
	RUN_NAME=$name
}

# end_run: wait for it; it must exit 0 (load, attach, the duration, detach).
end_run() {
	wait "$RUN_PID"
	local rc=$?
	checks=$((checks + 1))
	if [ "$rc" != 0 ]; then
		echo "FAIL: run $RUN_NAME exited $rc"
		echo "  stderr: $(head -c 3000 "$TMP/$RUN_NAME.err")"
		failures=$((failures + 1))
	fi
	OUT=$(cat "$TMP/$RUN_NAME.out")
}

# until_seen PATTERN CMD...: repeat CMD every 0.2 s (a few times at least) until the run's
# output matches PATTERN, at most for 2.5 s; the run lasts 3 s.
until_seen() {
	local pat=$1 i
	shift
	sleep 0.3
	for i in $(seq 12); do
		"$@" >/dev/null
		[ "$i" -ge 3 ] && grep -Eq -- "$pat" "$TMP/$RUN_NAME.out" && return 0
		sleep 0.2
	done
}

# execsnoop, text: one line per exec, with the marker's name.
start_run execsnoop "$TMP/execsnoop.eucc" --btf bundled --duration 3
until_seen "comm=eucc_mark_exec" "$TMP/eucc_mark_exec"
end_run
expect "execsnoop: marker exec" "$OUT" "^$T events: pid=[0-9]+ ppid=$$ uid=0 comm=eucc_mark_exec$"

# execsnoop, JSON lines.
start_run execsnoop_json "$TMP/execsnoop.eucc" --btf bundled --duration 3 --json
until_seen '"comm":"eucc_mark_exec"' "$TMP/eucc_mark_exec"
end_run
checks=$((checks + 1))
jq -e . "$TMP/execsnoop_json.out" >/dev/null ||
	{ echo "FAIL: execsnoop --json: not JSON lines"; failures=$((failures + 1)); }
expect_eq "execsnoop --json: marker event" \
	"$(jq -c 'select(.map == "events" and .event.comm == "eucc_mark_exec") |
		[.event.ppid == '"$$"', .event.uid, (.event.pid | type)]' "$TMP/execsnoop_json.out" | sort -u)" \
	'[true,0,"number"]'

# opensnoop: the marker file, opened by cat.
start_run opensnoop "$TMP/opensnoop.eucc" --btf bundled --duration 3
until_seen "fname=$TMP/eucc_mark_open.txt" cat "$TMP/eucc_mark_open.txt"
end_run
expect "opensnoop: marker open" "$OUT" "^$T events: pid=[0-9]+ comm=cat fname=$TMP/eucc_mark_open\.txt$"

# Its parameter, as `run --help` lists it.
run 0 eucc-remote run "$TMP/opensnoop.eucc" --help
expect "opensnoop --help: target_pid" "$OUT" "^  --target_pid VALUE +pid_t \(default: 0\)$"
# ... with the comment above the variable, which the manifest carries.
expect "opensnoop --help: the comment" "$OUT" "^ +only this process id \(0: all\)$"
expect_eq "opensnoop manifest: the parameter" \
	"$(tar -xzOf "$TMP/opensnoop.eucc" manifest.json | jq -c '.parameters[] | [.name, .type, .description]')" \
	'["target_pid","pid_t","only this process id (0: all)"]'

# --set target_pid=1: init never opens our marker, so nothing of it shows.
start_run opensnoop_pid1 "$TMP/opensnoop.eucc" --btf bundled --duration 3 --set target_pid=1
until_seen "no-such-line-ever" cat "$TMP/eucc_mark_open.txt"
end_run
expect_not "opensnoop --set target_pid=1: no marker" "$OUT" "eucc_mark_open"
expect_eq "opensnoop --set target_pid=1: only pid 1" \
	"$(grep -E "^$T events:" <<<"$OUT" | grep -Ev "^$T events: pid=1 " | head -n3)" ""

# --set target_pid=<a shell loop that opens another file itself>: only that process shows.
(while :; do read -r _ <"$TMP/eucc_mark_other.txt"; sleep 0.1; done) &
LOOP=$!
start_run opensnoop_loop "$TMP/opensnoop.eucc" --btf bundled --duration 3 --set "target_pid=$LOOP"
until_seen "fname=$TMP/eucc_mark_other.txt" cat "$TMP/eucc_mark_open.txt"
end_run
kill "$LOOP"
wait "$LOOP" 2>/dev/null
expect "opensnoop --set target_pid=LOOP: its file" "$OUT" "^$T events: pid=$LOOP comm=bash fname=$TMP/eucc_mark_other\.txt$"
expect_not "opensnoop --set target_pid=LOOP: not cat's" "$OUT" "eucc_mark_open"
expect_eq "opensnoop --set target_pid=LOOP: only its pid" \
	"$(grep -E "^$T events:" <<<"$OUT" | grep -Ev "^$T events: pid=$LOOP " | head -n3)" ""

# The same parameter as its own flag (as eunomia-bpf's tools take it): --target_pid LOOP.
(while :; do read -r _ <"$TMP/eucc_mark_other.txt"; sleep 0.1; done) &
LOOP=$!
start_run opensnoop_flag "$TMP/opensnoop.eucc" --btf bundled --duration 3 --target_pid "$LOOP"
until_seen "fname=$TMP/eucc_mark_other.txt" cat "$TMP/eucc_mark_open.txt"
end_run
kill "$LOOP"
wait "$LOOP" 2>/dev/null
expect "opensnoop --target_pid LOOP: its file" "$OUT" "^$T events: pid=$LOOP comm=bash fname=$TMP/eucc_mark_other\.txt$"
expect_not "opensnoop --target_pid LOOP: not cat's" "$OUT" "eucc_mark_open"
expect "opensnoop: a header line naming the fields" "$OUT" "^TIME +events: pid comm fname$"
run 3 eucc-remote run "$TMP/opensnoop.eucc" --target_pd 1 --duration 1
expect "a parameter flag misspelt" "$ERR" "unknown option '--target_pd'; did you mean '--target_pid'\?"
run 3 eucc-remote run "$TMP/opensnoop.eucc" --duration 1 --target_pid
expect "a parameter flag without its value" "$ERR" "option '--target_pid' needs a value \(pid_t\)"

# runqlat: some scheduling (timer wakeups of short sleeps), then the histogram at exit.
start_run runqlat "$TMP/runqlat.eucc" --btf bundled --duration 3
sleep 0.5
loops=()
for _ in 1 2 3; do
	(for _ in $(seq 30); do sleep 0.01; done) &
	loops+=($!)
done
wait "${loops[@]}"
end_run
expect "runqlat: the histogram map" "$OUT" "^hists: key=0$"
expect "runqlat: histogram header" "$OUT" "^ +usecs +: count +distribution$"
expect "runqlat: a bar line with a count > 0" "$OUT" '^ +[0-9]+ -> [0-9]+ +: [1-9][0-9]* +\|[* ]{40}\|$'
expect "runqlat: the tallest bar is full" "$OUT" ": [1-9][0-9]* +\|\*{40}\|$"

# --interval 1: the histogram every second, with its unit (the comment above the map says us).
expect_eq "runqlat manifest: the unit from the map's comment" \
	"$(tar -xzOf "$TMP/runqlat.eucc" manifest.json | jq -r '.maps[] | select(.name == "hists") | .unit')" usecs
start_run runqlat_interval "$TMP/runqlat.eucc" --btf bundled --duration 4 --interval 1
(for _ in $(seq 200); do sleep 0.01; done)
end_run
expect "runqlat --interval: a time line" "$OUT" "^$T$"
checks=$((checks + 1))
[ "$(grep -Ec "^$T$" <<<"$OUT")" -ge 2 ] && [ "$(grep -c '^hists: key=0$' <<<"$OUT")" -ge 3 ] ||
	{ echo "FAIL: runqlat --interval 1: fewer than two intervals in 4 s:"; echo "$OUT"; failures=$((failures + 1)); }
expect "runqlat --interval: the unit" "$OUT" "^ +usecs +: count +distribution$"

# JSON: the histogram as a list of slots, one of them counted.
start_run runqlat_json "$TMP/runqlat.eucc" --btf bundled --duration 1 --json
(for _ in $(seq 20); do sleep 0.01; done)
end_run
expect_eq "runqlat --json: counts" \
	"$(jq -r 'select(.map == "hists") | ([.histogram[].count] | add > 0)' "$TMP/runqlat_json.out")" true

finish
