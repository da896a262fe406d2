/* SPDX-License-Identifier: Apache-2.0 */
/*
 * common: what eucc-server and eucc-remote share.
 *
 *  - one error type (struct eucc_error) and the documented exit codes;
 *  - one logging path (eucc_log), configured once at start-up;
 *  - sha256 digests, files written atomically, small file helpers;
 *  - architecture names and kernel release helpers;
 *  - one JSON writer for every --json output;
 *  - one command line module: the command tables, their parsing, help and completion.
 *
 * Functions return 0 or a negative errno; where they take a struct eucc_error,
 * it says what went wrong and what to do about it.
 */
#ifndef EUCC_COMMON_H
#define EUCC_COMMON_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct cJSON;

/* Exit codes of both binaries (docs/exit-codes.md). */
enum eucc_exit {
	EUCC_EXIT_OK = 0,
	EUCC_EXIT_INCOMPATIBLE = 1, /* incompatible on some kernel */
	EUCC_EXIT_INPUT = 2,	    /* compile or input error */
	EUCC_EXIT_USAGE = 3,	    /* bad command line */
	EUCC_EXIT_UNREACHABLE = 4,  /* server unreachable or refused */
};

/*
 * Error codes: one list, with the name answers and --json output carry, the exit code of both
 * binaries and the HTTP status of the API (docs/exit-codes.md and docs/api.md show it).
 * X(ENUM, name, exit code, HTTP status).
 */
#define EUCC_CODES(X)                                                                              \
	X(INTERNAL, "internal", EUCC_EXIT_INPUT, 500)                                              \
	X(IO, "io", EUCC_EXIT_INPUT, 500)                                                          \
	X(USAGE, "usage", EUCC_EXIT_USAGE, 400)                                                    \
	X(BAD_INPUT, "bad_input", EUCC_EXIT_INPUT, 400)                                            \
	X(BAD_REQUEST, "bad_request", EUCC_EXIT_INPUT, 400)                                        \
	X(BAD_PARAM, "bad_param", EUCC_EXIT_INPUT, 400)                                            \
	X(BAD_OBJECT, "bad_object", EUCC_EXIT_INPUT, 400)                                          \
	X(BAD_PACKAGE, "bad_package", EUCC_EXIT_INPUT, 400)                                        \
	X(NO_FUNC_RECORDS, "no_func_records", EUCC_EXIT_INPUT, 400)                                \
	X(WRONG_ARCH, "wrong_arch", EUCC_EXIT_INPUT, 400)                                          \
	X(NOT_FOUND, "not_found", EUCC_EXIT_INPUT, 404)                                            \
	X(KERNEL_NOT_FOUND, "kernel_not_found", EUCC_EXIT_INPUT, 404)                              \
	X(TYPE_NOT_FOUND, "type_not_found", EUCC_EXIT_INPUT, 404)                                  \
	X(FUNC_NOT_FOUND, "func_not_found", EUCC_EXIT_INPUT, 404)                                  \
	X(BTF_NEEDED, "btf_needed", EUCC_EXIT_INPUT, 404)                                          \
	X(NO_BTF, "no_btf", EUCC_EXIT_INPUT, 404)                                                  \
	X(METHOD_NOT_ALLOWED, "method_not_allowed", EUCC_EXIT_USAGE, 405)                          \
	X(CONFLICT, "conflict", EUCC_EXIT_INPUT, 409)                                              \
	X(TOO_LARGE, "too_large", EUCC_EXIT_INPUT, 413)                                            \
	X(COMPILE_ERROR, "compile_error", EUCC_EXIT_INPUT, 422)                                    \
	X(INCOMPATIBLE, "incompatible", EUCC_EXIT_INCOMPATIBLE, 422)                               \
	X(VERIFIER, "verifier", EUCC_EXIT_INPUT, 422)                                              \
	X(LOAD_FAILED, "load_failed", EUCC_EXIT_INPUT, 422)                                        \
	X(ATTACH_FAILED, "attach_failed", EUCC_EXIT_INPUT, 422)                                    \
	X(NOT_ATTACHED, "not_attached", EUCC_EXIT_INPUT, 422)                                      \
	X(NO_GLOBAL_DATA, "no_global_data", EUCC_EXIT_INPUT, 422)                                  \
	X(NOT_ROOT, "not_root", EUCC_EXIT_INPUT, 403)                                              \
	X(BPF_DENIED, "bpf_denied", EUCC_EXIT_INPUT, 403)                                          \
	X(NO_TRACEFS, "no_tracefs", EUCC_EXIT_INPUT, 500)                                          \
	X(EVENTS, "events", EUCC_EXIT_INPUT, 500)                                                  \
	X(STORE, "store", EUCC_EXIT_INPUT, 500)                                                    \
	X(CACHE, "cache", EUCC_EXIT_INPUT, 500)                                                    \
	X(DATA_DIR, "data_dir", EUCC_EXIT_INPUT, 500)                                              \
	X(IMPORT_FAILED, "import_failed", EUCC_EXIT_INPUT, 500)                                    \
	X(LISTEN_FAILED, "listen_failed", EUCC_EXIT_INPUT, 500)                                    \
	X(UNAUTHORIZED, "unauthorized", EUCC_EXIT_UNREACHABLE, 401)                                \
	X(FORBIDDEN, "forbidden", EUCC_EXIT_UNREACHABLE, 403)                                      \
	X(BTF_UPLOAD_DISABLED, "btf_upload_disabled", EUCC_EXIT_UNREACHABLE, 403)                  \
	X(BUSY, "busy", EUCC_EXIT_UNREACHABLE, 503)                                                \
	X(UNREACHABLE, "unreachable", EUCC_EXIT_UNREACHABLE, 502)                                  \
	X(TLS_FAILED, "tls_failed", EUCC_EXIT_UNREACHABLE, 502)                                    \
	X(SERVER_ERROR, "server_error", EUCC_EXIT_UNREACHABLE, 502)                                \
	X(UNTRUSTED, "untrusted", EUCC_EXIT_INPUT, 422)

