/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The compile sandbox both ways: the same spec run by bwrap and in a warm tool gives a probe
 * (sandbox_probe.c) the same view: uid 65534, no capabilities, no_new_privs, its own session,
 * no /proc, no /etc, a read-only root and sources, a writable out dir and /tmp, no network but
 * loopback, two environment variables, the rlimits asked for; nothing it leaves behind
 * survives the job. Also the spec's wire form and what a warm tool refuses.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "compile_internal.h"
#include "sandbox.h"
#include "test_proc.h"

struct fixture {
	char dir[64];
	char probe[PATH_MAX];
};

static int setup(void **state)
{
	static struct fixture fx;
	char path[PATH_MAX + 32];
	FILE *f;

	snprintf(fx.dir, sizeof(fx.dir), "/tmp/eucc-sandbox-XXXXXX");
	if (!mkdtemp(fx.dir))
		return -1;
	snprintf(path, sizeof(path), "%s/src", fx.dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/out", fx.dir);
	mkdir(path, 0777);
	chmod(path, 0777); /* uid 65534 inside is root outside only when the test runs as root */
	snprintf(path, sizeof(path), "%s/src/input.txt", fx.dir);
	f = fopen(path, "w");
	if (!f)
		return -1;
	fputs("input\n", f);
	fclose(f);
	if (!realpath(EUCC_SANDBOX_PROBE, fx.probe))
		return -1;
	*state = &fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	char cmd[128];

	sandbox_warm_stop_all();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", fx->dir);
	return system(cmd);
}

/* The compile's view in miniature: system dirs, the probe's dir, src and out, /dev, /tmp. */
static void spec_of(struct fixture *fx, struct sandbox_spec *s, const char *arg)
{
	char path[PATH_MAX + 16], dir[PATH_MAX];

	memset(s, 0, sizeof(*s));
	sandbox_spec_mount(s, SANDBOX_RO_BIND, "/usr", "/usr");
	sandbox_spec_mount(s, SANDBOX_RO_BIND_TRY, "/etc/ld.so.cache", "/etc/ld.so.cache");
	sandbox_spec_mount(s, SANDBOX_DEV, NULL, "/dev");
	sandbox_spec_mount(s, SANDBOX_TMPFS, NULL, "/tmp");
	sandbox_spec_mount(s, SANDBOX_SYMLINK, "usr/lib", "/lib");
	sandbox_spec_mount(s, SANDBOX_SYMLINK, "usr/lib64", "/lib64");
	sandbox_spec_mount(s, SANDBOX_SYMLINK, "usr/bin", "/bin");
	snprintf(dir, sizeof(dir), "%s", fx->probe);
	*strrchr(dir, '/') = '\0';
	sandbox_spec_mount(s, SANDBOX_RO_BIND, dir, dir);
	snprintf(path, sizeof(path), "%s/src", fx->dir);
	sandbox_spec_mount(s, SANDBOX_RO_BIND, path, "/job/src");
	snprintf(path, sizeof(path), "%s/out", fx->dir);
	sandbox_spec_mount(s, SANDBOX_BIND, path, "/job/out");
	sandbox_spec_chdir(s, "/job/src");
	s->limits = (struct sandbox_limits){.cpu_seconds = 7,
					    .as_bytes = (uint64_t)3 << 30,
					    .fsize_bytes = (uint64_t)5 << 20,
					    .nproc = 4096};
	sandbox_spec_arg(s, "%s", fx->probe);
	if (arg)
		sandbox_spec_arg(s, "%s", arg);
}

/* The probe's report, run with bwrap (@warm false) or in a warm tool. */
static char *probe(struct fixture *fx, bool warm, const char *arg)
{
	struct run_result *rr = malloc(sizeof(*rr));
	struct sandbox_spec s;
	char *out;
	bool ran_warm;

	assert_non_null(rr);
	spec_of(fx, &s, arg);
	assert_int_equal(run_sandboxed(&s, warm ? EUCC_WARM_PRELOAD : NULL, 20, rr, &ran_warm), 0);
	sandbox_spec_free(&s);
	assert_int_equal(ran_warm, warm);
	if (!WIFEXITED(rr->status) || WEXITSTATUS(rr->status))
		fail_msg("probe (%s) failed, status %d: %s", warm ? "warm" : "bwrap", rr->status,
			 rr->out);
	out = strdup(rr->out);
	free(rr);
	return out;
}

/* Does @report hold @line as a whole line? */
static void has_line(const char *report, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = report; p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, line, n) && (p[n] == '\n' || !p[n]))
			return;
	fail_msg("no line '%s' in:\n%s", line, report);
}

