#!/usr/bin/env bash
# eucc-remote against a real server: compile, run (really loaded and attached), pull, inspect,
# check, kernels, the local kernel's BTF offer, and every refusal a person may meet.
. "$(dirname "$0")/server_lib.sh"
PATH="$EUCC_BIN/../client:$PATH"
EX="$EUCC_SOURCE_DIR/examples"
CORE="$EUCC_SOURCE_DIR/tests/data/core"
LOCAL=$(uname -r)
seed_store
start_server --workers 2
export EUCC_SERVER=$URL
cd "$TMP"

# Marker commands that the exec snoop must see.
cp /bin/true "$TMP/eucc_mk_cli"
markers() { sleep 1.2; for _ in 1 2 3; do "$TMP/eucc_mk_cli"; sleep 0.2; done; }

run 0 eucc-remote compile "$EX/execsnoop.bpf.c" --kernel 4.19 --kernel 5.10 --kernel local -o execsnoop.eucc
expect "per-kernel table" "$OUT" "^KERNEL +DISTRO"
expect "4.19 ok" "$OUT" "^4\.19\.90-2107.* ok "
expect "wrote the package" "$OUT" "wrote execsnoop.eucc \(sha256:"
run 0 eucc-remote inspect execsnoop.eucc --json
expect_eq "three BTFs" "$(jq '.kernels | length' <<<"$OUT")" 3
expect_eq "the local one" "$(jq -r --arg r "$LOCAL" '.kernels[] | select(.release == $r) | .btf.path' <<<"$OUT")" "btf/x86_64/$LOCAL.btf"
expect_eq "the event type, and how it was found" "$(jq -c '.events[] | [.map, .type, .found]' <<<"$OUT")" '["events","struct event","EUCC_EVENT"]'
DIGEST=$(sha256sum execsnoop.eucc | cut -d" " -f1)

markers &
mpid=$!
run 0 eucc-remote run execsnoop.eucc --btf bundled --duration 3
wait "$mpid" # the next run must not see these markers
expect "exec events of the marker" "$OUT" "comm=eucc_mk_cli"
markers &
mpid=$!
run 0 eucc-remote run execsnoop.eucc --btf bundled --duration 3 --json
wait "$mpid" # the next run must not see these markers
expect_eq "JSON lines" "$(grep -c '"comm":"eucc_mk_cli"' <<<"$OUT")" 3

# A second compile is a cache hit.
run 0 eucc-remote compile "$EX/execsnoop.bpf.c" --kernel 4.19 --kernel 5.10 --kernel local -o again.eucc --json
expect_eq "second compile: object hit" "$(jq -r .cache.object <<<"$OUT")" hit
expect_eq "same bytes" "$(sha256sum <again.eucc | cut -d' ' -f1)" "$DIGEST"

# The air-gapped path: pull by digest, stop the server, move the file, run it there.
run 0 eucc-remote pull "sha256:$DIGEST" -o pulled.eucc
expect_eq "pulled = compiled" "$(sha256sum <pulled.eucc | cut -d' ' -f1)" "$DIGEST"
# A broken download resumes: start from a partial file.
head -c 1000 pulled.eucc >resumed.eucc.part
run 0 eucc-remote pull "sha256:$DIGEST" -o resumed.eucc
expect_eq "resumed download" "$(sha256sum <resumed.eucc | cut -d' ' -f1)" "$DIGEST"
# A damaged partial download is refused and removed.
head -c 1000 /dev/urandom >bad.eucc.part
run 2 eucc-remote pull "sha256:$DIGEST" -o bad.eucc
expect "tampered download refused" "$ERR" "does not match the digest"
expect_eq "and removed" "$(ls bad.eucc* 2>/dev/null | wc -l)" 0
stop_server
mkdir -p "$TMP/airgap" && mv pulled.eucc "$TMP/airgap/" && cd "$TMP/airgap"
markers &
mpid=$!
run 0 eucc-remote run pulled.eucc --btf bundled --duration 3
wait "$mpid" # the next run must not see these markers
expect "air-gapped run" "$OUT" "comm=eucc_mk_cli"
cd "$TMP"
run 4 eucc-remote kernels
expect "server unreachable" "$ERR" "cannot reach the eucc server"
start_server --workers 2
export EUCC_SERVER=$URL

