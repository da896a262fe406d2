#!/usr/bin/env bash
# deploy/Containerfile for real: a Debian 12 base made with mmdebstrap, the image built with
# podman from the source tree, BTF imported into its volume, the server run as the image's
# non-root user with the port published on loopback, and a program compiled through that port
# with the client of this build.
#
# The base image is the one thing kept between runs (podman image $BASE, remade when missing
# or older than a week); the test image, its container and its volume are removed at exit.
. "$(dirname "$0")/lib.sh"
: "${EUCC_SOURCE_DIR:?}" "${EUCC_TEST_CACHE:?}"
CLIENT="$EUCC_BIN/../client/eucc-remote"
EX="$EUCC_SOURCE_DIR/examples"
BASE=localhost/eucc-test-base:bookworm
ID="$$-$RANDOM"
IMAGE="localhost/eucc-test-server:$ID"
NAME="eucc-test-$ID"
VOLUME="eucc-test-data-$ID"
# runc: crun refuses hosts with hybrid cgroups; explicit limits: podman's default open-file
# limit (1048576) is above what some hosts allow a container.
RT=(--runtime runc)
LIMITS=(--ulimit nofile=1024:1024 --ulimit nproc=4096:4096)
T0=$SECONDS

cleanup() {
	podman rm -f -t 2 "$NAME" >/dev/null 2>&1
	podman volume rm -f "$VOLUME" >/dev/null 2>&1
	podman rmi -f "$IMAGE" >/dev/null 2>&1
	rm -rf "$TMP"
}
trap cleanup EXIT
phase() { echo "container: $1 ($((SECONDS - T0)) s)"; }

# The base: Debian 12 from Debian's own package registry, no container registry needed.
mkdir -p "$EUCC_TEST_CACHE"
exec 9>"$EUCC_TEST_CACHE/container-base.lock"
flock 9
created=$(podman image inspect --format '{{.Created.Unix}}' "$BASE" 2>/dev/null || echo 0)
if [ $(($(date +%s) - created)) -gt $((7 * 86400)) ]; then
	mmdebstrap --variant=minbase bookworm "$TMP/rootfs.tar" >"$TMP/mmdebstrap.log" 2>&1 ||
		{ echo "FAIL: mmdebstrap"; tail -n 20 "$TMP/mmdebstrap.log"; exit 1; }
	podman import "$TMP/rootfs.tar" "$BASE" >/dev/null 2>&1 || { echo "FAIL: podman import"; exit 1; }
	rm -f "$TMP/rootfs.tar"
	phase "base image made with mmdebstrap"
else
	phase "base image from an earlier run"
fi
flock -u 9

# The image, from the source tree as it is (with its build dirs: .containerignore must keep
# them out). --layers=false leaves no intermediate images behind.
if ! podman build "${RT[@]}" "${LIMITS[@]}" --layers=false --force-rm --format docker \
	--build-arg BASE="$BASE" -f "$EUCC_SOURCE_DIR/deploy/Containerfile" -t "$IMAGE" \
	"$EUCC_SOURCE_DIR" >"$TMP/build.log" 2>&1; then
	echo "FAIL: podman build"
	tail -n 40 "$TMP/build.log"
	exit 1
fi
phase "image built"
expect_eq "image user" "$(podman image inspect --format '{{.Config.User}}' "$IMAGE")" 10001:10001
expect "image healthcheck" "$(podman image inspect --format '{{.HealthCheck.Test}}' "$IMAGE")" "/healthz"

# Init step: import fixture BTF into the image's volume, as the image's user.
FIX="$EUCC_FIXTURES/btf"
run 0 podman run --rm "${RT[@]}" "${LIMITS[@]}" --no-healthcheck -v "$VOLUME:/var/lib/eucc" \
	-v "$FIX:/fixtures:ro" "$IMAGE" eucc-server btf import \
	/fixtures/debian/11/x86_64/5.10.0-32-cloud-amd64.btf.tar.xz \
	/fixtures/debian/12/x86_64/6.1.0-47-cloud-amd64.btf.tar.xz
expect "import: 2 added" "$OUT" "^2 added"

