#!/usr/bin/env bash
# Configure and build, warnings as errors. Prints the build dir.
#   scripts/build.sh             build/        RelWithDebInfo, the compiler cmake finds (gcc)
#   scripts/build.sh --sanitize  build-asan/   the same with AddressSanitizer + UBSan
#   scripts/build.sh --release   build-release/ Release, as packagers build it
#   scripts/build.sh --clang     build-clang/  Release with clang
set -euo pipefail
cd "$(dirname "$0")/.."
dir=build
type=RelWithDebInfo
args=()
case "${1:-}" in
"") ;;
--sanitize) dir=build-asan args=(-DEUCC_SANITIZE=ON) ;;
# (the static sub-builds are for the end-to-end tests, which these two builds do not run)
--release) dir=build-release type=Release args=(-DEUCC_STATIC_SUBBUILDS=OFF) ;;
--clang) dir=build-clang type=Release args=(-DCMAKE_C_COMPILER=clang -DEUCC_STATIC_SUBBUILDS=OFF) ;;
*)
	echo "usage: scripts/build.sh [--sanitize|--release|--clang]" >&2
	exit 3
	;;
esac
cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=$type -DEUCC_WERROR=ON "${args[@]}" >/dev/null
cmake --build "$dir" -j"$(nproc)" >&2
echo "$dir"
