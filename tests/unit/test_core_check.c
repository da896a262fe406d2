/* SPDX-License-Identifier: Apache-2.0 */
/*
 * CO-RE checks on real data: the programs of tests/data/core (and two of tests/data/truth)
 * compiled against the 6.12 header, checked against the fixture kernels and this machine's
 * own; the minimized BTF loaded and attached here for real with libbpf, and compared with
 * `bpftool gen min_core_btf`.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <cjson/cJSON.h>
#include <cmocka.h>

#include "btfhub.h"
#include "store_fixture.h"
#include "core.h"
#include "core_internal.h"

#define BCLINUX	     "4.19.90-2107.6.0.0248.35.oe1.bclinux.x86_64"
#define KYLIN_OLD    "4.19.90-24.4.v2101.ky10.aarch64"	/* plain 4.19 helper table */
#define KYLIN_NOFUNC "4.19.90-52.22.v2207.ky10.aarch64" /* BTF without FUNC records */
#define DEB11	     "5.10.0-32-cloud-amd64"
#define DEB12	     "6.1.0-47-cloud-amd64"
#define DEB12_612    "6.12.100+deb12-cloud-amd64"
#define DEB12_ARM    "6.1.0-47-cloud-arm64"
#define BPFTOOL	     "/usr/sbin/bpftool"
#define DATA_DIR     EUCC_SOURCE_DIR "/tests/data/core"
#define TRUTH_DIR    EUCC_SOURCE_DIR "/tests/data/truth"

/* tests/data/core/NAME.bpf.c */
static const char *const programs[] = {
    "basic",	    "state",	    "state_guarded",  "subprog",      "loop",
    "ringbuf",	    "probe_read",   "kprobe_missing", "rich",	      "messages",
    "reach_disk",   "reach_flavor", "reach_param",    "reach_stored", "reach_subprog",
    "reach_global", "reach_narrow", "reach_match",    "attach",	      "helper_type",
    "user_sized",   "map_helper",
};

/* tests/data/truth/NAME.bpf.c, the truth table's programs that these tests check too */
static const char *const truth_programs[] = {"loop_guarded", "ringbuf_compat", "ringbuf_fallback"};

/* The directory of program @name's source. */
static const char *source_dir(const char *name)
{
	for (size_t i = 0; i < sizeof(truth_programs) / sizeof(truth_programs[0]); i++)
		if (!strcmp(name, truth_programs[i]))
			return TRUTH_DIR;
	return DATA_DIR;
}

struct fixture {
	char dir[64];
	char local[256]; /* uname -r */
	struct btf_store *store;
};

static struct fixture fx;

static int compile(const char *inc, const char *name)
{
	char cmd[4 * PATH_MAX];

	snprintf(cmd, sizeof(cmd),
		 "%s -target bpf -O2 -g -D__TARGET_ARCH_x86 -I%s -c %s/%s.bpf.c -o %s/%s.o",
		 EUCC_CLANG, inc, source_dir(name), name, fx.dir, name);
	return system(cmd);
}

static int compile_list(const char *inc, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (compile(inc, names[i])) {
			fprintf(stderr, "compiling %s failed\n", names[i]);
			return -1;
		}
	return 0;
}

/* Every program, against the newest header (6.12), as the compile pipeline does. */
static int compile_all(void)
{
	char header[PATH_MAX], inc[PATH_MAX], cmd[3 * PATH_MAX];
	struct eucc_error err;
	struct btf_kernel k;

	if (btf_store_get(fx.store, DEB12_612, NULL, &k, &err) ||
	    btf_store_header(fx.store, &k, header, sizeof(header), &err))
		return -1;
	snprintf(inc, sizeof(inc), "%s/inc", fx.dir);
	snprintf(cmd, sizeof(cmd), "mkdir -p %s && ln -sf %s %s/vmlinux.h", inc, header, inc);
	if (system(cmd))
		return -1;
	return compile_list(inc, programs, sizeof(programs) / sizeof(programs[0])) ||
		       compile_list(inc, truth_programs,
				    sizeof(truth_programs) / sizeof(truth_programs[0]))
		   ? -1
		   : 0;
}

static int setup(void **state)
{
	struct btf_import_opts o = {.sz = sizeof(o)};
	struct eucc_error err = {0};
	struct utsname u;

	if (store_fixture_open(fx.dir, sizeof(fx.dir), "/tmp/eucc-core", &fx.store) || uname(&u))
		return -1;
	snprintf(fx.local, sizeof(fx.local), "%s", u.release);
	o.release = fx.local;
	o.arch = arch_host();
	if (btf_store_import(fx.store, "/sys/kernel/btf/vmlinux", &o, NULL, &err) != 1) {
		fprintf(stderr, "import of the local kernel: %s\n", err.message);
		return -1;
	}
	*state = &fx;
	return compile_all();
}

static int teardown(void **state)
{
	(void)state;
	return store_fixture_close(fx.dir, fx.store);
}

static struct bpf_obj_view *open_obj(const char *name)
{
	struct bpf_obj_view *obj;
	struct eucc_error err;
	char path[PATH_MAX];
	void *data;
	size_t len;

	snprintf(path, sizeof(path), "%s/%s.o", fx.dir, name);
	assert_int_equal(fs_read_file(path, 64 << 20, &data, &len), 0);
	assert_int_equal(obj_view_open(data, len, &obj, &err), 0);
	free(data);
	return obj;
}

static void print_report(const char *name, const char *release, const struct core_report *r)
{
	fprintf(stderr, "%-15s %-45s %-12s relocs %u, min BTF %zu bytes\n", name, release,
		core_status_name(r->status), r->relocs, r->min_btf_size);
	for (size_t i = 0; i < r->count; i++)
		fprintf(stderr, "    %s %s %s:%d: %s\n",
			core_severity_name(r->findings[i].severity), r->findings[i].kind,
			r->findings[i].file, r->findings[i].line, r->findings[i].message);
}

/* Check program @name against stored kernel @release (with its feature tables if @features). */
static void check_with(const char *name, const char *release, bool features, struct core_report *r)
{
	struct core_check_opts o = {.sz = sizeof(o), .release = release};
	struct bpf_obj_view *obj = open_obj(name);
	struct btf_features f = {0};
	struct eucc_error err;
	struct btf_kernel k;
	struct btf *btf;

	assert_int_equal(btf_store_get(fx.store, release, NULL, &k, &err), 0);
	assert_int_equal(btf_store_load(fx.store, &k, &btf, &err), 0);
	assert_int_equal(btf_store_features(fx.store, &k, &f, &err), 0);
	assert_int_equal(core_check(obj, btf, features ? &f : NULL, &o, r, &err), 0);
	print_report(name, release, r);
	btf_features_free(&f);
	btf__free(btf);
	obj_view_free(obj);
}

static void check(const char *name, const char *release, struct core_report *r)
{
	check_with(name, release, true, r);
}

