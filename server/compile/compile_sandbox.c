/* SPDX-License-Identifier: Apache-2.0 */
/*
 * compile_run: the job dir, clang for the BPF target in a bubblewrap sandbox with rlimits and
 * a wall-clock limit, the object (its DWARF stripped, compile_strip.c) and the diagnostics
 * (docs/security.md).
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

#define DEF_CPU_S     30
#define DEF_WALL_S    60
#define DEF_MEMORY    ((uint64_t)2 << 30)
#define DEF_OUTPUT    ((uint64_t)64 << 20)
#define SANDBOX_NPROC 1024

/* ---- the sandbox ------------------------------------------------------------------------ */

/* The job's toolchain (the default when it names none). */
static int job_toolchain(const struct compile_job *job, const struct compile_toolchain **tc,
			 struct eucc_error *err)
{
	*tc = job->toolchain;
	return *tc ? 0 : compile_toolchain_find(NULL, tc, err);
}

/* /lib, /lib64, /bin ... as on the host: the same symlink (merged /usr) or a read-only bind. */
static void add_root_dirs(struct sandbox_spec *sp)
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
			sandbox_spec_mount(sp, SANDBOX_SYMLINK, target, dirs[i]);
		} else if (S_ISDIR(st.st_mode)) {
			sandbox_spec_mount(sp, SANDBOX_RO_BIND, dirs[i], dirs[i]);
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
static void add_uapi_asm(const struct compile_job *job, struct sandbox_spec *sp)
{
	const char *triplet = arch_column(job->arch, 2);
	char dir[128];

	if (!triplet)
		return;
	snprintf(dir, sizeof(dir), "/usr/include/%s/asm", triplet);
	if (fs_is_dir(dir))
		sandbox_spec_mount(sp, SANDBOX_RO_BIND, dir, SANDBOX_UAPI "/asm");
}

/* What the job's commands see (docs/security.md): the same for bwrap and warm tools. */
static void sandbox_view(const struct compile_job *job, const struct compile_toolchain *tc,
			 struct sandbox_spec *sp)
{
	char path[PATH_MAX + 16];

	sandbox_spec_mount(sp, SANDBOX_RO_BIND, "/usr", "/usr");
	sandbox_spec_mount(sp, SANDBOX_RO_BIND_TRY, "/etc/ld.so.cache", "/etc/ld.so.cache");
	sandbox_spec_mount(sp, SANDBOX_DEV, NULL, "/dev");
	sandbox_spec_mount(sp, SANDBOX_TMPFS, NULL, "/tmp");
	add_root_dirs(sp);
	snprintf(path, sizeof(path), "%s/src", job->workdir);
	sandbox_spec_mount(sp, SANDBOX_RO_BIND, path, SANDBOX_SRC);
	snprintf(path, sizeof(path), "%s/out", job->workdir);
	sandbox_spec_mount(sp, SANDBOX_BIND, path, SANDBOX_OUT);
	sandbox_spec_mount(sp, SANDBOX_RO_BIND, job->vmlinux_h, SANDBOX_VMLINUX);
	if (job->vmlinux_pch)
		sandbox_spec_mount(sp, SANDBOX_RO_BIND, job->vmlinux_pch, SANDBOX_PCH);
	if (job->eucc_include)
		sandbox_spec_mount(sp, SANDBOX_RO_BIND, job->eucc_include, SANDBOX_INC "/eucc");
	snprintf(path, sizeof(path), "%s/" PCH_SOURCE, job->workdir);
	sandbox_spec_mount(sp, SANDBOX_RO_BIND, path, SANDBOX_PCH_SRC);
	sandbox_spec_mount(sp, SANDBOX_RO_BIND, tc->libbpf_dir, SANDBOX_LIBBPF);
	add_uapi_asm(job, sp);
	sandbox_spec_chdir(sp, SANDBOX_SRC);
}

/*
 * Angle-bracket includes: the user's -I dirs first (a libbpf of their own), then the server's
 * (vmlinux.h, <eucc/...>), the toolchain's libbpf headers, clang's and /usr/include, and last
 * the target arch's UAPI asm/ headers.
 */
static void clang_argv(const struct compile_job *job, const struct compile_toolchain *tc,
		       const char *tarch, struct sandbox_spec *a)
{
	sandbox_spec_arg(a, "%s", tc->clang);
	sandbox_spec_arg(a, "-target");
	sandbox_spec_arg(a, "bpf");
	sandbox_spec_arg(a, "-O2");
	sandbox_spec_arg(a, "-g");
	sandbox_spec_arg(a, "-D__TARGET_ARCH_%s", tarch);
	if (job->vmlinux_pch && !job->preprocess) {
		sandbox_spec_arg(a, "-include-pch");
		sandbox_spec_arg(a, SANDBOX_PCH);
	}
	for (size_t i = 0; i < job->req->ncflags; i++)
		sandbox_spec_arg(a, "%s", job->req->cflags[i]);
	sandbox_spec_arg(a, "-I" SANDBOX_INC);
	sandbox_spec_arg(a, "-I" SANDBOX_LIBBPF);
	sandbox_spec_arg(a, "-idirafter");
	sandbox_spec_arg(a, SANDBOX_UAPI);
	if (job->preprocess) {
		sandbox_spec_arg(a, "-E");
		sandbox_spec_arg(a, "%s", job->req->main);
		sandbox_spec_arg(a, "-o");
		sandbox_spec_arg(a, SANDBOX_PRE);
		return;
	}
	/* Source names in the object's line info relative to the upload, not the sandbox. */
	sandbox_spec_arg(a, "-fdebug-prefix-map=" SANDBOX_SRC "=.");
	sandbox_spec_arg(a, "-fdebug-prefix-map=" SANDBOX_INC "=.");
	sandbox_spec_arg(a, "-fdebug-prefix-map=" SANDBOX_LIBBPF "=.");
	sandbox_spec_arg(a, "-fdebug-prefix-map=" SANDBOX_UAPI "=.");
	sandbox_spec_arg(a, "-fno-color-diagnostics");
	sandbox_spec_arg(a,
			 "-fno-crash-diagnostics"); /* no reproducer run after a crash or a limit */
	sandbox_spec_arg(a, "-serialize-diagnostics");
	sandbox_spec_arg(a, SANDBOX_DIAG);
	sandbox_spec_arg(a, "-c");
	sandbox_spec_arg(a, "%s", job->req->main);
	sandbox_spec_arg(a, "-o");
	sandbox_spec_arg(a, SANDBOX_OBJ);
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
	r = fs_write_new_at(dirfd, name, s->data, s->size);
	if (dirfd != srcfd)
		close(dirfd);
	return r;
}

static int prepare_workdir(const struct compile_job *job, struct eucc_error *err)
{
	int wfd, srcfd, outfd, r = 0;

	wfd = open(job->workdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (wfd < 0)
		return eucc_error_set(err, -errno, EUCC_E_INTERNAL, "job dir: %s", strerror(errno));
	r = fs_write_new_at(wfd, PCH_SOURCE, pch_source, sizeof(pch_source) - 1);
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

/* The limits of @lim as rlimits of the sandbox. */
static struct sandbox_limits sandbox_limits_of(const struct compile_limits *lim)
{
	return (struct sandbox_limits){.cpu_seconds = lim->cpu_seconds,
				       .as_bytes = lim->memory_bytes,
				       .fsize_bytes = lim->output_bytes,
				       .nproc = SANDBOX_NPROC};
}

/* Run @sp (its argv set) in the job's sandbox view with @lim. */
static int run_in_sandbox(const struct compile_job *job, const struct compile_limits *lim,
			  struct sandbox_spec *sp, struct run_result *rr, struct eucc_error *err)
{
	const struct compile_toolchain *tc;
	bool warm;
	int r = job_toolchain(job, &tc, err);

	if (r)
		return r;
	sandbox_view(job, tc, sp);
	sp->limits = sandbox_limits_of(lim);
	r = run_sandboxed(sp, job->warm_preload, lim->wall_seconds, rr, &warm);
	if (r == -ENOMEM)
		return eucc_error_set(err, -ENOMEM, EUCC_E_INTERNAL, "out of memory");
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
	if (!have_dia && (code == 126 || code == 127 || !strncmp(rr->out, "bwrap:", 6) ||
			  !strncmp(rr->out, "sandbox:", 8))) {
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

/* The object clang wrote, without its DWARF (compile_strip.c). */
static int read_object(const struct compile_job *job, const struct compile_limits *lim,
		       struct compile_result *res, struct eucc_error *err)
{
	void *obj;
	size_t size;
	int r = read_job_file(job, "obj.o", lim->output_bytes, &obj, &size);

	if (r)
		return eucc_error_set(err, r, EUCC_E_INTERNAL, "reading the object: %s",
				      strerror(-r));
	r = compile_strip_debug(obj, size, &res->object, &res->object_size);
	free(obj);
	if (r)
		return eucc_error_set(err, r, EUCC_E_INTERNAL, "stripping the object's DWARF: %s",
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
	const struct compile_toolchain *tc;
	struct sandbox_spec clang = {0};
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
	r = run_in_sandbox(job, lim, &clang, rr, err);
	sandbox_spec_free(&clang);
	if (!r && job->preprocess)
		return read_preprocessed(job, lim, rr, res, err);
	if (!r)
		r = judge(job, lim, rr, diags, res, err);
	if (!r && res->ok)
		r = read_object(job, lim, res, err);
	return r;
}

int compile_run(const struct compile_job *job, struct compile_result *res, struct eucc_error *err)
{
	uint64_t start = eucc_now_ns() / EUCC_NS_PER_MS;
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
	res->wall_ms = (unsigned int)(eucc_now_ns() / EUCC_NS_PER_MS - start);
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
	struct sandbox_spec cmd = {0};
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
		sandbox_spec_arg(&cmd, "%s", tc->clang);
		sandbox_spec_arg(&cmd, "-target");
		sandbox_spec_arg(&cmd, "bpf");
		sandbox_spec_arg(&cmd, "-O2");
		sandbox_spec_arg(&cmd, "-g");
		sandbox_spec_arg(&cmd, "-D__TARGET_ARCH_%s", tarch);
		if (std)
			sandbox_spec_arg(&cmd, "-std=%s", std);
		if (cpu)
			sandbox_spec_arg(&cmd, "-mcpu=%s", cpu);
		sandbox_spec_arg(&cmd, "-Xclang");
		sandbox_spec_arg(&cmd, "-fno-pch-timestamp");
		sandbox_spec_arg(&cmd, "-x");
		sandbox_spec_arg(&cmd, "c-header");
		sandbox_spec_arg(&cmd, SANDBOX_PCH_SRC);
		sandbox_spec_arg(&cmd, "-o");
		sandbox_spec_arg(&cmd, SANDBOX_OUT "/vmlinux.h.pch");
		r = run_in_sandbox(&job, &lim, &cmd, rr, err);
		sandbox_spec_free(&cmd);
	}
	if (!r && (rr->timed_out || !WIFEXITED(rr->status) || WEXITSTATUS(rr->status)))
		r = eucc_error_set(err, -EIO, EUCC_E_INTERNAL, "precompiling the header failed");
	if (!r)
		r = read_job_file(&job, "vmlinux.h.pch", (size_t)1 << 30, pch, size);
	free(rr);
	return r;
}
