#!/usr/bin/env bash
# eucc-server btf ...: the commands as an operator types them, on the real fixture BTF.
. "$(dirname "$0")/lib.sh"
B419=4.19.90-2107.6.0.0248.35.oe1.bclinux.x86_64

run 0 eucc-server btf import "$EUCC_FIXTURES/btf"
expect "tree import" "$OUT" "^8 added, 0 unchanged, 0 replaced$"
expect "centos/8 stress case" "$OUT" "added +4.18.0-147.5.1.el8_1.aarch64 \(centos/8/arm64\)"
run 0 eucc-server btf import "$EUCC_FIXTURES/btf"
expect "second import is a no-op" "$OUT" "^0 added, 8 unchanged, 0 replaced$"
expect "and says so" "$OUT" "unchanged 5.10.0-32-cloud-amd64 .*already stored"

run 0 eucc-server btf list 4.19
expect_eq "4.19 matches three" "$(tail -n +2 <<<"$OUT" | wc -l)" 3
expect "4.19 x86_64" "$OUT" "^$B419 +bclinux +21.10U3 +x86_64"
expect "4.19 arm64" "$OUT" "^4.19.90-24.4.v2101.ky10.aarch64 +kylin +V10 +arm64"
run 0 eucc-server btf list 4.19 --arch x86_64
expect_eq "4.19 --arch x86_64" "$(tail -n +2 <<<"$OUT" | awk '{print $1}')" "$B419"
run 0 eucc-server btf list 4.19 --arch x86_64 --json
expect_eq "--json same answer" "$(jq -r '.[].release' <<<"$OUT")" "$B419"
run 0 eucc-server btf list debian/12 --json
expect_eq "debian/12 matches three" "$(jq length <<<"$OUT")" 3
run 2 eucc-server btf list 4.1
expect "4.1 matches nothing" "$ERR" "no stored kernel matches '4.1'"
expect "names the closest" "$ERR" "closest stored: 4.18.0-147.5.1.el8_1.aarch64"
expect "says how to import" "$ERR" "eucc-server btf import"

run 0 eucc-server btf show 5.10.0-32-cloud-amd64
expect_not "5.10 has no bpf_loop" "$OUT" "bpf_loop"
expect "5.10 sizes" "$OUT" "size: +3.2 MiB \(3359850 bytes\)"
run 0 eucc-server btf show 6.1.0-47-cloud-amd64
expect "6.1 has bpf_loop" "$OUT" " bpf_loop( |$)"
expect "6.1 map types" "$OUT" " ringbuf( |$)"
run 0 eucc-server btf show 6.1.0-47-cloud-amd64 --json
expect_eq "json helpers" "$(jq '[.features.helper[] | select(.name == "bpf_loop")] | length' <<<"$OUT")" 1

run 0 eucc-server btf show "$B419" --type task_struct
expect "4.19 task_struct has state" "$OUT" "long int state;"
run 0 eucc-server btf show 6.1.0-47-cloud-amd64 --func vfs_read
expect "vfs_read prototype" "$OUT" "ssize_t vfs_read\(struct file \*"
run 2 eucc-server btf show 4.19.90-52.22.v2207.ky10.aarch64 --func vfs_read
expect "no FUNC records" "$ERR" "has no FUNC records"

# --version after `btf import` is the distribution's version, not the program's.
run 0 eucc-server btf import /sys/kernel/btf/vmlinux --release "$(uname -r)" --distro host --version 1
expect "local kernel" "$OUT" "added +$(uname -r) \(host/1/"
run 0 eucc-server btf list local --json
expect_eq "local spec" "$(jq -r '.[0].release' <<<"$OUT")" "$(uname -r)"
run 0 eucc-server btf rm "$(uname -r)"
run 2 eucc-server btf show "$(uname -r)"

# Two builds of one release (another build id, other BTF): both kept; show and rm need --build-id.
D61=6.1.0-47-cloud-amd64
run 0 eucc-server btf import /sys/kernel/btf/vmlinux --release "$D61" --distro debian --version 12 --build-id bb22
expect "second build added" "$OUT" "^added +$D61 \(debian/12/x86_64\)"
run 0 eucc-server btf list "$D61"
expect_eq "list: both builds" "$(grep -c "^$D61 " <<<"$OUT")" 2
expect "list: the build id column" "$OUT" "BUILD ID$"
expect "list: the second's build id" "$OUT" "^$D61 .* bb22$"
run 3 eucc-server btf show "$D61"
expect "two builds: says so" "$ERR" "stored as two builds: build id bb22 and unknown"
expect "two builds: the remedy" "$ERR" "hint: choose one with --build-id"
run 0 eucc-server btf show "$D61" --build-id bb22 --json
expect_eq "show --build-id" "$(jq -r .build_id <<<"$OUT")" bb22
expect_eq "its own file" "$(find "$EUCC_DATA/btf/debian/12/x86_64" -name "$D61.bb22.btf" | wc -l)" 1
run 3 eucc-server btf import /sys/kernel/btf/vmlinux --release "$D61" --build-id XYZ
expect "bad build id" "$ERR" "bad build id 'XYZ'"
run 0 eucc-server btf rm "$D61" --build-id bb22
run 0 eucc-server btf show "$D61" --json
expect_eq "the first build stays" "$(jq -r '.build_id // "unknown"' <<<"$OUT")" unknown