# A package without this host's kernel, forced to bundled BTF: a clear error, exit 2.
run 0 eucc-remote compile "$EX/execsnoop.bpf.c" --kernel 5.10 -o only510.eucc
run 2 eucc-remote run only510.eucc --btf bundled --duration 1
expect "no bundled BTF" "$ERR" "no BTF for this kernel \($LOCAL\)"
expect "lists the bundled kernels" "$ERR" "5.10.0-32-cloud-amd64"
expect "says how to fix it" "$ERR" "eucc-remote compile execsnoop.bpf.c --kernel"

# run by digest and by URL: pulled into the package cache, verified, run; the cache serves a
# second run with the server stopped. A package never checked for this kernel warns.
CDATA="$TMP/client-data"
markers &
EUCC_DATA=$CDATA run 0 eucc-remote run "sha256:$DIGEST" --btf bundled --duration 3
expect "run by digest" "$OUT" "comm=eucc_mk_cli"
expect_eq "kept in the package cache" "$(ls "$CDATA/packages/sha256")" "$DIGEST.eucc"
expect_not "no warning for a checked kernel" "$ERR" "never checked"
D510=$(sha256sum only510.eucc | cut -d" " -f1)
markers &
EUCC_DATA=$CDATA run 0 eucc-remote run "$URL/v1/artifacts/$D510" --btf native --duration 3
expect "run by URL" "$OUT" "comm=eucc_mk_cli"
expect "unchecked kernel warned" "$ERR" "warning: the server never checked this package for this kernel \($LOCAL, x86_64\); it checked: 5\.10\.0-32-cloud-amd64; to check it for this one: eucc-remote compile execsnoop\.bpf\.c --kernel local"
expect_eq "one warning line" "$(grep -c "never checked" <<<"$ERR")" 1
stop_server
markers &
EUCC_DATA=$CDATA run 0 eucc-remote run "sha256:$DIGEST" --btf bundled --duration 3
expect "cached digest, server stopped" "$OUT" "comm=eucc_mk_cli"
markers &
EUCC_DATA=$CDATA run 0 eucc-remote run "$URL/v1/artifacts/$D510" --btf native --duration 3
expect "cached URL, server stopped" "$OUT" "comm=eucc_mk_cli"
# A damaged cache entry is not used: it is pulled again (here: the server is down).
printf 'junk' >>"$CDATA/packages/sha256/$DIGEST.eucc"
EUCC_DATA=$CDATA run 4 eucc-remote run "sha256:$DIGEST" --duration 1
expect "damaged cache entry re-pulled" "$ERR" "cannot reach the eucc server"
EUCC_DATA=$CDATA run 3 eucc-remote run "http://127.0.0.1:1/v1/artifacts/nodigest" --duration 1
expect "a URL without a digest" "$ERR" "names no package"
start_server --workers 2
export EUCC_SERVER=$URL
rm -f "$CDATA/packages/sha256/$DIGEST.eucc"
EUCC_DATA=$CDATA run 0 eucc-remote run "$DIGEST" --attach-only
expect "bare hex digest" "$OUT" "loaded and attached"
# A digest the server does not have.
EUCC_DATA=$CDATA run 2 eucc-remote run "sha256:$(printf %064d 0)" --duration 1
expect "unknown digest" "$ERR" "no artifact with that digest"

# Unannotated programs: the server finds the record types (call sites; else the header named
# like the program), the manifest says how, and the records decode through them.
EV="$EUCC_SOURCE_DIR/tests/data/events"
run 0 eucc-remote compile "$EV/unannotated.bpf.c" --kernel local -o unannotated.eucc
run 0 eucc-remote inspect unannotated.eucc --json
expect_eq "inferred record types" "$(jq -c '[.events[] | [.map, .type, .found]] | sort' <<<"$OUT")" \
	'[["pb","struct perf_rec","bpf_perf_event_output"],["rb","struct exec_rec","bpf_ringbuf_reserve"]]'
markers &
run 0 eucc-remote run unannotated.eucc --duration 3
expect "ring buffer record decoded" "$OUT" "^[0-9:]{8} rb: pid=[0-9]+ comm=eucc_mk_cli$"
expect "perf buffer record decoded" "$OUT" "^[0-9:]{8} pb: cookie=4660 comm=eucc_mk_cli$"
expect "a header line naming the fields" "$OUT" "^TIME +rb: pid comm$"
expect_not "no hex" "$OUT" "size=[0-9]+ data="
run 0 eucc-remote compile "$EV/argsnoop.bpf.c" --kernel local -o argsnoop.eucc
run 0 eucc-remote inspect argsnoop.eucc --json
expect_eq "type from the same-name header" "$(jq -c '.events[] | [.map, .type, .found]' <<<"$OUT")" \
	'["events","struct event","header"]'
