#!/usr/bin/env bash
# Memory is bounded by what is read: a 2.2 MB gzip package that unpacks to 500 MiB, and a BTF
# packed xz-in-xz that unpacks to 512 MiB, are refused with a message that says so, with a peak
# RSS far below what they unpack to (docs/security.md, "Memory"); real packages and BTF unpack
# well inside the ratios. Peak RSS is /usr/bin/time's %M (KiB).
. "$(dirname "$0")/server_lib.sh"
PATH="$EUCC_BIN/../client:$PATH"
CORE="$EUCC_SOURCE_DIR/tests/data/core"
BOMB=$((512 << 20))

# peak_rss RC CMD...: run CMD (expecting exit RC), its peak RSS in KiB in $RSS, stderr in $ERR.
peak_rss() {
	local want=$1
	shift
	/usr/bin/time -o "$TMP/time" -f %M "$@" >/dev/null 2>"$TMP/stderr"
	RC=$?
	ERR=$(cat "$TMP/stderr")
	RSS=$(tail -n1 "$TMP/time")
	expect_eq "'$*' exit code" "$RC" "$want"
}
# below WHAT KIB LIMIT_KIB
below() {
	checks=$((checks + 1))
	echo "$1: peak RSS $2 KiB (bound $3 KiB)"
	if [ "$2" -ge "$3" ]; then
		echo "FAIL: $1: peak RSS $2 KiB, expected below $3 KiB"
		failures=$((failures + 1))
	fi
}

# A package bomb: a manifest that announces a 500 MiB member, and the member, all zeros.
{
	python3 - $((500 << 20)) <<'EOF'
import io, json, sys, tarfile
size = int(sys.argv[1])
man = json.dumps({"format": 1, "name": "bomb",
                  "files": {"obj.o": {"sha256": "0" * 64, "size": size}}}).encode()
out = io.BytesIO()
info = tarfile.TarInfo("manifest.json")
info.size = len(man)
out.write(info.tobuf(tarfile.USTAR_FORMAT) + man + b"\0" * (-len(man) % 512))
info = tarfile.TarInfo("obj.o")
info.size = size
out.write(info.tobuf(tarfile.USTAR_FORMAT))
sys.stdout.buffer.write(out.getvalue())
EOF
	head -c $(((500 << 20) + 1024)) /dev/zero
} | gzip -1 >"$TMP/bomb.eucc"
size=$(stat -c %s "$TMP/bomb.eucc")
expect "the bomb is a few MB" "$size" "^[1-3][0-9]{6}$"
peak_rss 2 eucc-remote inspect "$TMP/bomb.eucc"
expect "package bomb: refused" "$ERR" "bad package: it unpacks to more than [0-9]+ MiB, more than 32 times its $size bytes"
below "package bomb" "$RSS" $((64 << 10))

# xz in xz: 96 KB of xz holding 512 MiB of zeros, packed again.
head -c "$BOMB" /dev/zero | xz -1 | xz -9 >"$TMP/bomb.btf.xz"
size=$(stat -c %s "$TMP/bomb.btf.xz")
peak_rss 2 eucc-server btf import "$TMP/bomb.btf.xz" --release 9.9.9-bomb --arch x86_64
expect "xz in xz: refused" "$ERR" "unpacks to more than 64 MiB, more than 32 times the $size bytes it came from"
expect "xz in xz: the hint" "$ERR" "decompression bomb"
# the 64 MiB floor, a buffer growing to it, the decoders: well below the 512 MiB
below "xz in xz" "$RSS" $((200 << 10))
run 0 eucc-server btf list --json
expect_eq "nothing stored" "$OUT" "[]"

# The same bomb as a tar member of a .deb's data.tar.xz: the member is decompressed, so it counts.
mkdir -p "$TMP/deb/boot"
head -c "$BOMB" /dev/zero >"$TMP/deb/boot/vmlinuz-9.9.9-bomb"
(cd "$TMP/deb" && tar -cJf data.tar.xz boot && echo 2.0 >debian-binary &&
	tar -cJf control.tar.xz debian-binary && ar rc bomb.deb debian-binary control.tar.xz data.tar.xz)
rm -rf "$TMP/deb/boot"
peak_rss 2 eucc-server btf import "$TMP/deb/bomb.deb"
expect "deb bomb: refused" "$ERR" "unpacks to more than 64 MiB"
below "deb bomb" "$RSS" $((200 << 10))

# Real inputs unpack far inside the limits: the largest fixture (27 MB of BTF from 2.5 MB).
CENTOS="$EUCC_FIXTURES/btf/centos/8/aarch64/4.18.0-147.5.1.el8_1.aarch64.btf.tar.xz"
peak_rss 0 eucc-server btf import "$CENTOS"
run 0 eucc-server btf import "$EUCC_FIXTURES/btf/debian/11/x86_64/5.10.0-32-cloud-amd64.btf.tar.xz"

# A real package: its gzip unpacks to a few times its size, and it reads back.
start_server
post "$(body probe "$CORE/basic.bpf.c" '["5.10"]')"
expect_eq "compile: 200" "$CODE" 200
curl -s -o "$TMP/probe.eucc" "$URL$(jq -r .package.url <<<"$OUT")"
stop_server
ratio=$(($(gzip -dc "$TMP/probe.eucc" | wc -c) / $(stat -c %s "$TMP/probe.eucc")))
expect "a real package unpacks to under 8 times its size" "$ratio" "^[1-7]$"
peak_rss 0 eucc-remote inspect "$TMP/probe.eucc"
below "a real package" "$RSS" $((64 << 10))

finish