#define EUCC_CODE_ENUM(e, name, exit, http) EUCC_E_##e,
enum eucc_code { EUCC_CODES(EUCC_CODE_ENUM) EUCC_E_COUNT };
#undef EUCC_CODE_ENUM

/* A code's name ("kernel_not_found"), exit code and HTTP status. */
const char *eucc_code_name(enum eucc_code code);
int eucc_code_exit(enum eucc_code code);
unsigned int eucc_code_http(enum eucc_code code);
/* The code of a name; @fallback for a name this build does not know (a newer server's). */
enum eucc_code eucc_code_from_name(const char *name, enum eucc_code fallback);

/* The one error type: a negative errno, a code of the table above, a message, a hint. */
struct eucc_error {
	int err; /* negative errno */
	enum eucc_code code;
	char message[1024];
	char hint[1024];
};

/* Fill @e (if not NULL) and return @err, so that callers can `return eucc_error_set(...)`. */
int eucc_error_set(struct eucc_error *e, int err, enum eucc_code code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Set the hint of an error already set. */
void eucc_error_hint(struct eucc_error *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void eucc_error_clear(struct eucc_error *e);
/* Print "PROG: error: message" and "  hint: ..." to stderr. */
void eucc_error_print(const struct eucc_error *e, const char *prog);
/* Exit code that fits an error's code. */
int eucc_error_exit_code(const struct eucc_error *e);

/* Logging: one path, to stderr. The level is configuration, set once. */
enum eucc_log_level { EUCC_LOG_ERROR, EUCC_LOG_WARN, EUCC_LOG_INFO, EUCC_LOG_DEBUG };
void eucc_log_set_level(enum eucc_log_level level);
enum eucc_log_level eucc_log_level(void);
void eucc_log(enum eucc_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
#define eucc_warn(...)	eucc_log(EUCC_LOG_WARN, __VA_ARGS__)
#define eucc_info(...)	eucc_log(EUCC_LOG_INFO, __VA_ARGS__)
#define eucc_debug(...) eucc_log(EUCC_LOG_DEBUG, __VA_ARGS__)

/* Strings: does @s end with @suffix? */
bool str_has_suffix(const char *s, const char *suffix);
/*
 * @in made safe to show and to put in JSON: valid UTF-8 is kept; each byte of an invalid
 * sequence, each control character (C0 but newline and tab, DEL, C1) becomes the four
 * characters "\xNN". Malloc'd (NULL: out of memory).
 */
char *str_escape(const char *in);
/* The same into @out (at most @size bytes with the NUL; cut at a whole character). */
void str_escape_to(const char *in, char *out, size_t size);
/* The same for one line of a log: newline and tab escaped too. */
void str_escape_line(const char *in, char *out, size_t size);
/*
 * What every text writer prints of a string that comes from outside (a package, an object's
 * BTF, a server's answer): @in itself when it is safe on one line of a terminal, else its
 * str_escape_line form in @buf ("\x1b]0;..." for ESC ] 0 ;). STR_SAFE(s) gives it a buffer
 * that lives until the end of the enclosing statement's block.
 */
const char *str_safe(const char *in, char *buf, size_t size);
#define STR_SAFE_MAX 1024
#define STR_SAFE(s)  str_safe((s), (char[STR_SAFE_MAX]){0}, STR_SAFE_MAX)
/* The length of the valid UTF-8 character at @s (1 to 4), or 0 if the bytes there are not one. */
size_t str_utf8_char(const char *s);
/* Append @n bytes to the malloc'd buffer *@buf of *@len bytes, kept NUL-terminated; -EFBIG
 * past @max bytes in all, -ENOMEM. (HTTP answers gathered in memory.) */
int str_append(char **buf, size_t *len, size_t max, const void *data, size_t n);

/* CLOCK_MONOTONIC in nanoseconds: the one clock of durations, deadlines and expiry times. */
uint64_t eucc_now_ns(void);
#define EUCC_NS_PER_MS 1000000ull

/* sha256 as 64 lowercase hex digits plus NUL. */
#define EUCC_SHA256_HEX 65
void eucc_sha256_hex(const void *data, size_t len, char out[EUCC_SHA256_HEX]);
bool eucc_is_sha256_hex(const char *s);

/*
 * Keys: sha256 over every part as an 8-byte big-endian length followed by its bytes (NULL is
 * ""), so that no two lists of parts give the same key.
 */
void eucc_key_digest(char out[EUCC_SHA256_HEX], const char *const *parts, size_t n);

/*
 * The source key of a compile request: a key over ("source", arch, main, the sources' digest,
 * the cflags in order). The server's object key is made from it (with the pipeline version,
 * the clang and the header kernel's BTF); eucc-remote computes it before sending a compile and
 * sends it as X-Eucc-Key, so that a proxy in front of replicas routes the same program to the
 * same one (docs/registry.md).
 */
#define EUCC_KEY_MAX_CFLAGS 256
struct eucc_source {
	const char *path; /* the upload path */
	const void *data;
	size_t size;
};
/* sha256 over the (path, sha256 of content) pairs sorted by path. 0 or -ENOMEM. */
int eucc_sources_digest(const struct eucc_source *src, size_t n, char out[EUCC_SHA256_HEX]);
void eucc_source_key(const char *arch, const char *main, const char *sources_digest,
		     const char *const *cflags, size_t ncflags, char out[EUCC_SHA256_HEX]);

/*
 * Files. What these make is "settled": it gets the mode asked for exactly (the umask does not
 * narrow it) and, when root makes it, the owner and group of the directory it is made in.
 * So files that `eucc-server btf import` run by root writes into a data dir that belongs to
 * the server's user belong to that user too (docs/operations.md, "systemd").
 */
/* Settle the file or directory @fd, just made at @path, with @mode. 0 or -errno. */
int fs_settle(int fd, const char *path, unsigned int mode);
/* Create the empty file @path, settled with @mode, unless it exists (then 0, untouched). */
int fs_create_settled(const char *path, unsigned int mode);
/* mkdir -p; every directory it makes is settled with @mode. */
int fs_mkdir_p(const char *path, unsigned int mode);
/* Write all of @data to @fd (retrying short writes and EINTR). */
int fs_write_all(int fd, const void *data, size_t len);
/* A new file @name under @dirfd (AT_FDCWD: @name is a path) with @data, mode 0644: -EEXIST if
 * anything is there, never through a symlink, no fsync (job dirs: nothing to keep). */
int fs_write_new_at(int dirfd, const char *name, const void *data, size_t len);
/* Write @len bytes to @path via a temp file in the same dir (settled, 0644), fsync, rename,
 * fsync dir. */
int fs_write_atomic(const char *path, const void *data, size_t len);
/* Read a whole file (at most @max bytes, else -EFBIG). *buf is malloc'd and NUL-terminated. */
int fs_read_file(const char *path, size_t max, void **buf, size_t *len);
bool fs_is_dir(const char *path);
/* Remove a directory and everything below it (symlinks are removed, not followed). */
int fs_remove_tree(const char *path);
/* Remove a file and the empty parent dirs up to (not including) @stop. */
void fs_unlink_prune(const char *path, const char *stop);

/*
 * Tracing: the tracing dir libbpf will use (/sys/kernel/debug/tracing if it exists, else
 * /sys/kernel/tracing) into @path. If it is not mounted, mount tracefs at /sys/kernel/tracing
 * (debugfs at /sys/kernel/debug on kernels that lack tracefs), as bpftool does; that needs
 * root. 0 if it was there, 1 if it was mounted now, -errno ("no_tracefs") otherwise.
 */
int tracefs_ensure(char *path, size_t size, struct eucc_error *err);

/* Data dir: $EUCC_DATA, else $XDG_DATA_HOME/eucc, else ~/.local/share/eucc. */
int eucc_default_data_dir(char *buf, size_t size);

/* Architectures: "x86_64", "arm64", ... ("amd64" and "aarch64" are normalized). NULL if unknown. */
const char *arch_normalize(const char *name);
/* The running host's architecture, normalized. */
const char *arch_host(void);
/* The architecture a kernel release string names by its suffix, or NULL. */
const char *arch_from_release(const char *release);

/* Kernel releases: a plausible `uname -r` (starts with a digit, no '/' and no spaces). */
bool release_is_valid(const char *release);
/* True if @release equals @prefix or continues it at a component boundary (4.19 vs 4.190). */
bool release_has_prefix(const char *release, const char *prefix);
/* Order releases by version (4.9 < 4.18 < 4.19.90 < 5.10). */
int release_cmp(const char *a, const char *b);
/*
 * A kernel's build id (its NT_GNU_BUILD_ID note, owner "GNU") as lowercase hex: from the ELF
 * notes @notes of @size bytes, or from the file @path (NULL: /sys/kernel/notes). -ENOENT: no
 * such note; -EBADMSG: a note runs past the data; -ENOSPC: @hex too small.
 */
#define KERNEL_BUILD_ID_MAX 64 /* bytes; GNU ld writes 20 (sha1) */
int kernel_build_id_parse(const void *notes, size_t size, char *hex, size_t hex_size);
int kernel_build_id(const char *path, char *hex, size_t hex_size);
/* A build id as hex: 2 to 128 lowercase hex digits, an even number. */
bool build_id_is_valid(const char *hex);

/* "512M", "10G", "4096" (K, M, G, T: powers of 1024) to bytes; -EINVAL if malformed. */
int parse_size(const char *text, uint64_t *out);
/* Sizes: "1.2 MiB". */
void format_size(uint64_t bytes, char *buf, size_t size);

/* Reading answers and manifests: a member's string ("" if missing or not a string) or number
 * (0 if missing or not a number). */
const char *json_str(const struct cJSON *o, const char *key);
double json_num(const struct cJSON *o, const char *key);

/* The one JSON writer of every --json output: prints @json to @out, pretty, with a newline. */
void json_write(FILE *out, const struct cJSON *json);
/*
 * @json as text (@pretty or compact), safe for a terminal: cJSON escapes C0 controls, this
 * also DEL and C1 controls (as \u007f, \u0080 ... \u009f) and replaces each byte of invalid
 * UTF-8 with \ufffd. Malloc'd; NULL if out of memory.
 */
char *json_print(const struct cJSON *json, bool pretty);

/* ---- command lines (cli.c, cli_help.c, cli_complete.c) -------------------------------------- */

/*
 * Both binaries describe their command line in tables: a program (struct cli_prog) has global
 * options and commands; a command (struct cli_cmd) has its do_* function, a one-line summary,
 * its help, its options and, for a group such as `btf`, its subcommands, in the same form.
 * Global options are taken anywhere on the line, before or after the command words; a
 * command's options after its name. --help, `help COMMAND` and --version are built in.
 */
#define CLI_LIST_MAX 64

/* The values of a repeatable option, in the order given. */
struct cli_list {
	const char *v[CLI_LIST_MAX];
	size_t n;
};

enum cli_kind {
	CLI_BOOL,    /* bool at .off becomes true */
	CLI_STR,     /* const char * at .off becomes the value (the last one given) */
	CLI_LIST,    /* struct cli_list at .off gets the value appended */
	CLI_CALL,    /* .set(target, opt, value, err) */
	CLI_HELP,    /* the built-in --help */
	CLI_VERSION, /* the built-in --version */
};

enum cli_opt_flags {
	CLI_REPEAT = 1 << 0,  /* may be given more than once (implied by CLI_LIST) */
	CLI_IF_JSON = 1 << 1, /* a global option for the commands that have a .json text */
};

struct cli_opt {
	const char *name; /* "kernel" for --kernel; NULL: a short form only */
	char letter;	  /* 'k' for -k; 0: a long form only */
	const char *arg;  /* what its value is ("SPEC"); NULL: it takes none */
	enum cli_kind kind;
	size_t off; /* CLI_BOOL, CLI_STR, CLI_LIST: where in the target struct */
	int (*set)(void *target, const struct cli_opt *opt, const char *value,
		   struct eucc_error *err); /* CLI_CALL; errors are usage errors */
	const char *help;		    /* what it does */
	const char *def;		    /* its default, or NULL */
	unsigned int flags;
};

struct cli_call;

enum cli_cmd_flags {
	CLI_OWN_HELP = 1 << 0,	 /* `CMD ARG --help` runs the command with call->help set */
	CLI_EXTRA_OPTS = 1 << 1, /* unknown long options go to call->extras, for the command */
};

struct cli_cmd {
	const char *name;
	int (*run)(const struct cli_call *call); /* returns the exit code; NULL for a group */
	const char *args;			 /* its operands, for the usage line ("[SPEC]") */
	const char *summary;			 /* one line, for command lists */
	const char *help;			 /* what it does; '\n' breaks a line */
	const struct cli_opt *opts;		 /* ends with an empty entry; NULL: none */
	const struct cli_cmd *const *subs;	 /* a group's commands, NULL-terminated */
	const char *json;	/* what --json does here; NULL: it does not apply */
	int min_args, max_args; /* how many operands; max_args -1: no limit */
	unsigned int flags;
};

struct cli_prog {
	const char *name;	       /* "eucc-remote" */
	const char *summary;	       /* one line */
	const struct cli_opt *globals; /* ends with an empty entry */
	const struct cli_cmd *const *cmds;
	const char *footer;	    /* the end of the top help: environment, exit codes */
	void (*version)(FILE *out); /* --version */
};

enum cli_action { CLI_RUN, CLI_SHOW_HELP, CLI_SHOW_VERSION };

/* One option of the command as given, for cli_apply. */
struct cli_value {
	const struct cli_opt *opt;
	const char *value;
};

/* A long option the command's table does not have (CLI_EXTRA_OPTS): `--NAME=VALUE`, or
 * `--NAME VALUE` when the next word does not start with "--", else `--NAME` (value NULL). */
struct cli_extra {
	const char *name; /* NAME, @len bytes (not NUL-terminated with =VALUE) */
	size_t len;
	const char *value;
};

/* A parsed command line. */
struct cli_call {
	const struct cli_prog *prog;
	const struct cli_cmd *cmd; /* the command (or group) named; NULL: none */
	char path[128];		   /* its words: "btf import" */
	void *cfg;		   /* the program's configuration, which global options set */
	char **args;		   /* operands */
	int nargs;
	struct cli_value *vals; /* the command's options, in order */
	size_t nvals;
	enum cli_action action;
	bool help;		  /* CLI_OWN_HELP: --help given with operands */
	struct cli_extra *extras; /* CLI_EXTRA_OPTS */
	size_t nextras;
};

/*
 * Parse @argv (argv[0] is the program) against @prog: global options are stored into @cfg at
 * once, the command's are kept in @call for cli_apply. 0 and call->action, or -EINVAL with a
 * usage error in @err ("unknown option '--kernal'; did you mean '--kernel'?"). Free @call with
 * cli_call_free in both cases.
 */
int cli_parse(const struct cli_prog *prog, int argc, char **argv, void *cfg, struct cli_call *call,
	      struct eucc_error *err);
void cli_call_free(struct cli_call *call);
/* Store the command's options into @target (the command's own struct), in the order given. */
int cli_apply(const struct cli_call *call, void *target, struct eucc_error *err);
/* Parse, then print the help or version or run the command; returns the exit code. */
int cli_main(const struct cli_prog *prog, int argc, char **argv, void *cfg);
/* The help of what @call names (the program, a group, a command). */
void cli_help(FILE *out, const struct cli_call *call);
/* Print "PROG: error: ..." and a hint to the command's help; returns EUCC_EXIT_USAGE. */
int cli_usage_error(const struct cli_call *call, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The option --NAME (@len bytes of @name) or, with @letter, -LETTER of @opts; NULL if none. */
const struct cli_opt *cli_find_opt(const struct cli_opt *opts, const char *name, size_t len,
				   char letter);
/*
 * `PROG __complete WORD...` (cli_main runs it): print the words that may stand where the last
 * WORD is, one a line, and return 0: commands, options, an option's fixed values; nothing where
 * a file goes. completion/eucc.bash asks this.
 */
int cli_complete(FILE *out, const struct cli_prog *prog, int argc, char **argv);
/* A CLI_CALL setter for --arch: the normalized name as a const char * at opt->off. */
int cli_set_arch(void *target, const struct cli_opt *opt, const char *value,
		 struct eucc_error *err);
/* A CLI_CALL setter for -v/--verbose: the log level becomes debug. */
int cli_set_verbose(void *target, const struct cli_opt *opt, const char *value,
		    struct eucc_error *err);
/* Edit distance (insertions, deletions, substitutions, swapped neighbours). */
unsigned int cli_distance(const char *a, const char *b);
/* The candidate that @word is most likely a typo of, or NULL if none is close. */
const char *cli_suggest(const char *word, const char *const *cands, size_t n);

/* ---- signing keys (sign.c) ------------------------------------------------------------- */

/*
 * ed25519 keys through OpenSSL. A key's id is the sha256 of its 32 raw public key bytes (64
 * hex digits); its name is what the signer calls itself. Keys are kept as PEM (PKCS#8
 * "PRIVATE KEY", SubjectPublicKeyInfo "PUBLIC KEY"), each block after a line "# name: NAME".
 */
#define EUCC_SIG_BYTES	  64
#define EUCC_KEY_NAME_MAX 128

struct eucc_key;
int eucc_key_generate(const char *name, struct eucc_key **out);
void eucc_key_free(struct eucc_key *k);
const char *eucc_key_id(const struct eucc_key *k);
const char *eucc_key_name(const struct eucc_key *k);
/* The file it was read from ("" if none). */
const char *eucc_key_origin(const struct eucc_key *k);
bool eucc_key_is_private(const struct eucc_key *k);
/* The key as PEM after its "# eucc signing key sha256:ID" and "# name:" lines (malloc'd); the
 * private key with @private_part, else the public one. */
int eucc_key_pem(const struct eucc_key *k, bool private_part, char **out);
/* Ed25519 over @msg (one shot, no prehash); verify: 0 or -EKEYREJECTED. */
int eucc_key_sign(const struct eucc_key *k, const void *msg, size_t len,
		  unsigned char sig[EUCC_SIG_BYTES]);
int eucc_key_verify(const struct eucc_key *k, const void *msg, size_t len,
		    const unsigned char sig[EUCC_SIG_BYTES]);

/* Keys by id, in the order added (a key given twice is kept once). Zero-initialize. */
struct eucc_keyring {
	struct eucc_key **keys;
	size_t n;
};
/* Every key of the PEM text @text; @origin names it in errors. At least one, or an error. */
int eucc_keyring_add_pem(struct eucc_keyring *r, const char *text, size_t len, const char *origin,
			 struct eucc_error *err);
int eucc_keyring_add_file(struct eucc_keyring *r, const char *path, struct eucc_error *err);
/* Every *.pem of @dir, in name order; a dir that does not exist adds nothing. */
int eucc_keyring_add_dir(struct eucc_keyring *r, const char *dir, struct eucc_error *err);
const struct eucc_key *eucc_keyring_find(const struct eucc_keyring *r, const char *id);
void eucc_keyring_free(struct eucc_keyring *r);

/* ---- packages (NAME.eucc) --------------------------------------------------------------- */

/*
 * A package is a deterministic tar (gzip-compressed, gzip header without name or time):
 * manifest.json first, then the members sorted by path; every member mode 0644, mtime 0,
 * uid/gid 0, owner "root". The manifest gets "format" and "files" ({path: {sha256, size}})
 * added by the writer; the reader checks both. Same inputs, same bytes, same digest.
 * See docs/package-format.md.
 */
#define PKG_FORMAT_VERSION  2 /* the newest this code reads */
#define PKG_FORMAT_UNSIGNED 1 /* what the writer writes without a key; signed: 2 */
#define PKG_MAX_MEMBERS	    4096
#define PKG_MAX_SIZE	    ((size_t)512 << 20)

struct pkg_writer;
int pkg_writer_new(struct pkg_writer **out);
/* Add a member (the data is copied). @path: relative, no "..", no "//", unique. */
int pkg_writer_add(struct pkg_writer *w, const char *path, const void *data, size_t size);
/* Write the package to a malloc'd buffer. @manifest is modified (format, files) not consumed. */
int pkg_writer_finish(struct pkg_writer *w, struct cJSON *manifest, void **out, size_t *size);
/* Sign what pkg_writer_finish writes with @key (a private key, kept by the caller until then):
 * the package gets format 2 and signature.json right after manifest.json. */
void pkg_writer_sign(struct pkg_writer *w, const struct eucc_key *key);
void pkg_writer_free(struct pkg_writer *w);

/*
 * The same framing for other formats' archives: a ustar archive of @n files in the order given
 * (0644, root, mtime 0, no directory entries; a path of up to 100 bytes stays whole in the
 * header's name field), gzip'd as a package is when @gz. -ENAMETOOLONG, -EFBIG.
 */
struct eucc_tar_file {
	const char *path;
	const void *data;
	size_t size;
};
int eucc_tar_build(const struct eucc_tar_file *files, size_t n, bool gz, void **out, size_t *size);

struct pkg;
/*
 * Parse and verify a package: a format version this code knows, every member listed in
 * "files" with the same sha256 and size, nothing unlisted, no bad paths. @err says what is
 * wrong ("member btf/x86_64/R.btf: sha256 mismatch", "format 7 is newer than this client").
 */
int pkg_open(const void *data, size_t size, struct pkg **out, struct eucc_error *err);
int pkg_open_file(const char *path, struct pkg **out, struct eucc_error *err);
const struct cJSON *pkg_manifest(const struct pkg *p);
/* A member's bytes (valid until pkg_close), or -ENOENT. */
int pkg_member(const struct pkg *p, const char *path, const void **data, size_t *size);
size_t pkg_member_count(const struct pkg *p);
const char *pkg_member_path(const struct pkg *p, size_t i);
void pkg_close(struct pkg *p);
/* The sha256 of manifest.json's bytes as the package holds them. */
const char *pkg_manifest_sha256(const struct pkg *p);

/* Who signed a package, as its signature.json says (not yet checked). */
struct pkg_signer {
	char key_id[EUCC_SHA256_HEX]; /* sha256 of the raw public key */
	char name[EUCC_KEY_NAME_MAX];
};
/* 0 and @out for a signed package, -ENOENT for an unsigned one. */
int pkg_signer(const struct pkg *p, struct pkg_signer *out);
/*
 * Check @p's signature against the pinned keys of @ring: signed by one of them and the
 * signature verifies over its manifest's sha256. 0, else -ENOKEY (unsigned, or signed by a key
 * not in @ring) or -EKEYREJECTED (does not verify) with code "untrusted" in @err.
 */
int pkg_verify(const struct pkg *p, const struct eucc_keyring *ring, struct eucc_error *err);

#endif