static void expect_status(const char *name, const char *release, enum core_status want)
{
	struct core_report r;

	check(name, release, &r);
	assert_string_equal(core_status_name(r.status), core_status_name(want));
	core_report_free(&r);
}

static const struct core_finding *find(const struct core_report *r, const char *kind,
				       const char *text)
{
	for (size_t i = 0; i < r->count; i++)
		if (!strcmp(r->findings[i].kind, kind) && strstr(r->findings[i].message, text))
			return &r->findings[i];
	return NULL;
}

/* The line of NAME.bpf.c (tests/data/core or truth) that carries the FINDING marker. */
static int marker_line(const char *name)
{
	char path[PATH_MAX], *text, *p;
	size_t len;
	int line = 1;

	snprintf(path, sizeof(path), "%s/%s.bpf.c", source_dir(name), name);
	assert_int_equal(fs_read_file(path, 1 << 20, (void **)&text, &len), 0);
	p = strstr(text, "/* FINDING */");
	assert_non_null(p);
	for (char *c = text; c < p; c++)
		line += *c == '\n';
	free(text);
	return line;
}

/* The finding points at @name's marked line. */
static void assert_at_marker(const struct core_finding *f, const char *name)
{
	char file[64];

	snprintf(file, sizeof(file), "/%s.bpf.c", name);
	assert_true(strlen(f->file) > strlen(file));
	assert_string_equal(f->file + strlen(f->file) - strlen(file), file);
	assert_int_equal(f->line, marker_line(name));
}

/* BPF_CORE_READ(task, tgid), BPF_ANY, a perf buffer with BPF_F_CURRENT_CPU: fine everywhere. */
static void test_basic_everywhere(void **state)
{
	const char *rel[] = {BCLINUX, DEB11, DEB12, DEB12_612, fx.local};

	(void)state;
	for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++)
		expect_status("basic", rel[i], CORE_OK);
}

/* task_struct->__state unguarded: 5.14+ only, and the finding says where and why. */
static void test_state_unguarded(void **state)
{
	const char *old[] = {DEB11, BCLINUX};
	const char *new[] = {DEB12, DEB12_612, fx.local};

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		const struct core_finding *f;
		struct core_report r;

		check("state", old[i], &r);
		assert_int_equal(r.status, CORE_INCOMPATIBLE);
		f = find(&r, "field", "task_struct.__state: no such field");
		assert_non_null(f);
		assert_int_equal(f->severity, CORE_ERROR);
		assert_non_null(strstr(f->message, old[i]));
		assert_non_null(strstr(f->message, "(it has 'state')"));
		assert_at_marker(f, "state");
		core_report_free(&r);
	}
	for (size_t i = 0; i < 3; i++)
		expect_status("state", new[i], CORE_OK);
}

/* Subprograms count for the programs that call them; code no program calls is not loaded. */
static void test_subprograms(void **state)
{
	const struct core_finding *f;
	struct core_report r;

	(void)state;
	check("subprog", DEB11, &r);
	assert_int_equal(r.status, CORE_INCOMPATIBLE);
	assert_int_equal(r.count, 1);
	assert_int_equal(r.relocs, 2); /* tgid, and __state in read_state() */
	assert_non_null(f = find(&r, "field", "task_struct.__state: no such field"));
	assert_at_marker(f, "subprog");
	core_report_free(&r);
	expect_status("subprog", DEB12, CORE_OK);
}

/* The same with bpf_core_field_exists and a task_struct___pre514 flavor: fine everywhere. */
static void test_state_guarded(void **state)
{
	const char *rel[] = {BCLINUX, KYLIN_OLD, KYLIN_NOFUNC, DEB11, DEB12, DEB12_612, fx.local};

	(void)state;
	for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++)
		expect_status("state_guarded", rel[i], CORE_OK);
}

static void test_bpf_loop(void **state)
{
	const struct core_finding *f;
	struct core_report r;

	(void)state;
	check("loop", DEB11, &r);
	assert_int_equal(r.status, CORE_INCOMPATIBLE);
	assert_non_null(f = find(&r, "helper", "bpf_loop"));
	assert_non_null(strstr(f->message, DEB11));
	assert_at_marker(f, "loop");
	core_report_free(&r);
	expect_status("loop", DEB12, CORE_OK);
}

static void test_ringbuf(void **state)
{
	const char *ok[] = {DEB11, DEB12, DEB12_612, fx.local};
	const struct core_finding *f;
	struct core_report r;

	(void)state;
	check("ringbuf", BCLINUX, &r);
	assert_int_equal(r.status, CORE_INCOMPATIBLE);
	assert_non_null(f = find(&r, "map", "map 'events': map type ringbuf is not available"));
	assert_at_marker(f, "ringbuf");
	core_report_free(&r);
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		expect_status("ringbuf", ok[i], CORE_OK);
	/* without feature tables, only the relocations are checked */
	check_with("ringbuf", BCLINUX, false, &r);
	assert_int_equal(r.status, CORE_OK);
	core_report_free(&r);
}

static bool has_helper(const char *release, const char *name)
{
	struct btf_features f;
	struct eucc_error err;
	struct btf_kernel k;
	bool found = false;

	assert_int_equal(btf_store_get(fx.store, release, NULL, &k, &err), 0);
	assert_int_equal(btf_store_features(fx.store, &k, &f, &err), 0);
	for (size_t i = 0; i < f.count; i++)
		found |= f.items[i].kind == BTF_FEATURE_HELPER && !strcmp(f.items[i].name, name);
	btf_features_free(&f);
	return found;
}

/* bpf_probe_read_kernel{,_str} on 4.19: libbpf falls back to bpf_probe_read{,_str}. */
static void test_probe_read_rewrite(void **state)
{
	(void)state;
	expect_status("probe_read", BCLINUX, CORE_OK);
	/* a plain 4.19 lacks them: the rewrite is what makes it fine */
	assert_false(has_helper(KYLIN_OLD, "BPF_FUNC_probe_read_kernel"));
	assert_true(has_helper(KYLIN_OLD, "BPF_FUNC_probe_read"));
	expect_status("probe_read", KYLIN_OLD, CORE_OK);
	expect_status("loop", KYLIN_OLD, CORE_INCOMPATIBLE); /* no rewrite for other helpers */
}

static void test_kprobe_target(void **state)
{
	const struct core_finding *f;
	struct core_report r;

	(void)state;
	check("kprobe_missing", DEB12, &r);
	assert_int_equal(r.status, CORE_INCOMPATIBLE);
	assert_non_null(f = find(&r, "attach", "'eucc_no_such_function' does not exist"));
	assert_int_equal(f->severity, CORE_ERROR);
	assert_true(f->line > 0);
	core_report_free(&r);

	check("kprobe_missing", KYLIN_NOFUNC, &r);
	assert_int_equal(r.status, CORE_STATUS_WARNING);
	assert_non_null(f = find(&r, "attach", "cannot tell"));
	assert_int_equal(f->severity, CORE_WARNING);
	core_report_free(&r);
}