markers &
run 0 eucc-remote run argsnoop.eucc --duration 3 --json
expect_eq "variable-length record: what came, nothing more" \
	"$(jq -c 'select(.map == "events" and .event.args == "eucc") | [.event.args_size, .event.args, .size]' <<<"$OUT" | sort -u)" '[4,"eucc",12]'
expect_not "nothing past the record" "$OUT" "Z"
expect_eq "JSON lines have the time" "$(jq -r 'select(.map == "events") | .time | test("^[0-9]{2}:[0-9]{2}:[0-9]{2}$")' <<<"$OUT" | sort -u)" true

# Tampered, truncated and wrong-format packages are refused.
python3 - execsnoop.eucc <<'PY'
import gzip, io, sys, tarfile, json
raw = gzip.decompress(open(sys.argv[1], 'rb').read())
i = raw.index(b'ELF')                       # inside the object member
open('tampered.eucc', 'wb').write(gzip.compress(raw[:i] + b'ELG' + raw[i + 3:], mtime=0))
open('truncated.eucc', 'wb').write(open(sys.argv[1], 'rb').read()[:3000])
buf = io.BytesIO()
with tarfile.open(fileobj=buf, mode='w') as t:
    m = json.dumps({"format": 99, "files": {}}).encode()
    ti = tarfile.TarInfo('manifest.json'); ti.size = len(m); t.addfile(ti, io.BytesIO(m))
open('future.eucc', 'wb').write(gzip.compress(buf.getvalue(), mtime=0))
PY
run 2 eucc-remote run tampered.eucc --duration 1
expect "tampered refused" "$ERR" "sha256 mismatch"
run 2 eucc-remote inspect truncated.eucc
expect "truncated refused" "$ERR" "truncated"
run 2 eucc-remote inspect future.eucc
expect "unknown format refused" "$ERR" "format 99 is newer than this client"

# check: exit 0 when every kernel is fine, 1 when one is not, with valid SARIF.
run 0 eucc-remote check "$CORE/basic.bpf.c" --kernel 5.10 --kernel 6.1
run 1 eucc-remote check "$CORE/state.bpf.c" --kernel 5.10 --kernel 6.1 --format sarif
expect_eq "SARIF version" "$(jq -r .version <<<"$OUT")" 2.1.0
expect_eq "SARIF rule" "$(jq -r '.runs[0].results[0].ruleId' <<<"$OUT")" field
expect_eq "SARIF location, from the working dir" "$(jq -r '.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri' <<<"$OUT")" \
	"$(realpath --relative-to="$PWD" "$CORE/state.bpf.c")"
expect "SARIF message" "$(jq -r '.runs[0].results[0].message.text' <<<"$OUT")" "no such field in 5.10.0-32-cloud-amd64"
run 1 eucc-remote check "$CORE/state.bpf.c" --kernel 5.10 --kernel 6.1 --format json
expect_eq "JSON status" "$(jq -r '.kernels[0].status' <<<"$OUT")" incompatible
printf 'int x = ;\n' >broken.bpf.c
run 2 eucc-remote compile broken.bpf.c --kernel 6.1
expect "clang-style diagnostic" "$ERR" "^broken.bpf.c:1:9: error: expected expression"

# kernels: what the server can compile for, and what a type looks like there.
run 0 eucc-remote kernels 4.19 --json
expect_eq "kernels 4.19" "$(jq '.kernels | length' <<<"$OUT")" 3
run 0 eucc-remote kernels 5.10.0-32-cloud-amd64 --type task_struct
expect "task_struct on 5.10" "$OUT" "long int state;"
run 2 eucc-remote kernels 4.1
expect "closest kernels" "$ERR" "closest stored"

