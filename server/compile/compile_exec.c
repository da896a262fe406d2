/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Running a command: with rlimits and a wall-clock deadline (run_limited), and a sandbox spec
 * in a warm tool or, when none can take it, in bwrap (run_sandboxed). Either way the whole
 * process tree of the job is gone when these return.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "compile_internal.h"

static uint64_t now_ms(void)
{
	return eucc_now_ns() / EUCC_NS_PER_MS;
}

/* ---- a command with limits and a deadline ------------------------------------------------ */

#define INFO_FD 3 /* bwrap --info-fd: {"child-pid": N}, the sandbox's init */

/* What the parent watches while the command runs. */
struct run_watch {
	pid_t pid;	/* bwrap (or the command) */
	int out_fd;	/* its stdout and stderr */
	int info_fd;	/* bwrap's --info-fd, or -1 */
	int init_pidfd; /* the sandbox's init, once known, or -1 */
	char info[256];
	size_t infolen;
};

/* In the child, before exec: only async-signal-safe calls. */

/* In the child, before exec: only async-signal-safe calls. */
static void __attribute__((noreturn))
child_exec(char *const argv[], const struct sandbox_limits *lim, int devnull, int out, int info)
{
	static char *const envp[] = {"PATH=/usr/bin:/bin", "LC_ALL=C", NULL};
	sigset_t none;

	setpgid(0, 0);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGXCPU, SIG_DFL);
	signal(SIGXFSZ, SIG_DFL);
	if (dup2(devnull, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
		_exit(126);
	if (info >= 0 && (info == INFO_FD ? fcntl(info, F_SETFD, 0) : dup2(info, INFO_FD)) < 0)
		_exit(126);
	close_range(info >= 0 ? INFO_FD + 1 : INFO_FD, ~0U, 0);
	if (lim)
		sandbox_limits_apply(lim);
	execve(argv[0], argv, envp);
	_exit(127);
}

/* A pidfd for the sandbox's init, once bwrap told its pid and it is still bwrap's child. */
static int init_pidfd(const char *info, pid_t bwrap)
{
	const char *p = strstr(info, "\"child-pid\"");
	char path[64], status[2048], *pp;
	long pid;
	ssize_t n;
	int fd, sfd;

	if (!p || !(p = strchr(p, ':')) || (pid = strtol(p + 1, NULL, 10)) <= 1)
		return -1;
	fd = pidfd_open((pid_t)pid, 0);
	if (fd < 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/%ld/status", pid);
	sfd = open(path, O_RDONLY | O_CLOEXEC);
	n = sfd < 0 ? -1 : read(sfd, status, sizeof(status) - 1);
	if (sfd >= 0)
		close(sfd);
	status[n > 0 ? n : 0] = '\0';
	pp = strstr(status, "\nPPid:");
	if (!pp || strtol(pp + 7, NULL, 10) != bwrap) { /* not ours: the pid was reused */
		close(fd);
		return -1;
	}
	return fd;
}

/* Read from @fd into @buf (at most @size - 1 bytes kept); false at EOF or error. */
static bool drain(int fd, char *buf, size_t size, size_t *len)
{
	char tmp[4096];
	ssize_t n = read(fd, tmp, sizeof(tmp));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0)
		return false;
	if (*len + (size_t)n >= size)
		n = (ssize_t)(size - 1 - *len);
	memcpy(buf + *len, tmp, (size_t)n);
	*len += (size_t)n;
	buf[*len] = '\0';
	return true;
}

/* Read the command's output (and bwrap's info) until EOF or the deadline. */
static void collect_output(struct run_watch *w, uint64_t deadline, struct run_result *rr)
{
	for (;;) {
		struct pollfd pfd[2] = {{.fd = w->out_fd, .events = POLLIN},
					{.fd = w->info_fd, .events = POLLIN}};
		uint64_t now = now_ms();

		if (now >= deadline) {
			rr->timed_out = true;
			return;
		}
		if (poll(pfd, w->info_fd >= 0 ? 2 : 1, (int)(deadline - now)) <= 0)
			continue; /* EINTR or the deadline, checked above */
		if (w->info_fd >= 0 && pfd[1].revents &&
		    !drain(w->info_fd, w->info, sizeof(w->info), &w->infolen)) {
			close(w->info_fd);
			w->info_fd = -1;
			w->init_pidfd = init_pidfd(w->info, w->pid);
		}
		if (pfd[0].revents && !drain(w->out_fd, rr->out, sizeof(rr->out), &rr->outlen))
			return;
	}
}

static bool reaped(pid_t pid, uint64_t until, struct run_result *rr, struct rusage *ru)
{
	for (;;) {
		pid_t r = wait4(pid, &rr->status, WNOHANG, ru);

		if (r == pid || (r < 0 && errno != EINTR))
			return true;
		if (now_ms() >= until)
			return false;
		nanosleep(&(struct timespec){0, 2 * 1000 * 1000}, NULL);
	}
}

/*
 * Wait for the command until the deadline. Then kill the sandbox's init: the kernel kills
 * every process of its pid namespace and init exits only when they are gone, then bwrap
 * exits. So once bwrap is reaped, nothing of the job runs. Without init: kill bwrap's group.
 */
static void reap(struct run_watch *w, uint64_t deadline, struct run_result *rr)
{
	struct rusage ru = {0};

	if (!rr->timed_out && !reaped(w->pid, deadline, rr, &ru))
		rr->timed_out = true;
	if (rr->timed_out) {
		if (w->init_pidfd >= 0)
			pidfd_send_signal(w->init_pidfd, SIGKILL, NULL, 0);
		if (w->init_pidfd < 0 || !reaped(w->pid, now_ms() + 5000, rr, &ru)) {
			kill(-w->pid, SIGKILL);
			kill(w->pid, SIGKILL);
			while (wait4(w->pid, &rr->status, 0, &ru) < 0 && errno == EINTR)
				;
		}
	}
	rr->cpu_ms = (uint64_t)ru.ru_utime.tv_sec * 1000 + (uint64_t)ru.ru_utime.tv_usec / 1000 +
		     (uint64_t)ru.ru_stime.tv_sec * 1000 + (uint64_t)ru.ru_stime.tv_usec / 1000;
}

static void watch_close(struct run_watch *w)
{
	if (w->out_fd >= 0)
		close(w->out_fd);
	if (w->info_fd >= 0)
		close(w->info_fd);
	if (w->init_pidfd >= 0)
		close(w->init_pidfd);
}

static void run_result_reset(struct run_result *rr)
{
	memset(rr, 0, offsetof(struct run_result, out));
	rr->out[0] = '\0';
	rr->outlen = 0;
}

int run_limited(char *const argv[], const struct sandbox_limits *lim, unsigned int wall_s,
		bool bwrap_info, struct run_result *rr)
{
	uint64_t deadline = now_ms() + (uint64_t)wall_s * 1000;
	struct run_watch w = {.out_fd = -1, .info_fd = -1, .init_pidfd = -1};
	int out[2], info[2] = {-1, -1}, devnull, r = 0;

	run_result_reset(rr);
	devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (devnull < 0)
		return -errno;
	if (pipe2(out, O_CLOEXEC)) {
		r = -errno;
		close(devnull);
		return r;
	}
	if (bwrap_info && pipe2(info, O_CLOEXEC)) {
		r = -errno;
		close(devnull);
		close(out[0]);
		close(out[1]);
		return r;
	}
	w.pid = fork();
	if (w.pid == 0)
		child_exec(argv, lim, devnull, out[1], info[1]);
	if (w.pid < 0)
		r = -errno;
	close(devnull);
	close(out[1]);
	if (info[1] >= 0)
		close(info[1]);
	w.out_fd = out[0];
	w.info_fd = info[0];
	if (!r) {
		collect_output(&w, deadline, rr);
		reap(&w, deadline, rr);
	}
	watch_close(&w);
	return r;
}

/* ---- a sandbox spec ------------------------------------------------------------------- */

/* The job in a warm tool: its output until EOF or the deadline, then its end. -EAGAIN: no
 * warm tool took it, nothing ran. */
static int run_warm(const struct sandbox_spec *sp, const char *preload, uint64_t deadline,
		    struct run_result *rr)
{
	struct run_watch w = {.pid = -1, .out_fd = -1, .info_fd = -1, .init_pidfd = -1};
	struct sandbox_warm_job job;
	int out[2], r;

	if (pipe2(out, O_CLOEXEC))
		return -errno;
	r = sandbox_warm_start(sp, preload, out[1], &job);
	close(out[1]);
	if (r) {
		close(out[0]);
		return r;
	}
	w.out_fd = out[0];
	collect_output(&w, deadline, rr);
	r = sandbox_warm_wait(&job, rr->timed_out ? 0 : deadline, &rr->timed_out, &rr->status,
			      &rr->cpu_ms);
	watch_close(&w);
	return r;
}

int run_sandboxed(const struct sandbox_spec *sp, const char *preload, unsigned int wall_s,
		  struct run_result *rr, bool *warm)
{
	char **argv;
	int r;

	run_result_reset(rr);
	*warm = false;
	if (sp->oom)
		return -ENOMEM;
	if (preload) {
		r = run_warm(sp, preload, now_ms() + (uint64_t)wall_s * 1000, rr);
		if (r != -EAGAIN) {
			*warm = !r;
			return r;
		}
		run_result_reset(rr);
	}
	sandbox_warm_count_cold();
	r = sandbox_spec_bwrap_argv(sp, EUCC_BWRAP, INFO_FD, &argv);
	if (!r)
		r = run_limited(argv, &sp->limits, wall_s, true, rr);
	sandbox_argv_free(argv);
	return r;
}
