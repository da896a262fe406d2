/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The loader, for real: programs of tests/data/loader are compiled against this kernel's
 * vmlinux.h, loaded, attached to sched_process_exec and fed by execs of marker-named copies
 * of /bin/true; the output is read back. Needs root and bpf(). It runs in a mount namespace of
 * its own without tracefs: the loader mounts it, as it must on a fresh host.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <dirent.h>
#include <pthread.h>
#include <sched.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <cmocka.h>
#include <grp.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "loader_internal.h"

extern char **environ;

struct blob {
	void *data;
	size_t size;
};

struct fixture {
	char dir[64];
	char release[256];
	struct blob perf, ring, hist, reject, tools, min_btf;
};

/* ---- setup ---- */

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	int status;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	status = system(cmd);
	if (status)
		fprintf(stderr, "failed (%d): %s\n", status, cmd);
	return status;
}

/* A private mount namespace with neither tracefs nor debugfs mounted: a fresh host. */
static int hide_tracefs(void)
{
	if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL)) {
		perror("private mount namespace");
		return -1;
	}
	while (umount2("/sys/kernel/debug", MNT_DETACH) == 0)
		;
	while (umount2("/sys/kernel/tracing", MNT_DETACH) == 0)
		;
	return access("/sys/kernel/tracing/events", F_OK) == 0 ||
	       access("/sys/kernel/debug/tracing", F_OK) == 0;
}

static int compile(struct fixture *fx, const char *name, struct blob *out)
{
	char obj[128];

	snprintf(obj, sizeof(obj), "%s/%s.o", fx->dir, name);
	if (sh("%s -target bpf -O2 -g -D__TARGET_ARCH_x86 -I%s -I%s/client/include "
	       "-I%s/tests/data/loader -c %s/tests/data/loader/%s.bpf.c -o %s && %s -g %s",
	       EUCC_CLANG, fx->dir, EUCC_SOURCE_DIR, EUCC_SOURCE_DIR, EUCC_SOURCE_DIR, name, obj,
	       EUCC_LLVM_STRIP, obj))
		return -1;
	return fs_read_file(obj, 64 << 20, &out->data, &out->size);
}

static int setup(void **state)
{
	static struct fixture fx;
	char path[128];
	struct utsname u;

	if (geteuid() != 0 || hide_tracefs() || uname(&u)) {
		fprintf(stderr, "the loader tests need root, bpf() and mount namespaces\n");
		return -1;
	}
	snprintf(fx.release, sizeof(fx.release), "%s", u.release);
	snprintf(fx.dir, sizeof(fx.dir), "/tmp/eucc-loader-XXXXXX");
	if (!mkdtemp(fx.dir))
		return -1;
	if (sh("%s btf dump file " NATIVE_BTF_PATH " format c > %s/vmlinux.h", EUCC_BPFTOOL,
	       fx.dir) ||
	    compile(&fx, "exec_perf", &fx.perf) || compile(&fx, "exec_ring", &fx.ring) ||
	    compile(&fx, "hist", &fx.hist) || compile(&fx, "reject", &fx.reject) ||
	    compile(&fx, "tools", &fx.tools))
		return -1;
	if (sh("cp /bin/true %s/eucc_marker_x && cp /bin/true %s/eucc_marker_y", fx.dir, fx.dir) ||
	    sh("%s gen min_core_btf " NATIVE_BTF_PATH " %s/min.btf %s/exec_perf.o", EUCC_BPFTOOL,
	       fx.dir, fx.dir))
		return -1;
	setenv("TMPDIR", fx.dir, 1); /* where the loader writes bundled BTF */
	snprintf(path, sizeof(path), "%s/min.btf", fx.dir);
	if (fs_read_file(path, 64 << 20, &fx.min_btf.data, &fx.min_btf.size))
		return -1;
	*state = &fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	free(fx->perf.data);
	free(fx->ring.data);
	free(fx->hist.data);
	free(fx->reject.data);
	free(fx->tools.data);
	free(fx->min_btf.data);
	return sh("rm -rf %s", fx->dir);
}

/* ---- running the loader in a thread while markers exec ---- */

struct run {
	struct loader_input in;
	struct loader_opts opts;
	struct eucc_error err;
	int ret;
	atomic_bool done;
	char *out;
	size_t len;
};

static void run_init(struct run *r, const struct blob *obj, const char *const *sets, size_t nsets)
{
	memset(r, 0, sizeof(*r));
	r->in = (struct loader_input){.name = "execsnoop",
				      .arch = arch_host(),
				      .object = obj->data,
				      .object_size = obj->size};
	r->opts = (struct loader_opts){
	    .sz = sizeof(r->opts), .duration_sec = 2, .sets = sets, .nsets = nsets};
}

