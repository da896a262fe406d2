/* SPDX-License-Identifier: Apache-2.0 */
/* What the server and the preload library of warm tools say to each other. */
#ifndef EUCC_SERVER_SANDBOX_INTERNAL_H
#define EUCC_SERVER_SANDBOX_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The tool's end of its socketpair with the server (SOCK_SEQPACKET): fd number, in this env. */
#define WARM_ENV_FD "EUCC_WARM_FD"
#define WARM_FD	    3

/*
 * server -> tool: one message per job, the spec's wire form, with two fds (SCM_RIGHTS): the
 * job's stdout/stderr and /dev/null. tool -> server: these replies; STARTED carries the job's
 * pidfd. A tool runs one job at a time: READY once, then STARTED (or FAILED) and ENDED per job.
 */
enum warm_reply_kind {
	WARM_READY = 1,	  /* the tool is loaded and waits for jobs */
	WARM_STARTED = 2, /* pid: the job's pid as the server sees it */
	WARM_FAILED = 3,  /* err: why no job was started (clone3, a bad message) */
	WARM_ENDED = 4,	  /* status (wait status), cpu_ms */
};

struct warm_reply {
	int32_t kind;
	int32_t err; /* positive errno */
	int32_t pid;
	int32_t status;
	uint64_t cpu_ms;
};

/* At most this many fds travel with one message. */
#define WARM_MSG_FDS 2

/* Send @buf with @nfds fds: 0, -EPIPE when the peer took less (or is gone), -errno. */
int warm_msg_send(int sock, const void *buf, size_t len, const int *fds, size_t nfds);
/*
 * One message into @buf and its fds (close-on-exec) into fds[0..max), the fds past @max
 * closed; *nfds says how many were kept (the caller closes them). Its length (0 at the
 * peer's end), -EMSGSIZE for a message or fds cut short, -errno.
 */
ssize_t warm_msg_recv(int sock, void *buf, size_t size, int *fds, size_t max, size_t *nfds);

#endif