/* Why each kind of relocation fails, and kfuncs, fentry targets, syscall tracepoints. */
static void test_messages(void **state)
{
	const char *text[][2] = {
	    {"field", "task_struct.tgid: incompatible type in " DEB11
		      " (the kernel has 'int', the program a pointer)"},
	    {"field",
	     "task_struct.comm[20]: index out of range in " DEB11 " (the array has 16 elements)"},
	    {"enum", "enum bpf_func_id: no value BPF_FUNC_loop in " DEB11},
	    {"type", "struct eucc_no_such_struct: no such type in " DEB11},
	    {"helper", "kfunc bpf_task_acquire is not available in " DEB11},
	    {"helper", "bpf_get_current_task_btf (helper #158) is not available"},
	    {"attach", "function 'eucc_no_such_function' does not exist in " DEB11},
	};
	const struct core_finding *f;
	struct core_report r;

	(void)state;
	check("messages", DEB11, &r);
	for (size_t i = 0; i < sizeof(text) / sizeof(text[0]); i++)
		assert_non_null(find(&r, text[i][0], text[i][1]));
	assert_int_equal(find(&r, "type", "eucc_no_such_struct")->severity, CORE_WARNING);
	assert_null(find(&r, "attach", "sys_enter_openat"));
	core_report_free(&r);

	check("messages", DEB12_612, &r);
	assert_null(find(&r, "helper", "")); /* bpf_task_acquire is there since 6.2 */
	assert_null(find(&r, "enum", ""));
	assert_non_null(f = find(&r, "attach", "eucc_no_such_function"));
	assert_true(strstr(f->file, "messages.bpf.c") && f->line > 0);
	core_report_free(&r);
}

/* The worst finding of kind "attach" that names program @prog: -1 none, else its severity. */
static int attach_verdict(const struct core_report *r, const char *prog)
{
	char quoted[160];
	int worst = -1;

	snprintf(quoted, sizeof(quoted), "program '%s'", prog);
	for (size_t i = 0; i < r->count; i++)
		if ((!strcmp(r->findings[i].kind, "attach") ||
		     !strcmp(r->findings[i].kind, "program")) &&
		    strstr(r->findings[i].message, quoted) &&
		    (worst < 0 || r->findings[i].severity == CORE_ERROR))
			worst = (int)r->findings[i].severity;
	return worst;
}

#define NONE (-1)
#define ERR  CORE_ERROR
#define WARN CORE_WARNING

/* What each kernel can attach, from its BTF: kprobes, kprobe.multi, uprobes, trampolines, the
 * BPF LSM (never confirmed: its boot-time enabling is not in BTF), perf_event (user space). */
static void test_attach_capability(void **state)
{
	static const char *const progs[] = {"kp_read",	"kpm_read", "up_getpid",    "fe_read",
					    "lsm_open", "on_cpu",   "ks_nanosleep", "xdp_pass"};
	const struct {
		const char *release;
		int want[8];
	} rows[] = {
	    {BCLINUX, {NONE, ERR, NONE, ERR, ERR, WARN, NONE, WARN}},	/* 4.19: no trampolines */
	    {KYLIN_OLD, {NONE, ERR, NONE, ERR, ERR, WARN, NONE, WARN}}, /* arm64 4.19 */
	    /* no FUNC records, no arm64 JIT */
	    {KYLIN_NOFUNC, {WARN, ERR, NONE, ERR, ERR, WARN, WARN, WARN}},
	    {DEB11, {NONE, ERR, NONE, NONE, WARN, WARN, NONE, WARN}},
	    {DEB12, {NONE, ERR, NONE, NONE, WARN, WARN, NONE, WARN}},	  /* no CONFIG_FPROBE */
	    {DEB12_ARM, {NONE, ERR, NONE, NONE, WARN, WARN, NONE, WARN}}, /* arm64 trampolines */
	    {DEB12_612, {NONE, NONE, NONE, NONE, WARN, WARN, NONE, WARN}},
	    /* built without CONFIG_KPROBES; its measured table: fentry and lsm do not load */
	    {fx.local, {ERR, ERR, NONE, ERR, ERR, WARN, ERR, WARN}},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct core_report r;

		check("attach", rows[i].release, &r);
		for (size_t j = 0; j < sizeof(progs) / sizeof(progs[0]); j++) {
			if (attach_verdict(&r, progs[j]) != rows[i].want[j])
				fail_msg("%s on %s: attach verdict %d, expected %d", progs[j],
					 rows[i].release, attach_verdict(&r, progs[j]),
					 rows[i].want[j]);
		}
		core_report_free(&r);
	}
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap);

/* Is 'bpf' in this host's list of active LSMs? (securityfs mounted in the test's namespace) */
static bool bpf_lsm_active(void)
{
	char buf[512] = "";
	FILE *f;

	if (access("/sys/kernel/security/lsm", R_OK))
		assert_int_equal(system("mount -t securityfs securityfs /sys/kernel/security"), 0);
	f = fopen("/sys/kernel/security/lsm", "r");
	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	for (char *t = strtok(buf, ",\n"); t; t = strtok(NULL, ",\n"))
		if (!strcmp(t, "bpf"))
			return true;
	return false;
}

/* Program @name of @obj_path alone: 0 attached, -EOPNOTSUPP libbpf cannot attach it, else the
 * load's or the attach's error. */
static int load_attach_one(const char *obj_path, const char *name)
{
	struct bpf_program *prog;
	struct bpf_object *bo = bpf_object__open_file(obj_path, NULL);
	struct bpf_link *link;
	int ret;

	assert_int_equal(libbpf_get_error(bo), 0);
	bpf_object__for_each_program(prog, bo)
		bpf_program__set_autoload(prog, !strcmp(bpf_program__name(prog), name));
	assert_non_null(bpf_object__find_program_by_name(bo, name));
	ret = bpf_object__load(bo);
	if (!ret) {
		link = bpf_program__attach(bpf_object__find_program_by_name(bo, name));
		ret = link ? 0 : -errno;
		bpf_link__destroy(link);
	}
	bpf_object__close(bo);
	return ret;
}

/* Every attach verdict for this host's kernel against what the kernel does with the program. */
static void test_attach_truth_here(void **state)
{
	static const char *const progs[] = {"kp_read",	"kpm_read", "up_getpid",    "fe_read",
					    "lsm_open", "on_cpu",   "ks_nanosleep", "xdp_pass"};
	char obj_path[PATH_MAX];
	struct core_report r;

	(void)state;
	libbpf_set_print(libbpf_print);
	snprintf(obj_path, sizeof(obj_path), "%s/attach.o", fx.dir);
	check("attach", fx.local, &r);
	for (size_t i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
		int verdict = attach_verdict(&r, progs[i]);
		int got = load_attach_one(obj_path, progs[i]);

		fprintf(stderr, "here: %-10s verdict %-7s load+attach %d\n", progs[i],
			verdict == NONE	 ? "ok"
			: verdict == ERR ? "error"
					 : "warning",
			got);
		if (verdict == NONE)
			assert_int_equal(got, 0);
		else if (verdict == ERR)
			assert_int_not_equal(got, 0);
		else if (!strcmp(progs[i], "on_cpu") || !strcmp(progs[i], "xdp_pass"))
			assert_int_equal(got, -EOPNOTSUPP); /* loaded; its user space attaches it */
		else
			assert_int_equal(got == 0, bpf_lsm_active());
	}
	core_report_free(&r);
}