# The server, with a tokens file, on a loopback port.
TOKEN=c0ffee0123456789abcdef0123456789
printf '# TOKEN SCOPES NAME\n%s compile ci\n' "$TOKEN" >"$TMP/tokens"
chmod 0644 "$TMP/tokens"
for _ in 1 2 3 4 5; do
	PORT=$((20000 + RANDOM % 12000))
	URL="http://127.0.0.1:$PORT"
	podman run -d --name "$NAME" "${RT[@]}" "${LIMITS[@]}" --read-only --cap-drop ALL \
		--security-opt no-new-privileges -p "127.0.0.1:$PORT:8639" -v "$VOLUME:/var/lib/eucc" \
		-v "$TMP/tokens:/etc/eucc/tokens:ro" "$IMAGE" --workers 2 >"$TMP/run.log" 2>&1 && break
	grep -q "address already in use" "$TMP/run.log" || { echo "FAIL: podman run"; cat "$TMP/run.log"; exit 1; }
	podman rm -f "$NAME" >/dev/null 2>&1
done
for _ in $(seq 100); do
	curl -sf "$URL/healthz" >/dev/null && break
	sleep 0.1
done
expect_eq "healthz through the published port" "$(curl -s "$URL/healthz")" '{"status":"ok"}'
phase "server up"
run 0 podman healthcheck run "$NAME"
expect_eq "health status" "$(podman inspect --format '{{.State.Health.Status}}' "$NAME")" healthy
expect_eq "server runs as 10001" "$(podman exec "$NAME" sh -c 'stat -c %u /proc/1')" 10001
expect_eq "without a token: 401" "$(curl -s -o /dev/null -w '%{http_code}' "$URL/v1/kernels")" 401

# Compiles through the published port, with the client of this build.
cd "$TMP"
export EUCC_SERVER=$URL EUCC_TOKEN=$TOKEN
run 0 "$CLIENT" kernels --json
expect_eq "the volume's kernels" "$(jq -r '[.kernels[].release] | sort | join(" ")' <<<"$OUT")" \
	"5.10.0-32-cloud-amd64 6.1.0-47-cloud-amd64"
run 0 "$CLIENT" compile "$EX/execsnoop.bpf.c" --kernel 5.10 --kernel 6.1 -o execsnoop.eucc --json
expect_eq "compiled, not cached" "$(jq -r .cache.object <<<"$OUT")" miss
expect_eq "ok for both imported kernels" "$(jq -r '[.kernels[] | "\(.release)=\(.status)"] | join(" ")' <<<"$OUT")" \
	"5.10.0-32-cloud-amd64=ok 6.1.0-47-cloud-amd64=ok"
DIGEST=$(jq -r .package.digest <<<"$OUT")
expect_eq "package digest" "sha256:$(sha256sum <execsnoop.eucc | cut -d' ' -f1)" "$DIGEST"
run 0 "$CLIENT" inspect execsnoop.eucc --json
expect_eq "two BTFs in the package" "$(jq '.kernels | length' <<<"$OUT")" 2
expect_eq "clang forked from warm tools in the container" \
	"$(curl -s -H "Authorization: Bearer $TOKEN" "$URL/metrics" | awk '$1 ~ /^eucc_sandbox_runs_total/ && $2 > 0 {print $1}' | tr '\n' ' ')" \
	'eucc_sandbox_runs_total{how="warm"} '
# A compile error comes back from the sandbox as a diagnostic.
printf '#include "vmlinux.h"\nint f(void) { return undefined_thing; }\n' >bad.bpf.c
run 2 "$CLIENT" compile bad.bpf.c --kernel 6.1
expect "compile error diagnostic" "$ERR$OUT" "bad.bpf.c:2:[0-9]+: error: use of undeclared identifier 'undefined_thing'"
run 2 "$CLIENT" compile "$EX/execsnoop.bpf.c" --kernel 4.19
expect "only the volume's kernels" "$ERR" "4\.19"
run 4 env EUCC_TOKEN=wrong "$CLIENT" compile "$EX/execsnoop.bpf.c" --kernel 6.1
expect_not "no sandbox failure logged" "$(podman logs "$NAME" 2>&1)" "sandbox"
phase "compiled through the container"

run 0 podman stop -t 10 "$NAME"
expect "SIGTERM reached the server" "$(podman logs "$NAME" 2>&1)" "stopping"
expect_eq "exit code" "$(podman inspect --format '{{.State.ExitCode}}' "$NAME")" 0
phase "done"
finish
