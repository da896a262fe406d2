/* SPDX-License-Identifier: Apache-2.0 */
/*
 * compile_run: the job dir, clang for the BPF target in a bubblewrap sandbox with rlimits and
 * a wall-clock limit, llvm-strip -g, the object and the diagnostics (docs/security.md).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "btfhub.h"
#include "compile_internal.h"

#define BWRAP_PATH    EUCC_BWRAP
#define STDERR_MAX    (64 * 1024)
#define DEF_CPU_S     30
#define DEF_WALL_S    60
#define DEF_MEMORY    ((uint64_t)2 << 30)
#define DEF_OUTPUT    ((uint64_t)64 << 20)
#define SANDBOX_NPROC 1024
#define SANDBOX_UID   "65534"

struct argv_buf {
	char **v;
	size_t n, cap;
	bool oom;
};

static void argv_add(struct argv_buf *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void argv_add(struct argv_buf *a, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (a->n + 2 > a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 64;
		char **v = realloc(a->v, cap * sizeof(*v));

		if (!v) {
			a->oom = true;
			return;
		}
		a->v = v;
		a->cap = cap;
	}
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0) {
		a->oom = true;
		s = NULL;
	}
	va_end(ap);
	if (s) {
		a->v[a->n++] = s;
		a->v[a->n] = NULL;
	}
}

static void argv_free(struct argv_buf *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
	memset(a, 0, sizeof(*a));
}

static uint64_t now_ms(void)
{
	return eucc_now_ns() / EUCC_NS_PER_MS;
}

/* ---- running a command with limits and a deadline --------------------------------------- */

#define INFO_FD 3 /* bwrap --info-fd: {"child-pid": N}, the sandbox's init */

struct run_result {
	int status;	      /* from wait4 */
	bool timed_out;	      /* killed at the wall-clock limit */
	uint64_t cpu_ms;      /* user + system of the whole tree */
	char out[STDERR_MAX]; /* stdout and stderr, the first STDERR_MAX - 1 bytes */
	size_t outlen;
};

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
static void child_limits(const struct compile_limits *lim)
{
	struct rlimit cpu = {lim->cpu_seconds, lim->cpu_seconds + 2};
	struct rlimit as = {lim->memory_bytes, lim->memory_bytes};
	struct rlimit fsize = {lim->output_bytes, lim->output_bytes};
	struct rlimit nproc = {SANDBOX_NPROC, SANDBOX_NPROC};
	struct rlimit core = {0, 0};

	setrlimit(RLIMIT_CPU, &cpu);
	setrlimit(RLIMIT_AS, &as);
	setrlimit(RLIMIT_FSIZE, &fsize);
	setrlimit(RLIMIT_NPROC, &nproc);
	setrlimit(RLIMIT_CORE, &core);
}

static void __attribute__((noreturn))
child_exec(char *const argv[], const struct compile_limits *lim, int devnull, int out, int info)
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
		child_limits(lim);
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

/*
 * Run argv[0] (an absolute path) with @lim (NULL: none) for at most @wall_s seconds. With
 * @bwrap_info, fd 3 of the command is a pipe for bwrap's --info-fd.
 */
