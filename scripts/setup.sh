#!/usr/bin/env bash
# Install every Debian 12 package eucc needs to build, test and run. Idempotent; run as root.
set -euo pipefail

packages=(
	# build
	build-essential cmake pkg-config clang llvm binutils clang-format
	# libraries (DESIGN.md "Dependencies")
	libbpf-dev libelf-dev zlib1g-dev libmicrohttpd-dev libcjson-dev libsqlite3-dev
	libarchive-dev libssl-dev libcurl4-openssl-dev libclang-dev
	# tools the server runs: pahole (DWARF to BTF), bubblewrap (compile sandbox), bpftool
	dwarves bubblewrap bpftool
	# tests and benchmarks
	libcmocka-dev sqlite3 jq xz-utils gzip zstd lz4 python3 util-linux ca-certificates curl time git
	# tests/fuzz, bench/fuzz.sh: clang's libFuzzer and sanitizer runtimes (only recommended by clang)
	libclang-rt-14-dev
	# bench/: load generator and the static-file server compared against
	wrk nginx
	# tests/e2e/vm_matrix.sh boots the fixture kernels under qemu with a busybox initramfs
	qemu-system-x86 busybox-static
	# debian/ packages and tests/e2e/install.sh, debian.sh: building them (debhelper,
	# dpkg-dev), lintian, the sysusers.d user and systemd-analyze (systemd), man -l (man-db)
	debhelper dpkg-dev lintian systemd man-db
	# tests/e2e/container.sh: a Debian base image made with mmdebstrap, built and run with podman
	# (rootful; runc, as crun refuses hybrid cgroups); podman brings conmon, the CNI plugins and iptables
	podman runc mmdebstrap
	# tests/e2e/nginx.sh: the TLS front's certificate
	openssl
	# tests/e2e/systemd.sh: systemd-analyze, and the unit run by systemd in systemd-nspawn
	systemd-container iproute2
	# tests/e2e/kubernetes.sh: deploy/kubernetes.yaml against the Kubernetes object models
	python3-yaml python3-kubernetes
)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "setup: all ${#packages[@]} packages present"
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "setup: missing packages: ${missing[*]}; run this script as root" >&2
	exit 1
fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
