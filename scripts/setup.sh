#!/usr/bin/env bash
# Install every Debian 12 package eucc needs to build, test and run, and build what Debian
# ships no static archive of for the static eucc-remote (docs/eucc-remote.md, "The static
# build"). Idempotent; run as root.
set -euo pipefail

packages=(
	# build
	build-essential cmake pkg-config clang llvm binutils clang-format
	# the server's toolchains besides clang-14 (docs/compile.md): each brings its llvm-strip
	clang-16 llvm-16 clang-19 llvm-19
	# the UAPI headers (asm/) of each target arch for <linux/bpf.h> programs
	linux-libc-dev linux-libc-dev:arm64
	# libraries (DESIGN.md "Dependencies")
	libbpf-dev libelf-dev zlib1g-dev libmicrohttpd-dev libcjson-dev libsqlite3-dev
	libarchive-dev libssl-dev libcurl4-openssl-dev libclang-dev
	# tools the server runs: pahole (DWARF to BTF), bubblewrap (compile sandbox), bpftool
	dwarves bubblewrap bpftool
	# tests and benchmarks
	libcmocka-dev sqlite3 jq xz-utils gzip zstd lz4 python3 util-linux ca-certificates curl time git
	# tests/e2e/static.sh: what the static eucc-remote opens (strace), its ELF headers (file)
	strace file
	# tests/e2e/export.sh: an independent reader of the exported OCI image layouts
	skopeo
	# tests/fuzz, bench/fuzz.sh: clang's libFuzzer and sanitizer runtimes (only recommended by clang)
	libclang-rt-14-dev
	# bench/: load generator and the static-file server compared against
	wrk nginx
	# tests/e2e/vm_matrix.sh boots the fixture kernels under qemu with a busybox initramfs
	# (x86_64 and arm64 guests)
	qemu-system-x86 qemu-system-arm busybox-static
	# the static eucc-remote: c-ares (libcares.a, the resolver of its libcurl); for arm64
	# (cmake/aarch64-linux-gnu.cmake) the cross compiler and the arm64 static archives
	# (libbpf.a, libelf.a, libz.a, libssl.a, libcrypto.a, libcares.a)
	libc-ares-dev crossbuild-essential-arm64 libbpf-dev:arm64 libelf-dev:arm64 zlib1g-dev:arm64
	libssl-dev:arm64 libc-ares-dev:arm64
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
	# tests/e2e/registry.sh, replicas.sh: a real OCI registry (the distribution project's
	# registry v2) and htpasswd for its bcrypt users
	docker-registry apache2-utils
)

# What the static eucc-remote links that Debian has no usable static archive of, built from
# Debian's own source packages into $STATIC/<triplet> (the default of the CMake option
# EUCC_STATIC_DEPS): lib/libcjson.a with include/cjson/cJSON.h (cjson), lib/libcurl.a with
# include/curl/ (curl: Debian's libcurl.a needs gssapi, which Debian ships only shared), and for
# the arm64 guests of the VM matrix bin/busybox (busybox-static:arm64, which cannot be installed
# beside the amd64 one).
STATIC=/opt/eucc-static
TRIPLETS=(x86_64-linux-gnu aarch64-linux-gnu)

need_root() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "setup: $*; run this script as root" >&2
		exit 1
	fi
}