static int run_limited(char *const argv[], const struct compile_limits *lim, unsigned int wall_s,
		       bool bwrap_info, struct run_result *rr)
{
	uint64_t deadline = now_ms() + (uint64_t)wall_s * 1000;
	struct run_watch w = {.out_fd = -1, .info_fd = -1, .init_pidfd = -1};
	int out[2], info[2] = {-1, -1}, devnull, r = 0;

	memset(rr, 0, offsetof(struct run_result, out));
	rr->out[0] = '\0';
	rr->outlen = 0;
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

/* ---- the sandbox ------------------------------------------------------------------------ */

/* The job's toolchain (the default when it names none). */
static int job_toolchain(const struct compile_job *job, const struct compile_toolchain **tc,
			 struct eucc_error *err)
{
	*tc = job->toolchain;
	return *tc ? 0 : compile_toolchain_find(NULL, tc, err);
}

/* /lib, /lib64, /bin ... as on the host: the same symlink (merged /usr) or a read-only bind. */
static void add_root_dirs(struct argv_buf *a)
{
	static const char *const dirs[] = {"/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"};
	char target[PATH_MAX];
	struct stat st;

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		ssize_t n;

		if (lstat(dirs[i], &st))
			continue;
		if (S_ISLNK(st.st_mode) &&
		    (n = readlink(dirs[i], target, sizeof(target) - 1)) > 0) {
			target[n] = '\0';
			argv_add(a, "--symlink");
			argv_add(a, "%s", target);
			argv_add(a, "%s", dirs[i]);
		} else if (S_ISDIR(st.st_mode)) {
			argv_add(a, "--ro-bind");
			argv_add(a, "%s", dirs[i]);
			argv_add(a, "%s", dirs[i]);
		}
	}
}

/*
 * The file a PCH is made from: vmlinux.h with BTF_HEADER_PCH_MACRO defined, so that the PCH holds
 * the types and not the kfunc declarations (btfhub.h, btf_header_write_kfuncs), which the
 * program's own #include of vmlinux.h then makes. Made with -fno-pch-timestamp, so that the same
 * text in every job dir is the same input to clang.
 */
#define PCH_SOURCE "vmlinux.pch.h"
static const char pch_source[] = "#define " BTF_HEADER_PCH_MACRO "\n#include \"vmlinux.h\"\n"
				 "#undef " BTF_HEADER_PCH_MACRO "\n";

/* (normalized arch, -D__TARGET_ARCH_ value, Debian multiarch triplet of its UAPI headers) */
static const char *const arch_map[][3] = {
    {"x86_64", "x86", "x86_64-linux-gnu"},
    {"arm64", "arm64", "aarch64-linux-gnu"},
    {"s390x", "s390", "s390x-linux-gnu"},
    {"ppc64le", "powerpc", "powerpc64le-linux-gnu"},
    {"riscv64", "riscv", "riscv64-linux-gnu"},
    {"loongarch64", "loongarch", "loongarch64-linux-gnu"},
};

/* Column @col of @arch's row of arch_map, or NULL. */
static const char *arch_column(const char *arch, int col)
{
	const char *norm = arch_normalize(arch ? arch : arch_host());

	for (size_t i = 0; norm && i < sizeof(arch_map) / sizeof(arch_map[0]); i++)
		if (!strcmp(norm, arch_map[i][0]))
			return arch_map[i][col];
	return NULL;
}

/* The target arch's UAPI asm/ headers (linux-libc-dev of that arch), seen as <asm/...>. */
static void add_uapi_asm(const struct compile_job *job, struct argv_buf *a)
{
	const char *triplet = arch_column(job->arch, 2);
	char dir[128];

	if (!triplet)
		return;
	snprintf(dir, sizeof(dir), "/usr/include/%s/asm", triplet);
	if (!fs_is_dir(dir))
		return;
	argv_add(a, "--ro-bind");
	argv_add(a, "%s", dir);
	argv_add(a, SANDBOX_UAPI "/asm");
}