/* raw_tp + bpf_get_socket_cookie: incompatible everywhere, measured here and by the rule
 * elsewhere, and the kernel here indeed refuses it. */
static void test_helper_per_prog_type(void **state)
{
	const char *rel[] = {BCLINUX, DEB11, DEB12, DEB12_612, fx.local};
	char obj_path[PATH_MAX];
	const struct core_finding *f;
	struct core_report r;

	(void)state;
	for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
		check("helper_type", rel[i], &r);
		assert_int_equal(r.status, CORE_INCOMPATIBLE);
		f = find(&r, "helper",
			 "raw_tracepoint programs may not call bpf_get_socket_cookie");
		assert_non_null(f);
		assert_int_equal(f->severity, CORE_ERROR);
		assert_at_marker(f, "helper_type");
		if (!strcmp(rel[i], fx.local))
			assert_non_null(strstr(f->message, "measured on that kernel"));
		core_report_free(&r);
	}
	snprintf(obj_path, sizeof(obj_path), "%s/helper_type.o", fx.dir);
	assert_int_equal(load_attach_one(obj_path, "switch_cookie"), -EINVAL);
}

/* Maps with max_entries 0 (sized by the tool's user space): a warning naming --map-size; as
 * they are, the kernel refuses to create them. */
static void test_user_sized_maps(void **state)
{
	const char *rel[] = {DEB11, DEB12_612, fx.local};
	char obj_path[PATH_MAX];
	const struct core_finding *f;
	struct core_report r;

	(void)state;
	for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
		check("user_sized", rel[i], &r);
		assert_int_equal(r.status, CORE_STATUS_WARNING);
		f = find(&r, "map",
			 "map 'counts' (hash) has max_entries 0: sized by its user space: "
			 "run with --map-size counts=N");
		assert_non_null(f);
		assert_at_marker(f, "user_sized");
		assert_non_null(find(&r, "map", "--map-size stacks=N"));
		assert_non_null(find(&r, "attach", "program 'on_cpu' (perf_event) is attached by"));
		core_report_free(&r);
	}
	snprintf(obj_path, sizeof(obj_path), "%s/user_sized.o", fx.dir);
	assert_int_equal(load_attach_one(obj_path, "count_exec"), -EINVAL);
}

/* The helper families eucc assumes for unmeasured kernels, against this kernel's measured
 * table: every helper it has, for each tracing program type. */
static void test_helper_rules_here(void **state)
{
	static const enum bpf_prog_type types[] = {BPF_PROG_TYPE_KPROBE, BPF_PROG_TYPE_TRACEPOINT,
						   BPF_PROG_TYPE_RAW_TRACEPOINT,
						   BPF_PROG_TYPE_PERF_EVENT};
	struct btf_features f;
	struct eucc_error err;
	struct btf_kernel k;
	int allowed = 0, refused = 0;

	(void)state;
	assert_int_equal(btf_store_get(fx.store, fx.local, NULL, &k, &err), 0);
	assert_int_equal(btf_store_features(fx.store, &k, &f, &err), 0);
	assert_true(f.known[BTF_FEATURE_PROG_HELPER]);
	for (size_t i = 0; i < f.count; i++) {
		char name[96];

		if (f.items[i].kind != BTF_FEATURE_HELPER)
			continue;
		btf_feature_display_name(&f.items[i], name, sizeof(name));
		for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
			enum core_helper_rule rule = core_helper_rule(types[t], name);
			bool ok = false;

			for (size_t j = 0; j < f.count; j++)
				ok |= f.items[j].kind == BTF_FEATURE_PROG_HELPER &&
				      f.items[j].value ==
					  BTF_FEATURE_PAIR(types[t], f.items[i].value);
			if (rule == CORE_HELPER_UNKNOWN)
				continue;
			if (ok != (rule == CORE_HELPER_ALLOWED))
				fail_msg("%s for program type %d: the rule says %s, the kernel %s",
					 name, types[t],
					 rule == CORE_HELPER_ALLOWED ? "allowed" : "refused",
					 ok ? "allows it" : "refuses it");
			allowed += rule == CORE_HELPER_ALLOWED;
			refused += rule == CORE_HELPER_REFUSED;
		}
	}
	fprintf(stderr, "helper rules agree with this kernel: %d allowed, %d refused pairs\n",
		allowed, refused);
	assert_true(allowed > 100 && refused > 100);
	btf_features_free(&f);
}

/* Global data needs Linux 5.2 (or a backport, as kylin 52.22 has). */
static void test_global_data(void **state)
{
	const struct core_finding *f;
	struct core_report r;

	(void)state;
	check("rich", BCLINUX, &r);
	assert_non_null(f = find(&r, "map", "uses global data (.rodata)"));
	assert_int_equal(f->severity, CORE_ERROR);
	core_report_free(&r);
	check("rich", KYLIN_NOFUNC, &r);
	assert_null(find(&r, "map", "global data"));
	assert_non_null(find(&r, "map", "ringbuf"));
	core_report_free(&r);
	expect_status("rich", DEB11, CORE_OK);
}

static const cJSON *by_name(const cJSON *arr, const char *name)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, arr) {
		if (!strcmp(cJSON_GetObjectItem(it, "name")->valuestring, name))
			return it;
	}
	fail_msg("no '%s' in the JSON", name);
	return NULL;
}

static void assert_json_str(const cJSON *o, const char *key, const char *want)
{
	const cJSON *v = cJSON_GetObjectItem(o, key);

	assert_true(cJSON_IsString(v));
	assert_string_equal(v->valuestring, want);
}

static void assert_json_num(const cJSON *o, const char *key, double want)
{
	const cJSON *v = cJSON_GetObjectItem(o, key);

	assert_true(cJSON_IsNumber(v));
	assert_true(v->valuedouble == want);
}

