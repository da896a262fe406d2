#!/usr/bin/env bash
# The main job on the embedded default: a local compile server on loopback with the fixture BTF
# and this host's kernel, a compile of an example for 4.19, 5.10, 6.1 and this host, the
# per-kernel table, and the package run here for a few seconds on its bundled BTF.
# Settings (for tests): EUCC_DEMO_BUILD (a build dir to use instead of building), EUCC_DEMO_OUT
# (where the package goes; out/), EUCC_DATA (out/demo-data), EUCC_DEMO_PORT (8639).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
fixtures=${EUCC_FIXTURES:-$(cd .. && pwd)/shared/fixtures}
build=${EUCC_DEMO_BUILD:-$root/$(scripts/build.sh)}
PATH="$build/server:$build/client:$PATH"
out=${EUCC_DEMO_OUT:-$root/out}
export EUCC_DATA=${EUCC_DATA:-$out/demo-data}
port=${EUCC_DEMO_PORT:-8639}
export EUCC_SERVER=http://127.0.0.1:$port
rm -rf "$EUCC_DATA" && mkdir -p "$out"

echo "== eucc-server btf import $fixtures/btf"
eucc-server btf import "$fixtures/btf"
echo "== eucc-server btf import /sys/kernel/btf/vmlinux --release $(uname -r)"
eucc-server btf import /sys/kernel/btf/vmlinux --release "$(uname -r)"
echo "== eucc-server btf list 4.19"
eucc-server btf list 4.19

echo "== eucc-server serve --listen 127.0.0.1:$port"
eucc-server serve --listen "127.0.0.1:$port" &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null' EXIT
for _ in $(seq 50); do curl -sf "$EUCC_SERVER/healthz" >/dev/null && break; sleep 0.1; done

cd "$out"
echo "== eucc-remote compile examples/execsnoop.bpf.c --kernel 4.19 --kernel 5.10 --kernel 6.1 --kernel local"
eucc-remote compile "$root/examples/execsnoop.bpf.c" --kernel 4.19 --kernel 5.10 --kernel 6.1 \
	--kernel local -o execsnoop.eucc
echo "== eucc-remote inspect execsnoop.eucc"
eucc-remote inspect execsnoop.eucc
echo "== eucc-remote run execsnoop.eucc --btf bundled --duration 4 (while this script runs a few commands)"
(sleep 1.5; for c in uname id hostname; do $c >/dev/null; sleep 0.3; done) &
eucc-remote run execsnoop.eucc --btf bundled --duration 4
