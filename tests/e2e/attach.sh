#!/usr/bin/env bash
# Verdicts that match this host's kernel, end to end: what the server says of attach
# capability (a kernel without kprobes, trampolines, uprobes, perf_event), of helpers per program
# type and of maps sized by their user space, against what `eucc-remote run` then does with
# each program here; and run with --map-size and --no-autoload, as a tool's own user space
# would run such a package. run never says a program runs that it did not attach.
. "$(dirname "$0")/server_lib.sh"
PATH="$EUCC_BIN/../client:$PATH"
CORE="$EUCC_SOURCE_DIR/tests/data/core"
LOCAL=$(uname -r)
eucc-server btf import "$EUCC_FIXTURES/btf/debian/12/x86_64/6.1.0-47-cloud-amd64.btf.tar.xz" >/dev/null ||
	{ echo "FAIL: import 6.1"; exit 1; }
eucc-server btf import /sys/kernel/btf/vmlinux --release "$LOCAL" >/dev/null ||
	{ echo "FAIL: import the local kernel"; exit 1; }
start_server --workers 2
export EUCC_SERVER=$URL
cd "$TMP"
cp /bin/true "$TMP/eucc_mk_attach"
markers() { sleep 1.2; for _ in 1 2 3; do "$TMP/eucc_mk_attach"; sleep 0.2; done; }

# The server measured this kernel's program types and helpers when it imported its BTF.
run 0 eucc-server btf show "$LOCAL" --json
expect_eq "helpers per program type measured" "$(jq '[.features.prog_helper[] | select(.name == "kprobe:bpf_probe_read_kernel")] | length' <<<"$OUT")" 1
expect_eq "raw_tp may not call bpf_get_socket_cookie here" "$(jq '[.features.prog_helper[] | select(.name == "raw_tracepoint:bpf_get_socket_cookie")] | length' <<<"$OUT")" 0

# Maps sized by their user space and a perf_event program: a warning on both kernels.
run 0 eucc-remote compile "$CORE/user_sized.bpf.c" --kernel local --kernel 6.1 -o user_sized.eucc --json
expect_eq "both kernels: warning" "$(jq -r '[.kernels[].status] | unique | join(",")' <<<"$OUT")" warning
expect_eq "the finding names --map-size" "$(jq -r --arg r "$LOCAL" '.kernels[] | select(.release == $r) | .findings[] | select(.kind == "map") | .message' <<<"$OUT" | grep -c -- '--map-size')" 2
run 2 eucc-remote run user_sized.eucc --duration 1
expect "unsized map refused before the load" "$ERR" "error: map '(counts|stacks)' \((hash|stack_trace)\) is sized by its user space"
expect "says how to size it" "$ERR" "hint: run with --map-size (counts|stacks)=N"
run 2 eucc-remote run user_sized.eucc --map-size counts=1024 --map-size stacks=64 --duration 1
expect "perf_event: loaded, not attached, said plainly" "$ERR" "program 'on_cpu' \(perf_event\): its user space attaches it, to a perf event it opens with perf_event_open"
expect "not_attached says what to do" "$ERR" "hint: switch them off with --no-autoload on_cpu"
expect_not "no success reported" "$OUT$ERR" "loaded and attached|running with"
run 0 eucc-remote run user_sized.eucc --map-size counts=1024 --map-size stacks=64 --no-autoload on_cpu --attach-only
expect "the tool's way: attached" "$OUT" "loaded and attached"
markers &
mpid=$!
run 0 eucc-remote run user_sized.eucc --map-size counts=1024 --map-size stacks=64 --no-autoload on_cpu --duration 3 --json
wait "$mpid"
expect "the sized hash map holds the execs" "$(jq -c 'select(.map == "counts")' <<<"$OUT" | head -3)" '"value":[0-9]+'
run 2 eucc-remote run user_sized.eucc --map-size nosuch=1 --duration 1
expect "unknown map named" "$ERR" "--map-size: the package has no map 'nosuch'"
expect "the maps listed" "$ERR" "hint: its maps: counts, stacks"
run 3 eucc-remote run user_sized.eucc --map-size counts=lots --duration 1
expect "bad N" "$ERR" "--map-size counts: N is a number of entries from 1 to"
run 2 eucc-remote run user_sized.eucc --map-size counts=8 --map-size stacks=8 --no-autoload nosuch
expect "unknown program named" "$ERR" "--no-autoload: the package has no program 'nosuch'"
run 2 eucc-remote run user_sized.eucc --map-size counts=8 --map-size stacks=8 --no-autoload on_cpu --no-autoload count_exec --attach-only
expect "nothing left to attach" "$ERR" "no program is attached: --no-autoload switched off every program"

# Each program of attach.bpf.c alone: the server's verdict for this kernel against run here.
run 1 eucc-remote check "$CORE/attach.bpf.c" --kernel local --format json
CHECK=$OUT
expect "no kprobes here" "$CHECK" "cannot attach kprobes: it is built without CONFIG_KPROBES \(its BTF has no register_kprobe"
run 1 eucc-remote compile "$CORE/attach.bpf.c" --kernel local -o attach.eucc
PROGS=(kp_read kpm_read up_getpid fe_read lsm_open on_cpu)
for p in "${PROGS[@]}"; do
	off=()
	for q in "${PROGS[@]}"; do [ "$q" = "$p" ] || off+=(--no-autoload "$q"); done
	sev=$(jq -r --arg p "program '$p'" '[.kernels[0].findings[] | select(.message | contains($p)) | .severity] | if index("error") then "error" elif length > 0 then "warning" else "ok" end' <<<"$CHECK")
	OUT=$(eucc-remote run attach.eucc "${off[@]}" --attach-only 2>"$TMP/err")
	rc=$?
	echo "  $p: verdict $sev, run exit $rc"
	case $sev in
	ok) expect_eq "$p: ok, and it attaches here" "$rc" 0 ;;
	error) expect_eq "$p: incompatible, and run fails here" "$rc" 2 ;;
	warning) expect "$p: unconfirmed, and run does not claim it" "$(cat "$TMP/err")" "not_attached|not attached" ;;
	esac
done

# A raw tracepoint calling a networking helper: incompatible, and refused here.
run 1 eucc-remote compile "$CORE/helper_type.bpf.c" --kernel local --kernel 6.1 -o helper_type.eucc
expect "incompatible on both" "$OUT" "raw_tracepoint programs may not call bpf_get_socket_cookie"
run 1 eucc-remote check "$CORE/helper_type.bpf.c" --kernel local --format json
expect_eq "measured here" "$(jq -r '.kernels[0].findings[0].message' <<<"$OUT" | grep -c 'measured on that kernel')" 1
stop_server
finish