static void test_obj_json(void **state)
{
	struct bpf_obj_view *obj = open_obj("rich");
	cJSON *j = obj_view_json(obj);
	const cJSON *progs = cJSON_GetObjectItem(j, "programs"), *m, *g;

	(void)state;
	assert_int_equal(cJSON_GetArraySize(progs), 1);
	assert_json_str(cJSON_GetArrayItem(progs, 0), "name", "handle_exec");
	assert_json_str(cJSON_GetArrayItem(progs, 0), "section",
			"tracepoint/sched/sched_process_exec");
	assert_json_str(cJSON_GetArrayItem(progs, 0), "type", "tracepoint");
	assert_json_str(cJSON_GetArrayItem(progs, 0), "type_enum", "BPF_PROG_TYPE_TRACEPOINT");
	assert_json_str(cJSON_GetArrayItem(progs, 0), "attach", "sched/sched_process_exec");

	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j, "maps")), 2);
	m = by_name(cJSON_GetObjectItem(j, "maps"), "events");
	assert_json_str(m, "type", "ringbuf");
	assert_json_num(m, "max_entries", 1 << 16);
	m = by_name(cJSON_GetObjectItem(j, "maps"), "last");
	assert_json_str(m, "type", "hash");
	assert_json_num(m, "key_size", 4);
	assert_json_num(m, "value_size", 80); /* struct event */
	assert_json_num(m, "max_entries", 1024);

	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j, "globals")), 2);
	g = by_name(cJSON_GetObjectItem(j, "globals"), "target_tgid");
	assert_json_str(g, "type", "const volatile u32");
	assert_json_str(g, "section", ".rodata");
	assert_json_num(g, "size", 4);
	g = by_name(cJSON_GetObjectItem(j, "globals"), "exec_count");
	assert_json_str(g, "type", "u64");
	assert_json_str(g, "section", ".bss");
	assert_json_num(g, "size", 8);
	cJSON_Delete(j);
	obj_view_free(obj);
}

/* struct event of rich.bpf.c */
struct event {
	uint32_t tgid, ppid;
	uint64_t vruntime, start, arg_start;
	uint32_t state, flags;
	int32_t prio;
	uint32_t reset_on_fork, pidtype, task_size;
	uint16_t filename_loc;
	char comm[16];
};

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_WARN ? vfprintf(stderr, fmt, ap) : 0;
}

/* Run /bin/true; its pid. */
static pid_t run_true(void)
{
	pid_t pid = fork();
	int status;

	assert_true(pid >= 0);
	if (pid == 0) {
		execl("/bin/true", "true", (char *)NULL);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(status, 0);
	return pid;
}

/* Open @obj_path with @btf_path as btf_custom_path, load, attach, see one exec event. */
static void load_and_attach(const char *obj_path, const char *btf_path)
{
	LIBBPF_OPTS(bpf_object_open_opts, o, .btf_custom_path = btf_path);
	struct bpf_object *bo;
	struct bpf_link *link;
	struct event e = {0};
	size_t len;
	void *data;
	char dir[64];
	pid_t pid;

	assert_true(tracefs_ensure(dir, sizeof(dir), NULL) >= 0); /* a fresh host has none */
	assert_int_equal(fs_read_file(obj_path, 64 << 20, &data, &len), 0);
	bo = bpf_object__open_mem(data, len, &o);
	assert_int_equal(libbpf_get_error(bo), 0);
	assert_int_equal(bpf_object__load(bo), 0);
	link = bpf_program__attach(bpf_object__find_program_by_name(bo, "handle_exec"));
	assert_int_equal(libbpf_get_error(link), 0);
	pid = run_true();
	assert_int_equal(bpf_map__lookup_elem(bpf_object__find_map_by_name(bo, "last"), &pid,
					      sizeof(pid), &e, sizeof(e), 0),
			 0);
	/* the relocations went to the right places */
	assert_int_equal(e.tgid, pid);
	assert_int_equal(e.ppid, getpid());
	assert_string_equal(e.comm, "true");
	assert_true(e.task_size > 1000);
	bpf_link__destroy(link);
	bpf_object__close(bo);
	free(data);
}

/* The minimized BTF made against this machine's kernel: libbpf loads and attaches with it. */
static void test_min_btf_loads(void **state)
{
	char obj_path[PATH_MAX], btf_path[PATH_MAX];
	struct core_report r;

	(void)state;
	libbpf_set_print(libbpf_print);
	check("rich", fx.local, &r);
	assert_int_equal(r.status, CORE_OK);
	assert_true(r.relocs > 15);
	snprintf(obj_path, sizeof(obj_path), "%s/rich.o", fx.dir);
	snprintf(btf_path, sizeof(btf_path), "%s/rich-min.btf", fx.dir);
	assert_int_equal(fs_write_atomic(btf_path, r.min_btf, r.min_btf_size), 0);
	load_and_attach(obj_path, btf_path);
	core_report_free(&r);
}

static long bpftool_min_size(const struct btf_kernel *k, const char *name)
{
	char cmd[4 * PATH_MAX], out[PATH_MAX];
	struct stat st;

	snprintf(out, sizeof(out), "%s/%s-bpftool.btf", fx.dir, name);
	snprintf(cmd, sizeof(cmd), "%s gen min_core_btf %s %s %s/%s.o", BPFTOOL, k->path, out,
		 fx.dir, name);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(stat(out, &st), 0);
	return (long)st.st_size;
}

/* At most 1.2x what bpftool makes, on each x86 kernel, for every program with relocations. */
static void test_min_btf_size(void **state)
{
	const char *rel[] = {BCLINUX, DEB11, DEB12, DEB12_612, fx.local};
	const char *names[] = {"basic", "state_guarded", "probe_read", "rich"};

	(void)state;
	for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
		struct eucc_error err;
		struct btf_kernel k;

		assert_int_equal(btf_store_get(fx.store, rel[i], NULL, &k, &err), 0);
		for (size_t j = 0; j < sizeof(names) / sizeof(names[0]); j++) {
			struct core_report r;
			long theirs = bpftool_min_size(&k, names[j]);

			check(names[j], rel[i], &r);
			fprintf(stderr, "min BTF %-13s %-45s eucc %6zu bytes, bpftool %6ld bytes\n",
				names[j], rel[i], r.min_btf_size, theirs);
			assert_true(r.min_btf_size > 0);
			assert_true((double)r.min_btf_size <= 1.2 * (double)theirs);
			core_report_free(&r);
		}
	}
}

/* ---- reachability: verdicts checked against what this machine's verifier does ----------- */

static const char *kernel_btf(const char *release, char *buf, size_t size)
{
	struct eucc_error err;
	struct btf_kernel k;

	assert_int_equal(btf_store_get(fx.store, release, NULL, &k, &err), 0);
	snprintf(buf, size, "%s", k.path);
	return buf;
}

/* Set read-only global @name of @bo (a bool or an int) before the load. */
static void set_param(struct bpf_object *bo, const char *name, int value)
{
	const struct btf *btf = bpf_object__btf(bo);
	int id = btf__find_by_name_kind(btf, ".rodata", BTF_KIND_DATASEC);
	const struct btf_type *sec = btf__type_by_id(btf, id);
	const struct btf_var_secinfo *vs = btf_var_secinfos(sec);
	struct bpf_map *map, *rodata = NULL;
	char data[4096];
	const void *init;
	size_t sz = 0;

	bpf_object__for_each_map(map, bo)
		if (strstr(bpf_map__name(map), ".rodata"))
			rodata = map;
	assert_non_null(rodata);
	init = bpf_map__initial_value(rodata, &sz);
	assert_true(init && sz <= sizeof(data));
	memcpy(data, init, sz);
	for (int i = 0; i < btf_vlen(sec); i++, vs++) {
		const struct btf_type *v = btf__type_by_id(btf, vs->type);

		if (strcmp(btf__name_by_offset(btf, v->name_off), name))
			continue;
		assert_true(vs->offset + vs->size <= sz);
		if (vs->size == 1)
			data[vs->offset] = (char)value;
		else
			memcpy(data + vs->offset, &value, sizeof(value));
		assert_int_equal(bpf_map__set_initial_value(rodata, data, sz), 0);
		return;
	}
	fail_msg("no parameter %s", name);
}

