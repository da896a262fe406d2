#!/usr/bin/env bash
# Toolchains and headers (docs/compile.md): clang-14/16/19 with libbpf 1.5's headers, chosen per
# request and kept apart in keys and PCHs; -mcpu and codegen flags; <linux/bpf.h> without
# vmlinux.h; the kernel header only for programs that include it; kfunc declarations; the
# client's angle-bracket includes under -I dirs.
. "$(dirname "$0")/server_lib.sh"
PATH="$EUCC_BIN/../client:$PATH"
REAL="$EUCC_SOURCE_DIR/tests/data/real"
LOCAL=$(uname -r)
seed_store
# The full vmlinux.h and its precompiled forms are what this checks: without a header of the
# program's own (docs/kernel-header.md; tests/e2e/min_header.sh checks that one).
start_server --workers 2 --full-header
export EUCC_SERVER=$URL
cd "$TMP" || exit 1

# ---- 1. toolchains: listed, chosen, the default is the newest, unknown names refused ---------
INFO=$(curl -s "$URL/v1/info")
expect_eq "three toolchains" "$(jq -r '[.toolchains[].name] | join(",")' <<<"$INFO")" \
	"clang-19,clang-16,clang-14"
expect_eq "the newest is the default" "$(jq -r '.toolchains[] | select(.default) | .name' <<<"$INFO")" clang-19
expect_eq "libbpf 1.5 headers for each" "$(jq -r '[.toolchains[].libbpf_headers] | unique | join(",")' <<<"$INFO")" 1.5
expect "clang-14's version" "$(jq -r '.toolchains[] | select(.name == "clang-14") | .clang' <<<"$INFO")" \
	"clang version 14\."
cat >tc.bpf.c <<'EOF'
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

SEC("uprobe/libc.so.6:free")
int BPF_UPROBE(on_free, void *ptr)
{
	return ptr ? 0 : 1;
}

char LICENSE[] SEC("license") = "GPL";
EOF
for tc in clang-14 clang-16 clang-19; do
	run 0 eucc-remote compile tc.bpf.c --kernel 6.1 --toolchain "$tc" -o "tc-$tc.eucc" --json
	expect_eq "$tc: compiled, object miss" "$(jq -r .cache.object <<<"$OUT")" miss
	tar -xzf "tc-$tc.eucc" -O manifest.json >"m-$tc.json"
	expect_eq "$tc: the manifest names it" "$(jq -r .toolchain.name "m-$tc.json")" "$tc"
	expect_eq "$tc: libbpf 1.5 headers in the manifest" "$(jq -r .toolchain.libbpf_headers "m-$tc.json")" 1.5
	ls "$EUCC_DATA"/btf/debian/12/x86_64/6.1.0-47-cloud-amd64.h.x86_64."$tc".pch >/dev/null 2>&1
	expect_eq "$tc: its own precompiled header" $? 0
done
run 0 eucc-remote compile tc.bpf.c --kernel 6.1 --toolchain clang-16 -o again.eucc --json
expect_eq "the same toolchain again: object hit" "$(jq -r .cache.object <<<"$OUT")" hit
run 0 eucc-remote compile tc.bpf.c --kernel 6.1 -o default.eucc --json
expect_eq "the default is clang-19's object" "$(jq -r .cache.object <<<"$OUT")" hit
expect_eq "the default package is clang-19's" "$(sha256sum <default.eucc | cut -c1-64)" \
	"$(sha256sum <tc-clang-19.eucc | cut -c1-64)"
run 2 eucc-remote check tc.bpf.c --kernel 6.1 --toolchain clang-99
expect_has "unknown toolchain: said" "$ERR" "toolchain 'clang-99' is not available"
expect_has "unknown toolchain: the ones there are" "$ERR" "clang-19 (the default), clang-16, clang-14"
post "$(body tc tc.bpf.c '["6.1"]' '+ {toolchain: 19}')"
expect_eq "a toolchain that is not a string: 400" "$CODE" 400

# enum64 and type_matches relocations need clang >= 15: clang-14 cannot compile the program.
run 0 eucc-remote check "$REAL/modern/type_matches.bpf.c" --kernel 6.1 --toolchain clang-16
run 2 eucc-remote check "$REAL/modern/type_matches.bpf.c" --kernel 6.1 --toolchain clang-14
expect "clang-14: no type_matches builtin" "$ERR" "error: "

