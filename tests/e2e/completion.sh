#!/usr/bin/env bash
# Bash completion of both binaries (completion/eucc.bash): registered for both names, and the
# words it offers on simulated command lines come from the programs' own command tables.
. "$(dirname "$0")/lib.sh"
PATH="$EUCC_BIN/../client:$PATH"
. "$EUCC_SOURCE_DIR/completion/eucc.bash"

expect "registered for eucc-remote" "$(complete -p eucc-remote)" "^complete -o default -F _eucc_complete eucc-remote$"
expect "registered for eucc-server" "$(complete -p eucc-server)" "^complete -o default -F _eucc_complete eucc-server$"

# offers WORD...: what completion offers for the last WORD of the line, one a line.
offers() {
	COMP_WORDS=("$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	_eucc_complete
	printf '%s\n' "${COMPREPLY[@]}"
}
lines() { printf '%s\n' "$@"; }

expect_eq "remote: commands" "$(offers eucc-remote "")" "$(lines compile check pull push mirror run inspect kernels export help)"
expect_eq "remote: pu" "$(offers eucc-remote pu)" "$(lines pull push)"
expect_eq "remote: mirror's options" "$(offers eucc-remote mirror --o)" "--output"
expect_eq "remote: a prefix" "$(offers eucc-remote co)" compile
expect_eq "remote: after global options" "$(offers eucc-remote --server http://h:1 -q ch)" check
expect_eq "remote: help COMMAND" "$(offers eucc-remote help ku)" ""
expect_eq "remote: help k" "$(offers eucc-remote help k)" kernels
expect_eq "compile: an option" "$(offers eucc-remote compile x.bpf.c --k)" --kernel
expect "compile: its options" "$(offers eucc-remote compile x.bpf.c --)" "^--headers$"
expect "compile: and the global ones" "$(offers eucc-remote compile x.bpf.c --)" "^--server$"
expect "compile: -I" "$(offers eucc-remote compile x.bpf.c -)" "^-I$"
expect_not "check: no -o" "$(offers eucc-remote check x.bpf.c --)" "^--output$"
expect_eq "check --format values" "$(offers eucc-remote check x.bpf.c --format "")" "$(lines text json sarif)"
expect_eq "run --btf values (PATH is a file)" "$(offers eucc-remote run x.eucc --btf "")" "$(lines auto bundled native)"
expect_eq "run --btf b" "$(offers eucc-remote run x.eucc --btf b)" bundled
expect_eq "run --map-size" "$(offers eucc-remote run x.eucc --ma)" --map-size
expect_eq "run --no-autoload" "$(offers eucc-remote run x.eucc --no-a)" --no-autoload
expect_eq "export --format values" "$(offers eucc-remote export x.eucc --format "")" "$(lines ig bpfman libbpf-tools)"
expect_eq "--trust anywhere" "$(offers eucc-remote --tr)" --trust
expect_eq "--json where it applies" "$(offers eucc-remote kernels --js)" --json
expect_eq "not where it does not" "$(offers eucc-remote pull --js)" ""
expect_eq "a file operand: left to bash" "$(offers eucc-remote inspect "")" ""
expect_eq "a value: left to bash" "$(offers eucc-remote compile x.bpf.c --kernel "")" ""

expect_eq "server: commands" "$(offers eucc-server "")" "$(lines serve btf cache key help)"
expect_eq "server: btf's commands" "$(offers eucc-server btf "")" "$(lines import list show rm)"
expect_eq "server: after --data DIR" "$(offers eucc-server --data /tmp/d c)" cache
expect_eq "server: key's" "$(offers eucc-server key "")" "$(lines show rotate export)"
expect_eq "server: cache's" "$(offers eucc-server cache "")" "$(lines stats gc verify)"
expect_eq "btf import options" "$(offers eucc-server btf import x --r)" "$(lines --release --replace)"
expect_eq "btf import --version is its own" "$(offers eucc-server btf import x --vers)" --version
expect "serve options" "$(offers eucc-server serve --)" "^--allow-btf-upload$"
expect_not "serve: no --json" "$(offers eucc-server serve --)" "^--json$"

finish
