/* SPDX-License-Identifier: Apache-2.0 */
/* What the files of the compile step share (not part of the server's API). */
#ifndef EUCC_SERVER_COMPILE_INTERNAL_H
#define EUCC_SERVER_COMPILE_INTERNAL_H

#include <stddef.h>

#include "compile.h"
#include "sandbox.h"

/* Where things are inside the sandbox. */
#define SANDBOX_SRC	"/job/src"
#define SANDBOX_OUT	"/job/out"
#define SANDBOX_INC	"/eucc/include"
#define SANDBOX_VMLINUX SANDBOX_INC "/vmlinux.h"
#define SANDBOX_PCH	SANDBOX_INC "/vmlinux.h.pch"
#define SANDBOX_PCH_SRC SANDBOX_INC "/vmlinux.pch.h" /* what the PCH is made from */
#define SANDBOX_OBJ	SANDBOX_OUT "/obj.o"
#define SANDBOX_PRE	SANDBOX_OUT "/pre.i"
#define SANDBOX_DIAG	SANDBOX_OUT "/diag.dia"
#define SANDBOX_LIBBPF	"/eucc/libbpf" /* the toolchain's libbpf headers: bpf/... */
#define SANDBOX_UAPI	"/eucc/uapi"   /* the target arch's UAPI headers: asm/... */

/* ---- running commands (compile_exec.c) ---------------------------------------------------- */

#define INFO_FD	   3 /* bwrap --info-fd: {"child-pid": N}, the sandbox's init */
#define STDERR_MAX (64 * 1024)

struct run_result {
	int status;	      /* wait status */
	bool timed_out;	      /* killed at the wall-clock limit */
	uint64_t cpu_ms;      /* user + system of the whole tree */
	char out[STDERR_MAX]; /* stdout and stderr, the first STDERR_MAX - 1 bytes */
	size_t outlen;
};

/*
 * Run argv[0] (an absolute path) with @lim (NULL: none) for at most @wall_s seconds, stdout
 * and stderr collected. With @bwrap_info, fd 3 of the command is a pipe for bwrap's --info-fd.
 */
int run_limited(char *const argv[], const struct sandbox_limits *lim, unsigned int wall_s,
		bool bwrap_info, struct run_result *rr);

/*
 * Run @sp for at most @wall_s seconds: in a warm tool when @preload is given and one takes
 * it (*warm), else with bwrap. 0 once it ran (its status in @rr), or a negative errno.
 */
int run_sandboxed(const struct sandbox_spec *sp, const char *preload, unsigned int wall_s,
		  struct run_result *rr, bool *warm);

/*
 * A growable array of diagnostics: at most COMPILE_MAX_DIAGS, and past them up to
 * COMPILE_MAX_DIAG_ERRORS more errors (so that a flood of warnings never hides why a compile
 * failed; clang itself stops after 20 errors). Any other add past the cap is counted in
 * dropped and answered -ENOSPC.
 */
#define COMPILE_MAX_DIAGS	1000
#define COMPILE_MAX_DIAG_ERRORS 64

struct diag_list {
	struct compile_diag *v;
	size_t n, cap;
	size_t dropped;
};

/* A new diagnostic of @severity ("error", "warning" ...) at the end of @l, zeroed. */
int diag_list_add(struct diag_list *l, const char *severity, struct compile_diag **out);

/*
 * Map a file name as clang saw it in the sandbox to what a user may see: "/job/src/P" and a
 * relative "P" -> "P", the server's vmlinux.h -> "vmlinux.h", "/usr/include/P", the libbpf
 * and UAPI headers' "/eucc/libbpf/P" and "/eucc/uapi/P" -> "P",
 * anything else -> its basename, or "<system>" when even that is odd.
 */
void compile_map_path(const char *in, char *out, size_t size);

/* Rewrite sandbox paths inside free text (messages, clang's stderr) in place. */
void compile_scrub_text(char *s);

/* Read clang's serialized diagnostics (notes after their parent). -ENOENT, -EINVAL if bad. */
int compile_diag_load(const char *dia_path, struct diag_list *out);

/*
 * Fallback when there is no usable diag.dia: "file:line:col: severity: message" and
 * "clang: error: message" lines of clang's stderr. Returns the number added.
 */
size_t compile_diag_from_stderr(const char *text, struct diag_list *out);
/* The BPF backend's own errors ("Error at line N: ..."), which only reach stderr. */
size_t compile_diag_backend(const char *text, const char *main, struct diag_list *out);

/* Run @argv (no sandbox, no limits but 30 s): the first line of its output, or -EIO. */
int compile_command_line(char *const argv[], char *line, size_t size);

/* A path from a request: relative, [A-Za-z0-9._+-/], no "", "." or ".." component. */
int compile_path_check(const char *path, const char **why);

#endif