# ---- 2. -mcpu and codegen flags; the refused stay refused ----------------------------------
# v3 brings 32-bit registers (w0-w10) and jumps: the object shows them only with -mcpu=v3.
objdump_of() { mkdir -p "$1.d" && tar -xzf "$1" -C "$1.d" && llvm-objdump -d "$1.d"/*.bpf.o; }
run 0 eucc-remote compile "$REAL/modern/cpu_v3_loop.bpf.c" --kernel 6.1 -o v1.eucc
expect_not "the default CPU: no 32-bit registers" "$(objdump_of v1.eucc)" '\bw[0-9]+\b'
run 0 eucc-remote compile "$REAL/modern/cpu_v3_loop.bpf.c" --kernel 6.1 -mcpu=v3 -fno-stack-protector -o v3.eucc
expect "-mcpu=v3: 32-bit registers" "$(objdump_of v3.eucc)" '\bw[0-9]+\b'
run 0 eucc-remote check "$REAL/modern/cpu_v3_fetch.bpf.c" --kernel 6.1 -mcpu=v2 --toolchain clang-14
run 2 eucc-remote check tc.bpf.c --kernel 6.1 -mcpu=probe
expect_has "-mcpu=probe refused" "$ERR" "cflag '-mcpu=probe' is not allowed"
run 2 eucc-remote check tc.bpf.c --kernel 6.1 -mcpu=v4 --toolchain clang-14
expect_has "clang-14 has no v4" "$ERR" "unknown target CPU 'v4'"
for flag in -fplugin=x.so -fno-builtin -fprofile-arcs; do
	post "$(body tc tc.bpf.c '["6.1"]' "+ {cflags: [\"$flag\"]}")"
	expect_eq "$flag refused: 400" "$CODE" 400
done

# ---- 3. the UAPI headers of the target arch, without vmlinux.h -----------------------------
run 0 eucc-remote check "$REAL/uapi/errno_user.bpf.c" --kernel 6.1 --kernel 6.12
run 0 eucc-remote check "$REAL/uapi/xdp_drop_udp.bpf.c" --arch arm64 --kernel 6.1
run 0 eucc-remote check "$REAL/modern/usdt_user.bpf.c" --kernel 6.1

# ---- 4. the kernel header only where the program includes vmlinux.h ------------------------
pchs() { find "$EUCC_DATA" -name '*.pch' | wc -l; }
before=$(pchs)
run 0 eucc-remote check "$REAL/uapi/own_constants.bpf.c" --kernel 6.12
run 0 eucc-remote check "$REAL/uapi/tp_own_ctx.bpf.c" --kernel 6.12
expect_eq "no precompiled header made for them" "$(pchs)" "$before"
cat >cond.bpf.c <<'EOF'
#if 0
#include "vmlinux.h"
#endif
/* #include "vmlinux.h" */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#define BPF_ANY 0
struct task_struct { int mine; };

SEC("socket")
int f(struct __sk_buff *skb) { struct task_struct t = {.mine = 1}; return t.mine; }

char LICENSE[] SEC("license") = "GPL";
EOF
run 0 eucc-remote check cond.bpf.c --kernel 6.12
expect_eq "an #if 0 include is no include" "$(pchs)" "$before"
run 0 eucc-remote check tc.bpf.c --kernel 6.12
expect_eq "a program that includes it gets the PCH" "$(pchs)" "$((before + 1))"
# The PCH holds the types, not the kfunc declarations: bpf_for's destroy call (a cleanup
# attribute) keeps its extern in the object's BTF.
run 0 eucc-remote compile "$REAL/modern/bpf_for.bpf.c" --kernel local -o for.eucc
mkdir -p for.d && tar -xzf for.eucc -C for.d
expect_has "bpf_iter_num_destroy in the object's BTF" "$(bpftool btf dump file for.d/bpf_for.bpf.o)" \
	"FUNC 'bpf_iter_num_destroy'"

# ---- 5. kfuncs: declared from the BTF decl tags; BPF_NO_KFUNC_PROTOTYPES leaves them out ---
HEADER=$(find "$EUCC_DATA" -name "$LOCAL.h")
expect_has "the host's header declares bpf_task_from_pid" "$(cat "$HEADER")" \
	"extern struct task_struct *bpf_task_from_pid(s32 pid) __weak __ksym;"
run 0 eucc-remote compile "$REAL/modern/kfunc_task.bpf.c" --kernel local -o kf.eucc
run 0 timeout 30 eucc-remote run kf.eucc --duration 1
run 1 eucc-remote check "$REAL/modern/kfunc_task.bpf.c" --kernel local --kernel 6.1 --json
expect_eq "6.1 lacks the (weak) kfunc, and the call is reached: incompatible" \
	"$(jq -r '.kernels[] | select(.release == "6.1.0-47-cloud-amd64") | .status' <<<"$OUT")" incompatible
expect_has "the finding names it" "$(jq -r '.kernels[].findings[].message' <<<"$OUT")" \
	"kfunc bpf_task_from_pid is not available in 6.1.0-47-cloud-amd64"
run 2 eucc-remote check "$REAL/modern/kfunc_task.bpf.c" --kernel local -DBPF_NO_KFUNC_PROTOTYPES
expect_has "without the declarations: undeclared" "$ERR" "bpf_task_from_pid"

# ---- 6. angle-bracket includes under the -I dirs are sent, and found first -----------------
mkdir -p proj/src proj/third_party/libbpf/bpf
cp "$REAL/own_libbpf/include/bpf/bpf_helpers.h" proj/third_party/libbpf/bpf/
cp "$REAL/own_libbpf/pinned_uapi.bpf.c" proj/src/
run 0 eucc-remote check proj/src/pinned_uapi.bpf.c -I proj/third_party/libbpf --kernel 6.1 --json
expect_has "the note says what is left to the server" \
	"$(jq -r '.notes[]' <<<"$OUT")" "not sent (the server's headers have them): <linux/bpf.h>"
run 2 eucc-remote check proj/src/pinned_uapi.bpf.c --kernel 6.1
expect_has "without -I: the server's bpf_helpers.h" "$ERR" "the server's bpf_helpers.h was found before"
cat >proj/src/multiarch.bpf.c <<'EOF'
#include <asm/types.h>
__u32 marker;
char LICENSE[] __attribute__((section("license"), used)) = "GPL";
EOF
run 0 eucc-remote check proj/src/multiarch.bpf.c -I /usr/include/x86_64-linux-gnu --kernel 6.1 --json
NOTES=$(jq -r '.notes[]' <<<"$OUT")
expect_has "what asm/types.h includes from outside the -I dirs is left" "$NOTES" "<asm-generic/types.h>"
expect_not "asm/types.h itself was sent" "$NOTES" "<asm/types.h>"
finish