static void *run_thread(void *arg)
{
	struct run *r = arg;

	r->ret = loader_run(&r->in, &r->opts, &r->err);
	atomic_store(&r->done, true);
	return NULL;
}

static void exec_marker(struct fixture *fx, const char *name)
{
	char path[128];
	char *argv[] = {path, NULL};
	pid_t pid;
	int status;

	snprintf(path, sizeof(path), "%s/%s", fx->dir, name);
	assert_int_equal(posix_spawn(&pid, path, NULL, NULL, argv, environ), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	assert_non_null(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* Run the loader; exec each of @markers every 100 ms meanwhile. Returns loader_run's value. */
static int run_with(struct fixture *fx, struct run *r, const char *const *markers)
{
	FILE *f = open_memstream(&r->out, &r->len);
	int fds = count_fds();
	pthread_t t;

	assert_non_null(f);
	r->opts.out = f;
	assert_int_equal(pthread_create(&t, NULL, run_thread, r), 0);
	while (!atomic_load(&r->done)) {
		for (size_t i = 0; markers && markers[i]; i++)
			exec_marker(fx, markers[i]);
		usleep(100 * 1000);
	}
	assert_int_equal(pthread_join(t, NULL), 0);
	fclose(f);
	assert_int_equal(count_fds(), fds); /* no link, map, buffer or BTF fd left */
	if (r->ret)
		fprintf(stderr, "loader_run: %s: %s\n  hint: %s\n", eucc_code_name(r->err.code),
			r->err.message, r->err.hint);
	return r->ret;
}

static void run_free(struct run *r)
{
	free(r->out);
	r->out = NULL;
}

static void contains(const char *text, const char *needle)
{
	if (!strstr(text, needle))
		fail_msg("'%s' not in:\n%s", needle, text);
}

static void lacks(const char *text, const char *needle)
{
	if (strstr(text, needle))
		fail_msg("'%s' unexpectedly in:\n%s", needle, text);
}

static const char *const marker_x[] = {"eucc_marker_x", NULL};

/* The JSON line of @map whose event (or entry) string @field is @value, else NULL. */
/* The first JSON line of @map whose event's @field (or key's, for "key.NAME") is @value. */
static cJSON *find_json(const char *text, const char *map, const char *field, const char *value)
{
	char *copy = strdup(text), *save = NULL;
	const char *part = "event";
	cJSON *found = NULL;

	if (field && !strncmp(field, "key.", 4)) {
		part = "key";
		field += 4;
	}
	for (char *l = strtok_r(copy, "\n", &save); l && !found; l = strtok_r(NULL, "\n", &save)) {
		cJSON *j = cJSON_Parse(l), *ev;

		if (!j)
			fail_msg("not JSON: %s", l);
		ev = cJSON_GetObjectItem(j, part);
		if (cJSON_IsString(cJSON_GetObjectItem(j, "map")) &&
		    !strcmp(cJSON_GetObjectItem(j, "map")->valuestring, map) &&
		    (!field || (ev && cJSON_IsString(cJSON_GetObjectItem(ev, field)) &&
				!strcmp(cJSON_GetObjectItem(ev, field)->valuestring, value))))
			found = j;
		else
			cJSON_Delete(j);
	}
	free(copy);
	return found;
}

/* ---- events ---- */

/* The EUCC_EVENT section survives llvm-strip -g, stays in BTF, and libbpf makes no map of it. */
static void test_event_section(void **state)
{
	struct fixture *fx = *state;
	struct bpf_object *obj;
	struct bpf_map *map;
	__u32 id;

	obj = bpf_object__open_mem(fx->perf.data, fx->perf.size, NULL);
	assert_non_null(obj);
	assert_true(btf__find_by_name_kind(bpf_object__btf(obj), EVENT_SECTION, BTF_KIND_DATASEC) >
		    0);
	id = events_type(bpf_object__btf(obj), "events");
	assert_true(id > 0);
	assert_int_equal(btf__resolve_size(bpf_object__btf(obj), id), 24);
	assert_int_equal(events_type(bpf_object__btf(obj), "nosuch"), 0);
	bpf_object__for_each_map(map, obj)
		assert_null(strstr(bpf_map__name(map), "eucc"));
	bpf_object__close(obj);
}

/* tracefs is missing (see hide_tracefs): the loader mounts it and the tracepoint attaches. */
static void test_mounts_tracefs(void **state)
{
	struct fixture *fx = *state;
	struct run r;

	assert_int_not_equal(access("/sys/kernel/tracing/events", F_OK), 0);
	run_init(&r, &fx->perf, NULL, 0);
	r.opts.attach_only = true;
	assert_int_equal(run_with(fx, &r, NULL), 0);
	assert_int_equal(access("/sys/kernel/tracing/events/sched/sched_process_exec", F_OK), 0);
	run_free(&r);
}

static void test_perf_events(void **state)
{
	struct fixture *fx = *state;
	struct run r;
	cJSON *j;

	run_init(&r, &fx->perf, NULL, 0);
	assert_int_equal(run_with(fx, &r, marker_x), 0);
	contains(r.out, "events: pid=");
	contains(r.out, "comm=eucc_marker_x\n");
	run_free(&r);

	run_init(&r, &fx->perf, NULL, 0);
	r.opts.json = true;
	assert_int_equal(run_with(fx, &r, marker_x), 0);
	j = find_json(r.out, "events", "comm", "eucc_marker_x");
	assert_non_null(j);
	assert_true(cJSON_IsNumber(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "event"), "pid")));
	cJSON_Delete(j);
	run_free(&r);
}

/* A ring buffer with EUCC_EVENT, and one without: its events print as hex. */
static void test_ring_events(void **state)
{
	struct fixture *fx = *state;
	struct run r;
	cJSON *j;

	run_init(&r, &fx->ring, NULL, 0);
	assert_int_equal(run_with(fx, &r, marker_x), 0);
	contains(r.out, "rb: pid=");
	contains(r.out, "comm=eucc_marker_x\n");
	contains(r.out, "raw: size=4 data=");
	run_free(&r);

	run_init(&r, &fx->ring, NULL, 0);
	r.opts.json = true;
	assert_int_equal(run_with(fx, &r, marker_x), 0);
	j = find_json(r.out, "rb", "comm", "eucc_marker_x");
	assert_non_null(j);
	cJSON_Delete(j);
	j = find_json(r.out, "raw", NULL, NULL);
	assert_non_null(j);
	assert_int_equal(cJSON_GetObjectItem(j, "size")->valueint, 4);
	assert_int_equal(strlen(cJSON_GetObjectItem(j, "data")->valuestring), 8);
	cJSON_Delete(j);
	run_free(&r);
}

/* ---- map dumps ---- */

static void test_histogram_and_maps(void **state)
{
	struct fixture *fx = *state;
	struct run r;
	cJSON *j, *h;

	run_init(&r, &fx->hist, NULL, 0);
	assert_int_equal(run_with(fx, &r, marker_x), 0);
	contains(r.out, "hists: key=0 comm=");
	contains(r.out, "     value               : count    distribution\n");
	contains(r.out, " -> ");
	contains(r.out, "|****");
	contains(r.out, "execs: key={pid=");
	contains(r.out, ",comm=eucc_marker_x} value=1\n");
	contains(r.out, "total: key=0 value="); /* per-CPU, summed */
	lacks(r.out, "values=[");
	run_free(&r);

	run_init(&r, &fx->hist, NULL, 0);
	r.opts.json = true;
	assert_int_equal(run_with(fx, &r, marker_x), 0);
	j = find_json(r.out, "hists", NULL, NULL);
	assert_non_null(j);
	h = cJSON_GetObjectItem(j, "histogram");
	assert_true(cJSON_GetArraySize(h) > 0);
	assert_true(cJSON_IsNumber(cJSON_GetObjectItem(cJSON_GetArrayItem(h, 0), "low")));
	assert_true(cJSON_IsNumber(cJSON_GetObjectItem(cJSON_GetArrayItem(h, 0), "high")));
	assert_true(cJSON_IsNumber(cJSON_GetObjectItem(cJSON_GetArrayItem(h, 0), "count")));
	cJSON_Delete(j);
	j = find_json(r.out, "execs", NULL, NULL);
	assert_non_null(j);
	assert_true(cJSON_GetArraySize(cJSON_GetObjectItem(j, "entries")) > 0);
	cJSON_Delete(j);
	contains(r.out, "\"comm\":\"eucc_marker_x\"},\"value\":1}");
	run_free(&r);
}

/* Events as real tools send them: a header line naming the fields and a HH:MM:SS column; a
 * record shorter than its type (a variable-length tail) printed as far as it came; a record of
 * no known type as hex capped at 64 bytes; a keyed histogram in usecs, every --interval. */
static void test_tools(void **state)
{
	struct fixture *fx = *state;
	struct run r;
	cJSON *j;
	cJSON *manifest;
	const char *p;
	int n = 0;

	run_init(&r, &fx->tools, NULL, 0);
	r.opts.duration_sec = 3;
	r.opts.interval_sec = 1;
	manifest = cJSON_Parse("{\"events\":[{\"map\":\"named\",\"type\":\"struct hist_key\"}]}");
	r.in.manifest = manifest;
	assert_int_equal(run_with(fx, &r, marker_x), 0);
	contains(r.out, "TIME     named: pid comm\n");
	contains(r.out, " named: pid=");
	lacks(r.out, "named: size=");
	contains(r.out, "TIME     varlen: pid len args\n");
	contains(r.out, "TIME     bigraw: size data\n");
	assert_true(strstr(r.out, "TIME     varlen:") < strstr(r.out, " varlen: pid="));
	p = strstr(r.out, " varlen: pid=");
	assert_non_null(p);
	assert_true(p - r.out >= 8 && p[-3] == ':' && p[-6] == ':'); /* HH:MM:SS before it */
	contains(r.out, " len=4 args=eucc\n");
	lacks(r.out, "ZZ");
	contains(r.out, "bigraw: size=100 data=ab ab ab");
	contains(r.out, " ab ... 36 more\n");
	for (p = r.out; (p = strstr(p, "lat_us: key={pid=")); p++)
		n++;
	assert_true(n >= 3); /* at least two intervals and the end */
	contains(r.out, ",comm=eucc_marker_x}\n");
	contains(r.out, "     usecs               : count    distribution\n");
	contains(r.out, "         8 -> 15         : ");
	lacks(r.out, "value               : count");
	run_free(&r);

	run_init(&r, &fx->tools, NULL, 0);
	r.opts.json = true;
	r.opts.interval_sec = 1;
	assert_int_equal(run_with(fx, &r, marker_x), 0);
	j = find_json(r.out, "varlen", "args", "eucc");
	assert_non_null(j);
	assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "event"), "len")->valueint, 4);
	assert_int_equal(strlen(cJSON_GetStringValue(cJSON_GetObjectItem(j, "time"))), 8);
	cJSON_Delete(j);
	j = find_json(r.out, "bigraw", NULL, NULL);
	assert_non_null(j);
	assert_int_equal(strlen(cJSON_GetStringValue(cJSON_GetObjectItem(j, "data"))), 128);
	assert_int_equal(cJSON_GetObjectItem(j, "more")->valueint, 36);
	cJSON_Delete(j);
	/* other processes (a busy machine's) have histograms too: the marker's */
	j = find_json(r.out, "lat_us", "key.comm", "eucc_marker_x");
	assert_non_null(j);
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(j, "unit")), "usecs");
	assert_non_null(cJSON_GetStringValue(cJSON_GetObjectItem(j, "time"))); /* an interval's */
	cJSON_Delete(j);
	run_free(&r);
	cJSON_Delete(manifest);
}

