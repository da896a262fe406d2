#!/usr/bin/env bash
# eucc-server serve: compiles, per-kernel findings, packages, cache levels, single flight.
. "$(dirname "$0")/server_lib.sh"
CORE="$EUCC_SOURCE_DIR/tests/data/core"
LOCAL=$(uname -r)
seed_store
start_server --workers 2

# One package, five BTFs, all ok: 4.19, 5.10, 6.1, 6.12 and this machine's kernel.
post "$(body probe "$CORE/basic.bpf.c" "[\"4.19\",\"5.10\",\"6.1\",\"6.12\",\"$LOCAL\"]")"
expect_eq "basic: 200" "$CODE" 200
expect_eq "five kernels" "$(jq '.kernels | length' <<<"$OUT")" 5
expect_eq "all ok" "$(jq -r '[.kernels[].status] | unique | join(",")' <<<"$OUT")" ok
expect_eq "cold: object miss" "$(jq -r .cache.object <<<"$OUT")" miss
DIGEST=$(jq -r .package.digest <<<"$OUT")
curl -sf -o "$TMP/probe.eucc" "$URL$(jq -r .package.url <<<"$OUT")"
expect_eq "digest of the package" "sha256:$(sha256sum "$TMP/probe.eucc" | cut -d' ' -f1)" "$DIGEST"
MEMBERS=$(tar -tzf "$TMP/probe.eucc")
expect_eq "manifest first" "$(head -n1 <<<"$MEMBERS")" manifest.json
expect_eq "five BTFs" "$(grep -c '^btf/x86_64/.*\.btf$' <<<"$MEMBERS")" 5
expect "the local BTF" "$MEMBERS" "btf/x86_64/$LOCAL.btf"
tar -xzf "$TMP/probe.eucc" -C "$TMP" manifest.json
expect_eq "manifest names the programs" "$(jq -r '.programs[0].name' "$TMP/manifest.json")" handle_exec

# The same again: both cache levels hit, same package.
post "$(body probe "$CORE/basic.bpf.c" "[\"4.19\",\"5.10\",\"6.1\",\"6.12\",\"$LOCAL\"]")"
expect_eq "warm: object hit" "$(jq -r .cache.object <<<"$OUT")" hit
expect_eq "warm: kernels hit" "$(jq -r '[.cache.kernels[]] | unique | join(",")' <<<"$OUT")" hit
expect_eq "warm: same package" "$(jq -r .package.digest <<<"$OUT")" "$DIGEST"

# One kernel more (older than the header kernel): the object is reused, only it is checked.
post "$(body addk "$CORE/basic.bpf.c" '["5.10","6.12"]')"
expect_eq "first: object miss" "$(jq -r .cache.object <<<"$OUT")" miss
post "$(body addk "$CORE/basic.bpf.c" '["4.19","5.10","6.12"]')"
expect_eq "add kernel: 200" "$CODE" 200
expect_eq "add kernel: object hit" "$(jq -r .cache.object <<<"$OUT")" hit
expect_eq "add kernel: old kernel hit" "$(jq -r '.cache.kernels["5.10.0-32-cloud-amd64"]' <<<"$OUT")" hit
expect_eq "add kernel: new kernel miss" \
	"$(jq -r '.cache.kernels["4.19.90-2107.6.0.0248.35.oe1.bclinux.x86_64"]' <<<"$OUT")" miss

# --kernel 4.19 alone: compiled against 4.19's own (completed) header.
post "$(body probe419 "$CORE/basic.bpf.c" '["4.19"]')"
expect_eq "4.19 alone" "$CODE" 200
expect_eq "4.19 alone ok" "$(jq -r '.kernels[0].status' <<<"$OUT")" ok

# Findings per kernel.
post "$(body state "$CORE/state.bpf.c" '["4.19","5.10","6.1"]')"
expect_eq "__state: 200" "$CODE" 200
expect_eq "__state on 5.10" "$(jq -r '.kernels[] | select(.release | startswith("5.10")) | .status' <<<"$OUT")" incompatible
expect_eq "__state on 4.19" "$(jq -r '.kernels[] | select(.release | startswith("4.19")) | .status' <<<"$OUT")" incompatible
expect_eq "__state on 6.1" "$(jq -r '.kernels[] | select(.release | startswith("6.1.")) | .status' <<<"$OUT")" ok
F=$(jq -c '.kernels[] | select(.release | startswith("5.10")) | .findings[0]' <<<"$OUT")
expect "finding names field and kernel" "$F" "task_struct.__state: no such field in 5.10.0-32-cloud-amd64 \(it has 'state'\)"
expect_eq "finding has the source line" "$(jq -r '"\(.file):\(.line)"' <<<"$F")" \
	"state.bpf.c:$(grep -n FINDING "$CORE/state.bpf.c" | cut -d: -f1)"
