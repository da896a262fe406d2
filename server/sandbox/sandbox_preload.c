/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libeucc-warm.so: preloaded into a tool (clang) that the server starts with
 * EUCC_WARM_FD set. It takes the place of the C library's start of main: once the loader has
 * relocated every library and run the static initializers, the tool waits for jobs on that
 * fd instead of running main; per job it forks a child into new namespaces (clone3), which
 * builds the sandbox (sandbox_enter) and only then runs the tool's main with the job's argv.
 * Without EUCC_WARM_FD the tool runs as if nothing were preloaded.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox.h"
#include "sandbox_internal.h"

typedef int (*main_fn)(int, char **, char **);
typedef int (*start_fn)(main_fn, int, char **, void (*)(void), void (*)(void), void (*)(void),
			void *);

static main_fn tool_main;

static void reply(int sock, const struct warm_reply *r, int fd)
{
	warm_msg_send(sock, r, sizeof(*r), &fd, fd >= 0 ? 1 : 0);
}

/* One job message and its two fds; 0 at the server's end, -1 for a malformed one. */
static ssize_t receive(int sock, char *buf, size_t size, int fds[2])
{
	size_t nfds;
	ssize_t n = warm_msg_recv(sock, buf, size, fds, 2, &nfds);

	if (nfds < 2) {
		if (nfds)
			close(fds[0]);
		fds[0] = fds[1] = -1;
	}
	if (n == 0 || (n < 0 && n != -EMSGSIZE))
		return 0;
	return n < 0 || nfds < 2 ? -1 : n;
}

/*
 * The job's pid 1 once the tool's main runs in its own child: the kernel gives pid 1 of a
 * namespace no signal it has no handler for, so the tool itself would outlive SIGXFSZ and
 * SIGXCPU (and abort()). Reaps what the job leaves and exits as its main process did: a
 * signal S as 128 + S, the way bwrap reports it. The namespace ends with it.
 */
static void __attribute__((noreturn)) job_init(pid_t main_pid)
{
	for (;;) {
		int st;
		pid_t w = wait(&st);

		if (w == main_pid)
			_exit(WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st));
		if (w < 0 && errno != EINTR)
			_exit(126);
	}
}

/* In the job's child: the sandbox, the fds, a clean environment, then the tool's main. */
static void __attribute__((noreturn))
run_job(struct sandbox_spec *s, int out, int devnull, uid_t uid, gid_t gid)
{
	static char pwd[PATH_MAX + 8];
	static char *envp[] = {SANDBOX_ENV_PATH, SANDBOX_ENV_LANG, pwd, NULL};
	extern char **environ;
	const char *step = "";
	sigset_t none;
	pid_t pid;
	int r;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	setsid();
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGXCPU, SIG_DFL);
	signal(SIGXFSZ, SIG_DFL);
	r = sandbox_enter(s, uid, gid, &step);
	if (r) {
		dprintf(out, "sandbox: %s: %s\n", step, strerror(-r));
		_exit(126);
	}
	if (dup2(devnull, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
		_exit(126);
	close_range(3, ~0U, 0);
	snprintf(pwd, sizeof(pwd), "PWD=%s", s->chdir ? s->chdir : "/"); /* as bwrap sets it */
	environ = envp;
	pid = fork();
	if (pid < 0)
		_exit(126);
	if (pid > 0)
		job_init(pid);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	exit(tool_main((int)s->argc, s->argv, envp));
}

static void close_fds(int fds[2])
{
	for (int i = 0; i < 2; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	fds[0] = fds[1] = -1;
}

/* Start one job: its child in new namespaces, STARTED with its pidfd, then ENDED. The fds
 * are closed before the wait: the server sees the end of the output when the job's end. */
static void one_job(int sock, char *buf, size_t len, int fds[2])
{
	struct clone_args args = {.flags = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID |
					   CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS |
					   CLONE_NEWCGROUP | CLONE_PIDFD,
				  .exit_signal = SIGCHLD};
	struct warm_reply r = {.kind = WARM_FAILED};
	uid_t uid = getuid();
	gid_t gid = getgid();
	struct sandbox_spec s;
	struct rusage ru = {0};
	int pidfd = -1, st = 0;
	pid_t pid;

	r.err = -sandbox_spec_decode(buf, len, &s);
	if (r.err) {
		close_fds(fds);
		reply(sock, &r, -1);
		return;
	}
	args.pidfd = (uint64_t)(uintptr_t)&pidfd;
	pid = (pid_t)syscall(SYS_clone3, &args, sizeof(args));
	if (pid == 0)
		run_job(&s, fds[0], fds[1], uid, gid);
	sandbox_spec_free_view(&s);
	close_fds(fds);
	if (pid < 0) {
		r.err = errno;
		reply(sock, &r, -1);
		return;
	}
	r = (struct warm_reply){.kind = WARM_STARTED, .pid = pid};
	reply(sock, &r, pidfd);
	close(pidfd);
	while (wait4(pid, &st, 0, &ru) < 0 && errno == EINTR)
		;
	r = (struct warm_reply){.kind = WARM_ENDED, .status = st};
	r.cpu_ms = (uint64_t)ru.ru_utime.tv_sec * 1000 + (uint64_t)ru.ru_utime.tv_usec / 1000 +
		   (uint64_t)ru.ru_stime.tv_sec * 1000 + (uint64_t)ru.ru_stime.tv_usec / 1000;
	reply(sock, &r, -1);
}

static int serve(int sock)
{
	struct warm_reply ready = {.kind = WARM_READY, .pid = getpid()};
	char *buf = malloc(SANDBOX_MSG_MAX + 1);
	int fds[2];
	ssize_t n;

	if (!buf)
		return 1;
	reply(sock, &ready, -1);
	while ((n = receive(sock, buf, SANDBOX_MSG_MAX + 1, fds)) != 0) {
		if (n < 0 || n > SANDBOX_MSG_MAX) {
			struct warm_reply r = {.kind = WARM_FAILED, .err = EINVAL};

			close_fds(fds);
			reply(sock, &r, -1);
			continue;
		}
		one_job(sock, buf, (size_t)n, fds);
	}
	free(buf);
	return 0;
}

static int warm_main(int argc, char **argv, char **envp)
{
	const char *fd = getenv(WARM_ENV_FD);

	if (!fd || strcmp(fd, "3"))
		return tool_main(argc, argv, envp);
	unsetenv(WARM_ENV_FD);
	unsetenv("LD_PRELOAD");
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	return serve(WARM_FD);
}

__attribute__((visibility("default"))) int __libc_start_main(main_fn main, int argc, char **argv,
							     void (*init)(void), void (*fini)(void),
							     void (*rtld_fini)(void),
							     void *stack_end)
{
	start_fn start = (start_fn)dlsym(RTLD_NEXT, "__libc_start_main");

	tool_main = main;
	return start(warm_main, argc, argv, init, fini, rtld_fini, stack_end);
}
