# A real OCI registry on loopback for the end-to-end tests: Debian's docker-registry (the
# distribution project's registry v2), run by hand with a config of the test's own, with
# htpasswd (bcrypt) users and, if asked, TLS with a certificate of a CA made here.
REG_PIDS=()

# make_ca DIR: a CA (DIR/ca.pem) and a certificate for 127.0.0.1 and localhost signed by it.
make_ca() {
	local d=$1
	mkdir -p "$d"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-subj "/CN=eucc test CA" -keyout "$d/ca.key" -out "$d/ca.pem" 2>>"$d/openssl.log" &&
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=127.0.0.1" \
			-keyout "$d/key.pem" -out "$d/req.pem" 2>>"$d/openssl.log" &&
		printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >"$d/ext.cnf" &&
		openssl x509 -req -in "$d/req.pem" -CA "$d/ca.pem" -CAkey "$d/ca.key" \
			-CAcreateserial -days 2 -extfile "$d/ext.cnf" -out "$d/cert.pem" 2>>"$d/openssl.log" ||
		{ echo "FAIL: openssl"; cat "$d/openssl.log"; exit 1; }
}

# start_registry DIR [tls] [auth]: a registry storing into DIR/data; its address in $REG
# (HOST:PORT). auth: user alice, password s3cret (bcrypt, as the registry wants).
start_registry() {
	local d=$1 tls=${2:-} auth=${3:-} port
	mkdir -p "$d/data"
	[ -z "$auth" ] || htpasswd -Bbn alice s3cret >"$d/htpasswd" ||
		{ echo "FAIL: htpasswd"; exit 1; }
	for _ in 1 2 3 4 5; do
		port=$((20000 + RANDOM % 12000))
		{
			echo "version: 0.1"
			echo "log: {level: info, accesslog: {disabled: false}}"
			echo "storage: {filesystem: {rootdirectory: $d/data}, delete: {enabled: true}}"
			echo "http:"
			echo "  addr: 127.0.0.1:$port"
			[ -z "$tls" ] || echo "  tls: {certificate: $CA/cert.pem, key: $CA/key.pem}"
			[ -z "$auth" ] || echo "auth: {htpasswd: {realm: eucc-test, path: $d/htpasswd}}"
		} >"$d/config.yml"
		docker-registry serve "$d/config.yml" >"$d/log" 2>&1 &
		REG_PIDS+=($!)
		# ready when this process says it listens (another test's server may answer on a
		# port it failed to take) and answers
		for _ in $(seq 100); do
			kill -0 "${REG_PIDS[-1]}" 2>/dev/null || break
			grep -q "listening on 127.0.0.1:$port" "$d/log" &&
				curl -s -o /dev/null ${tls:+--cacert "$CA/ca.pem"} \
					"http${tls:+s}://127.0.0.1:$port/v2/" && { REG=127.0.0.1:$port; return 0; }
			sleep 0.1
		done
		grep -q "address already in use" "$d/log" || break
	done
	echo "FAIL: docker-registry did not start"; cat "$d/log"; exit 1
}

stop_registries() {
	for p in "${REG_PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${REG_PIDS[@]}"; do wait "$p" 2>/dev/null; done
	REG_PIDS=()
}