/* ---- parameters ---- */

static void test_set_changes_behaviour(void **state)
{
	struct fixture *fx = *state;
	const char *const both[] = {"eucc_marker_x", "eucc_marker_y", NULL};
	char mine[64];
	const char *sets[1] = {mine};
	struct run r;

	snprintf(mine, sizeof(mine), "target_ppid=%d", (int)getpid());
	run_init(&r, &fx->perf, sets, 1);
	assert_int_equal(run_with(fx, &r, marker_x), 0);
	contains(r.out, "comm=eucc_marker_x\n");
	run_free(&r);

	snprintf(mine, sizeof(mine), "target_ppid=1");
	run_init(&r, &fx->perf, sets, 1);
	assert_int_equal(run_with(fx, &r, marker_x), 0);
	lacks(r.out, "eucc_marker_x");
	run_free(&r);

	snprintf(mine, sizeof(mine), "only_comm=eucc_marker_y");
	run_init(&r, &fx->ring, sets, 1);
	assert_int_equal(run_with(fx, &r, both), 0);
	contains(r.out, "comm=eucc_marker_y\n");
	lacks(r.out, "eucc_marker_x");
	run_free(&r);

	snprintf(mine, sizeof(mine), "mode=MODE_NONE");
	run_init(&r, &fx->perf, sets, 1);
	assert_int_equal(run_with(fx, &r, marker_x), 0);
	lacks(r.out, "events:");
	run_free(&r);
}

