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
# into $tmp, since a rebuild of the tree during the run must not change what is measured.
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
	# The copy is not beside its data files (../share/eucc), so it is told where eucc.h is; its
	# warm tools (../lib/eucc/libeucc-warm.so, docs/security.md) are copied beside it, as
	# installed, so that it compiles the way it does by default.
	mkdir -p "$tmp/bin"
	cp "$server" "$tmp/bin/eucc-server"
	if [ -f "$(dirname "$server")/../lib/eucc/libeucc-warm.so" ]; then
		mkdir -p "$tmp/lib/eucc"
		cp "$(dirname "$server")/../lib/eucc/libeucc-warm.so" "$tmp/lib/eucc/"
	fi
	if [ -z "${EUCC_INCLUDE_DIR:-}" ]; then
		mkdir -p "$tmp/include"
		cp "$(dirname "$server")/../share/eucc/include/eucc/eucc.h" "$tmp/include/" ||
			die "no data files beside $server (../share/eucc)"
		export EUCC_INCLUDE_DIR=$tmp/include
	fi
	server_src=$server
	server=$tmp/bin/eucc-server
}
