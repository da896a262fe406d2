/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The compile step of eucc-server: request checks, clang for the BPF target inside a bubblewrap
 * sandbox with limits, diagnostics read from clang's serialized diagnostics through libclang,
 * DWARF stripped from the object (.BTF and .BTF.ext kept).
 */
#ifndef EUCC_SERVER_COMPILE_H
#define EUCC_SERVER_COMPILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common.h"

struct cJSON;

/* Request limits (docs/security.md). */
#define COMPILE_MAX_FILES	256
#define COMPILE_MAX_FILE_BYTES	((size_t)1 << 20)
#define COMPILE_MAX_TOTAL_BYTES ((size_t)8 << 20)
#define COMPILE_MAX_CFLAGS	64
#define COMPILE_MAX_KERNELS	64

struct compile_source {
	char *path; /* relative, checked */
	char *data;
	size_t size;
};

/* A checked POST /v1/compile body. */
struct compile_request {
	char *name; /* package name: [A-Za-z0-9_.-], from "name" or main's stem */
	char *main; /* one of the sources, ends in .c */
	struct compile_source *sources;
	size_t nsources; /* sorted by path */
	char **cflags;	 /* allowed flags only */
	size_t ncflags;
	char **kernels; /* specs as given */
	size_t nkernels;
	char *arch;	 /* normalized; NULL: the server's default */
	char *headers;	 /* release of the header kernel, or NULL */
	char *toolchain; /* "clang-19": one of compile_toolchain_at(); NULL: the default */
};

/*
 * Parse and check a request body: sizes, file count, paths (relative, no "..", no absolute, no
 * backslashes or NUL), allowed flags (-D, -U, relative -I inside the upload, -W...; never -o,
 * -Xclang, -fplugin, @file, --sysroot, -include ...; BPF codegen flags: -mcpu=v1..v4 and a
 * few -f flags, docs/compile.md), a known "toolchain". A user's vmlinux.h is dropped (the
 * server's replaces it). Errors: code "bad_request" with what was wrong and what to do.
 */
int compile_request_parse(const struct cJSON *body, struct compile_request *req,
			  struct eucc_error *err);
void compile_request_free(struct compile_request *req);

struct compile_limits {
	unsigned int cpu_seconds;  /* RLIMIT_CPU */
	unsigned int wall_seconds; /* killed after */
	uint64_t memory_bytes;	   /* RLIMIT_AS */
	uint64_t output_bytes;	   /* RLIMIT_FSIZE */
};

/*
 * A toolchain: one clang (with llvm-strip beside it) and the libbpf headers it compiles with.
 * The server offers every clang of /usr/lib/llvm-N and the build's own, newest first; all
 * share the server's libbpf headers: those of its install prefix, else EUCC_LIBBPF_HEADERS,
 * else /usr/include (with a warning).
 */
struct compile_toolchain {
	const char *name;	   /* "clang-19" */
	const char *clang;	   /* real path, inside /usr */
	const char *strip;	   /* llvm-strip of the same LLVM */
	const char *clang_version; /* "Debian clang version 19.1.7 (3~deb12u1)" */
	unsigned int clang_major;
	const char *libbpf_dir;	    /* holds bpf/bpf_helpers.h */
	const char *libbpf_version; /* "1.5", from its bpf/libbpf_version.h */
	const char *identity;	    /* all of the above that can change an object: cache keys */
};

/*
 * The dir (holding bpf/) of the libbpf headers that the server installs with itself, looked
 * at first; call before any use of the toolchains (-EBUSY after). NULL or "": none.
 */
int compile_toolchains_set_libbpf(const char *dir);
/* How many toolchains there are; the one at 0 is the default (the newest clang). */
size_t compile_toolchain_count(void);
const struct compile_toolchain *compile_toolchain_at(size_t i);
/* The toolchain named @name (NULL: the default); -ENOENT, "bad_request" listing those there are. */
int compile_toolchain_find(const char *name, const struct compile_toolchain **out,
			   struct eucc_error *err);
/* {"name","clang","libbpf_headers"} of one; the array of all (with "default") for /v1/info. */
struct cJSON *compile_toolchain_json(const struct compile_toolchain *tc);
struct cJSON *compile_toolchains_json(void);

