#!/usr/bin/env bash
# deploy/kubernetes.yaml without a cluster: the manifest against python3-kubernetes' object
# models and what eucc needs of it (tests/e2e/k8s_check.py: image entrypoint, probes,
# resources, security context, the seccomp profile from the systemd unit's allow list); then
# the server run with the container's args, answering the probes, and the init container's
# import, run twice.
. "$(dirname "$0")/server_lib.sh"
DEPLOY="$EUCC_SOURCE_DIR/deploy"
CHECK="$EUCC_SOURCE_DIR/tests/e2e/k8s_check.py"
PY=/usr/bin/python3 # Debian's, with python3-yaml and python3-kubernetes

run 0 "$PY" "$CHECK" check "$DEPLOY"
echo "$OUT" | tail -n1
expect "the manifest's checks" "$OUT" ' 0 failed$'
# the same checks fail on a broken manifest
mkdir "$TMP/deploy"
cp "$DEPLOY"/* "$TMP/deploy/"
sed -i -e 's/readOnlyRootFilesystem: true/readOnlyRootFilesystem: false/' \
	-e 's/livenessProbe:/livenesProbe:/' "$TMP/deploy/kubernetes.yaml"
run 1 "$PY" "$CHECK" check "$TMP/deploy"
expect "a typo is found" "$OUT" "V1Container has a field 'livenesProbe'"
expect "a writable root is found" "$OUT" 'FAIL: eucc-server: readOnlyRootFilesystem'
# deploy/kubernetes-replicas.yaml: N replicas, the registry they share, the front routing by
# key; a replica added without its upstream line (or a front without consistent hashing) fails
run 0 "$PY" "$CHECK" replicas "$DEPLOY"
expect "the replicas manifest's checks" "$OUT" ' 0 failed$'
sed -i 's/^  replicas: 3$/  replicas: 4/' "$TMP/deploy/kubernetes-replicas.yaml"
run 1 "$PY" "$CHECK" replicas "$TMP/deploy"
expect "a fourth replica nginx does not know" "$OUT" 'FAIL: front: the upstream lists the 4 replicas'
sed -i 's/hash \$http_x_eucc_key consistent;/hash $http_x_eucc_key;/' "$TMP/deploy/kubernetes-replicas.yaml"
run 1 "$PY" "$CHECK" replicas "$TMP/deploy"
expect "hashing without consistency" "$OUT" 'FAIL: front: hash \$http_x_eucc_key consistent'
# the shipped profile is the one made from the unit
run 0 "$PY" "$CHECK" seccomp "$DEPLOY/eucc-server.service.in"
expect_eq "deploy/eucc-server.seccomp.json is up to date" "$OUT" "$(cat "$DEPLOY/eucc-server.seccomp.json")"

# The server container's args are options serve takes; the probes need no token.
run 0 "$PY" "$CHECK" args "$DEPLOY"
mapfile -t ARGS <<<"$OUT"
expect "args given" "${ARGS[*]}" '--workers'
printf '# TOKEN SCOPES NAME\n0123456789abcdef0123456789 compile ci\n' >"$TMP/tokens"
start_server --tokens "$TMP/tokens" "${ARGS[@]}"
expect "the container's args" "$(tr '\0' ' ' <"/proc/$SRV_PID/cmdline")" "serve --listen .* ${ARGS[*]}"
expect_eq "readiness and liveness: /healthz without a token" \
	"$(curl -s -o /dev/null -w '%{http_code}' "$URL/healthz")" 200
expect_eq "the rest needs one" "$(curl -s -o /dev/null -w '%{http_code}' "$URL/v1/kernels")" 401
stop_server

# The init container's import, with the image's /btf replaced by a fixture dir: a second run
# (a restarted pod) leaves what is stored alone.
INIT=$("$PY" -c '
import sys, yaml
for d in yaml.safe_load_all(open(sys.argv[1])):
    if d and d["kind"] == "StatefulSet":
        c = d["spec"]["template"]["spec"]["initContainers"][0]
        print("\n".join(c["command"] + [str(a) for a in c["args"]]))' "$DEPLOY/kubernetes.yaml")
mapfile -t INIT <<<"$INIT"
INIT=("${INIT[@]/#\/btf/$EUCC_FIXTURES/btf/debian/11}")
INIT=("${INIT[@]/#\/var\/lib\/eucc/$TMP/pvc}")
expect "init: eucc-server btf import" "${INIT[*]}" "^eucc-server btf import $EUCC_FIXTURES/btf/debian/11 --data $TMP/pvc$"
run 0 "${INIT[@]}"
expect "first start: imported" "$OUT" '^1 added, 0 unchanged'
run 0 "${INIT[@]}"
expect "restart: unchanged" "$OUT" '^0 added, 1 unchanged'
finish