/*
 * Load program @prog (NULL: all) of tests/data/core/NAME.o on this machine, its relocations
 * made against @btf_path (another kernel's BTF; NULL: this kernel's), with parameter @param
 * set to @value if given, map @map (if given) not created, as eucc-remote run leaves out maps of
 * a type the kernel lacks. 0 if the verifier accepts it, else libbpf's error.
 */
static int load_here_without(const char *name, const char *btf_path, const char *prog,
			     const char *param, int value, const char *map)
{
	LIBBPF_OPTS(bpf_object_open_opts, o, .btf_custom_path = btf_path);
	struct bpf_program *p;
	struct bpf_object *bo;
	char path[PATH_MAX];
	int ret;

	snprintf(path, sizeof(path), "%s/%s.o", fx.dir, name);
	bo = bpf_object__open_file(path, &o);
	assert_int_equal(libbpf_get_error(bo), 0);
	bpf_object__for_each_program(p, bo)
		bpf_program__set_autoload(p, !prog || !strcmp(bpf_program__name(p), prog));
	if (param)
		set_param(bo, param, value);
	if (map)
		assert_int_equal(
		    bpf_map__set_autocreate(bpf_object__find_map_by_name(bo, map), false), 0);
	ret = bpf_object__load(bo);
	bpf_object__close(bo);
	return ret;
}

static int load_here(const char *name, const char *btf_path, const char *prog, const char *param,
		     int value)
{
	return load_here_without(name, btf_path, prog, param, value, NULL);
}

/* @name's verdict for @release, and what the verifier does with @release's relocations. */
static void expect_verdict(const char *name, const char *release, enum core_status want, bool loads)
{
	char btf[PATH_MAX];
	int ret;

	expect_status(name, release, want);
	ret = load_here(name, kernel_btf(release, btf, sizeof(btf)), NULL, NULL, 0);
	fprintf(stderr, "%-15s relocated for %-45s loads here: %s\n", name, release,
		ret ? "no" : "yes");
	assert_int_equal(ret == 0, loads);
}

static const struct core_finding *find_sev(const struct core_report *r, enum core_severity sev,
					   const char *kind, const char *text)
{
	const struct core_finding *f = find(r, kind, text);

	assert_non_null(f);
	assert_int_equal(f->severity, sev);
	return f;
}

/* A guard on `request` for a read of `request_queue` (the old guard rule called it an error). */
static void test_reach_other_type(void **state)
{
	const char *rel[] = {BCLINUX, DEB11, DEB12, DEB12_612};
	struct core_report r;

	(void)state;
	libbpf_set_print(libbpf_print);
	for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++)
		expect_verdict("reach_disk", rel[i], CORE_OK, true);
	assert_int_equal(load_here("reach_disk", NULL, NULL, NULL, 0), 0);
	check("reach_disk", DEB11, &r);
	assert_at_marker(find_sev(&r, CORE_NOTE, "field",
				  "guarded: request_queue.disk: no such field in " DEB11),
			 "reach_disk");
	core_report_free(&r);
	check("reach_disk", DEB12_612, &r);
	find_sev(&r, CORE_NOTE, "field", "guarded: request.rq_disk: no such field");
	core_report_free(&r);
}

/* The ring buffer behind bpf_core_type_exists(struct bpf_ringbuf): 4.19 uses the perf buffer. */
static void test_reach_ringbuf_fallback(void **state)
{
	struct core_report r;
	char btf[PATH_MAX];

	(void)state;
	expect_verdict("ringbuf_fallback", BCLINUX, CORE_OK, true);
	expect_verdict("ringbuf_fallback", DEB11, CORE_OK, true);
	check("ringbuf_fallback", BCLINUX, &r);
	assert_at_marker(find_sev(&r, CORE_NOTE, "helper",
				  "guarded: bpf_ringbuf_output (helper #130) is not available"),
			 "ringbuf_fallback");
	find_sev(&r, CORE_NOTE, "map", "guarded: map 'rb': map type ringbuf is not available");
	core_report_free(&r);
	/*
	 * The ring buffer map left out, as run does on a kernel without them: its use on the dead
	 * path is no matter; on a kernel where the path is taken, it is.
	 */
	assert_int_equal(load_here_without("ringbuf_fallback",
					   kernel_btf(BCLINUX, btf, sizeof(btf)), NULL, NULL, 0,
					   "rb"),
			 0);
	assert_int_not_equal(load_here_without("ringbuf_fallback",
					       kernel_btf(DEB11, btf, sizeof(btf)), NULL, NULL, 0,
					       "rb"),
			     0);
	/* without the guard (ringbuf.bpf.c) the same kernel is refused */
	expect_status("ringbuf", BCLINUX, CORE_INCOMPATIBLE);
}

/* bpf_core_type_exists() on a ___x flavor guards the read of another type's flavor. */
static void test_reach_flavor(void **state)
{
	struct core_report r;

	(void)state;
	expect_verdict("reach_flavor", DEB11, CORE_OK, true);
	expect_verdict("reach_flavor", DEB12_612, CORE_OK, true);
	assert_int_equal(load_here("reach_flavor", NULL, NULL, NULL, 0), 0);
	check("reach_flavor", DEB12_612, &r);
	find_sev(&r, CORE_NOTE, "type",
		 "guarded: struct trace_event_raw_block_rq_complete: no such type in " DEB12_612);
	core_report_free(&r);
}

