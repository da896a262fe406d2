# nginx run by hand for the end-to-end tests, all of it in $NGX: nginx_conf writes
# $NGX/nginx.conf around the http-level lines it reads from stdin; nginx_launch starts it.
NGINX_PID=

nginx_conf() {
	local body
	body=$(cat)
	mkdir -p "$NGX/tmp"
	# Workers of an nginx started by root run as nobody, who cannot enter $TMP.
	cat >"$NGX/nginx.conf" <<-EOF
		$([ "$(id -u)" != 0 ] || echo "user root;")
		daemon off;
		worker_processes 1;
		pid $NGX/nginx.pid;
		error_log $NGX/error.log info;
		events { worker_connections 256; }
		http {
			client_body_temp_path $NGX/tmp/body;
			proxy_temp_path $NGX/tmp/proxy;
			fastcgi_temp_path $NGX/tmp/fastcgi;
			uwsgi_temp_path $NGX/tmp/uwsgi;
			scgi_temp_path $NGX/tmp/scgi;
			$body
		}
	EOF
}

# nginx_launch URL: start nginx with $NGX/nginx.conf; 0 once URL answers, 1 if a port was
# taken (write the config with other ports and launch again); any other failure ends the test.
nginx_launch() {
	nginx -t -q -e "$NGX/error.log" -p "$NGX" -c "$NGX/nginx.conf" 2>>"$NGX/error.log" ||
		{ echo "FAIL: nginx -t"; cat "$NGX/error.log"; exit 1; }
	nginx -e "$NGX/error.log" -p "$NGX" -c "$NGX/nginx.conf" 2>>"$NGX/error.log" &
	NGINX_PID=$!
	for _ in $(seq 50); do
		curl -s -o /dev/null "$1" && return 0
		kill -0 "$NGINX_PID" 2>/dev/null || break
		sleep 0.1
	done
	stop_nginx
	grep -q "Address already in use" "$NGX/error.log" && return 1
	echo "FAIL: nginx did not start"; cat "$NGX/error.log"; exit 1
}

stop_nginx() {
	[ -n "$NGINX_PID" ] || return 0
	kill -QUIT "$NGINX_PID" 2>/dev/null
	for _ in $(seq 50); do kill -0 "$NGINX_PID" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$NGINX_PID" 2>/dev/null
	wait "$NGINX_PID" 2>/dev/null
	NGINX_PID=
}
