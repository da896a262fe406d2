# Start and stop a real eucc-server on a loopback port for the end-to-end tests.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
SRV_PID=
PORT=
URL=

# A data dir with the fixture BTF and this machine's kernel, made once per test script.
seed_store() {
	eucc-server btf import "$EUCC_FIXTURES/btf" >/dev/null || { echo "FAIL: import fixtures"; exit 1; }
	eucc-server btf import /sys/kernel/btf/vmlinux --release "$(uname -r)" >/dev/null ||
		{ echo "FAIL: import local kernel"; exit 1; }
}

# A port below the ephemeral range (32768+), so that no client socket holds it; another test
# may still have taken it, so a server that cannot bind is started again on another port. The
# port answering is not enough (it may be that other test's server): ours must say it listens.
# $SERVE_AS, if set, is a command that execs the rest (setpriv: as another user).
start_server() {
	for _ in 1 2 3 4 5; do
		PORT=$((20000 + RANDOM % 12000))
		URL="http://127.0.0.1:$PORT"
		${SERVE_AS:-} eucc-server serve --listen "127.0.0.1:$PORT" "$@" >>"$TMP/server.log" 2>&1 &
		SRV_PID=$!
		for _ in $(seq 100); do
			curl -sf "$URL/healthz" >/dev/null &&
				grep -q "listening on $URL " "$TMP/server.log" && return 0
			kill -0 "$SRV_PID" 2>/dev/null || break
			sleep 0.1
		done
		wait "$SRV_PID" 2>/dev/null
		grep -q "cannot listen on 127.0.0.1:$PORT" "$TMP/server.log" || break
	done
	echo "FAIL: server did not start"; cat "$TMP/server.log"; exit 1
}

stop_server() {
	[ -n "$SRV_PID" ] || return 0
	kill "${1:--TERM}" "$SRV_PID" 2>/dev/null
	wait "$SRV_PID" 2>/dev/null
	SRV_PID=
}
trap 'stop_server -KILL; rm -rf "$TMP"' EXIT

# body NAME MAIN_FILE KERNELS_JSON [extra jq]: a compile request with one source file.
body() {
	jq -n --arg name "$1" --rawfile src "$2" --argjson kernels "$3" \
		'{name:$name, main:($name + ".bpf.c"), sources:{($name + ".bpf.c"):$src},
		  kernels:$kernels, arch:"x86_64"}'"${4:-}"
}

# post BODY: POST /v1/compile; status in $CODE, answer in $OUT.
post() {
	OUT=$(curl -s -o - -w '\n%{http_code}' -H 'Content-Type: application/json' \
		--data-binary @- "$URL/v1/compile" <<<"$1")
	CODE=$(tail -n1 <<<"$OUT")
	OUT=$(sed '$d' <<<"$OUT")
}

metric() {
	curl -s "$URL/metrics" | awk -v m="$1" '$1 == m {print $2}'
}
