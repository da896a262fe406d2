#!/usr/bin/env bash
# Real programs (tests/data/real/programs.txt): compiled through a real server for 4.19.108,
# 5.10, 6.1, 6.12 and this host, each kernel's status as expected; those marked "run" loaded
# and attached here for a second.
. "$(dirname "$0")/server_lib.sh"
PATH="$EUCC_BIN/../client:$PATH"
REAL="$EUCC_SOURCE_DIR/tests/data/real"
LOCAL=$(uname -r)
seed_store
eucc-server btf import "$EUCC_FIXTURES/kernels/4.19.108.btf.tar.xz" --distro vanilla --version 4.19 \
	--arch x86_64 >/dev/null || { echo "FAIL: import 4.19.108"; exit 1; }
start_server --workers 2
export EUCC_SERVER=$URL
mkdir -p "$TMP/pkg"

# pool CMD...: run CMD in the background, at most two at a time (the server is a job too).
POOL=()
pool() {
	if [ ${#POOL[@]} -ge 2 ]; then
		wait "${POOL[0]}"
		POOL=("${POOL[@]:1}")
	fi
	"$@" &
	POOL+=($!)
}
pool_wait() {
	for p in "${POOL[@]}"; do wait "$p"; done
	POOL=()
}

# compile_one LINE: the package and the answer's statuses in $TMP/pkg/<name>.{eucc,status,err}
compile_one() {
	local path flags name
	path=$(cut -d'|' -f1 <<<"$1" | xargs)
	flags=$(cut -d'|' -f2 <<<"$1" | xargs)
	name=$(basename "$path" .bpf.c)
	# shellcheck disable=SC2086 # the flags are words
	(cd "$REAL" && eucc-remote compile "$path" $flags --kernel 4.19.108 --kernel 5.10 --kernel 6.1 \
		--kernel 6.12 --kernel "$LOCAL" --json -o "$TMP/pkg/$name.eucc") >"$TMP/pkg/$name.json" \
		2>"$TMP/pkg/$name.err"
	jq -r '[.kernels[].status] | join(" ")' "$TMP/pkg/$name.json" >"$TMP/pkg/$name.status" 2>/dev/null
}

mapfile -t LINES < <(grep -v '^#' "$REAL/programs.txt" | grep -v '^ *$')
expect "at least 30 programs" "${#LINES[@]}" '^([3-9][0-9]|[1-9][0-9]{2,})$'
start=$(date +%s%N)
for line in "${LINES[@]}"; do
	pool compile_one "$line"
done
pool_wait
echo "compiled ${#LINES[@]} programs for 5 kernels in $((($(date +%s%N) - start) / 1000000)) ms"

RUNS=()
for line in "${LINES[@]}"; do
	path=$(cut -d'|' -f1 <<<"$line" | xargs)
	want=$(cut -d'|' -f3 <<<"$line" | xargs)
	name=$(basename "$path" .bpf.c)
	expect_eq "$path: statuses (4.19 5.10 6.1 6.12 host)" "$(cat "$TMP/pkg/$name.status")" "$want"
	[ -s "$TMP/pkg/$name.status" ] || cat "$TMP/pkg/$name.err"
	expect_eq "$path: a package" "$([ -s "$TMP/pkg/$name.eucc" ] && echo yes)" yes
	[ "$(cut -d'|' -f4 <<<"$line" | xargs)" = run ] && RUNS+=("$name")
done
expect "programs run here" "${#RUNS[@]}" '^[1-9][0-9]+$'

# Each program marked "run" loads and attaches on this host (two at a time).
run_one() {
	timeout 30 eucc-remote run "$TMP/pkg/$1.eucc" --duration 1 >"$TMP/pkg/$1.run" 2>&1
	echo $? >"$TMP/pkg/$1.rc"
}
start=$(date +%s%N)
for name in "${RUNS[@]}"; do
	pool run_one "$name"
done
pool_wait
echo "ran ${#RUNS[@]} packages in $((($(date +%s%N) - start) / 1000000)) ms"
for name in "${RUNS[@]}"; do
	expect_eq "$name: runs here" "$(cat "$TMP/pkg/$name.rc")" 0
	[ "$(cat "$TMP/pkg/$name.rc")" = 0 ] || head -c 1500 "$TMP/pkg/$name.run"
done
finish