static void test_same_view(void **state)
{
	struct fixture *fx = *state;
	char *cold = probe(fx, false, NULL), *warm = probe(fx, true, NULL);

	printf("-- bwrap --\n%s-- warm --\n%s", cold, warm);
	assert_string_equal(cold, warm);
	has_line(warm, "uid 65534 euid 65534 gid 65534 egid 65534");
	has_line(warm, "pid 2 ppid 1 session-leader 0");
	has_line(warm, "caps effective 000000000 permitted 000000000 inheritable 000000000 "
		       "bounding 0");
	has_line(warm, "no_new_privs 1");
	has_line(warm, "cwd /job/src");
	has_line(warm, "proc ENOENT");
	has_line(warm, "read /etc/passwd ENOENT");
	has_line(warm, "read /etc/shadow ENOENT");
	has_line(warm, "read /dev/urandom ok");
	has_line(warm, "read /job/src/input.txt ok");
	has_line(warm, "write /dev/null ok");
	has_line(warm, "write /probe-root EROFS");
	has_line(warm, "write /usr/probe EROFS");
	has_line(warm, "write /job/src/probe EROFS");
	has_line(warm, "write /job/out/probe ok");
	has_line(warm, "write /tmp/probe ok");
	has_line(warm, "connect 10.0.0.1:80 ENETUNREACH");
	has_line(warm, "interfaces 1 lo");
	has_line(warm, "env PATH=/usr/bin:/bin");
	has_line(warm, "env LC_ALL=C");
	has_line(warm, "env PWD=/job/src");
	assert_null(strstr(warm, "env LD_PRELOAD"));
	assert_null(strstr(warm, "env EUCC_"));
	has_line(warm, "rlimit cpu 7 9");
	has_line(warm, "rlimit as 3221225472 3221225472");
	has_line(warm, "rlimit fsize 5242880 5242880");
	has_line(warm, "rlimit nproc 4096 4096");
	has_line(warm, "rlimit core 0 0");
	free(cold);
	free(warm);
}

/* A child left behind (SIGHUP ignored) ends with the job, both ways. */
static void test_nothing_survives(void **state)
{
	struct fixture *fx = *state;

	for (int warm = 0; warm < 2; warm++) {
		char *out = probe(fx, warm, "spawn");

		assert_string_equal(out, "spawned\n");
		free(out);
		usleep(100 * 1000);
		assert_int_equal(test_processes_with("eucc-probe-sleeper sleep"), 0);
	}
}