# --kernel local on a server without this host's BTF: offered by digest, then sent.
stop_server
export EUCC_DATA="$TMP/data2"
eucc-server btf import "$EUCC_FIXTURES/btf/debian/11" >/dev/null
start_server --allow-btf-upload
export EUCC_SERVER=$URL
run 0 eucc-remote compile "$EX/execsnoop.bpf.c" --kernel local --kernel 5.10 -o offered.eucc
expect "offered" "$ERR" "offering it"
run 0 eucc-remote kernels local --json
expect_eq "server has it now" "$(jq -r '.kernels[0].release' <<<"$OUT")" "$LOCAL"
stop_server
start_server
export EUCC_SERVER=$URL
eucc-server btf rm "$LOCAL" >/dev/null
run 2 eucc-remote compile "$EX/execsnoop.bpf.c" --kernel local
expect "upload not allowed: says what to do" "$ERR" "eucc-server btf import"

# Tokens: refused is exit 4.
stop_server
printf 'compile-token-0123456789 compile ci\n' >"$TMP/tokens"
start_server --tokens "$TMP/tokens"
export EUCC_SERVER=$URL
run 4 eucc-remote kernels
expect "token needed" "$ERR" "needs a token"
run 0 eucc-remote --token compile-token-0123456789 kernels
EUCC_TOKEN=wrong-token-0123456789 run 4 eucc-remote kernels
expect "token refused" "$ERR" "token was not accepted"

# Global options after the command word: --token, --server (over a wrong EUCC_SERVER), -q, --json.
run 0 eucc-remote kernels 5.10 --token compile-token-0123456789 --json
expect_eq "--token after the command" "$(jq -r '.kernels[0].release' <<<"$OUT")" 5.10.0-32-cloud-amd64
EUCC_SERVER=http://127.0.0.1:1 run 0 eucc-remote kernels --json 5.10 --server "$URL" --token compile-token-0123456789
expect_eq "--server after the command" "$(jq -r '.kernels[0].release' <<<"$OUT")" 5.10.0-32-cloud-amd64
export EUCC_TOKEN=compile-token-0123456789
run 0 eucc-remote compile "$EX/execsnoop.bpf.c" --kernel 5.10 -o quiet.eucc -q
expect_eq "-q after the command: no wrote line" "$(grep -c '^wrote' <<<"$OUT")" 0
expect "and still the table" "$OUT" "^KERNEL +DISTRO"
run 0 eucc-remote --json inspect quiet.eucc
expect_eq "--json before the command" "$(jq -r .name <<<"$OUT")" execsnoop
run 0 eucc-remote inspect -j quiet.eucc
expect_eq "-j after it" "$(jq -r .name <<<"$OUT")" execsnoop
run 0 eucc-remote run quiet.eucc --help
expect "run PKG --help: the run help" "$OUT" "^Usage: eucc-remote run PKG\|DIGEST\|URL "
expect "run PKG --help: the parameters" "$OUT" "^Parameters of execsnoop"
unset EUCC_TOKEN

# Usage errors: exit 3, the closest name, where the help is.
run 3 eucc-remote compile "$EX/execsnoop.bpf.c" --kernal 4.19
expect "did you mean --kernel" "$ERR" "^eucc-remote: error: unknown option '--kernal'; did you mean '--kernel'\?$"
expect "the help to see" "$ERR" "^  hint: see \`eucc-remote compile --help\`$"
run 3 eucc-remote complie x.bpf.c
expect "did you mean compile" "$ERR" "^eucc-remote: error: unknown command 'complie'; did you mean 'compile'\?$"
run 3 eucc-remote frobnicate
expect "no suggestion for nonsense" "$ERR" "^eucc-remote: error: unknown command 'frobnicate'$"
run 3 eucc-remote compile x.bpf.c --kernel
expect "missing value" "$ERR" "option '--kernel' needs a value \(SPEC\)"
run 3 eucc-remote compile
expect "missing FILE" "$ERR" "'compile' needs FILE.bpf.c"
run 3 eucc-remote pull --json "sha256:$DIGEST"
expect "--json where it does not apply" "$ERR" "option '--json' does not apply to 'pull'"
run 3 eucc-remote --kernel 5.10 compile x.bpf.c
expect "a command's option before the command" "$ERR" "'--kernel' is an option of compile, check: give it after the command"
run 3 eucc-remote check x.bpf.c --format xml
expect "bad --format" "$ERR" "--format is text, json or sarif, not 'xml'"
run 3 eucc-remote run x.eucc --duration soon
expect "bad --duration" "$ERR" "--duration wants seconds, not 'soon'"
run 3 eucc-remote kernels --type task_struct
expect "--type without RELEASE" "$ERR" "--type and --func want one RELEASE, and not both"
run 3 eucc-remote
expect "no command" "$ERR" "no command given: compile, check, pull, push, mirror, run, inspect, kernels or export"