/* Branches on read-only globals: at their defaults, and the value that makes them fail. */
static void test_reach_params(void **state)
{
	const struct core_finding *f;
	char b612[PATH_MAX], b510[PATH_MAX];
	struct core_report r;

	(void)state;
	kernel_btf(DEB12_612, b612, sizeof(b612));
	kernel_btf(DEB11, b510, sizeof(b510));
	check("reach_param", DEB12_612, &r);
	assert_int_equal(r.status, CORE_STATUS_WARNING);
	assert_int_equal(r.count, 2);
	f = find_sev(&r, CORE_WARNING, "field",
		     "with old_state=true: task_struct.state: no such field in " DEB12_612);
	/* 6.12 has the coarse clock, but not for tracepoint programs */
	find_sev(&r, CORE_WARNING, "helper",
		 "with clock=2: program 'handle_exec': tracepoint programs may not call "
		 "bpf_ktime_get_coarse_ns");
	core_report_free(&r);
	check("reach_param", DEB11, &r);
	assert_int_equal(r.status, CORE_INCOMPATIBLE);
	find_sev(&r, CORE_ERROR, "field", "task_struct.__state: no such field in " DEB11);
	find_sev(&r, CORE_WARNING, "helper",
		 "with clock=2: bpf_ktime_get_coarse_ns (helper #160) is not available in " DEB11);
	core_report_free(&r);
	/* the verifier agrees: defaults load against 6.12, old_state=true does not; 5.10 the
	 * reverse */
	assert_int_equal(load_here("reach_param", b612, NULL, NULL, 0), 0);
	assert_int_not_equal(load_here("reach_param", b612, NULL, "old_state", 1), 0);
	assert_int_not_equal(load_here("reach_param", b510, NULL, NULL, 0), 0);
	assert_int_equal(load_here("reach_param", b510, NULL, "old_state", 1), 0);
	assert_int_not_equal(load_here("reach_param", b612, NULL, "clock", 2), 0); /* the helper */
	(void)f;
}

/* The check's result stored, the value read anyway: no guard. */
static void test_reach_stored_guard(void **state)
{
	struct core_report r;

	(void)state;
	expect_verdict("reach_stored", DEB11, CORE_INCOMPATIBLE, false);
	expect_verdict("reach_stored", DEB12_612, CORE_OK, true);
	check("reach_stored", DEB11, &r);
	assert_at_marker(
	    find_sev(&r, CORE_ERROR, "enum", "enum bpf_func_id: no value BPF_FUNC_loop in " DEB11),
	    "reach_stored");
	core_report_free(&r);
}

/* A static subprogram sees its caller's constants; a global function is checked alone. */
static void test_reach_subprograms(void **state)
{
	struct core_report r;

	(void)state;
	expect_verdict("reach_subprog", DEB11, CORE_OK, true);
	expect_verdict("reach_subprog", DEB12_612, CORE_OK, true);
	expect_verdict("reach_global", DEB11, CORE_INCOMPATIBLE, false);
	expect_verdict("reach_global", DEB12_612, CORE_INCOMPATIBLE, false);
	check("reach_global", DEB12_612, &r);
	assert_at_marker(find_sev(&r, CORE_ERROR, "field", "task_struct.state: no such field"),
			 "reach_global");
	core_report_free(&r);
}

/* A callback's address is checked before any path: a guard around bpf_loop does not help. */
static void test_reach_callback(void **state)
{
	const char *old[] = {BCLINUX, DEB11};
	const struct core_finding *f;
	struct core_report r;

	(void)state;
	for (size_t i = 0; i < sizeof(old) / sizeof(old[0]); i++) {
		check("loop_guarded", old[i], &r);
		assert_int_equal(r.status, CORE_INCOMPATIBLE);
		f = find_sev(&r, CORE_ERROR, "helper", "does not support callback addresses");
		assert_non_null(strstr(f->message, "callback 'add_one': "));
		assert_non_null(strstr(f->message, "a guard around the call does not help"));
		assert_at_marker(f, "loop_guarded");
		/* the bpf_loop call itself is dead */
		find_sev(&r, CORE_NOTE, "helper",
			 "guarded: bpf_loop (helper #181) is not available");
		core_report_free(&r);
	}
	expect_verdict("loop_guarded", DEB12, CORE_OK, true);
	expect_verdict("loop_guarded", DEB12_612, CORE_OK, true);
}

/* A perf event array given to bpf_ringbuf_output where the ring buffer path is taken. */
static void test_reach_map_type(void **state)
{
	const char *newer[] = {DEB11, DEB12, DEB12_612};
	const struct core_finding *f;
	struct core_report r;

	(void)state;
	for (size_t i = 0; i < sizeof(newer) / sizeof(newer[0]); i++) {
		expect_verdict("ringbuf_compat", newer[i], CORE_INCOMPATIBLE, false);
		check("ringbuf_compat", newer[i], &r);
		assert_int_equal(r.count, 1);
		f = find_sev(&r, CORE_ERROR, "map",
			     "bpf_ringbuf_output (helper #130) is given map 'events' of type "
			     "perf_event_array: it takes only maps of type ringbuf");
		assert_non_null(strstr(f->message, "compat.bpf.h"));
		assert_at_marker(f, "ringbuf_compat");
		core_report_free(&r);
	}
	expect_verdict("ringbuf_compat", fx.local, CORE_INCOMPATIBLE, false);
	/* 4.19: the ring buffer call is dead, the perf buffer one takes the map */
	expect_verdict("ringbuf_compat", BCLINUX, CORE_OK, true);
	check("ringbuf_compat", BCLINUX, &r);
	assert_null(find(&r, "map", "is given map"));
	find_sev(&r, CORE_NOTE, "helper", "guarded: bpf_ringbuf_output (helper #130)");
	core_report_free(&r);
}

/* A map address through a stack slot, and the map-type side of the rule (lookup). */
static void test_map_helper_types(void **state)
{
	const struct core_finding *f;
	struct core_report r;

	(void)state;
	check("map_helper", DEB12_612, &r);
	assert_int_equal(r.status, CORE_INCOMPATIBLE);
	assert_int_equal(r.count, 2);
	f = find_sev(&r, CORE_ERROR, "map",
		     "bpf_ringbuf_output (helper #130) is given map 'events' of type "
		     "perf_event_array: it takes only maps of type ringbuf");
	assert_at_marker(f, "map_helper");
	find_sev(&r, CORE_ERROR, "map",
		 "bpf_map_lookup_elem (helper #1) is given map 'events' of type perf_event_array: "
		 "a perf_event_array map goes only to bpf_perf_event_read, bpf_perf_event_output, "
		 "bpf_skb_output, bpf_perf_event_read_value, bpf_xdp_output");
	core_report_free(&r);
	/* this kernel refuses each program */
	assert_int_not_equal(load_here("map_helper", NULL, "spilled", NULL, 0), 0);
	assert_int_not_equal(load_here("map_helper", NULL, "lookup", NULL, 0), 0);
}

static void write_btf(struct btf *b, const char *path)
{
	uint32_t size;
	const void *raw = btf__raw_data(b, &size);

	assert_non_null(raw);
	assert_int_equal(fs_write_atomic(path, raw, size), 0);
	btf__free(b);
}

/* A kernel BTF of our own: eucc_pair {a} and eucc_pair___2 {b}, or one eucc_pair {a, b}. */
static void write_pair_btf(const char *path, bool split)
{
	struct btf *b = btf__new_empty();
	int i = btf__add_int(b, "int", 4, BTF_INT_SIGNED);

	assert_true(i > 0);
	assert_true(btf__add_struct(b, "eucc_pair", 8) > 0);
	assert_int_equal(btf__add_field(b, "a", i, 0, 0), 0);
	if (split)
		assert_true(btf__add_struct(b, "eucc_pair___2", 8) > 0);
	assert_int_equal(btf__add_field(b, "b", i, 32, 0), 0);
	write_btf(b, path);
}

