#!/usr/bin/env bash
# The kernel header per program (docs/kernel-header.md): used, its fallback to the full vmlinux.h,
# refused for a name the full header suffixes, --full-header; counted in /metrics.
. "$(dirname "$0")/server_lib.sh"
CORE="$EUCC_SOURCE_DIR/tests/data/core"
HDR="$EUCC_SOURCE_DIR/tests/data/header"
seed_store
start_server --workers 2
count() { metric "eucc_min_header_total{result=\"$1\"}"; }

post "$(body basic "$CORE/basic.bpf.c" '["6.12"]')"
expect_eq "basic: 200" "$CODE" 200
expect_eq "basic: ok" "$(jq -r '.kernels[0].status' <<<"$OUT")" ok
expect_eq "own header used" "$(count used)" 1
expect_eq "nothing fell back" "$(count fallback)" 0
expect_eq "timings name the stages" "$(jq -r '.timings_ms | [has("preprocess"), has("header"), has("clang")] | unique | join(",")' <<<"$OUT")" true

# sizeof(*task) needs the whole record, which the own header only declares: the full one.
post "$(body deref "$HDR/deref.bpf.c" '["6.12"]')"
expect_eq "deref: 200" "$CODE" 200
expect_eq "deref: fell back" "$(count fallback)" 1
expect_eq "deref: not used" "$(count used)" 1

# A program that compiles against neither: the diagnostics are the full header's compile's.
printf '#include "vmlinux.h"\nint f(void) { return no_such_thing; }\n' >"$TMP/bad.bpf.c"
post "$(body bad "$TMP/bad.bpf.c" '["6.12"]')"
expect_eq "bad: 422" "$CODE" 422
expect "bad: clang's error" "$(jq -r '.diagnostics[0].message' <<<"$OUT")" "no_such_thing"
expect_eq "bad: counted as a fallback" "$(count fallback)" 2

# 4.19's pahole-made BTF: seq_file->op is the type the full header prints seq_operations___2.
post "$(body seqop "$HDR/seq_file.bpf.c" '["4.19"]')"
expect_eq "seq_file on 4.19: 200" "$CODE" 200
expect_eq "seq_file: refused" "$(count refused)" 1
expect_eq "seq_file: the relocation names the suffixed type" \
	"$(curl -s "$URL$(jq -r .package.url <<<"$OUT")" | tar -xzO seqop.bpf.o | grep -ac 'seq_operations___2')" 1
# ... and on 6.12, where that name is held once, it has a header of its own.
post "$(body seqop "$HDR/seq_file.bpf.c" '["6.12"]')"
expect_eq "seq_file on 6.12: 200" "$CODE" 200
expect_eq "seq_file on 6.12: own header" "$(count used)" 2

stop_server
start_server --workers 1 --full-header
post "$(body basic2 "$CORE/basic.bpf.c" '["6.12"]' '| .cflags = ["-DFULL"]')"
expect_eq "--full-header: 200" "$CODE" 200
expect_eq "--full-header: no own header" "$(count used),$(count fallback),$(count refused)" 0,0,0
expect_eq "--full-header: no preprocess stage" "$(jq -r '.timings_ms | has("preprocess")' <<<"$OUT")" false
finish
