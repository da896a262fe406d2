#!/usr/bin/env bash
# Warm tools (docs/security.md): a server forks clang and llvm-strip from tools it loaded once,
# counts it in /metrics, stops them with itself; --no-warm starts them afresh under bwrap; both
# give the same object and the same diagnostics.
. "$(dirname "$0")/server_lib.sh"
CORE="$EUCC_SOURCE_DIR/tests/data/core"
seed_store
runs() { metric "eucc_sandbox_runs_total{how=\"$1\"}"; }
# The server's children that are warm tools (their environment names the preload library).
tool_pids() {
	local p
	for p in $(pgrep -P "$SRV_PID"); do
		{ tr '\0' '\n' <"/proc/$p/environ"; } 2>/dev/null |
			grep -q '^LD_PRELOAD=.*libeucc-warm.so$' && echo "$p"
	done
}
tools() { tool_pids | wc -l; }
printf '#include "vmlinux.h"\nint f(void) { return no_such_thing; }\n' >"$TMP/bad.bpf.c"
digest() { jq -r '.object.digest' <<<"$OUT"; }

start_server --workers 1
post "$(body basic "$CORE/basic.bpf.c" '["6.12"]')"
expect_eq "warm: 200" "$CODE" 200
warm_obj=$(digest)
expect_eq "warm: preprocess, clang and strip forked from warm tools" "$(runs warm)" 3
expect_eq "warm: nothing under bwrap" "$(runs bwrap)" 0
expect_eq "warm: two tools came up (clang, llvm-strip)" \
	"$(metric 'eucc_warm_tools_total{result="up"}'),$(metric 'eucc_warm_tools_total{result="failed"}')" 2,0
expect_eq "warm: the tools run beside the server" "$(tools)" 2
post "$(body basic "$CORE/basic.bpf.c" '["6.12"]' '| .cflags = ["-DAGAIN"]')"
expect_eq "warm: a second compile: 200" "$CODE" 200
expect_eq "warm: the same tools took it" "$(metric 'eucc_warm_tools_total{result="up"}'),$(runs warm)" 2,6
post "$(body bad "$TMP/bad.bpf.c" '["6.12"]')"
expect_eq "warm: a bad program: 422" "$CODE" 422
warm_diags=$(jq -c '.diagnostics' <<<"$OUT")
expect "warm: clang's error" "$warm_diags" "no_such_thing"
pids=$(tool_pids)
stop_server
alive() { local p n=0; for p in $pids; do kill -0 "$p" 2>/dev/null && n=$((n + 1)); done; echo "$n"; }
for _ in $(seq 50); do [ "$(alive)" = 0 ] && break; sleep 0.1; done
expect_eq "the tools end with the server" "$(alive)" 0

rm -rf "$EUCC_DATA/cache"
start_server --workers 1 --no-warm
post "$(body basic "$CORE/basic.bpf.c" '["6.12"]')"
expect_eq "--no-warm: 200" "$CODE" 200
expect_eq "--no-warm: the object is the warm one's" "$(digest)" "$warm_obj"
expect_eq "--no-warm: compiled, not from the cache" "$(jq -r '.cache.object' <<<"$OUT")" miss
expect_eq "--no-warm: nothing warm" "$(runs warm),$(tools)" 0,0
expect_eq "--no-warm: preprocess and clang + strip under bwrap" "$(runs bwrap)" 2
post "$(body bad "$TMP/bad.bpf.c" '["6.12"]')"
expect_eq "--no-warm: a bad program: 422" "$CODE" 422
expect_eq "--no-warm: the same diagnostics" "$(jq -c '.diagnostics' <<<"$OUT")" "$warm_diags"
finish
