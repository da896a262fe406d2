#!/usr/bin/env bash
# Remake the seed corpora in tests/fuzz/<target>/ from real data: a package compiled by a real
# server from tests/data/core/rich.bpf.c (x86_64 5.10 and 6.1, arm64 6.1), the minimized kernel
# BTF it carries (fixture BTF cut small by the CO-RE checker), the object's own .BTF, that BTF
# packed every way `btf import` reads, tests/e2e/hostile_btf.py's cases, and compile requests
# like the tests send. Run by hand after a build (the seeds are committed):
#   tests/fuzz/make_seeds.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
build=${1:-build}
case "$build" in /*) ;; *) build=$root/$build ;; esac
fixtures=${EUCC_FIXTURES:-$root/../shared/fixtures}
seeds=$root/tests/fuzz
tmp=$(mktemp -d /tmp/eucc-seeds-XXXXXX)
srv=
trap '[ -n "$srv" ] && kill "$srv" 2>/dev/null; rm -rf "$tmp"' EXIT
export EUCC_DATA=$tmp/data
# fresh DIR: empty DIR of made seeds; inputs fuzzing found (found-*) stay as regression seeds
fresh() {
	mkdir -p "$1"
	find "$1" -type f ! -name 'found-*' -delete
}

"$build/server/eucc-server" btf import "$fixtures/btf/debian" >/dev/null
port=$((20000 + RANDOM % 10000))
"$build/server/eucc-server" serve --listen "127.0.0.1:$port" >"$tmp/server.log" 2>&1 &
srv=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
request() { # NAME ARCH KERNELS_JSON
	jq -n --arg name "$1" --arg arch "$2" --argjson kernels "$3" \
		--rawfile src tests/data/core/rich.bpf.c \
		'{name:$name, main:"rich.bpf.c", sources:{"rich.bpf.c":$src}, kernels:$kernels, arch:$arch}'
}
fetch() { # NAME ARCH KERNELS_JSON OUT
	local url
	url=$(request "$1" "$2" "$3" | curl -sf -H 'Content-Type: application/json' --data-binary @- \
		"http://127.0.0.1:$port/v1/compile" | jq -r .package.url)
	curl -sf -o "$4" "http://127.0.0.1:$port$url"
}
fetch rich x86_64 '["5.10", "6.1"]' "$tmp/rich.eucc"
fetch rich arm64 '["6.1"]' "$tmp/rich-arm64.eucc"

# ---- the package reader
fresh "$seeds/fuzz_pkg"
cp "$tmp/rich.eucc" "$seeds/fuzz_pkg/rich-x86_64.pkg"
cp "$tmp/rich-arm64.eucc" "$seeds/fuzz_pkg/rich-arm64.pkg"
gzip -dc "$tmp/rich.eucc" >"$seeds/fuzz_pkg/rich.tar" # a package may be a plain tar too

# ---- BTF: minimized kernel BTF, the object's .BTF, a big-endian copy, the hostile cases
mkdir -p "$tmp/pkg" "$tmp/btf"
tar -xzf "$tmp/rich.eucc" -C "$tmp/pkg"
tar -xzf "$tmp/rich-arm64.eucc" -C "$tmp/pkg"
cp "$tmp/pkg/btf/x86_64/5.10.0-32-cloud-amd64.btf" "$tmp/btf/min-5.10-x86_64.btf"
cp "$tmp/pkg/btf/x86_64/6.1.0-47-cloud-amd64.btf" "$tmp/btf/min-6.1-x86_64.btf"
cp "$tmp/pkg/btf/arm64/6.1.0-47-cloud-arm64.btf" "$tmp/btf/min-6.1-arm64.btf"
"$(command -v llvm-objcopy || echo llvm-objcopy-14)" --dump-section .BTF="$tmp/btf/object.btf" "$tmp/pkg/rich.bpf.o" "$tmp/seed-obj.o"
python3 - "$tmp/btf/min-6.1-x86_64.btf" "$tmp/btf/min-6.1-x86_64-be.btf" <<'EOF'
# The same BTF in big-endian byte order (s390x kernels ship it so).
import struct, sys
d = bytearray(open(sys.argv[1], "rb").read())
hdr = struct.unpack_from("<HBBIIIII", d)
hlen, toff, tlen = hdr[3], hdr[4], hdr[5]
out = bytearray(d)
struct.pack_into(">HBBIIIII", out, 0, *hdr)
extra = {1: 4, 3: 12, 4: 12, 5: 12, 6: 8, 13: 8, 14: 4, 15: 12, 17: 4, 19: 12}
per_vlen = {4, 5, 6, 13, 15, 19}
pos = hlen + toff
while pos < hlen + toff + tlen:
    info = struct.unpack_from("<I", d, pos + 4)[0]
    kind, vlen = info >> 24 & 0x1f, info & 0xffff
    n = 12 + extra.get(kind, 0) * (vlen if kind in per_vlen else 1)
    for i in range(pos, pos + n, 4):
        struct.pack_into(">I", out, i, struct.unpack_from("<I", d, i)[0])
    pos += n
open(sys.argv[2], "wb").write(out)
EOF
python3 tests/e2e/hostile_btf.py "$tmp/btf" >/dev/null
fresh "$seeds/fuzz_btf_validate"
cp "$tmp"/btf/*.btf "$seeds/fuzz_btf_validate/"

# ---- BTF import's dispatch: the same BTF packed every way it reads
src=$seeds/fuzz_btf_source
fresh "$src"
R=5.10.0-32-cloud-amd64
min=$tmp/btf/min-5.10-x86_64.btf
cp "$min" "$src/raw.btf"
cp "$tmp/btf/min-6.1-x86_64-be.btf" "$src/raw-be.btf"
(cd "$tmp" && cp "$min" "$R.btf" && tar -cJf "$src/btfhub.btf.tar.xz" "$R.btf")
gzip -9c "$min" >"$src/raw.btf.gz"
xz -c "$min" >"$src/raw.btf.xz"
zstd -q -c "$min" >"$src/raw.btf.zst"
lz4 -q -l -c "$min" >"$src/raw.btf.lz4"
# an ELF with a .BTF section and the kernel's banner
printf 'Linux version %s (eucc@seeds) #1 SMP\n' "$R" >"$tmp/banner"
echo 'int eucc_seed;' >"$tmp/seed.c"
cc -c "$tmp/seed.c" -o "$tmp/seed.o"
objcopy --add-section .BTF="$min" --add-section .rodata.banner="$tmp/banner" "$tmp/seed.o" "$src/vmlinux"
python3 - "$src/vmlinux" "$min" "$tmp/banner" "$src" <<'EOF'
# A bzImage (boot protocol 2.15) whose payload is the ELF, gzip'd; an arm64 Image (its header,
# the banner, the BTF); an EFI zboot image around the Image, gzip'd.
import gzip, struct, sys
elf, btf, banner = (open(p, "rb").read() for p in sys.argv[1:4])
out = sys.argv[4]
payload = gzip.compress(elf, 9)
setup = bytearray(5 * 512)
setup[0x1f1] = 4
setup[0x202:0x206] = b"HdrS"
struct.pack_into("<H", setup, 0x206, 0x020f)
struct.pack_into("<II", setup, 0x248, 0, len(payload))
open(f"{out}/vmlinuz-bzimage", "wb").write(bytes(setup) + payload + struct.pack("<I", len(elf)))
image = bytearray(64)
image[0x38:0x3c] = b"ARM\x64"
image = bytes(image) + banner + b"\0" * (-len(banner) % 8) + btf
open(f"{out}/Image", "wb").write(image)
z = gzip.compress(image, 9)
hdr = bytearray(64)
hdr[0:2] = b"MZ"
hdr[4:8] = b"zimg"
struct.pack_into("<II", hdr, 8, 64, len(z))
hdr[24:28] = b"gzip"
open(f"{out}/vmlinuz-zboot", "wb").write(bytes(hdr) + z)
EOF
# a Debian kernel package: control, and boot/vmlinuz-R in data.tar.xz
mkdir -p "$tmp/deb/boot"
cp "$src/vmlinuz-bzimage" "$tmp/deb/boot/vmlinuz-$R"
printf 'Package: linux-image-%s\nVersion: 5.10.223-1\nArchitecture: amd64\nMaintainer: Debian Kernel Team\n' "$R" >"$tmp/deb/control"
(cd "$tmp/deb" && tar -cJf control.tar.xz control && tar -cJf data.tar.xz boot &&
	echo 2.0 >debian-binary && ar rc "$src/linux-image.deb" debian-binary control.tar.xz data.tar.xz)

# ---- compile requests, accepted and refused
req=$seeds/fuzz_compile_request
fresh "$req"
request rich x86_64 '["5.10", "debian/12", "6.1.0-47-cloud-amd64"]' | jq -c . >"$req/rich.json"
jq -n --rawfile src tests/data/core/basic.bpf.c '{main:"probe.bpf.c",
	sources:{"probe.bpf.c":$src, "inc/probe.h":"#define X 1\n", "vmlinux.h":"/* replaced */"},
	kernels:["4.19"], cflags:["-DDEBUG", "-DN=2", "-UX", "-Iinc", "-I", "inc", "-Wall",
	"-Wno-unused", "-Werror=format", "-w", "-std=gnu11", "-g", "-O2"], headers:"5.10.0-32-cloud-amd64"}' \
	>"$req/flags.json"
jq -n '{main:"a.c", sources:{"a.c":"int x;", "../b.h":"x"}, kernels:["5.10"]}' >"$req/dotdot.json"
jq -n '{main:"a.c", sources:{"a.c":"int x;"}, kernels:["5.10"], cflags:["-Xclang", "-load"]}' >"$req/flag.json"
jq -n '{main:"a.c", sources:{"a.c":"int x;", "a":"x", "a/b.c":"y", "CON.h":"z"}, kernels:["local", "kylin/V10/arm64"], arch:"aarch64", name:"n-1.x"}' >"$req/paths.json"
echo "seeds: $(find "$seeds" -mindepth 2 -type f | wc -l) files, $(du -sk "$seeds" | cut -f1) KiB"