/* The wire form: what is encoded decodes to the same spec; anything malformed is refused. */
static void test_wire_form(void **state)
{
	struct fixture *fx = *state;
	struct sandbox_spec s, d;
	char *buf, *copy;
	size_t len;

	spec_of(fx, &s, "x y");
	assert_int_equal(sandbox_spec_encode(&s, &buf, &len), 0);
	copy = malloc(len);
	memcpy(copy, buf, len);
	assert_int_equal(sandbox_spec_decode(copy, len, &d), 0);
	assert_int_equal(d.nmounts, s.nmounts);
	for (size_t i = 0; i < s.nmounts; i++) {
		assert_int_equal(d.mounts[i].op, s.mounts[i].op);
		assert_string_equal(d.mounts[i].dst, s.mounts[i].dst);
		if (s.mounts[i].src)
			assert_string_equal(d.mounts[i].src, s.mounts[i].src);
		else
			assert_null(d.mounts[i].src);
	}
	assert_int_equal(d.argc, 2);
	assert_string_equal(d.argv[1], "x y");
	assert_null(d.argv[2]);
	assert_string_equal(d.chdir, "/job/src");
	assert_memory_equal(&d.limits, &s.limits, sizeof(s.limits));
	sandbox_spec_free_view(&d);
	/* a cut inside a field is refused; a cut between fields at most loses arguments (a
	 * warm tool gets whole messages: SOCK_SEQPACKET, and MSG_TRUNC is refused) */
	for (size_t n = 0; n < len; n++) {
		int r;

		memcpy(copy, buf, len);
		r = sandbox_spec_decode(copy, n, &d);
		if (n && buf[n - 1] != '\0')
			assert_int_equal(r, -EINVAL);
		if (!r) {
			assert_int_equal(d.nmounts, s.nmounts);
			assert_true(d.argc >= 1 && d.argc < 2);
			sandbox_spec_free_view(&d);
		}
	}
	/* an unknown op, a relative destination, a relative argv[0] */
	memcpy(copy, buf, len);
	copy[strlen(copy) + 1] = 'Z';
	assert_int_equal(sandbox_spec_decode(copy, len, &d), -EINVAL);
	free(copy);
	free(buf);
	sandbox_spec_free(&s);
	memset(&s, 0, sizeof(s));
	sandbox_spec_mount(&s, SANDBOX_TMPFS, NULL, "tmp");
	sandbox_spec_arg(&s, "/bin/true");
	assert_int_equal(sandbox_spec_encode(&s, &buf, &len), 0);
	assert_int_equal(sandbox_spec_decode(buf, len, &d), -EINVAL);
	free(buf);
	sandbox_spec_free(&s);
	memset(&s, 0, sizeof(s));
	sandbox_spec_arg(&s, "true");
	assert_int_equal(sandbox_spec_encode(&s, &buf, &len), 0);
	assert_int_equal(sandbox_spec_decode(buf, len, &d), -EINVAL);
	free(buf);
	sandbox_spec_free(&s);
}

/* A binary that is not a dynamically linked program cannot be a warm tool: bwrap runs it. */
static void test_not_warmable(void **state)
{
	struct fixture *fx = *state;
	struct run_result *rr = malloc(sizeof(*rr));
	struct sandbox_warm_stats before, after;
	struct sandbox_spec s = {0};
	bool warm = true;

	(void)fx;
	assert_non_null(rr);
	sandbox_spec_mount(&s, SANDBOX_RO_BIND, "/usr", "/usr");
	sandbox_spec_mount(&s, SANDBOX_SYMLINK, "usr/lib", "/lib");
	sandbox_spec_mount(&s, SANDBOX_SYMLINK, "usr/lib64", "/lib64");
	sandbox_spec_mount(&s, SANDBOX_SYMLINK, "usr/bin", "/bin");
	sandbox_spec_arg(&s, "/bin/sh");
	sandbox_spec_arg(&s, "-c");
	sandbox_spec_arg(&s, "echo from sh");
	sandbox_warm_stats(&before);
	/* sh runs its main with nothing to read on fd 3's socket: it never says READY */
	assert_int_equal(run_sandboxed(&s, "/nonexistent/libeucc-warm.so", 20, rr, &warm), 0);
	sandbox_warm_stats(&after);
	assert_false(warm);
	assert_int_equal(after.tools_failed, before.tools_failed + 1);
	assert_int_equal(after.cold_runs, before.cold_runs + 1);
	if (!WIFEXITED(rr->status) || WEXITSTATUS(rr->status))
		fail_msg("status %d: %s", rr->status, rr->out);
	assert_string_equal(rr->out, "from sh\n");
	sandbox_spec_free(&s);
	free(rr);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_same_view),
	    cmocka_unit_test(test_nothing_survives),
	    cmocka_unit_test(test_wire_form),
	    cmocka_unit_test(test_not_warmable),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
