# bash completion of eucc-remote and eucc-server. The words come from the program's own command
# table: `PROG __complete WORD...` prints what may stand where the last WORD is; where it
# prints nothing (a file, a release, a spec), bash completes file names.
_eucc_complete() {
	local IFS=$'\n'
	COMPREPLY=($(compgen -W "$("${COMP_WORDS[0]}" __complete "${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null)" \
		-- "${COMP_WORDS[COMP_CWORD]}"))
}
complete -o default -F _eucc_complete eucc-remote eucc-server