struct compile_job {
	const struct compile_request *req;
	const struct compile_toolchain *toolchain; /* NULL: the default */
	const char *arch;			   /* normalized: "x86_64" -> -D__TARGET_ARCH_x86 */
	const char *vmlinux_h;			   /* the server's header for the header kernel */
	const char *vmlinux_pch;		   /* its precompiled form, or NULL */
	const char *workdir;			   /* an empty private dir for this job */
	const char *eucc_include; /* dir of eucc.h (EUCC_EVENT), seen as <eucc/...>, or NULL */
	struct compile_limits limits;
	bool preprocess; /* clang -E with the same flags: res->object is the preprocessed text */
	/* libeucc-warm.so: clang and llvm-strip run as warm tools (docs/security.md); NULL:
	 * every command starts afresh in bwrap */
	const char *warm_preload;
};

struct compile_diag {
	char severity[16]; /* "error", "warning", "note", "fatal" */
	char file[256];	   /* relative to the upload; "" for none */
	unsigned int line, column;
	char message[1024];
	char fixits[512]; /* "replace 3:5-3:9 with 'foo'", "" for none */
};

struct compile_result {
	bool ok;      /* an object was produced */
	void *object; /* stripped object (malloc'd) */
	size_t object_size;
	struct compile_diag *diags;
	size_t ndiags;
	size_t diags_dropped; /* past the cap of 1000: not in diags */
	char failure[256];    /* when !ok and no diagnostic says why: "killed at the 20 s limit" */
	unsigned int wall_ms;
};

/* Compile a job in the sandbox. Returns 0 with res->ok false for a compile error. With
 * job->preprocess, res->object is clang -E's output (NUL-terminated, not counted in the size). */
int compile_run(const struct compile_job *job, struct compile_result *res, struct eucc_error *err);
void compile_result_free(struct compile_result *res);
/*
 * Precompile @vmlinux_h for @arch (in an empty job dir @workdir) into *pch (malloc'd), with
 * -std=@std (NULL: clang's default). clang refuses a PCH whose language options differ from
 * the compile's, so a compile with -std=X needs a PCH made with -std=X (compile_std), and one
 * with -mcpu=C a PCH made with -mcpu=C (compile_cpu; NULL: clang's default). @tc NULL: the
 * default toolchain.
 */
int compile_pch_build(const struct compile_toolchain *tc, const char *vmlinux_h, const char *arch,
		      const char *std, const char *cpu, const char *workdir, void **pch,
		      size_t *size, struct eucc_error *err);
/* The language standard of a checked request's flags (the last -std= wins) as a PCH needs it:
 * NULL for clang's default (gnu17) and its synonym gnu18; c90 is c89, c18 c17, gnu90 gnu89. */
const char *compile_std(const struct compile_request *req);
/* The BPF CPU of a checked request's flags (the last -mcpu= wins): "v3", or NULL for none. */
const char *compile_cpu(const struct compile_request *req);
/*
 * Does the program include vmlinux.h? Only then is the kernel header (its precompiled form)
 * put in front of it: a program with its own types must not get the kernel's. True when an
 * `#include "vmlinux.h"` or `<vmlinux.h>` (any dir) is in main or in an uploaded file that
 * main's includes reach, outside comments; an include that only a macro names is not seen (such
 * a program still finds vmlinux.h, parsed from its text).
 */
bool compile_includes_vmlinux(const struct compile_request *req);
/* What a compile error says the headers lack: an identifier (an enum value, ...), a type
 * name, a struct or union's definition, or a member of one. */
enum compile_missing_kind {
	COMPILE_MISSING_IDENT,	/* use of undeclared identifier 'NAME' */
	COMPILE_MISSING_TYPE,	/* unknown type name 'NAME' */
	COMPILE_MISSING_RECORD, /* incomplete type 'struct NAME' */
	COMPILE_MISSING_MEMBER, /* no member named 'MEMBER' in 'struct NAME' */
};

struct compile_missing {
	enum compile_missing_kind kind;
	bool is_union;	  /* RECORD and MEMBER: 'union NAME' */
	bool is_typedef;  /* MEMBER: in 'NAME', a typedef */
	char name[128];	  /* the identifier, type or record */
	char member[128]; /* MEMBER */
};

/* Does clang's error @message say that something is missing from the headers? */
bool compile_diag_missing(const char *message, struct compile_missing *m);
/* Print diagnostics as clang does ("file:line:col: error: message"). */
void compile_diag_print(FILE *out, const struct compile_diag *d);
/* The default toolchain's clang ("Debian clang version 19.1.7 (3~deb12u1)"). */
const char *compile_clang_version(void);

#endif