static void expect_bad_param(struct fixture *fx, const char *set, const char *in_message)
{
	const char *sets[] = {set};
	struct run r;

	run_init(&r, &fx->perf, sets, 1);
	assert_int_not_equal(run_with(fx, &r, NULL), 0);
	assert_string_equal(eucc_code_name(r.err.code), "bad_param");
	contains(r.err.message, in_message);
	contains(r.err.hint, "target_ppid (pid_t), only_comm (char[16]), mode (enum exec_mode)");
	run_free(&r);
}

static void test_bad_param(void **state)
{
	struct fixture *fx = *state;

	expect_bad_param(fx, "nosuch=1", "no parameter 'nosuch'");
	expect_bad_param(fx, "target_ppid=abc", "not a signed 32-bit integer");
	expect_bad_param(fx, "target_ppid=2147483648", "not a signed 32-bit integer");
	expect_bad_param(fx, "target_ppid", "NAME=VALUE");
	expect_bad_param(fx, "only_comm=a_name_longer_than_15", "longer than 15 characters");
	expect_bad_param(fx, "mode=MODE_SOME", "not one of MODE_ALL, MODE_NONE");
}

/* A BTF with the types of parameters, to parse values into. */
static void test_params_parse(void **state)
{
	struct btf *btf = btf__new_empty();
	int u8, s32, u64, b, ch, arr, en;
	unsigned char buf[16];
	char why[128];

	(void)state;
	u8 = btf__add_int(btf, "unsigned char", 1, 0);
	s32 = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	u64 = btf__add_int(btf, "long long unsigned int", 8, 0);
	b = btf__add_int(btf, "_Bool", 1, BTF_INT_BOOL);
	ch = btf__add_int(btf, "char", 1, BTF_INT_SIGNED);
	arr = btf__add_array(btf, s32, ch, 4);
	en = btf__add_enum(btf, "color", 4);
	btf__add_enum_value(btf, "RED", 0);
	btf__add_enum_value(btf, "BLUE", 7);

	assert_int_equal(params_parse(btf, u8, "255", buf, why, sizeof(why)), 0);
	assert_int_equal(buf[0], 255);
	assert_int_equal(params_parse(btf, u8, "0x10", buf, why, sizeof(why)), 0);
	assert_int_equal(buf[0], 16);
	assert_int_not_equal(params_parse(btf, u8, "256", buf, why, sizeof(why)), 0);
	assert_int_not_equal(params_parse(btf, u8, "-1", buf, why, sizeof(why)), 0);
	assert_int_not_equal(params_parse(btf, u8, " 1", buf, why, sizeof(why)), 0);
	assert_int_equal(params_parse(btf, s32, "-2147483648", buf, why, sizeof(why)), 0);
	assert_int_equal(*(int32_t *)buf, INT32_MIN);
	assert_int_not_equal(params_parse(btf, s32, "1x", buf, why, sizeof(why)), 0);
	assert_int_equal(params_parse(btf, u64, "18446744073709551615", buf, why, sizeof(why)), 0);
	assert_true(*(uint64_t *)buf == UINT64_MAX);
	assert_int_not_equal(params_parse(btf, u64, "18446744073709551616", buf, why, sizeof(why)),
			     0);
	assert_int_equal(params_parse(btf, b, "yes", buf, why, sizeof(why)), 0);
	assert_int_equal(buf[0], 1);
	assert_int_equal(params_parse(btf, b, "false", buf, why, sizeof(why)), 0);
	assert_int_equal(buf[0], 0);
	assert_int_not_equal(params_parse(btf, b, "maybe", buf, why, sizeof(why)), 0);
	memset(buf, 0xff, sizeof(buf));
	assert_int_equal(params_parse(btf, arr, "abc", buf, why, sizeof(why)), 0);
	assert_string_equal((char *)buf, "abc");
	assert_int_not_equal(params_parse(btf, arr, "abcd", buf, why, sizeof(why)), 0);
	assert_int_equal(params_parse(btf, en, "BLUE", buf, why, sizeof(why)), 0);
	assert_int_equal(*(int32_t *)buf, 7);
	assert_int_not_equal(params_parse(btf, en, "GREEN", buf, why, sizeof(why)), 0);
	contains(why, "RED, BLUE");
	btf__free(btf);
}

