/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Warm tools, the server's side: a pool of tool processes started with the preload library,
 * per binary, each running one job at a time (sandbox.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sandbox.h"
#include "sandbox_internal.h"

#define START_TIMEOUT_MS 20000 /* a tool's loading, on a loaded machine */
#define REPLY_TIMEOUT_MS 10000 /* STARTED after a job was sent */
#define KILL_GRACE_MS	 5000  /* ENDED after the job was killed */
#define BINARIES_MAX	 32

struct warm_tool {
	pid_t pid;
	int sock;
	size_t binary; /* index in binaries[] */
	struct warm_tool *next;
};

/* What the pool knows of a binary: its idle tools, how many run, whether warm works for it. */
struct binary_state {
	char path[PATH_MAX];
	struct warm_tool *idle;
	unsigned int running;
	bool broken;
};

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static struct binary_state binaries[BINARIES_MAX];
static size_t nbinaries;
static struct sandbox_warm_stats stats; /* under pool_lock */

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The slot of @path, made if new; BINARIES_MAX if the table is full. Under pool_lock. */
static size_t binary_slot(const char *path)
{
	for (size_t i = 0; i < nbinaries; i++)
		if (!strcmp(binaries[i].path, path))
			return i;
	if (nbinaries == BINARIES_MAX || strlen(path) >= PATH_MAX)
		return BINARIES_MAX;
	snprintf(binaries[nbinaries].path, PATH_MAX, "%s", path);
	return nbinaries++;
}

static void tool_stop(struct warm_tool *t)
{
	if (!t)
		return;
	close(t->sock);
	kill(t->pid, SIGKILL);
	while (waitpid(t->pid, NULL, 0) < 0 && errno == EINTR)
		;
	free(t);
}

/* One reply within @timeout_ms, with its fd if it carries one; -ETIMEDOUT, -EPIPE at EOF. */
static int read_reply(int sock, int timeout_ms, struct warm_reply *r, int *fd)
{
	struct pollfd p = {.fd = sock, .events = POLLIN};
	uint64_t until = now_ms() + (uint64_t)timeout_ms;
	size_t nfds;
	int got = -1;
	ssize_t n;

	if (fd)
		*fd = -1;
	for (;;) {
		uint64_t now = now_ms();
		int pr;

		if (now >= until)
			return -ETIMEDOUT;
		pr = poll(&p, 1, (int)(until - now));
		if (pr > 0)
			break;
		if (pr < 0 && errno != EINTR)
			return -errno;
	}
	n = warm_msg_recv(sock, r, sizeof(*r), &got, 1, &nfds);
	if (nfds && (!fd || n != (ssize_t)sizeof(*r)))
		close(got);
	else if (nfds)
		*fd = got;
	if (n < 0 && n != -EMSGSIZE)
		return (int)n;
	return n == (ssize_t)sizeof(*r) ? 0 : -EPIPE;
}

/*
 * In the forked child of a threaded server: the tool with its environment made before the
 * fork (@env_preload "LD_PRELOAD=..."), fd 3 its socket. Only async-signal-safe calls.
 */
static void __attribute__((noreturn)) tool_exec(const char *binary, char *env_preload, int sock)
{
	char *const argv[] = {(char *)binary, NULL};
	char *const envp[] = {env_preload, WARM_ENV_FD "=3", SANDBOX_ENV_PATH, SANDBOX_ENV_LANG,
			      NULL};
	int devnull = open("/dev/null", O_RDWR);
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(devnull, 1) < 0 || dup2(devnull, 2) < 0)
		_exit(127);
	/* already fd 3: dup2 would keep its close-on-exec flag */
	if ((sock == WARM_FD ? fcntl(sock, F_SETFD, 0) : dup2(sock, WARM_FD)) < 0)
		_exit(127);
	close_range(WARM_FD + 1, ~0U, 0);
	execve(binary, argv, envp);
	_exit(127);
}

/* A new tool of @b, READY; NULL if it did not come up. */
static struct warm_tool *tool_start(size_t b, const char *preload)
{
	struct warm_tool *t = calloc(1, sizeof(*t));
	char env_preload[PATH_MAX + 16];
	struct warm_reply r;
	int sv[2];

	snprintf(env_preload, sizeof(env_preload), "LD_PRELOAD=%s", preload);
	if (!t || socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv)) {
		free(t);
		return NULL;
	}
	t->binary = b;
	t->sock = sv[0];
	t->pid = fork();
	if (t->pid == 0)
		tool_exec(binaries[b].path, env_preload, sv[1]);
	close(sv[1]);
	if (t->pid < 0) {
		close(sv[0]);
		free(t);
		return NULL;
	}
	if (read_reply(t->sock, START_TIMEOUT_MS, &r, NULL) || r.kind != WARM_READY) {
		tool_stop(t);
		return NULL;
	}
	return t;
}

/* An idle tool of @binary, or a new one; NULL: run it cold. */
static struct warm_tool *tool_get(const char *binary, const char *preload)
{
	struct warm_tool *t = NULL;
	size_t b;

	pthread_mutex_lock(&pool_lock);
	b = binary_slot(binary);
	if (b == BINARIES_MAX || binaries[b].broken ||
	    (!binaries[b].idle && binaries[b].running >= SANDBOX_WARM_MAX)) {
		pthread_mutex_unlock(&pool_lock);
		return NULL;
	}
	t = binaries[b].idle;
	if (t)
		binaries[b].idle = t->next;
	binaries[b].running++;
	pthread_mutex_unlock(&pool_lock);
	if (!t) {
		t = tool_start(b, preload);
		pthread_mutex_lock(&pool_lock);
		if (t) {
			stats.tools_started++;
		} else {
			binaries[b].running--;
			binaries[b].broken = true;
			stats.tools_failed++;
		}
		pthread_mutex_unlock(&pool_lock);
	}
	return t;
}

