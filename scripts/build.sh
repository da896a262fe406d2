#!/usr/bin/env bash
# Configure and build into build/ (or build-asan/ with --sanitize). Prints the build dir.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=build
args=()
if [ "${1:-}" = "--sanitize" ]; then
	dir=build-asan
	args=(-DEUCC_SANITIZE=ON)
fi
cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "${args[@]}" >/dev/null
cmake --build "$dir" -j"$(nproc)" >&2
echo "$dir"