static void test_loader_params(void **state)
{
	struct fixture *fx = *state;
	struct loader_input in = {.name = "execsnoop",
				  .arch = arch_host(),
				  .object = fx->perf.data,
				  .object_size = fx->perf.size};
	struct eucc_error err;
	struct loader_param *p;
	size_t n;

	assert_int_equal(loader_params(&in, &p, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_string_equal(p[0].name, "target_ppid");
	assert_string_equal(p[0].type, "pid_t");
	assert_string_equal(p[0].def, "0");
	assert_string_equal(p[1].name, "only_comm");
	assert_string_equal(p[1].type, "char[16]");
	assert_string_equal(p[1].def, "\"\"");
	assert_string_equal(p[2].name, "mode");
	assert_string_equal(p[2].type, "enum exec_mode");
	assert_string_equal(p[2].def, "MODE_ALL");
	loader_params_free(p, n);

	/* no read-only globals: none, not an error */
	in.object = fx->hist.data;
	in.object_size = fx->hist.size;
	assert_int_equal(loader_params(&in, &p, &n, &err), 0);
	assert_int_equal(n, 0);
	loader_params_free(p, n);

	/* not an object: the loader's error */
	in.object = "not ELF";
	in.object_size = 7;
	assert_int_not_equal(loader_params(&in, &p, &n, &err), 0);
	assert_string_equal(eucc_code_name(err.code), "bad_object");
	assert_null(p);
	assert_int_equal(n, 0);
}

/* ---- load failures ---- */

static void test_verifier_rejects(void **state)
{
	struct fixture *fx = *state;
	struct run r;
	const char *last;
	int lines = 0;

	run_init(&r, &fx->reject, NULL, 0);
	assert_int_not_equal(run_with(fx, &r, NULL), 0);
	assert_string_equal(eucc_code_name(r.err.code), "verifier");
	contains(r.err.message, "program 'read_unchecked' was rejected by the verifier");
	contains(r.err.message, "return *v;"); /* source line info survives llvm-strip -g */
	last = strrchr(r.err.message, '\n');
	assert_non_null(last);
	assert_string_equal(last + 1, "R0 invalid mem access 'map_value_or_null'");
	for (const char *p = r.err.message; *p; p++)
		lines += *p == '\n';
	assert_true(lines <= 21);
	run_free(&r);
}

/* The verifier log trimmed: the error line, at most 20 lines before, no statistics. */
static void test_trim_verifier_log(void **state)
{
	char log[8192], out[1024];
	size_t len = 0;
	int lines = 0;

	(void)state;
	for (int i = 0; i < 100; i++)
		len += (size_t)snprintf(log + len, sizeof(log) - len, "%d: (b7) r1 = %d\n", i, i);
	len += (size_t)snprintf(log + len, sizeof(log) - len,
				"R0 !read_ok\nprocessed 100 insns (limit 1000000)\n\n");
	log_trim_verifier(log, len, 20, out, sizeof(out));
	for (const char *p = out; *p; p++)
		lines += *p == '\n';
	assert_int_equal(lines, 20);
	assert_true(!strncmp(out, "80: (b7) r1 = 80\n", 17));
	assert_non_null(strstr(out, "99: (b7) r1 = 99\nR0 !read_ok"));
	assert_null(strstr(out, "processed"));
	log_trim_verifier(log, len, 20, out, 60); /* little room: the error line first */
	assert_non_null(strstr(out, "R0 !read_ok"));
	assert_true(strlen(out) < 60);
	/* the verifier's notes on the program's BTF arguments, at the start, are left out */
	len = (size_t)snprintf(
	    log, sizeof(log),
	    "arg#0 type is not a struct\nUnrecognized arg#0 type PTR\n"
	    "; x = 1; @ p.c:3\n0: (b7) r1 = 1\nfailed to resolve CO-RE relocation\n");
	log_trim_verifier(log, len, 20, out, sizeof(out));
	assert_null(strstr(out, "arg#0"));
	assert_true(!strncmp(out, "; x = 1; @ p.c:3\n", 17));
	assert_non_null(strstr(out, "failed to resolve CO-RE relocation"));
}

static void test_wrong_arch(void **state)
{
	struct fixture *fx = *state;
	struct loader_opts opts = {.sz = sizeof(opts)};
	struct run r;
	char desc[256];

	run_init(&r, &fx->perf, NULL, 0);
	r.in.arch = strcmp(arch_host(), "arm64") ? "arm64" : "x86_64";
	assert_int_not_equal(run_with(fx, &r, NULL), 0);
	assert_string_equal(eucc_code_name(r.err.code), "wrong_arch");
	contains(r.err.message, "the package is built for");
	assert_int_not_equal(loader_pick_btf(&r.in, &opts, desc, sizeof(desc), &r.err), 0);
	assert_string_equal(eucc_code_name(r.err.code), "wrong_arch");
	run_free(&r);
}

/* A seccomp filter that fails bpf() with EPERM, as a hardened container does. */
static int deny_bpf(void)
{
	struct sock_filter f[] = {
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_bpf, 0, 1),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {.len = sizeof(f) / sizeof(f[0]), .filter = f};

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -1;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}

static int drop_root(void)
{
	return setgroups(0, NULL) || setgid(65534) || setuid(65534) ? -1 : 0;
}

/* Run the perf snoop in a child after @prepare; its error goes to @err. */
static void run_in_child(struct fixture *fx, int (*prepare)(void), struct eucc_error *err)
{
	int fds[2], status;
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct run r;

		close(fds[0]);
		run_init(&r, &fx->perf, NULL, 0);
		r.opts.duration_sec = 1;
		r.opts.out = stderr;
		if (prepare() || loader_run(&r.in, &r.opts, &r.err) == 0)
			_exit(1);
		_exit(write(fds[1], &r.err, sizeof(r.err)) == sizeof(r.err) ? 0 : 1);
	}
	close(fds[1]);
	assert_int_equal(read(fds[0], err, sizeof(*err)), sizeof(*err));
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void test_not_root_and_denied(void **state)
{
	struct fixture *fx = *state;
	struct eucc_error err;

	run_in_child(fx, drop_root, &err);
	assert_string_equal(eucc_code_name(err.code), "not_root");
	assert_string_equal(err.message, "eucc-remote run needs root (or CAP_BPF and CAP_PERFMON)");
	run_in_child(fx, deny_bpf, &err);
	assert_string_equal(eucc_code_name(err.code), "bpf_denied");
	contains(err.hint, "seccomp");
}

/* ---- BTF choice ---- */

static const char junk[] = "not BTF";
static const struct loader_btf bundle[] = {
    {"6.1.0-47-cloud-amd64", "x86_64", junk, sizeof(junk)},
    {"5.10.0-32-cloud-amd64", "x86_64", junk, sizeof(junk)},
    {"6.1.0-47-cloud-arm64", "arm64", junk, sizeof(junk)},
};

static int pick(enum loader_btf_mode mode, const char *release, const char *native, char *desc,
		struct eucc_error *err)
{
	struct loader_input in = {
	    .name = "execsnoop", .arch = "x86_64", .btfs = bundle, .nbtfs = 3};
	struct loader_opts opts = {.sz = sizeof(opts),
				   .btf_mode = mode,
				   .btf_path = native,
				   .release_override = release,
				   .native_btf_override = native};

	return loader_pick_btf(&in, &opts, desc, 256, err);
}

static void test_pick_btf(void **state)
{
	const char *none = "/nonexistent/vmlinux";
	struct eucc_error err;
	char desc[256];

	(void)state;
	if (strcmp(arch_host(), "x86_64"))
		skip();
	assert_int_equal(pick(LOADER_BTF_AUTO, NULL, NULL, desc, &err), 0);
	assert_string_equal(desc, NATIVE_BTF_PATH);
	assert_int_equal(pick(LOADER_BTF_AUTO, "6.1.0-47-cloud-amd64", none, desc, &err), 0);
	assert_string_equal(desc, "bundled 6.1.0-47-cloud-amd64");
	assert_int_equal(pick(LOADER_BTF_BUNDLED, "5.10.0-32-cloud-amd64", NULL, desc, &err), 0);
	assert_string_equal(desc, "bundled 5.10.0-32-cloud-amd64");
	assert_int_equal(pick(LOADER_BTF_PATH, NULL, NATIVE_BTF_PATH, desc, &err), 0);
	assert_string_equal(desc, NATIVE_BTF_PATH);
	assert_int_equal(pick(LOADER_BTF_NATIVE, "5.10.0-32-cloud-amd64", NULL, desc, &err), 0);
	assert_string_equal(desc, NATIVE_BTF_PATH);

	/* the bundled arm64 one is no use on x86_64 */
	assert_int_equal(pick(LOADER_BTF_AUTO, "6.1.0-47-cloud-arm64", none, desc, &err), -ENOENT);
	assert_string_equal(eucc_code_name(err.code), "no_btf");
	assert_int_equal(pick(LOADER_BTF_AUTO, "4.19.0-27-amd64", none, desc, &err), -ENOENT);
	assert_string_equal(eucc_code_name(err.code), "no_btf");
	assert_string_equal(err.message, "no BTF for this kernel (4.19.0-27-amd64): it has no "
					 "/sys/kernel/btf/vmlinux and the package bundles none "
					 "for it");
	contains(err.hint, "6.1.0-47-cloud-amd64, 5.10.0-32-cloud-amd64, "
			   "6.1.0-47-cloud-arm64 (arm64)");
	contains(err.hint, "eucc-remote compile execsnoop.bpf.c --kernel 4.19.0-27-amd64");
	assert_int_equal(eucc_error_exit_code(&err), EUCC_EXIT_INPUT);
	assert_int_equal(pick(LOADER_BTF_BUNDLED, "4.19.0-27-amd64", NULL, desc, &err), -ENOENT);
	assert_string_equal(eucc_code_name(err.code), "no_btf");
	contains(err.message, "--btf bundled was asked for, and the package bundles none for it");
	assert_int_equal(pick(LOADER_BTF_NATIVE, NULL, none, desc, &err), -ENOENT);
	assert_string_equal(eucc_code_name(err.code), "no_btf");
	assert_int_equal(pick(LOADER_BTF_PATH, NULL, none, desc, &err), -ENOENT);
	assert_string_equal(eucc_code_name(err.code), "no_btf");
}

/* A host without BTF, as far as CO-RE goes: the minimized BTF the package bundles for it. */
static void test_bundled_min_btf(void **state)
{
	struct fixture *fx = *state;
	struct loader_btf b = {fx->release, arch_host(), fx->min_btf.data, fx->min_btf.size};
	struct loader_btf bad = {fx->release, arch_host(), junk, sizeof(junk)};
	struct run r;

	run_init(&r, &fx->perf, NULL, 0);
	r.in.btfs = &b;
	r.in.nbtfs = 1;
	r.opts.btf_mode = LOADER_BTF_BUNDLED;
	assert_int_equal(run_with(fx, &r, marker_x), 0);
	contains(r.out, "comm=eucc_marker_x\n");
	run_free(&r);

	run_init(&r, &fx->perf, NULL, 0); /* auto, where the kernel has none */
	r.in.btfs = &b;
	r.in.nbtfs = 1;
	r.opts.native_btf_override = "/nonexistent/vmlinux";
	assert_int_equal(run_with(fx, &r, marker_x), 0);
	contains(r.out, "comm=eucc_marker_x\n");
	run_free(&r);

	run_init(&r, &fx->perf, NULL, 0); /* it is the bundled one that CO-RE reads */
	r.in.btfs = &bad;
	r.in.nbtfs = 1;
	r.opts.btf_mode = LOADER_BTF_BUNDLED;
	assert_int_not_equal(run_with(fx, &r, NULL), 0);
	assert_string_equal(eucc_code_name(r.err.code), "load_failed");
	run_free(&r);
}

static void no_temp_btf_left(struct fixture *fx)
{
	struct dirent *e;
	DIR *d = opendir(fx->dir); /* TMPDIR of this test */

	assert_non_null(d);
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, "eucc-btf-", 9))
			fail_msg("temp BTF left: %s", e->d_name);
	closedir(d);
}

