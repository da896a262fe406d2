#!/usr/bin/env bash
# Diagnostics as clang prints them: paths as typed, the source line and a caret under the
# column; findings with their source line; SARIF with rules and relative URIs; the hint that
# names --headers when the default header kernel is too old for the program.
. "$(dirname "$0")/server_lib.sh"
PATH="$EUCC_BIN/../client:$PATH"
CORE="$EUCC_SOURCE_DIR/tests/data/core"
B419=4.19.90-2107.6.0.0248.35.oe1.bclinux.x86_64
K510=5.10.0-32-cloud-amd64
K61=6.1.0-47-cloud-amd64
seed_store
start_server --workers 2
export EUCC_SERVER=$URL
mkdir -p "$TMP/proj/src/inc" "$TMP/proj/include"
cd "$TMP/proj"

# after TEXT STRING N: the Nth line after the first line that is STRING.
after() {
	awk -v s="$2" -v n="$3" 'found && ++i == n {print; exit} $0 == s {found = 1}' <<<"$1"
}

# An error in the main file (line 14, the ';' at column 21 behind a tab), one in a header
# it includes from a subdir, and a warning (in a function without errors: clang leaves out
# unused variables of a function that has some).
cat >src/bad.bpf.c <<'EOF'
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "inc/util.h"

SEC("tracepoint/syscalls/sys_enter_execve")
int handle(void *ctx)
{
	int unused;
	return 0;
}

int broken(void)
{
	return helper(1) + ;
}

char LICENSE[] SEC("license") = "GPL";
EOF
cat >src/inc/util.h <<'EOF'
static inline int helper(int a)
{
    return a *;
}
EOF
: >src/vmlinux.h
run 2 eucc-remote compile src/bad.bpf.c --kernel 6.1 -Wall
expect_has "a note names the file as the user would" "$ERR" "eucc-remote: note: src/vmlinux.h: not sent"
L='src/bad.bpf.c:14:21: error: expected expression'
expect_has "error: the path as typed, line, column" "$ERR" "$L"
expect_eq "error: the source line, tab expanded" "$(after "$ERR" "$L" 1)" "        return helper(1) + ;"
expect_eq "error: the caret under column 21" "$(after "$ERR" "$L" 2)" "$(printf '%27s' '')^"
L='src/inc/util.h:3:15: error: expected expression'
expect_has "header: its path from the working dir" "$ERR" "$L"
expect_eq "header: included from, as clang says it" "$(grep -B1 -Fx "$L" <<<"$ERR" | head -n1)" \
	"In file included from src/bad.bpf.c:3:"
expect_eq "header: the source line" "$(after "$ERR" "$L" 1)" "    return a *;"
expect_eq "header: the caret" "$(after "$ERR" "$L" 2)" "$(printf '%14s' '')^"
L="src/bad.bpf.c:8:6: warning: unused variable 'unused' [-Wunused-variable]"
expect_has "warning with its option" "$ERR" "$L"
expect_eq "warning: the caret" "$(after "$ERR" "$L" 2)" "$(printf '%12s' '')^"
expect_not "no upload paths" "$ERR" "^(bad\.bpf\.c|inc/util\.h):"
expect "the error line last" "$(tail -n1 <<<"$ERR")" "^eucc-remote: error: the program does not compile$"

# The same from the subdir and by an absolute path: each as typed.
cd src
run 2 eucc-remote compile bad.bpf.c --kernel 6.1
cd ..
expect "from the subdir" "$ERR" "^bad\.bpf\.c:14:21: error: expected expression$"
expect "its header from there" "$ERR" "^inc/util\.h:3:15: error"
expect "included from there" "$ERR" "^In file included from bad\.bpf\.c:3:$"
run 2 eucc-remote compile "$TMP/proj/src/bad.bpf.c" --kernel 6.1
expect_has "absolute as typed" "$ERR" "$TMP/proj/src/bad.bpf.c:14:21: error: expected expression"
expect_has "its header absolute" "$ERR" "$TMP/proj/src/inc/util.h:3:15: error"

# A program that compiles, with a warning in a header of an -I dir outside its own dir.
cat >include/warn.h <<'EOF'
static inline int twice(int a)
{
	int spare;
	return 2 * a;
}
EOF
cat >src/warn.bpf.c <<'EOF'
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "warn.h"

SEC("tracepoint/syscalls/sys_enter_execve")
int handle(void *ctx)
{
	return twice(0);
}