# Help: the commands with their summaries; every command's options with what they do.
run 0 eucc-remote --help
for c in "compile FILE.bpf.c" "check FILE.bpf.c" "pull DIGEST|oci://..." "push PKG REGISTRY/REPO:TAG" "run PKG|DIGEST|URL" "inspect PKG" "kernels [SPEC]" "help [COMMAND]"; do
	expect_has "--help lists $c" "$OUT" "  $c  "
done
run 0 eucc-remote help
expect "help = --help" "$OUT" "^Usage: eucc-remote \[OPTION\]... COMMAND"
opts_compile="-k, --kernel SPEC|--arch A|-I DIR|-D NAME[=V]|-U NAME|-W WARNING|--headers RELEASE|--name NAME|--format text|-o, --output OUT|-j, --json"
opts_check="-k, --kernel SPEC|--arch A|-I DIR|-D NAME[=V]|-U NAME|-W WARNING|--headers RELEASE|--name NAME|--format text|-j, --json"
opts_pull="-o, --output OUT|--from FILE"
opts_run="--btf auto|--duration SEC|--set NAME=VALUE|--map-size NAME=N|--no-autoload PROG|--attach-only|--dry-run|-j, --json"
opts_inspect="-j, --json"
opts_kernels="--arch A|--type NAME|--func NAME|-j, --json"
for c in compile check pull run inspect kernels; do
	run 0 eucc-remote $c --help
	help=$OUT
	expect "$c --help: usage" "$help" "^Usage: eucc-remote $c "
	var="opts_$c"
	IFS='|' read -ra want <<<"${!var}"
	for o in "${want[@]}" "--server URL" "--token TOKEN" "-q, --quiet" "-v, --verbose" "-h, --help"; do
		expect_has "$c --help lists $o" "$help" "$o"
	done
	run 0 eucc-remote help $c
	expect_eq "help $c = $c --help" "$OUT" "$help"
done
run 0 eucc-remote compile --help
expect "compile --help: --kernel's default" "$OUT" "\(repeatable; default: local\)"
expect "compile --help: what --json does here" "$OUT" "-j, --json +print the server's answer as JSON"
run 0 eucc-remote check --help
expect_not "check --help: no -o" "$OUT" "--output"
run 0 eucc-remote pull --help
expect_not "pull --help: no --json" "$OUT" "--json"

run 0 eucc-remote --version
expect "--version names libbpf" "$OUT" "^eucc-remote [0-9]+\.[0-9]+\.[0-9]+ \(libbpf [0-9]+\.[0-9]+\)$"
run 0 eucc-remote -V
expect "-V" "$OUT" "^eucc-remote .*\(libbpf "
run 0 eucc-remote kernels --version
expect "--version after a command" "$OUT" "^eucc-remote .*\(libbpf "
# Exit codes by kind (docs/exit-codes.md): a bad URL is usage (3), a 5xx the server's failure (4),
# a port in use and an unreadable tokens file local errors (2).
run 3 eucc-remote --server 'htp://127.0.0.1:1' kernels
expect "a bad URL" "$ERR" "the server URL 'htp://127.0.0.1:1' is not valid"
FAILPORT=$((20000 + RANDOM % 12000))
python3 - "$FAILPORT" <<'PY' &
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b'{"error":{"code":"internal","message":"the server failed on this request"}}'
        self.send_response(500)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
FAILSRV=$!
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$FAILPORT/" && break; sleep 0.1; done
run 4 eucc-remote --server "http://127.0.0.1:$FAILPORT" kernels
expect "a 5xx says the server failed" "$ERR" "the server failed on this request \(HTTP 500\)"
kill "$FAILSRV"
wait "$FAILSRV" 2>/dev/null
start_server
run 2 timeout 20 eucc-server serve --listen "127.0.0.1:$PORT"
expect "a port in use" "$ERR" "cannot listen on 127.0.0.1:$PORT"
run 2 timeout 20 eucc-server serve --listen 127.0.0.1:1 --tokens "$TMP/no-such-tokens"
expect "an unreadable tokens file" "$ERR" "cannot read tokens file"
stop_server
finish