# Bad input: clear errors, exit 2, store unchanged.
printf '' >"$TMP/empty"
head -c 4096 /dev/urandom >"$TMP/random"
run 2 eucc-server btf import "$TMP/empty"
expect "empty file" "$ERR" "empty"
run 2 eucc-server btf import "$TMP/random"
expect "random bytes" "$ERR" "error: .*random"
run 2 eucc-server btf import "$TMP/nonexistent"
run 0 eucc-server btf list --json
expect_eq "store unchanged" "$(jq length <<<"$OUT")" 8

# An unwritable data dir (a read-only mount, which binds root too).
mkdir -p "$TMP/ro"
run 2 unshare -m sh -c "mount -t tmpfs -o ro tmpfs '$TMP/ro' && \
	eucc-server btf import '$EUCC_FIXTURES/btf/debian/11' --data '$TMP/ro/data'"
expect "read-only data dir" "$ERR" "cannot use data dir .*/ro/data"
expect "read-only hint" "$ERR" "hint: .*--data"

# Global options before, between and after the command words.
run 0 eucc-server --json btf list 4.19
expect_eq "--json before the command" "$(jq length <<<"$OUT")" 3
run 0 eucc-server btf -j list 4.19 --arch x86_64
expect_eq "-j between the words" "$(jq -r '.[].release' <<<"$OUT")" "$B419"
run 0 eucc-server btf list --data "$TMP/other-data"
expect "--data after the command" "$OUT" "^no kernels stored in $TMP/other-data;"
run 0 eucc-server --data "$TMP/other-data" cache stats --json
expect_eq "--data before the command" "$(jq .blobs <<<"$OUT")" 0

# Usage and help.
run 3 eucc-server btf frobnicate
expect "unknown subcommand" "$ERR" "^eucc-server: error: unknown command 'btf frobnicate'$"
run 3 eucc-server btf lst
expect "did you mean a subcommand" "$ERR" "unknown command 'btf lst'; did you mean 'btf list'\?"
run 3 eucc-server sevre
expect "did you mean a command" "$ERR" "unknown command 'sevre'; did you mean 'serve'\?"
run 3 eucc-server btf list 4.19 --arhc x86_64
expect "did you mean an option" "$ERR" "^eucc-server: error: unknown option '--arhc'; did you mean '--arch'\?$"
expect "and where its help is" "$ERR" "hint: see \`eucc-server btf list --help\`"
run 3 eucc-server btf list --arch sparc
run 3 eucc-server btf import
expect "missing PATH" "$ERR" "'btf import' needs PATH"
run 3 eucc-server btf show 1 2
run 3 eucc-server btf rm "$B419" --distro x
expect "an option of another command" "$ERR" "'--distro' is an option of btf import, not of btf rm"
run 3 eucc-server serve --json
expect "--json where it does not apply" "$ERR" "option '--json' does not apply to 'serve'"
run 3 eucc-server serve --workers
expect "missing value" "$ERR" "option '--workers' needs a value \(N\)"
run 3 eucc-server btf
expect "a group needs a command" "$ERR" "'btf' needs a command: import, list, show or rm"
run 3 eucc-server
run 0 eucc-server --help
for c in serve "btf import" "btf list" "btf show" "btf rm" "cache stats" "cache gc" "cache verify"; do
	expect_has "--help lists $c" "$OUT" "  $c"
done
expect "--help lists help" "$OUT" "^  help \[COMMAND\] "
run 0 eucc-server btf --help
expect "help lists import" "$OUT" "btf import PATH"
expect_not "btf --help: not serve" "$OUT" "^  serve"

# Every command's --help: its usage line and every option it has (and `help CMD` is the same).
opts_serve="--listen HOST:PORT|--workers N|--queue N|--http-threads N|--tokens FILE|--cache-max SIZE|--allow-btf-upload|--compile-timeout SEC|--compile-memory SIZE"
opts_btf_import="--distro D|--version V|--arch A|--release R|--replace|--build-id HEX|-j, --json"
opts_btf_list="--arch A|-j, --json"
opts_btf_show="--arch A|--type NAME|--func NAME|--build-id HEX|-j, --json"
opts_btf_rm="--arch A|--build-id HEX|-j, --json"
opts_cache_stats="--cache-max SIZE|-j, --json"
opts_cache_gc=$opts_cache_stats
opts_cache_verify=$opts_cache_stats
for c in serve "btf import" "btf list" "btf show" "btf rm" "cache stats" "cache gc" "cache verify"; do
	run 0 eucc-server $c --help
	help=$OUT
	expect "$c --help: usage" "$help" "^Usage: eucc-server $c( |$)"
	var="opts_${c// /_}"
	IFS='|' read -ra want <<<"${!var}"
	for o in "${want[@]}" "--data DIR" "-v, --verbose" "-h, --help"; do
		expect_has "$c --help lists $o" "$help" "$o"
	done
	expect "$c --help: defaults" "$help" "\(default: "
	run 0 eucc-server help $c
	expect_eq "help $c = $c --help" "$OUT" "$help"
done
run 0 eucc-server serve --help
expect_not "serve --help: no --json" "$OUT" "--json"
expect "serve --help: a default" "$OUT" "--workers N +compile workers \(default: the core count\)"

run 0 eucc-server --version
expect "--version names libbpf" "$OUT" "^eucc-server [0-9]+\.[0-9]+\.[0-9]+ \(libbpf [0-9]+\.[0-9]+\)$"
run 0 eucc-server -V
expect "-V" "$OUT" "^eucc-server .*\(libbpf "
run 0 eucc-server --version -v
expect "-v --version names clang" "$OUT" "^clang: .*clang version [0-9]"
expect "-v --version lists the toolchains" "$OUT" "^toolchain clang-[0-9]+: .*clang version [0-9].*, the default$"

finish