char LICENSE[] SEC("license") = "GPL";
EOF
run 0 eucc-remote compile src/warn.bpf.c -I include --kernel 6.1 -Wall -o warn.eucc
L="include/warn.h:3:6: warning: unused variable 'spare' [-Wunused-variable]"
expect_has "warning in an -I header: its path from the working dir" "$ERR" "$L"
expect_eq "its source line" "$(after "$ERR" "$L" 1)" "        int spare;"
expect_eq "its caret" "$(after "$ERR" "$L" 2)" "$(printf '%12s' '')^"
expect "and the package" "$OUT" "^wrote warn.eucc "

# A finding: file as typed, the source line and a caret under the field it is about; its
# release named once.
cp "$CORE/state.bpf.c" src/state.bpf.c
run 1 eucc-remote check src/state.bpf.c --kernel 5.10 --kernel 6.1
L="    src/state.bpf.c:19:34: error: task_struct.__state: no such field in $K510 (it has 'state')"
expect_eq "finding: path, line, column of the field" "$(grep -F -- "src/state.bpf.c:19" <<<"$OUT")" "$L"
expect_eq "finding: its source line" "$(after "$OUT" "$L" 1)" \
	"            u32 state = BPF_CORE_READ(task, __state); /* FINDING */"
expect_eq "finding: the caret under __state" "$(after "$OUT" "$L" 2)" "$(printf '%44s' '')^"
expect_eq "finding: the release once in its line" "$(grep -F -- "src/state.bpf.c:19" <<<"$OUT" | grep -o -F "$K510" | wc -l)" 1

# SARIF: rules, results that refer to them, URIs relative to the working dir.
check_sarif() {
	local what=$1 s=$2
	expect_eq "$what: SARIF 2.1.0" "$(jq -r .version <<<"$s")" 2.1.0
	expect_eq "$what: rules present" "$(jq '.runs[0].tool.driver.rules | length > 0' <<<"$s")" true
	expect_eq "$what: every rule has id, name, shortDescription" \
		"$(jq '[.runs[0].tool.driver.rules[] | (.id and .name and .shortDescription.text)] | all' <<<"$s")" true
	expect_eq "$what: rule ids unique" \
		"$(jq '.runs[0].tool.driver.rules | (map(.id) | unique | length) == length' <<<"$s")" true
	expect_eq "$what: every ruleId is a rule, at its ruleIndex" \
		"$(jq '.runs[0] as $r | [$r.results[] | $r.tool.driver.rules[.ruleIndex].id == .ruleId] | all' <<<"$s")" true
	expect_eq "$what: every URI relative" \
		"$(jq '[.. | objects | .artifactLocation? // empty | .uri | test("^(/|[a-z]+:)") | not] | all' <<<"$s")" true
	expect_eq "$what: uploaded files based on %SRCROOT%" \
		"$(jq '[.. | objects | .artifactLocation? // empty | select(.uri | test("bpf\\.c$|^src/|^include/")) | .uriBaseId == "%SRCROOT%"] | all and length > 0' <<<"$s")" true
	expect_eq "$what: based on the working dir" \
		"$(jq -r '.runs[0].originalUriBaseIds["%SRCROOT%"].uri' <<<"$s")" "file://$PWD/"
}
run 1 eucc-remote check src/state.bpf.c --kernel 5.10 --kernel 6.1 -Wall --format sarif
check_sarif findings "$OUT"
expect_eq "the finding's rule" "$(jq -r '.runs[0].results[] | select(.ruleId == "field") | .locations[0].physicalLocation.artifactLocation.uri' <<<"$OUT")" src/state.bpf.c
expect_eq "at its column" "$(jq -r '.runs[0].results[] | select(.ruleId == "field") | .locations[0].physicalLocation.region | "\(.startLine):\(.startColumn)"' <<<"$OUT")" 19:34
expect_eq "SARIF message names the release once" \
	"$(jq -r '.runs[0].results[] | select(.ruleId == "field") | .message.text' <<<"$OUT" | grep -o -F "$K510" | wc -l)" 1
expect_eq "the kernel as a property" "$(jq -r '.runs[0].results[] | select(.ruleId == "field") | .properties.kernel' <<<"$OUT")" "$K510"
run 2 eucc-remote check src/bad.bpf.c --kernel 6.1 -Wall --format sarif
check_sarif diagnostics "$OUT"
expect_eq "clang's errors: one rule" "$(jq '[.runs[0].tool.driver.rules[] | select(.id == "clang-error")] | length' <<<"$OUT")" 1
expect_eq "the warning's own rule" "$(jq -r '.runs[0].results[] | select(.level == "warning") | .ruleId' <<<"$OUT")" clang-diagnostic-unused-variable
expect_eq "the header's URI" "$(jq -r '.runs[0].results[] | select(.message.text == "expected expression") | .locations[0].physicalLocation.artifactLocation.uri' <<<"$OUT" | sort | tr '\n' ' ')" "src/bad.bpf.c src/inc/util.h "
expect_eq "no note as a result" "$(jq '[.runs[0].results[] | select(.level == "note")] | length' <<<"$OUT")" 0
expect_eq "the include note goes with its error" \
	"$(jq -r '.runs[0].results[] | select(.locations[0].physicalLocation.artifactLocation.uri == "src/inc/util.h") | .relatedLocations[0].physicalLocation.artifactLocation.uri' <<<"$OUT")" src/bad.bpf.c
