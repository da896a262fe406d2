# Shared by the bench/ scripts.

# results_write_section RESULTS HEADING SECTION_FILE: replace the "## HEADING" section of RESULTS
# (up to the next "## " heading) with SECTION_FILE, or append it; other sections stay as they are.
results_write_section() {
	local results=$1 heading=$2 section=$3 out
	out=$(mktemp)
	if [ -f "$results" ]; then
		awk -v sec="$section" -v head="## $heading" '
			/^## / && in_sec { in_sec = 0 }
			$0 == head || ($0 ~ /[[:space:]]+$/ && substr($0, 1, length(head)) == head) {
				while ((getline line < sec) > 0) print line
				in_sec = 1; done = 1; next
			}
			!in_sec { print }
			END {
				if (!done) {
					print ""
					while ((getline line < sec) > 0) print line
				}
			}' "$results" >"$out"
	else
		{
			echo "# Benchmark results"
			echo
			echo "Written by the scripts in bench/; each script replaces only its own section."
			echo
			cat "$section"
		} >"$out"
	fi
	cat "$out" >"$results"
	rm -f "$out"
}

# bench_find_server: the eucc-server to measure ($EUCC_SERVER, else a build of $root), copied
# into $tmp/stage/bin with its data files and libraries, since a rebuild of the tree during
# the run must not change what is measured.
# Sets server (the copy) and server_src; uses the caller's log, die, root and tmp.
bench_find_server() {
	if [ -n "${EUCC_SERVER:-}" ]; then
		server=$EUCC_SERVER
	else
		if [ -x "$root/scripts/build.sh" ]; then
			log "building with scripts/build.sh"
			builddir=$("$root/scripts/build.sh") || die "scripts/build.sh failed"
		else
			log "building with cmake into build/"
			cmake -S "$root" -B "$root/build" >/dev/null && cmake --build "$root/build" -j2 >&2 ||
				die "the build failed"
			builddir=build
		fi
		case "$builddir" in /*) ;; *) builddir=$root/$builddir ;; esac
		server=$builddir/server/eucc-server
	fi
	[ -x "$server" ] || die "no eucc-server at $server"
	# A private copy: a rebuild of the tree during the run must not change what is measured.
	# With it, what it finds beside itself: its data files (../share/eucc: eucc.h, the libbpf
	# headers) and the warm tools' library (../lib/.../libeucc-warm.so), as in the build tree.
	local from
	from=$(cd "$(dirname "$server")/.." && pwd)
	mkdir -p "$tmp/stage/bin"
	cp "$server" "$tmp/stage/bin/eucc-server"
	[ -d "$from/share/eucc" ] || die "no data files beside $server (../share/eucc)"
	cp -r "$from/share" "$tmp/stage/"
	if [ -d "$from/lib" ]; then
		cp -r "$from/lib" "$tmp/stage/"
	else
		log "no ../lib beside $server: no warm tools, clang starts afresh in bwrap"
	fi
	server_src=$server
	server=$tmp/stage/bin/eucc-server
}