post "$(body guarded "$CORE/state_guarded.bpf.c" '["4.19","5.10","6.1","6.12"]')"
expect_eq "guarded: ok everywhere" "$(jq -r '[.kernels[].status] | unique | join(",")' <<<"$OUT")" ok
post "$(body loop "$CORE/loop.bpf.c" '["5.10","6.1"]')"
expect_eq "bpf_loop on 5.10" "$(jq -r '.kernels[0].status' <<<"$OUT")" incompatible
expect_eq "bpf_loop finding" "$(jq -r '.kernels[0].findings[0].kind' <<<"$OUT")" helper
expect_eq "bpf_loop on 6.1" "$(jq -r '.kernels[1].status' <<<"$OUT")" ok
post "$(body ring "$CORE/ringbuf.bpf.c" '["4.19","5.10"]')"
expect_eq "ringbuf on 4.19" "$(jq -r '.kernels[0].status' <<<"$OUT")" incompatible
expect_eq "ringbuf finding" "$(jq -r '[.kernels[0].findings[].kind] | index("map") != null' <<<"$OUT")" true
expect_eq "ringbuf on 5.10" "$(jq -r '.kernels[1].status' <<<"$OUT")" ok

# 16 identical requests at once: one compile.
before=$(metric eucc_compiles_total)
B=$(body flight "$CORE/basic.bpf.c" '["6.1"]' '| .cflags = ["-DFLIGHT=1"]')
pids=()
for i in $(seq 16); do
	curl -s -o "$TMP/flight.$i" -w '%{http_code}\n' -H 'Content-Type: application/json' \
		--data-binary "$B" "$URL/v1/compile" >"$TMP/flight.$i.code" &
	pids+=($!)
done
wait "${pids[@]}"
expect_eq "16 answers 200" "$(cat "$TMP"/flight.*.code | sort -u)" 200
expect_eq "16 identical answers, one package" \
	"$(for i in $(seq 16); do jq -r .package.digest "$TMP/flight.$i"; done | sort -u | wc -l)" 1
expect_eq "16 identical requests: one compile" "$(( $(metric eucc_compiles_total) - before ))" 1

# 8 distinct compiles at once on 2 workers: all succeed. They make one object (a -D flag the
# program does not read), so their kernels' checks are shared: each of the 5 is made once,
# whichever request gets to it first, and every package holds the same BTFs.
sed 's|return 0;|return 0; /* distinct */|' "$CORE/basic.bpf.c" >"$TMP/distinct.bpf.c"
before=$(metric eucc_kernel_checks_total)
pids=()
for i in $(seq 8); do
	curl -s -o "$TMP/distinct.$i" -w '%{http_code}\n' -H 'Content-Type: application/json' \
		--data-binary "$(body distinct "$TMP/distinct.bpf.c" "[\"4.19\",\"5.10\",\"6.1\",\"6.12\",\"$LOCAL\"]" \
			"| .cflags = [\"-DD=$i\"]")" \
		"$URL/v1/compile" >"$TMP/distinct.$i.code" &
	pids+=($!)
done
wait "${pids[@]}"
expect_eq "8 distinct compiles" "$(cat "$TMP"/distinct.*.code | sort | uniq -c | awk '{print $1"x"$2}')" 8x200
expect_eq "8 compiles of one object: each kernel checked once" \
	"$(($(metric eucc_kernel_checks_total) - before))" 5
expect_eq "8 compiles of one object: the same kernels in every answer" \
	"$(for i in $(seq 8); do jq -c '[.kernels[] | [.release, .status]]' "$TMP/distinct.$i"; done | sort -u | wc -l)" 1
for i in $(seq 8); do
	curl -sf "$URL$(jq -r .package.url "$TMP/distinct.$i")" | tar -xzOf - manifest.json |
		jq -c '[.kernels[] | [.release, .btf.sha256]]'
done >"$TMP/distinct.btfs"
expect_eq "8 compiles of one object: the same BTFs in every package" "$(sort -u "$TMP/distinct.btfs" | wc -l)" 1
expect_eq "8 compiles of one object: five BTFs" "$(head -n1 "$TMP/distinct.btfs" | jq length)" 5

# Restart: the cache survives.
stop_server
start_server --workers 2
post "$(body probe "$CORE/basic.bpf.c" "[\"4.19\",\"5.10\",\"6.1\",\"6.12\",\"$LOCAL\"]")"
expect_eq "after restart: hit" "$(jq -r .cache.object <<<"$OUT")" hit
expect_eq "after restart: same package" "$(jq -r .package.digest <<<"$OUT")" "$DIGEST"

# kill -9 in the middle of compiles: the restarted server is clean.
pids=()
for i in $(seq 4); do
	curl -s -o /dev/null -H 'Content-Type: application/json' \
		--data-binary "$(body k$i "$CORE/rich.bpf.c" '["5.10","6.1","6.12"]' "| .cflags = [\"-DK=$i\"]")" \
		"$URL/v1/compile" &
	pids+=($!)
done
sleep 0.5
stop_server -KILL
wait "${pids[@]}"
run 0 eucc-server cache verify
expect "verify after kill -9" "$OUT" "0 bad .*, 0 keys dropped"
start_server --workers 2
post "$(body k1 "$CORE/rich.bpf.c" '["5.10","6.1","6.12"]' '| .cflags = ["-DK=1"]')"
expect_eq "compile after kill -9" "$CODE" 200
run 0 eucc-server cache stats --json
expect "cache stats" "$(jq .keys <<<"$OUT")" "^[1-9][0-9]*$"

finish
