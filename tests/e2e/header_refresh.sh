#!/usr/bin/env bash
# A store written by an older eucc-server: index schema 2, a vmlinux.h without the kfunc
# declarations and precompiled headers made from it. `serve` migrates the index (rows kept),
# writes the header again before it listens and drops those PCHs; a program that calls a kfunc
# then compiles against the full header (docs/btf-store.md, "vmlinux.h formats").
. "$(dirname "$0")/server_lib.sh"
REL=$(uname -r)
DB="$EUCC_DATA/index.db"
run 0 eucc-server btf import /sys/kernel/btf/vmlinux --release "$REL"
HDR=$(ls "$EUCC_DATA"/btf/*/*/*/"$REL.h")
expect_has "the header declares kfuncs" "$(cat "$HDR")" '*bpf_task_from_pid(s32 pid) __weak __ksym;'
rows=$(sqlite3 "$DB" "SELECT count(*) FROM kernels; SELECT count(*) FROM kernel_features")

# as the writer of before the kfunc declarations left it, with its PCHs, in a schema 2 index
sed -i '/^\/\* The kernel.s kfuncs/,$d' "$HDR"
expect_eq "old header: no kfunc declarations" "$(grep -c '__ksym;' "$HDR")" 0
for tc in clang-14 clang-16 clang-19; do echo stale >"$HDR.x86_64.$tc.pch"; done
sqlite3 "$DB" "ALTER TABLE kernels DROP COLUMN header_version;
	UPDATE meta SET value = '2' WHERE key = 'schema'"

EUCC_LOG=info start_server --workers 1 --full-header
expect_has "log: written again" "$(cat "$TMP/server.log")" \
	"vmlinux.h of 1 of 1 kernels written again in format"
expect_eq "index: schema 3" "$(sqlite3 "$DB" "SELECT value FROM meta WHERE key = 'schema'")" 3
expect_eq "index: rows and feature rows kept" \
	"$(sqlite3 "$DB" "SELECT count(*) FROM kernels; SELECT count(*) FROM kernel_features")" "$rows"
expect_has "new header: kfunc declarations" "$(cat "$HDR")" \
	'*bpf_task_from_pid(s32 pid) __weak __ksym;'
expect_eq "stale PCHs removed" "$(ls "$HDR".*.pch 2>/dev/null | wc -l)" 0

post "$(body kfunc "$EUCC_SOURCE_DIR/tests/data/real/modern/kfunc_task.bpf.c" "[\"$REL\"]")"
expect_eq "kfunc program: 200" "$CODE" 200
expect_eq "kfunc program: ok on $REL" "$(jq -r '.kernels[0].status' <<<"$OUT")" ok
curl -s "$URL$(jq -r .package.url <<<"$OUT")" | tar -xzO kfunc.bpf.o >"$TMP/kfunc.bpf.o"
expect "the object calls the kfunc" "$(grep -ac bpf_task_from_pid "$TMP/kfunc.bpf.o")" '^[1-9]'
pch=$(ls "$HDR".*.pch 2>/dev/null)
expect_eq "a PCH made from the new header" "$(wc -l <<<"$pch"),$(head -c4 $pch)" 1,CPCH

run 0 eucc-server btf show "$REL" --json
expect_eq "btf show --json: header_version" "$(jq .header_version <<<"$OUT")" \
	"$(sqlite3 "$DB" "SELECT header_version FROM kernels")"
run 0 eucc-server btf show "$REL"
expect "btf show: the format" "$OUT" "^vmlinux.h: .*, format [0-9]+$"
stop_server
sqlite3 "$DB" "UPDATE kernels SET header_version = 1"
run 0 eucc-server btf show "$REL"
expect "btf show: an older format" "$OUT" \
	"format 1 \(older than this eucc-server's [0-9]+: written again when eucc-server serve starts\)"
finish