static void test_no_temp_btf_left(void **state)
{
	no_temp_btf_left(*state);
}

/* ---- stopping ---- */

/* Whether @pid blocks SIGTERM (the loader reads it from a signalfd then). */
static bool blocks_sigterm(pid_t pid)
{
	char path[64], line[256];
	unsigned long long mask = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "SigBlk: %llx", &mask) == 1)
			break;
	fclose(f);
	return mask & (1ULL << (SIGTERM - 1));
}

/* SIGTERM ends a run without a duration cleanly: maps dumped, exit 0. */
static void test_sigterm_stops(void **state)
{
	struct fixture *fx = *state;
	char path[128], *text;
	size_t len;
	int status;
	pid_t pid;

	snprintf(path, sizeof(path), "%s/sigterm.out", fx->dir);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct run r;
		FILE *f = fopen(path, "w");

		run_init(&r, &fx->hist, NULL, 0);
		r.opts.duration_sec = 0;
		r.opts.out = f;
		_exit(f && loader_run(&r.in, &r.opts, &r.err) == 0 && fclose(f) == 0 ? 0 : 1);
	}
	for (int i = 0; i < 500 && !blocks_sigterm(pid); i++)
		usleep(10 * 1000);
	assert_true(blocks_sigterm(pid));
	usleep(500 * 1000);
	exec_marker(fx, "eucc_marker_x");
	usleep(300 * 1000);
	assert_int_equal(kill(pid, SIGTERM), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(fs_read_file(path, 1 << 20, (void **)&text, &len), 0);
	contains(text, "hists: key=0");
	contains(text, "total: key=0 value=");
	free(text);
}

int main(void)
{
	/* clang-format off */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_params_parse),
		cmocka_unit_test(test_trim_verifier_log),
		cmocka_unit_test(test_pick_btf),
		cmocka_unit_test(test_event_section),
		cmocka_unit_test(test_loader_params),
		cmocka_unit_test(test_bad_param),
		cmocka_unit_test(test_wrong_arch),
		cmocka_unit_test(test_verifier_rejects),
		cmocka_unit_test(test_not_root_and_denied),
		cmocka_unit_test(test_mounts_tracefs),
		cmocka_unit_test(test_perf_events),
		cmocka_unit_test(test_ring_events),
		cmocka_unit_test(test_histogram_and_maps),
		cmocka_unit_test(test_tools),
		cmocka_unit_test(test_set_changes_behaviour),
		cmocka_unit_test(test_bundled_min_btf),
		cmocka_unit_test(test_sigterm_stops),
		cmocka_unit_test(test_no_temp_btf_left),
	};
	/* clang-format on */
	return cmocka_run_group_tests(tests, setup, teardown);
}