static void check_btf(const char *name, const char *path, struct core_report *r)
{
	struct core_check_opts o = {.sz = sizeof(o), .release = "test-kernel"};
	struct bpf_obj_view *obj = open_obj(name);
	struct btf *btf = btf__parse_raw(path);
	struct eucc_error err;

	assert_int_equal(libbpf_get_error(btf), 0);
	assert_int_equal(core_check(obj, btf, NULL, &o, r, &err), 0);
	print_report(name, path, r);
	btf__free(btf);
	obj_view_free(obj);
}

/* libbpf keeps a local type's candidates that matched its earlier relocations. */
static void test_reach_narrowing(void **state)
{
	char split[PATH_MAX], one[PATH_MAX];
	struct core_report r;

	(void)state;
	snprintf(split, sizeof(split), "%s/pair-split.btf", fx.dir);
	snprintf(one, sizeof(one), "%s/pair-one.btf", fx.dir);
	write_pair_btf(split, true);
	write_pair_btf(one, false);
	check_btf("reach_narrow", split, &r);
	assert_int_equal(r.status, CORE_INCOMPATIBLE);
	assert_at_marker(
	    find_sev(&r, CORE_ERROR, "field", "eucc_pair.b: no candidate left in test-kernel"),
	    "reach_narrow");
	core_report_free(&r);
	assert_int_not_equal(load_here("reach_narrow", split, "pair", NULL, 0), 0);
	check_btf("reach_narrow", one, &r);
	assert_null(find(&r, "field", "eucc_pair"));
	core_report_free(&r);
	assert_int_equal(load_here("reach_narrow", one, "pair", NULL, 0), 0);
}

/* eucc_bits.x: 10 bits at bit 60 need a 9-byte load (libbpf: -E2BIG); at bit 0, fine. */
static void write_bits_btf(const char *path, uint32_t bit_off)
{
	struct btf *b = btf__new_empty();
	int u = btf__add_int(b, "unsigned long long", 8, 0);

	assert_true(u > 0);
	assert_true(btf__add_struct(b, "eucc_bits", 16) > 0);
	assert_int_equal(btf__add_field(b, "x", u, bit_off, 10), 0);
	write_btf(b, path);
}

static void test_reach_bitfield(void **state)
{
	char wide[PATH_MAX], fits[PATH_MAX];
	struct core_report r;

	(void)state;
	snprintf(wide, sizeof(wide), "%s/bits-wide.btf", fx.dir);
	snprintf(fits, sizeof(fits), "%s/bits-fits.btf", fx.dir);
	write_bits_btf(wide, 60);
	write_bits_btf(fits, 0);
	check_btf("reach_narrow", wide, &r);
	find_sev(&r, CORE_ERROR, "field", "eucc_bits.x: a bitfield that no load of 8 bytes");
	core_report_free(&r);
	assert_int_not_equal(load_here("reach_narrow", wide, "bits", NULL, 0), 0);
	check_btf("reach_narrow", fits, &r);
	assert_null(find(&r, "field", "eucc_bits"));
	core_report_free(&r);
	assert_int_equal(load_here("reach_narrow", fits, "bits", NULL, 0), 0);
}

/* enum eucc_e as an enum64 with EUCC_BIG = @big, struct eucc_m { int a; } or { long a; }. */
static void write_match_btf(const char *path, uint64_t big, bool same)
{
	struct btf *b = btf__new_empty();
	int i = btf__add_int(b, "int", 4, BTF_INT_SIGNED);
	int l = btf__add_int(b, "long", 8, BTF_INT_SIGNED);

	assert_true(i > 0 && l > 0);
	assert_true(btf__add_enum64(b, "eucc_e", 8, false) > 0);
	assert_int_equal(btf__add_enum64_value(b, "EUCC_BIG", big), 0);
	assert_true(btf__add_struct(b, "eucc_m", same ? 4 : 8) > 0);
	assert_int_equal(btf__add_field(b, "a", same ? i : l, 0, 0), 0);
	write_btf(b, path);
}

static size_t count_sev(const struct core_report *r, enum core_severity sev)
{
	size_t n = 0;

	for (size_t i = 0; i < r->count; i++)
		n += r->findings[i].severity == sev && !strcmp(r->findings[i].kind, "type");
	return n;
}

/* The values of an enum64 and of a type size decide the branches they guard. */
static void test_reach_enum64_matches(void **state)
{
	const struct {
		uint64_t big;
		bool same;
		size_t errors;
	} cases[] = {{7, true, 0}, {9, true, 1}, {7, false, 1}, {9, false, 2}};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char path[PATH_MAX];
		struct core_report r;

		snprintf(path, sizeof(path), "%s/match-%zu.btf", fx.dir, i);
		write_match_btf(path, cases[i].big, cases[i].same);
		check_btf("reach_match", path, &r);
		assert_int_equal(count_sev(&r, CORE_ERROR), cases[i].errors);
		assert_int_equal(count_sev(&r, CORE_NOTE), 2 - cases[i].errors);
		core_report_free(&r);
		assert_int_equal(load_here("reach_match", path, NULL, NULL, 0) == 0,
				 cases[i].errors == 0);
	}
}

int main(void)
{
	/* clang-format off */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic_everywhere),
		cmocka_unit_test(test_state_unguarded),
		cmocka_unit_test(test_state_guarded),
		cmocka_unit_test(test_subprograms),
		cmocka_unit_test(test_bpf_loop),
		cmocka_unit_test(test_ringbuf),
		cmocka_unit_test(test_probe_read_rewrite),
		cmocka_unit_test(test_kprobe_target),
		cmocka_unit_test(test_global_data),
		cmocka_unit_test(test_attach_capability),
		cmocka_unit_test(test_attach_truth_here),
		cmocka_unit_test(test_helper_per_prog_type),
		cmocka_unit_test(test_helper_rules_here),
		cmocka_unit_test(test_user_sized_maps),
		cmocka_unit_test(test_messages),
		cmocka_unit_test(test_obj_json),
		cmocka_unit_test(test_min_btf_loads),
		cmocka_unit_test(test_min_btf_size),
		cmocka_unit_test(test_reach_other_type),
		cmocka_unit_test(test_reach_ringbuf_fallback),
		cmocka_unit_test(test_reach_flavor),
		cmocka_unit_test(test_reach_params),
		cmocka_unit_test(test_reach_stored_guard),
		cmocka_unit_test(test_reach_subprograms),
		cmocka_unit_test(test_reach_callback),
		cmocka_unit_test(test_reach_map_type),
		cmocka_unit_test(test_map_helper_types),
		cmocka_unit_test(test_reach_narrowing),
		cmocka_unit_test(test_reach_bitfield),
		cmocka_unit_test(test_reach_enum64_matches),
	};
	/* clang-format on */

	return cmocka_run_group_tests(tests, setup, teardown);
}
