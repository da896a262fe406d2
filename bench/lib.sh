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