/* bwrap and its options; the command follows. */
static void sandbox_argv(const struct compile_job *job, const struct compile_toolchain *tc,
			 struct argv_buf *a)
{
	/* clang-format off */
	static const char *const fixed[] = {
		BWRAP_PATH, "--info-fd", "3",
		"--unshare-all", "--unshare-user", "--uid", SANDBOX_UID, "--gid", SANDBOX_UID,
		"--cap-drop", "ALL", "--die-with-parent", "--new-session",
		"--clearenv", "--setenv", "PATH", "/usr/bin:/bin", "--setenv", "LC_ALL", "C",
		"--ro-bind", "/usr", "/usr",
		"--ro-bind-try", "/etc/ld.so.cache", "/etc/ld.so.cache",
		"--dev", "/dev", "--tmpfs", "/tmp",
	};
	/* clang-format on */

	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		argv_add(a, "%s", fixed[i]);
	add_root_dirs(a);
	argv_add(a, "--ro-bind");
	argv_add(a, "%s/src", job->workdir);
	argv_add(a, SANDBOX_SRC);
	argv_add(a, "--bind");
	argv_add(a, "%s/out", job->workdir);
	argv_add(a, SANDBOX_OUT);
	argv_add(a, "--ro-bind");
	argv_add(a, "%s", job->vmlinux_h);
	argv_add(a, SANDBOX_VMLINUX);
	if (job->vmlinux_pch) {
		argv_add(a, "--ro-bind");
		argv_add(a, "%s", job->vmlinux_pch);
		argv_add(a, SANDBOX_PCH);
	}
	if (job->eucc_include) {
		argv_add(a, "--ro-bind");
		argv_add(a, "%s", job->eucc_include);
		argv_add(a, SANDBOX_INC "/eucc");
	}
	argv_add(a, "--ro-bind");
	argv_add(a, "%s/" PCH_SOURCE, job->workdir);
	argv_add(a, SANDBOX_PCH_SRC);
	argv_add(a, "--ro-bind");
	argv_add(a, "%s", tc->libbpf_dir);
	argv_add(a, SANDBOX_LIBBPF);
	add_uapi_asm(job, a);
	argv_add(a, "--remount-ro");
	argv_add(a, "/");
	argv_add(a, "--chdir");
	argv_add(a, SANDBOX_SRC);
	argv_add(a, "--");
}

/*
 * Angle-bracket includes: the user's -I dirs first (a libbpf of their own), then the server's
 * (vmlinux.h, <eucc/...>), the toolchain's libbpf headers, clang's and /usr/include, and last
 * the target arch's UAPI asm/ headers.
 */
static void clang_argv(const struct compile_job *job, const struct compile_toolchain *tc,
		       const char *tarch, struct argv_buf *a)
{
	argv_add(a, "%s", tc->clang);
	argv_add(a, "-target");
	argv_add(a, "bpf");
	argv_add(a, "-O2");
	argv_add(a, "-g");
	argv_add(a, "-D__TARGET_ARCH_%s", tarch);
	if (job->vmlinux_pch && !job->preprocess) {
		argv_add(a, "-include-pch");
		argv_add(a, SANDBOX_PCH);
	}
	for (size_t i = 0; i < job->req->ncflags; i++)
		argv_add(a, "%s", job->req->cflags[i]);
	argv_add(a, "-I" SANDBOX_INC);
	argv_add(a, "-I" SANDBOX_LIBBPF);
	argv_add(a, "-idirafter");
	argv_add(a, SANDBOX_UAPI);
	if (job->preprocess) {
		argv_add(a, "-E");
		argv_add(a, "%s", job->req->main);
		argv_add(a, "-o");
		argv_add(a, SANDBOX_PRE);
		return;
	}
	/* Source names in the object's line info relative to the upload, not the sandbox. */
	argv_add(a, "-fdebug-prefix-map=" SANDBOX_SRC "=.");
	argv_add(a, "-fdebug-prefix-map=" SANDBOX_INC "=.");
	argv_add(a, "-fdebug-prefix-map=" SANDBOX_LIBBPF "=.");
	argv_add(a, "-fdebug-prefix-map=" SANDBOX_UAPI "=.");
	argv_add(a, "-fno-color-diagnostics");
	argv_add(a, "-fno-crash-diagnostics"); /* no reproducer run after a crash or a limit */
	argv_add(a, "-serialize-diagnostics");
	argv_add(a, SANDBOX_DIAG);
	argv_add(a, "-c");
	argv_add(a, "%s", job->req->main);
	argv_add(a, "-o");
	argv_add(a, SANDBOX_OBJ);
}