install_packages() {
	local missing=() p
	if ! dpkg --print-foreign-architectures | grep -qx arm64; then
		need_root "the arm64 architecture is not enabled"
		dpkg --add-architecture arm64
	fi
	for p in "${packages[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
	done
	if [ ${#missing[@]} -eq 0 ]; then
		echo "setup: all ${#packages[@]} packages present"
		return 0
	fi
	need_root "missing packages: ${missing[*]}"
	echo "setup: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# deb-src entries for the suites of the binary entries, for `apt-get source`.
SRC_LIST=/etc/apt/sources.list.d/eucc-src.sources
enable_sources() {
	[ -e "$SRC_LIST" ] && return 0
	need_root "no deb-src entries for apt-get source"
	cat >"$SRC_LIST" <<'SOURCES'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
	apt-get update -q
}

# The version of the installed binary package NAME (the source of the same version is built).
pkg_version() {
	dpkg-query -W -f='${Version}' "$1"
}

# cJSON from the source of the libcjson-dev installed here (Debian's patches applied), one
# static archive per triplet: the same cJSON the dynamic build links, compiled into the binary.
build_cjson() {
	local version stamp work t cc
	version=$(pkg_version libcjson-dev)
	stamp="cjson $version"
	for t in "${TRIPLETS[@]}"; do
		[ "$(cat "$STATIC/$t/.cjson" 2>/dev/null)" = "$stamp" ] || break
		t=
	done
	[ -z "${t:-}" ] && { echo "setup: static cJSON $version present"; return 0; }
	need_root "the static cJSON is missing"
	enable_sources
	work=$(mktemp -d)
	chmod 0755 "$work" # apt's download user writes there
	(cd "$work" && apt-get source -q "cjson=$version" >/dev/null)
	for t in "${TRIPLETS[@]}"; do
		cc=$t-gcc
		mkdir -p "$STATIC/$t/lib" "$STATIC/$t/include/cjson"
		"$cc" -O2 -std=c89 -fno-strict-aliasing -c "$work"/cjson-*/cJSON.c -o "$work/cJSON-$t.o"
		rm -f "$STATIC/$t/lib/libcjson.a"
		"$t-ar" rcs "$STATIC/$t/lib/libcjson.a" "$work/cJSON-$t.o"
		install -m 0644 "$work"/cjson-*/cJSON.h "$STATIC/$t/include/cjson/cJSON.h"
		install -m 0644 "$work"/cjson-*/LICENSE "$STATIC/$t/include/cjson/LICENSE"
		echo "$stamp" >"$STATIC/$t/.cjson"
	done
	rm -rf "$work"
	echo "setup: built the static cJSON $version for ${TRIPLETS[*]}"
}

# libcurl from the source of the libcurl4-openssl-dev installed here (Debian's patches applied),
# static, for each triplet: HTTP and HTTPS only, TLS by OpenSSL (libssl.a), names resolved by
# c-ares (libcares.a), which reads /etc/hosts and /etc/resolv.conf itself: no glibc NSS, whose
# modules a static binary cannot load. No CA path of the build machine is compiled in (the
# client looks for the host's bundle), no OpenSSL configuration is loaded, and nothing that
# needs another library (gssapi, ldap, ssh, idn2, psl, nghttp2, brotli, zstd) is built.
CURL_RECIPE=1 # bump when the options below change
CURL_OPTS=(
	--disable-shared --enable-static --with-openssl --enable-ares --with-zlib
	--disable-openssl-auto-load-config --without-ca-bundle --without-ca-path
	--without-libidn2 --without-libpsl --without-nghttp2 --without-brotli --without-zstd
	--without-libssh2 --without-libssh --without-librtmp --without-gssapi --without-libgsasl
	--disable-ldap --disable-ldaps --disable-rtsp --disable-dict --disable-telnet --disable-tftp
	--disable-pop3 --disable-imap --disable-smb --disable-smtp --disable-gopher --disable-mqtt
	--disable-ftp --disable-file --disable-manual --disable-docs --disable-netrc --disable-ntlm
	--disable-kerberos-auth --disable-negotiate-auth --disable-cookies --disable-alt-svc
	--disable-hsts --disable-websockets
)
build_curl() {
	local version stamp work t
	version=$(pkg_version libcurl4-openssl-dev)
	stamp="curl $version recipe $CURL_RECIPE"
	for t in "${TRIPLETS[@]}"; do
		[ "$(cat "$STATIC/$t/.curl" 2>/dev/null)" = "$stamp" ] || break
		t=
	done
	[ -z "${t:-}" ] && { echo "setup: static libcurl $version present"; return 0; }
	need_root "the static libcurl is missing"
	enable_sources
	work=$(mktemp -d)
	chmod 0755 "$work"
	(cd "$work" && apt-get source -q "curl=$version" >/dev/null)
	for t in "${TRIPLETS[@]}"; do
		echo "setup: building the static libcurl $version for $t"
		mkdir -p "$work/build-$t"
		(
			cd "$work/build-$t"
			"$work"/curl-*/configure --host="$t" --prefix="$STATIC/$t" "${CURL_OPTS[@]}" >configure.log 2>&1 ||
				{ tail -n 30 configure.log >&2; exit 1; }
			make -C lib -j"$(nproc)" >make.log 2>&1 || { tail -n 30 make.log >&2; exit 1; }
			rm -rf "$STATIC/$t/include/curl" "$STATIC/$t/lib/libcurl.a"
			make -C lib install >/dev/null && make -C include install >/dev/null
		)
		rm -f "$STATIC/$t/lib/libcurl.la"
		install -m 0644 "$work"/curl-*/COPYING "$STATIC/$t/include/curl/COPYING"
		echo "$stamp" >"$STATIC/$t/.curl"
	done
	rm -rf "$work"
	echo "setup: built the static libcurl $version for ${TRIPLETS[*]}"
}

# Debian's static busybox for arm64, unpacked (not installed: it conflicts with the amd64 one).
fetch_busybox_arm64() {
	local dest=$STATIC/aarch64-linux-gnu version work
	version=$(apt-cache policy busybox-static:arm64 | awk '/Candidate:/ {print $2}')
	[ -n "$version" ] && [ "$version" != "(none)" ] || { echo "setup: no busybox-static:arm64" >&2; exit 1; }
	if [ "$(cat "$dest/.busybox" 2>/dev/null)" = "busybox-static $version" ] && [ -x "$dest/bin/busybox" ]; then
		echo "setup: busybox-static:arm64 $version present"
		return 0
	fi
	need_root "busybox-static:arm64 is missing"
	work=$(mktemp -d)
	chmod 0755 "$work"
	(cd "$work" && apt-get download -q "busybox-static:arm64=$version" >/dev/null)
	dpkg-deb -x "$work"/busybox-static_*_arm64.deb "$work/root"
	mkdir -p "$dest/bin"
	install -m 0755 "$work/root/bin/busybox" "$dest/bin/busybox"
	echo "busybox-static $version" >"$dest/.busybox"
	rm -rf "$work"
	echo "setup: unpacked busybox-static:arm64 $version"
}

# The libbpf headers BPF programs compile with (EUCC_LIBBPF_HEADERS, docs/compile.md): those of
# the newest libbpf Debian has, trixie's 1.5.0, built from its source package (a deb-src entry
# for trixie; no binary package of trixie is installed) into $LIBBPF_PREFIX. The build copies
# them into the server's data files; the Debian package (debian/rules) cannot be built without.
LIBBPF_VERSION=1:1.5.0-3
LIBBPF_PREFIX=/opt/eucc/libbpf-1.5
TRIXIE_SRC_LIST=/etc/apt/sources.list.d/eucc-trixie-src.sources
build_libbpf_headers() {
	local stamp="libbpf $LIBBPF_VERSION" work
	if [ "$(cat "$LIBBPF_PREFIX/.libbpf" 2>/dev/null)" = "$stamp" ] &&
		[ -e "$LIBBPF_PREFIX/include/bpf/bpf_helpers.h" ]; then
		echo "setup: libbpf headers ${LIBBPF_VERSION#1:} present"
		return 0
	fi
	need_root "the libbpf ${LIBBPF_VERSION#1:} headers are missing"
	enable_sources
	if [ ! -e "$TRIXIE_SRC_LIST" ]; then
		cat >"$TRIXIE_SRC_LIST" <<'SOURCES'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
		apt-get update -q
	fi
	work=$(mktemp -d)
	chmod 0755 "$work"
	(cd "$work" && apt-get source -q "libbpf=${LIBBPF_VERSION#1:}" >/dev/null)
	rm -rf "$LIBBPF_PREFIX"
	make -C "$work"/libbpf-*/src BUILD_STATIC_ONLY=1 OBJDIR="$work/obj" PREFIX="$LIBBPF_PREFIX" \
		LIBDIR="$LIBBPF_PREFIX/lib" install >"$work/make.log" 2>&1 || { tail -n 30 "$work/make.log" >&2; exit 1; }
	chmod -R a+rX "$LIBBPF_PREFIX"
	echo "$stamp" >"$LIBBPF_PREFIX/.libbpf"
	rm -rf "$work"
	echo "setup: built libbpf ${LIBBPF_VERSION#1:} into $LIBBPF_PREFIX"
}

install_packages
build_libbpf_headers
build_cjson
build_curl
fetch_busybox_arm64