/* Back to the pool (@ok), or stopped; @broken: warm does not work for this binary. */
static void tool_put(struct warm_tool *t, bool ok, bool broken)
{
	struct binary_state *b = &binaries[t->binary];

	pthread_mutex_lock(&pool_lock);
	b->running--;
	if (broken && !b->broken)
		stats.tools_failed++;
	b->broken |= broken;
	if (ok && !b->broken) {
		t->next = b->idle;
		b->idle = t;
		t = NULL;
	}
	pthread_mutex_unlock(&pool_lock);
	tool_stop(t);
}

static int send_job(struct warm_tool *t, const char *msg, size_t len, int out_fd, int devnull)
{
	int fds[2] = {out_fd, devnull};

	return warm_msg_send(t->sock, msg, len, fds, 2) ? -EPIPE : 0;
}

/*
 * Send the job to @t and read STARTED. 0 with *pidfd; -EPIPE: the tool is gone (it died while
 * idle: another one may take the job); -EAGAIN: it refused the job (t is put back or stopped).
 */
static int start_in(struct warm_tool *t, const char *msg, size_t len, int out_fd, int *pidfd)
{
	struct warm_reply r;
	int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	int ret = devnull < 0 ? -errno : send_job(t, msg, len, out_fd, devnull);

	if (devnull >= 0)
		close(devnull);
	if (!ret)
		ret = read_reply(t->sock, REPLY_TIMEOUT_MS, &r, pidfd);
	if (ret == -EPIPE) {
		tool_put(t, false, false);
		return -EPIPE;
	}
	if (ret || r.kind != WARM_STARTED || *pidfd < 0) {
		/* namespaces refused (a container without user namespaces): bwrap from now on */
		bool broken = !ret && r.kind == WARM_FAILED && r.err != EINVAL && r.err != ENOMEM;

		if (!ret && *pidfd >= 0)
			close(*pidfd);
		tool_put(t, !ret && r.kind == WARM_FAILED, broken);
		return -EAGAIN;
	}
	return 0;
}

int sandbox_warm_start(const struct sandbox_spec *s, const char *preload, int out_fd,
		       struct sandbox_warm_job *job)
{
	struct warm_tool *t = NULL;
	int pidfd = -1, ret;
	char *msg;
	size_t len;

	job->pidfd = -1;
	job->tool = NULL;
	if (!preload || !s->argc)
		return -EAGAIN;
	ret = sandbox_spec_encode(s, &msg, &len);
	if (ret)
		return ret;
	/* an idle tool that died since its last job is stopped and another one tried, once */
	for (int attempt = 0; attempt < 2 && (ret == 0 || ret == -EPIPE); attempt++) {
		t = tool_get(s->argv[0], preload);
		ret = t ? start_in(t, msg, len, out_fd, &pidfd) : -EAGAIN;
		if (!ret)
			break;
	}
	free(msg);
	if (ret)
		return -EAGAIN;
	job->pidfd = pidfd;
	job->tool = t;
	pthread_mutex_lock(&pool_lock);
	stats.warm_runs++;
	pthread_mutex_unlock(&pool_lock);
	return 0;
}

int sandbox_warm_wait(struct sandbox_warm_job *job, uint64_t deadline_ms, bool *timed_out,
		      int *status, uint64_t *cpu_ms)
{
	struct warm_tool *t = job->tool;
	struct warm_reply r = {0};
	uint64_t now = now_ms();
	int ret;

	*timed_out = false;
	ret = read_reply(t->sock, now < deadline_ms ? (int)(deadline_ms - now) : 0, &r, NULL);
	if (ret == -ETIMEDOUT) {
		*timed_out = true;
		pidfd_send_signal(job->pidfd, SIGKILL, NULL, 0);
		ret = read_reply(t->sock, KILL_GRACE_MS, &r, NULL);
	}
	if (!ret && r.kind != WARM_ENDED)
		ret = -EIO;
	if (ret) {
		pidfd_send_signal(job->pidfd, SIGKILL, NULL, 0);
		r.status = SIGKILL; /* as if killed: the tool is stopped, the job with it */
		r.cpu_ms = 0;
	}
	*status = r.status;
	*cpu_ms = r.cpu_ms;
	close(job->pidfd);
	job->pidfd = -1;
	job->tool = NULL;
	tool_put(t, !ret, false);
	return ret ? -EIO : 0;
}

void sandbox_warm_stats(struct sandbox_warm_stats *out)
{
	pthread_mutex_lock(&pool_lock);
	*out = stats;
	pthread_mutex_unlock(&pool_lock);
}

void sandbox_warm_count_cold(void)
{
	pthread_mutex_lock(&pool_lock);
	stats.cold_runs++;
	pthread_mutex_unlock(&pool_lock);
}

void sandbox_warm_stop_all(void)
{
	struct warm_tool *list = NULL;

	pthread_mutex_lock(&pool_lock);
	for (size_t i = 0; i < nbinaries; i++) {
		while (binaries[i].idle) {
			struct warm_tool *t = binaries[i].idle;

			binaries[i].idle = t->next;
			t->next = list;
			list = t;
		}
	}
	pthread_mutex_unlock(&pool_lock);
	while (list) {
		struct warm_tool *t = list;

		list = t->next;
		tool_stop(t);
	}
}
