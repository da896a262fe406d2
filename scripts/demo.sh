#!/usr/bin/env bash
# The main job on the embedded default: a fresh data dir with the fixture BTF and this host's
# kernel, and what the kernel spec "4.19" means there.
set -euo pipefail
cd "$(dirname "$0")/.."
fixtures=${EUCC_FIXTURES:-$(cd .. && pwd)/shared/fixtures}
dir=$(scripts/build.sh)
server=$dir/server/eucc-server
export EUCC_DATA=${EUCC_DATA:-$PWD/out/demo-data}
rm -rf "$EUCC_DATA"

echo "== eucc-server btf import $fixtures/btf"
$server btf import "$fixtures/btf"
echo "== eucc-server btf import /sys/kernel/btf/vmlinux --release $(uname -r)"
$server btf import /sys/kernel/btf/vmlinux --release "$(uname -r)"
echo "== eucc-server btf list 4.19"
$server btf list 4.19
echo "== eucc-server btf list 4.19 --arch x86_64"
$server btf list 4.19 --arch x86_64
echo "== eucc-server btf show 4.19.90-2107.6.0.0248.35.oe1.bclinux.x86_64 --type task_struct (first lines)"
$server btf show 4.19.90-2107.6.0.0248.35.oe1.bclinux.x86_64 --type task_struct | head -n 8
