/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The compile sandbox as data: what a sandboxed command sees (read-only binds, one writable
 * dir, symlinks, a minimal /dev, an empty /tmp), its working dir, its rlimits and its argv.
 * One spec, two ways to run it (docs/security.md "Sandbox"):
 *  - bwrap: sandbox_spec_bwrap_argv renders the spec as a bubblewrap command line;
 *  - warm: a "warm tool" is the command's own binary (clang) started once with
 *    libeucc-warm.so preloaded; it stops before main and, per job, forks a child into new
 *    user, mount, pid, network, IPC, UTS and cgroup namespaces, builds the same view there
 *    (sandbox_enter), drops every capability, sets the rlimits and only then runs main. The
 *    dynamic loading and static initialization of LLVM (about 25 ms a start) are paid once.
 * Both give uid and gid 65534, no network, no capabilities, a new session, no /proc.
 */
#ifndef EUCC_SERVER_SANDBOX_H
#define EUCC_SERVER_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum sandbox_op {
	SANDBOX_RO_BIND = 'r',	   /* host path -> sandbox path, read-only */
	SANDBOX_RO_BIND_TRY = 't', /* the same, nothing if the host path is missing */
	SANDBOX_BIND = 'w',	   /* host dir -> sandbox dir, writable */
	SANDBOX_SYMLINK = 'l',	   /* target -> sandbox path */
	SANDBOX_DEV = 'd',	   /* null, zero, full, random, urandom at the sandbox path */
	SANDBOX_TMPFS = 'm',	   /* an empty tmpfs at the sandbox path */
};

struct sandbox_mount {
	enum sandbox_op op;
	char *src; /* host path or symlink target; NULL for DEV and TMPFS */
	char *dst; /* absolute path inside */
};

/* rlimits of the command; 0: none of that kind (RLIMIT_CORE is always 0) */
struct sandbox_limits {
	uint64_t cpu_seconds; /* RLIMIT_CPU soft (hard: +2) */
	uint64_t as_bytes;    /* RLIMIT_AS */
	uint64_t fsize_bytes; /* RLIMIT_FSIZE */
	uint64_t nproc;	      /* RLIMIT_NPROC */
};

struct sandbox_spec {
	struct sandbox_mount *mounts;
	size_t nmounts, cap;
	char *chdir; /* inside; NULL: / */
	char **argv; /* argv[0]: an absolute path, the same inside and out */
	size_t argc, argv_cap;
	struct sandbox_limits limits;
	bool oom; /* an add failed: every use refuses the spec (-ENOMEM) */
};

/* The uid and gid inside, the environment of the command. */
#define SANDBOX_ID	 65534
#define SANDBOX_ENV_PATH "PATH=/usr/bin:/bin"
#define SANDBOX_ENV_LANG "LC_ALL=C"

/* Set @l on the calling process (0 fields: none of that kind; no core dumps). Only
 * async-signal-safe calls: for a forked child before it execs. 0 or a negative errno. */
int sandbox_limits_apply(const struct sandbox_limits *l);

void sandbox_spec_mount(struct sandbox_spec *s, enum sandbox_op op, const char *src,
			const char *dst);
void sandbox_spec_arg(struct sandbox_spec *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void sandbox_spec_chdir(struct sandbox_spec *s, const char *dir);
void sandbox_spec_free(struct sandbox_spec *s);

/*
 * The bwrap command line of @s (bwrap at @bwrap, with --info-fd @info_fd), NULL-terminated,
 * malloc'd strings in a malloc'd array (sandbox_argv_free). The rlimits are not in it: the
 * caller sets them on bwrap, whose children inherit them. -ENOMEM.
 */
int sandbox_spec_bwrap_argv(const struct sandbox_spec *s, const char *bwrap, int info_fd,
			    char ***argv);
void sandbox_argv_free(char **argv);

/*
 * The wire form of a spec (NUL-separated fields), as the server sends it to a warm tool, and
 * back. encode: malloc'd *buf; -E2BIG past SANDBOX_MSG_MAX. decode: the spec's strings point
 * into @buf (keep it while the spec is used; free only the arrays with sandbox_spec_free_view);
 * -EINVAL for anything malformed.
 */
#define SANDBOX_MSG_MAX (60 * 1024)
int sandbox_spec_encode(const struct sandbox_spec *s, char **buf, size_t *len);
int sandbox_spec_decode(char *buf, size_t len, struct sandbox_spec *s);
void sandbox_spec_free_view(struct sandbox_spec *s);

/*
 * Build @s's view in the calling process, which clone3 has just put into new namespaces
 * (user, mount, pid, net, ipc, uts, cgroup) and which has no other thread: map @outer_uid and
 * @outer_gid to SANDBOX_ID, mount, pivot into the new root, chdir, set the rlimits, drop
 * every capability, no new privileges. Returns 0 or a negative errno with *step naming what
 * failed ("pivot_root"). Async-signal-safe only as far as its mallocs go: call it in a child
 * of a single-threaded process.
 */
int sandbox_enter(const struct sandbox_spec *s, uid_t outer_uid, gid_t outer_gid,
		  const char **step);

/* ---- warm tools (server side) ---------------------------------------------------------- */

struct warm_tool;

/* A started job in a warm tool: its pidfd (pid 1 of the job's pid namespace: killing it ends
 * every process of the job) and the tool that waits for it. */
struct sandbox_warm_job {
	int pidfd;
	struct warm_tool *tool;
};

/*
 * Start @s in a warm tool of s->argv[0] (started with the preload library @preload on first
 * use, then kept: one per concurrent job, up to SANDBOX_WARM_MAX per binary), with stdin
 * /dev/null and stdout and stderr @out_fd. -EAGAIN: no warm tool could take it and nothing
 * ran (use bwrap; a binary whose tool does not come up, or whose namespaces cannot be made,
 * is not tried again); other negative errno: the spec could not be sent. On 0, call
 * sandbox_warm_wait exactly once.
 */
#define SANDBOX_WARM_MAX 8
int sandbox_warm_start(const struct sandbox_spec *s, const char *preload, int out_fd,
		       struct sandbox_warm_job *job);

/*
 * Wait for @job until @deadline_ms (CLOCK_MONOTONIC, ms); past it, kill it (*timed_out) and
 * wait for its end. Its wait status and CPU time (user + system). The tool goes back to the
 * pool, or is stopped if it misbehaved (-EIO then).
 */
int sandbox_warm_wait(struct sandbox_warm_job *job, uint64_t deadline_ms, bool *timed_out,
		      int *status, uint64_t *cpu_ms);

/* What the pool did since the process started. */
struct sandbox_warm_stats {
	uint64_t warm_runs;	/* jobs run in a warm tool */
	uint64_t cold_runs;	/* specs that no warm tool took (run_sandboxed counts its bwrap) */
	uint64_t tools_started; /* warm tools that came up */
	uint64_t tools_failed;	/* warm tools that did not come up, or whose namespaces failed */
};

void sandbox_warm_stats(struct sandbox_warm_stats *out);
/* Count a spec run with bwrap (by the caller that fell back). */
void sandbox_warm_count_cold(void);

/* Stop every idle warm tool (a server shutting down; tests). */
void sandbox_warm_stop_all(void);

#endif