/* ---- the job dir ------------------------------------------------------------------------ */

/* Open (making it) directory @name under @dirfd, never through a symlink. */
static int subdir(int dirfd, const char *name)
{
	if (mkdirat(dirfd, name, 0755) && errno != EEXIST)
		return -errno;
	return openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

/* Write one checked source under @srcfd, making its dirs; an existing file is an error. */
static int write_source(int srcfd, const struct compile_source *s)
{
	char path[PATH_MAX];
	char *name = path, *slash;
	int dirfd = srcfd, fd, r;

	snprintf(path, sizeof(path), "%s", s->path);
	while ((slash = strchr(name, '/'))) {
		*slash = '\0';
		fd = subdir(dirfd, name);
		if (dirfd != srcfd)
			close(dirfd);
		if (fd < 0)
			return fd;
		dirfd = fd;
		name = slash + 1;
	}
	fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	r = fd < 0 ? -errno : fs_write_all(fd, s->data, s->size);
	if (fd >= 0 && close(fd) && !r)
		r = -errno;
	if (dirfd != srcfd)
		close(dirfd);
	return r;
}

static int prepare_workdir(const struct compile_job *job, struct eucc_error *err)
{
	int wfd, srcfd, outfd, fd, r = 0;

	wfd = open(job->workdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (wfd < 0)
		return eucc_error_set(err, -errno, EUCC_E_INTERNAL, "job dir: %s", strerror(errno));
	fd = openat(wfd, PCH_SOURCE, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	r = fd < 0 ? -errno : fs_write_all(fd, pch_source, sizeof(pch_source) - 1);
	if (fd >= 0)
		close(fd);
	if (r) {
		close(wfd);
		return eucc_error_set(err, r, EUCC_E_INTERNAL, "job dir: %s", strerror(-r));
	}
	srcfd = subdir(wfd, "src");
	outfd = subdir(wfd, "out");
	close(wfd);
	if (srcfd < 0 || outfd < 0)
		r = srcfd < 0 ? srcfd : outfd;
	for (size_t i = 0; !r && i < job->req->nsources; i++)
		r = write_source(srcfd, &job->req->sources[i]);
	if (srcfd >= 0)
		close(srcfd);
	if (outfd >= 0)
		close(outfd);
	if (r)
		return eucc_error_set(err, r, EUCC_E_INTERNAL,
				      "writing the sources into the job dir: %s", strerror(-r));
	return 0;
}

/* Read a regular file of the job dir (never through a symlink, never a FIFO). */
static int read_job_file(const struct compile_job *job, const char *name, size_t max, void **buf,
			 size_t *len)
{
	char path[PATH_MAX];
	struct stat st;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/out/%s", job->workdir, name);
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > max) {
		close(fd);
		return -EINVAL;
	}
	*buf = malloc((size_t)st.st_size + 1);
	if (!*buf) {
		close(fd);
		return -ENOMEM;
	}
	n = pread(fd, *buf, (size_t)st.st_size, 0);
	close(fd);
	if (n != st.st_size) {
		free(*buf);
		*buf = NULL;
		return -EIO;
	}
	*len = (size_t)n;
	return 0;
}

/* True if @name in the job's out dir is a regular file (not a symlink). */
static bool job_file_is_regular(const struct compile_job *job, const char *name, char *path,
				size_t size)
{
	struct stat st;

	snprintf(path, size, "%s/out/%s", job->workdir, name);
	return !lstat(path, &st) && S_ISREG(st.st_mode);
}

/* ---- compile_run ------------------------------------------------------------------------ */

static void limits_or_defaults(const struct compile_limits *in, struct compile_limits *out)
{
	out->cpu_seconds = in->cpu_seconds ? in->cpu_seconds : DEF_CPU_S;
	out->wall_seconds = in->wall_seconds ? in->wall_seconds : DEF_WALL_S;
	out->memory_bytes = in->memory_bytes ? in->memory_bytes : DEF_MEMORY;
	out->output_bytes = in->output_bytes ? in->output_bytes : DEF_OUTPUT;
}

static int run_in_sandbox(const struct compile_job *job, const struct compile_limits *lim,
			  struct argv_buf *cmd, struct run_result *rr, struct eucc_error *err)
{
	const struct compile_toolchain *tc;
	struct argv_buf a = {0};
	int r = job_toolchain(job, &tc, err);

	if (r)
		return r;
	sandbox_argv(job, tc, &a);
	for (size_t i = 0; i < cmd->n; i++)
		argv_add(&a, "%s", cmd->v[i]);
	if (a.oom || cmd->oom) {
		argv_free(&a);
		return eucc_error_set(err, -ENOMEM, EUCC_E_INTERNAL, "out of memory");
	}
	r = run_limited(a.v, lim, lim->wall_seconds, true, rr);
	argv_free(&a);
	if (r)
		return eucc_error_set(err, r, EUCC_E_INTERNAL, "starting the sandbox: %s",
				      strerror(-r));
	return 0;
}

/* The signal that ended the command: bwrap reports a killed child as 128 + signal. */
static int end_signal(int status)
{
	if (WIFSIGNALED(status))
		return WTERMSIG(status);
	if (WIFEXITED(status) && WEXITSTATUS(status) > 128)
		return WEXITSTATUS(status) - 128;
	return 0;
}

/* A line of clang's (or the loader's) own that says memory ran out; user text never starts so. */
static bool out_of_memory(const char *text)
{
	static const char *const marks[] = {
	    "LLVM ERROR: out of memory",
	    "terminate called after throwing an instance of 'std::bad_alloc'",
	    "bwrap: ",
	};

	for (const char *l = text; *l; l += strcspn(l, "\n"), l += *l == '\n') {
		for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++)
			if (!strncmp(l, marks[i], strlen(marks[i])) &&
			    (i < 2 || strcasestr(l, "cannot allocate memory")))
				return true;
		if (strstr(l, "error while loading shared libraries") &&
		    (strstr(l, "failed to map segment") || strcasestr(l, "cannot allocate memory")))
			return true;
	}
	return false;
}

/* "600 MiB", or "4.0 KiB" for sizes that are not whole MiB. */
static void size_text(uint64_t bytes, char *buf, size_t size)
{
	if (bytes && !(bytes & ((1 << 20) - 1)))
		snprintf(buf, size, "%llu MiB", (unsigned long long)(bytes >> 20));
	else
		format_size(bytes, buf, size);
}

/* Why clang was stopped by a limit, or false. */
static bool limit_failure(const struct compile_limits *lim, const struct run_result *rr,
			  struct compile_result *res)
{
	int sig = end_signal(rr->status);
	bool failed = !WIFEXITED(rr->status) || WEXITSTATUS(rr->status);
	char size[32];

	if (rr->timed_out) {
		snprintf(res->failure, sizeof(res->failure),
			 "compile killed at the %u s wall-time limit", lim->wall_seconds);
	} else if (sig == SIGXCPU ||
		   (sig == SIGKILL && rr->cpu_ms + 500 >= lim->cpu_seconds * 1000ULL)) {
		snprintf(res->failure, sizeof(res->failure),
			 "compile killed at the %u s CPU-time limit", lim->cpu_seconds);
	} else if (sig == SIGXFSZ) {
		size_text(lim->output_bytes, size, sizeof(size));
		snprintf(res->failure, sizeof(res->failure), "compile output exceeded the %s limit",
			 size);
	} else if (failed && (sig || WEXITSTATUS(rr->status) >= 126) && out_of_memory(rr->out)) {
		size_text(lim->memory_bytes, size, sizeof(size));
		snprintf(res->failure, sizeof(res->failure),
			 "compile exceeded the memory limit (%s)", size);
	}
	return res->failure[0] != '\0';
}

/* First line of clang's output, without sandbox paths. */
static void first_line(const char *text, char *out, size_t size)
{
	snprintf(out, size, "%.*s", (int)strcspn(text, "\n"), text);
	compile_scrub_text(out);
}

/* After clang: limits, diagnostics, or a sandbox that did not start (an error of ours). */
static int judge(const struct compile_job *job, const struct compile_limits *lim,
		 const struct run_result *rr, struct diag_list *diags, struct compile_result *res,
		 struct eucc_error *err)
{
	char path[PATH_MAX];
	bool have_dia = job_file_is_regular(job, "diag.dia", path, sizeof(path));
	int code = WIFEXITED(rr->status) ? WEXITSTATUS(rr->status) : -1;
	int sig = end_signal(rr->status);

	if (have_dia && compile_diag_load(path, diags) == -ENOMEM)
		return eucc_error_set(err, -ENOMEM, EUCC_E_INTERNAL, "out of memory");
	if (limit_failure(lim, rr, res))
		return 0;
	if (!have_dia && (code == 126 || code == 127 || !strncmp(rr->out, "bwrap:", 6))) {
		eucc_warn("compile sandbox failed (exit %d): %s", code, rr->out);
		return eucc_error_set(err, -EIO, EUCC_E_INTERNAL,
				      "the compile sandbox did not start");
	}
	res->ok = code == 0 && job_file_is_regular(job, "obj.o", path, sizeof(path));
	if (res->ok)
		return 0;
	if (diags->n == 0)
		compile_diag_from_stderr(rr->out, diags);
	compile_diag_backend(rr->out, job->req->main, diags);
	if (sig)
		snprintf(res->failure, sizeof(res->failure), "clang crashed (signal %d: %s)", sig,
			 strsignal(sig));
	else if (diags->n == 0 && rr->out[0])
		first_line(rr->out, res->failure, sizeof(res->failure));
	else if (diags->n == 0)
		snprintf(res->failure, sizeof(res->failure), "clang failed (exit status %d)", code);
	return 0;
}

/*
 * clang, then llvm-strip -g on its object, in one sandbox (one start of bwrap less per
 * compile): sh runs clang's argv as given and answers its status; a strip that fails after a
 * good compile exits STRIP_FAILED, which clang never does.
 */
#define STRIP_FAILED 125

static void compile_and_strip_argv(const struct compile_toolchain *tc, struct argv_buf *clang,
				   struct argv_buf *a)
{
	argv_add(a, "/bin/sh");
	argv_add(a, "-c");
	argv_add(a, "\"$@\" || exit; exec \"%s\" -g %s || exit %d", tc->strip, SANDBOX_OBJ,
		 STRIP_FAILED);
	argv_add(a, "sh");
	for (size_t i = 0; i < clang->n; i++)
		argv_add(a, "%s", clang->v[i]);
	a->oom |= clang->oom;
}

static int read_object(const struct compile_job *job, const struct compile_limits *lim,
		       const struct run_result *rr, struct compile_result *res,
		       struct eucc_error *err)
{
	int r;

	if (WIFEXITED(rr->status) && WEXITSTATUS(rr->status) == STRIP_FAILED) {
		eucc_warn("llvm-strip failed: %s", rr->out);
		return eucc_error_set(err, -EIO, EUCC_E_INTERNAL, "stripping the object failed");
	}
	r = read_job_file(job, "obj.o", lim->output_bytes, &res->object, &res->object_size);
	if (r)
		return eucc_error_set(err, r, EUCC_E_INTERNAL, "reading the object: %s",
				      strerror(-r));
	return 0;
}

/* After clang -E: its output, or res->ok false (the compile proper then says why). */
static int read_preprocessed(const struct compile_job *job, const struct compile_limits *lim,
			     const struct run_result *rr, struct compile_result *res,
			     struct eucc_error *err)
{
	int r;

	if (rr->timed_out || !WIFEXITED(rr->status) || WEXITSTATUS(rr->status))
		return 0;
	r = read_job_file(job, "pre.i", lim->output_bytes, &res->object, &res->object_size);
	if (r)
		return eucc_error_set(err, r, EUCC_E_INTERNAL,
				      "reading the preprocessed source: %s", strerror(-r));
	((char *)res->object)[res->object_size] = '\0';
	res->ok = true;
	return 0;
}

static int check_job(const struct compile_job *job, const char **tarch, struct eucc_error *err)
{
	if (!job->req || !job->req->main || !job->workdir || !job->vmlinux_h)
		return eucc_error_set(err, -EINVAL, EUCC_E_INTERNAL, "incomplete compile job");
	*tarch = arch_column(job->arch, 1);
	if (!*tarch)
		return eucc_error_set(err, -EINVAL, EUCC_E_BAD_REQUEST, "arch %s is not known",
				      job->arch);
	return 0;
}

static int compile_steps(const struct compile_job *job, const struct compile_limits *lim,
			 struct run_result *rr, struct diag_list *diags, struct compile_result *res,
			 struct eucc_error *err)
{
	struct argv_buf clang = {0}, cmd = {0};
	const struct compile_toolchain *tc;
	const char *tarch;
	int r;

	r = check_job(job, &tarch, err);
	if (!r)
		r = job_toolchain(job, &tc, err);
	if (!r)
		r = prepare_workdir(job, err);
	if (r)
		return r;
	clang_argv(job, tc, tarch, &clang);
	if (!job->preprocess)
		compile_and_strip_argv(tc, &clang, &cmd);
	r = run_in_sandbox(job, lim, job->preprocess ? &clang : &cmd, rr, err);
	argv_free(&clang);
	argv_free(&cmd);
	if (!r && job->preprocess)
		return read_preprocessed(job, lim, rr, res, err);
	if (!r && WIFEXITED(rr->status) && WEXITSTATUS(rr->status) == STRIP_FAILED)
		return read_object(job, lim, rr, res, err);
	if (!r)
		r = judge(job, lim, rr, diags, res, err);
	if (!r && res->ok)
		r = read_object(job, lim, rr, res, err);
	return r;
}

int compile_run(const struct compile_job *job, struct compile_result *res, struct eucc_error *err)
{
	uint64_t start = now_ms();
	struct diag_list diags = {0};
	struct compile_limits lim;
	struct run_result *rr;
	int r;

	memset(res, 0, sizeof(*res));
	limits_or_defaults(&job->limits, &lim);
	rr = malloc(sizeof(*rr));
	if (!rr)
		return eucc_error_set(err, -ENOMEM, EUCC_E_INTERNAL, "out of memory");
	r = compile_steps(job, &lim, rr, &diags, res, err);
	free(rr);
	res->diags = diags.v;
	res->ndiags = diags.n;
	res->diags_dropped = diags.dropped;
	if (r) {
		compile_result_free(res);
		res->ok = false;
	}
	res->wall_ms = (unsigned int)(now_ms() - start);
	return r;
}

void compile_result_free(struct compile_result *res)
{
	free(res->object);
	free(res->diags);
	res->object = NULL;
	res->object_size = 0;
	res->diags = NULL;
	res->ndiags = 0;
	res->diags_dropped = 0;
}

/* ---- a command's first line, clang's identity ------------------------------------------ */

int compile_command_line(char *const argv[], char *line, size_t size)
{
	struct run_result *rr = malloc(sizeof(*rr));
	int r;

	if (!rr)
		return -ENOMEM;
	r = run_limited(argv, NULL, 30, false, rr);
	if (!r && (!WIFEXITED(rr->status) || WEXITSTATUS(rr->status) || !rr->out[0]))
		r = -EIO;
	if (!r)
		snprintf(line, size, "%.*s", (int)strcspn(rr->out, "\n"), rr->out);
	free(rr);
	return r;
}

const char *compile_clang_version(void)
{
	const struct compile_toolchain *tc = compile_toolchain_at(0);

	return tc ? tc->clang_version : "clang (none found)";
}

static const char *last_flag_value(const struct compile_request *req, const char *prefix)
{
	const char *v = NULL;
	size_t n = strlen(prefix);

	for (size_t i = 0; i < req->ncflags; i++)
		if (!strncmp(req->cflags[i], prefix, n))
			v = req->cflags[i] + n;
	return v;
}

const char *compile_cpu(const struct compile_request *req)
{
	return last_flag_value(req, "-mcpu=");
}

/*
 * The precompiled form of a vmlinux.h for one arch, made in the same sandbox layout as the
 * compiles that use it (clang checks the header's path and the target when it loads a PCH).
 */
const char *compile_std(const struct compile_request *req)
{
	static const char *const same[][2] = {
	    {"c90", "c89"}, {"c18", "c17"}, {"gnu90", "gnu89"}, {"gnu18", "gnu17"}};
	const char *std = last_flag_value(req, "-std=");

	for (size_t i = 0; std && i < sizeof(same) / sizeof(same[0]); i++)
		if (!strcmp(std, same[i][0]))
			std = same[i][1];
	return std && strcmp(std, "gnu17") ? std : NULL;
}

int compile_pch_build(const struct compile_toolchain *tc, const char *vmlinux_h, const char *arch,
		      const char *std, const char *cpu, const char *workdir, void **pch,
		      size_t *size, struct eucc_error *err)
{
	struct compile_request req = {.main = "none.c"};
	struct compile_job job = {
	    .req = &req, .toolchain = tc, .arch = arch, .vmlinux_h = vmlinux_h, .workdir = workdir};
	struct compile_limits lim;
	struct argv_buf cmd = {0};
	struct run_result *rr;
	const char *tarch;
	int r;

	limits_or_defaults(&job.limits, &lim);
	rr = malloc(sizeof(*rr));
	if (!rr)
		return eucc_error_set(err, -ENOMEM, EUCC_E_INTERNAL, "out of memory");
	r = check_job(&job, &tarch, err);
	if (!r)
		r = job_toolchain(&job, &tc, err);
	if (!r)
		r = prepare_workdir(&job, err);
	if (!r) {
		argv_add(&cmd, "%s", tc->clang);
		argv_add(&cmd, "-target");
		argv_add(&cmd, "bpf");
		argv_add(&cmd, "-O2");
		argv_add(&cmd, "-g");
		argv_add(&cmd, "-D__TARGET_ARCH_%s", tarch);
		if (std)
			argv_add(&cmd, "-std=%s", std);
		if (cpu)
			argv_add(&cmd, "-mcpu=%s", cpu);
		argv_add(&cmd, "-Xclang");
		argv_add(&cmd, "-fno-pch-timestamp");
		argv_add(&cmd, "-x");
		argv_add(&cmd, "c-header");
		argv_add(&cmd, SANDBOX_PCH_SRC);
		argv_add(&cmd, "-o");
		argv_add(&cmd, SANDBOX_OUT "/vmlinux.h.pch");
		r = run_in_sandbox(&job, &lim, &cmd, rr, err);
		argv_free(&cmd);
	}
	if (!r && (rr->timed_out || !WIFEXITED(rr->status) || WEXITSTATUS(rr->status)))
		r = eucc_error_set(err, -EIO, EUCC_E_INTERNAL, "precompiling the header failed");
	if (!r)
		r = read_job_file(&job, "vmlinux.h.pch", (size_t)1 << 30, pch, size);
	free(rr);
	return r;
}