expect_eq "not successful" "$(jq '.runs[0].invocations[0].executionSuccessful' <<<"$OUT")" false
run 0 eucc-remote check src/warn.bpf.c -I include --kernel 4.19 --kernel 6.1 -Wall --format sarif
expect_eq "an -I header's URI" "$(jq -r '.runs[0].results[] | select(.level == "warning") | .locations[0].physicalLocation.artifactLocation.uri' <<<"$OUT")" include/warn.h

# A ring buffer with --kernel 4.19 alone: the 4.19 header lacks BPF_MAP_TYPE_RINGBUF; the hint
# names --headers and a kernel whose header has it.
cp "$CORE/ringbuf.bpf.c" src/ringbuf.bpf.c
run 2 eucc-remote compile src/ringbuf.bpf.c --kernel 4.19
L="src/ringbuf.bpf.c:8:15: error: use of undeclared identifier 'BPF_MAP_TYPE_RINGBUF'; did you mean 'BPF_MAP_TYPE_UNSPEC'?"
expect_has "undeclared, at its place" "$ERR" "$L"
expect_eq "the caret under the range to replace" "$(after "$ERR" "$L" 2)" "$(printf '%21s' '')^$(printf '~%.0s' $(seq 19))"
expect_eq "and what clang would put there" "$(after "$ERR" "$L" 3)" "$(printf '%21s' '')BPF_MAP_TYPE_UNSPEC"
expect_eq "the hint names --headers" "$(grep '^  hint:' <<<"$ERR")" \
	"  hint: the header kernel $B419 lacks BPF_MAP_TYPE_RINGBUF, which $K510 has; compile against a newer kernel's header: --headers $K510, or add --kernel 5.10"
run 2 eucc-remote check src/ringbuf.bpf.c --kernel 4.19 --json
expect "the 422 answer's hint" "$(jq -r .error.hint <<<"$OUT")" "--headers $K510"
run 2 eucc-remote check src/ringbuf.bpf.c --kernel 4.19 --format sarif
expect "SARIF: the hint as a notification" \
	"$(jq -r '.runs[0].invocations[0].toolExecutionNotifications[0].message.text' <<<"$OUT")" "--headers $K510"
# As the hint says: it compiles, and 4.19 is incompatible (no ring buffers there).
run 1 eucc-remote check src/ringbuf.bpf.c --kernel 4.19 --headers "$K510"
expect "then the finding on 4.19" "$OUT" "map 'events': map type ringbuf is not available in $B419"
# A member that only newer kernels have: the header is 5.10 (the newest target).
run 2 eucc-remote check src/state.bpf.c --kernel 4.19 --kernel 5.10
expect_eq "a member: --headers 6.1" "$(grep '^  hint:' <<<"$ERR")" \
	"  hint: the header kernel $K510 lacks struct task_struct.__state, which $K61 has; compile against a newer kernel's header: --headers $K61, or add --kernel 6.1"
# No such hint for what no kernel has, or when the header kernel is the newest.
sed 's/BPF_MAP_TYPE_RINGBUF/BPF_MAP_TYPE_RINGBUFF/' src/ringbuf.bpf.c >src/typo.bpf.c
run 2 eucc-remote compile src/typo.bpf.c --kernel 4.19
expect_not "a typo: no --headers hint" "$ERR" "--headers"
printf '#include "vmlinux.h"\nint f(void)\n{\n\tstruct eucc_nowhere x;\n\treturn 0;\n}\n' >src/nowhere.bpf.c
run 2 eucc-remote compile src/nowhere.bpf.c --kernel 4.19
expect_has "an incomplete type" "$ERR" "src/nowhere.bpf.c:4:22: error: variable has incomplete type 'struct eucc_nowhere'"
expect_not "no kernel has it: no hint" "$ERR" "--headers"
run 2 eucc-remote compile src/typo.bpf.c --kernel "$(uname -r)"
expect_not "the newest header: no hint" "$ERR" "hint:"

finish
