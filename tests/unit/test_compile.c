/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The compile step with real clang, real bubblewrap and a real vmlinux.h (from a fixture
 * kernel imported into a temp BTF store): objects, diagnostics, the sandbox, request checks,
 * limits.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <cmocka.h>
#include <gelf.h>
#include <libelf.h>

#include "btfhub.h"
#include "compile.h"
#include "sandbox.h"
#include "test_proc.h"

#define FIXTURE_BTF EUCC_FIXTURES "/btf/debian/12/x86_64/6.1.0-47-cloud-amd64.btf.tar.xz"

struct fixture {
	char dir[64];
	char vmlinux_h[PATH_MAX];
	struct btf_store *store;
	char *core_prog;
	unsigned int jobs;
	const char *warm; /* the preload library: clang and llvm-strip as warm tools; NULL: bwrap */
};

static struct fixture fx;

static int setup(void **state)
{
	struct eucc_error err = {0};
	struct btf_kernel *ks = NULL;
	size_t n = 0, len;
	char path[PATH_MAX];

	snprintf(fx.dir, sizeof(fx.dir), "/tmp/eucc-compile-XXXXXX");
	if (!mkdtemp(fx.dir) || btf_store_open(fx.dir, &fx.store, &err))
		return -1;
	if (btf_store_import(fx.store, FIXTURE_BTF, NULL, NULL, &err) != 1 ||
	    btf_store_match(fx.store, "6.1.0-47-cloud-amd64", "x86_64", &ks, &n, &err) || n != 1 ||
	    btf_store_header(fx.store, &ks[0], fx.vmlinux_h, sizeof(fx.vmlinux_h), &err)) {
		fprintf(stderr, "store: %s\n", err.message);
		free(ks);
		return -1;
	}
	free(ks);
	snprintf(path, sizeof(path), "%s/tests/data/core/basic.bpf.c", EUCC_SOURCE_DIR);
	if (fs_read_file(path, 1 << 20, (void **)&fx.core_prog, &len))
		return -1;
	*state = &fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	char cmd[128];

	btf_store_close(fx->store);
	free(fx->core_prog);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", fx->dir);
	return system(cmd);
}

/* {"main": main, "sources": {path: text, ...}, "kernels": ["6.1"], "arch": "x86_64"} */
static cJSON *body_new(const char *main, ...)
{
	cJSON *body = cJSON_CreateObject(), *src = cJSON_AddObjectToObject(body, "sources");
	cJSON *ks = cJSON_AddArrayToObject(body, "kernels");
	const char *path;
	va_list ap;

	cJSON_AddStringToObject(body, "main", main);
	cJSON_AddStringToObject(body, "arch", "x86_64");
	cJSON_AddItemToArray(ks, cJSON_CreateString("6.1"));
	va_start(ap, main);
	while ((path = va_arg(ap, const char *)))
		cJSON_AddStringToObject(src, path, va_arg(ap, const char *));
	va_end(ap);
	return body;
}

static void add_cflags(cJSON *body, ...)
{
	cJSON *fl = cJSON_AddArrayToObject(body, "cflags");
	const char *f;
	va_list ap;

	va_start(ap, body);
	while ((f = va_arg(ap, const char *)))
		cJSON_AddItemToArray(fl, cJSON_CreateString(f));
	va_end(ap);
}

/* Parse @body (consumed) and compile it in a fresh job dir; @workdir gets the dir. */
static void compile_body(struct fixture *fx, cJSON *body, const struct compile_limits *lim,
			 struct compile_result *res, char *workdir, size_t size)
{
	struct compile_request req;
	struct compile_job job = {0};
	struct eucc_error err = {0};
	int r;

	r = compile_request_parse(body, &req, &err);
	if (r)
		fprintf(stderr, "parse: %s\n", err.message);
	assert_int_equal(r, 0);
	cJSON_Delete(body);
	snprintf(workdir, size, "%s/job%u", fx->dir, fx->jobs++);
	assert_int_equal(mkdir(workdir, 0700), 0);
	job.req = &req;
	job.arch = req.arch;
	job.vmlinux_h = fx->vmlinux_h;
	job.workdir = workdir;
	job.warm_preload = fx->warm;
	if (lim)
		job.limits = *lim;
	r = compile_run(&job, res, &err);
	if (r)
		fprintf(stderr, "compile_run: %s\n", err.message);
	assert_int_equal(r, 0);
	compile_request_free(&req);
}

static void print_diags(const struct compile_result *res)
{
	for (size_t i = 0; i < res->ndiags; i++)
		compile_diag_print(stderr, &res->diags[i]);
	if (res->failure[0])
		fprintf(stderr, "failure: %s\n", res->failure);
}

/* Names of the ELF sections of an object, comma-joined. */
static void section_names(const void *obj, size_t size, char *out, size_t outsize)
{
	Elf *elf;
	Elf_Scn *scn = NULL;
	size_t shstrndx, o = 0;

	assert_int_not_equal(elf_version(EV_CURRENT), EV_NONE);
	elf = elf_memory((char *)obj, size);
	assert_non_null(elf);
	assert_int_equal(elf_getshdrstrndx(elf, &shstrndx), 0);
	out[0] = ',';
	out[1] = '\0';
	o = 1;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		const char *name;

		assert_non_null(gelf_getshdr(scn, &sh));
		name = elf_strptr(elf, shstrndx, sh.sh_name);
		o += (size_t)snprintf(out + o, outsize - o, "%s,", name ? name : "?");
		assert_true(o < outsize);
	}
	elf_end(elf);
}

static char *concat(const char *a, const char *b)
{
	char *s;

	assert_true(asprintf(&s, "%s%s", a, b) > 0);
	return s;
}

static uint64_t ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The same compile with plain clang (and llvm-strip), outside the sandbox: one run. */
static void plain_clang_ms(struct fixture *fx, const char *workdir)
{
	char cmd[4 * PATH_MAX], inc[PATH_MAX];
	uint64_t t0;

	snprintf(inc, sizeof(inc), "%s/plain-inc", workdir);
	assert_int_equal(mkdir(inc, 0755), 0);
	snprintf(cmd, sizeof(cmd), "ln -s %s %s/vmlinux.h", fx->vmlinux_h, inc);
	assert_int_equal(system(cmd), 0);
	snprintf(cmd, sizeof(cmd),
		 "cd %s/src && %s -target bpf -O2 -g -D__TARGET_ARCH_x86 -I%s -Isub -DDEBUG=1 "
		 "-Wall -c probe.bpf.c -o %s/plain.o && llvm-strip -g %s/plain.o",
		 workdir, EUCC_CLANG, inc, workdir, workdir);
	t0 = ms_now();
	assert_int_equal(system(cmd), 0);
	fprintf(stderr, "plain clang + llvm-strip: %llu ms (one run)\n",
		(unsigned long long)(ms_now() - t0));
}

/* A CO-RE program with a header in a subdir (-Isub) compiles; DWARF goes, BTF stays. */
static void test_core_program_compiles(void **state)
{
	struct fixture *fx = *state;
	char workdir[PATH_MAX], secs[4096];
	char *main_src = concat("#include \"probe.h\"\n", fx->core_prog);
	char *with_check = concat(main_src, "_Static_assert(PROBE_MARK == 42, \"probe.h\");\n");
	struct compile_result res;
	cJSON *body;

	body = body_new("probe.bpf.c", "probe.bpf.c", with_check, "sub/probe.h",
			"#define PROBE_MARK 42\n", "vmlinux.h", "garbage, not C {{{\n",
			"sub/vmlinux.h", "#error user vmlinux.h used\n", NULL);
	add_cflags(body, "-I", "sub", "-DDEBUG=1", "-Wall", "-g", "-O2", NULL);
	compile_body(fx, body, NULL, &res, workdir, sizeof(workdir));
	print_diags(&res);
	assert_true(res.ok);
	assert_non_null(res.object);
	assert_true(res.object_size > 1000);
	for (size_t i = 0; i < res.ndiags; i++)
		assert_string_not_equal(res.diags[i].severity, "error");
	section_names(res.object, res.object_size, secs, sizeof(secs));
	assert_non_null(strstr(secs, ",.BTF,"));
	assert_non_null(strstr(secs, ",.BTF.ext,"));
	assert_null(strstr(secs, ",.debug_info,"));
	assert_null(strstr(secs, ",.debug_"));
	assert_non_null(strstr(secs, ",tracepoint/sched/sched_process_exec,"));
	fprintf(stderr, "compiled %zu bytes in %u ms (sandbox, one run)\n", res.object_size,
		res.wall_ms);
	plain_clang_ms(fx, workdir);
	compile_result_free(&res);
	free(main_src);
	free(with_check);
}

static const struct compile_diag *find_diag(const struct compile_result *res, const char *sev,
					    const char *msg)
{
	for (size_t i = 0; i < res->ndiags; i++)
		if (!strcmp(res->diags[i].severity, sev) && strstr(res->diags[i].message, msg))
			return &res->diags[i];
	return NULL;
}

static const char err_prog[] = "#include \"vmlinux.h\"\n"		  /* 1 */
			       "#include <bpf/bpf_helpers.h>\n"		  /* 2 */
			       "#include \"inc/util.h\"\n"		  /* 3 */
			       "\n"					  /* 4 */
			       "SEC(\"tracepoint/sched/sched_switch\")\n" /* 5 */
			       "int handle(void *ctx)\n"		  /* 6 */
			       "{\n"					  /* 7 */
			       "\tint count = helper();\n"		  /* 8 */
			       "\treturn conut;\n"			  /* 9 */
			       "}\n"					  /* 10 */
			       "\n"					  /* 11 */
			       "int other(void)\n"			  /* 12 */
			       "{\n"					  /* 13 */
			       "\tint unused_var = 1;\n"		  /* 14 */
			       "\treturn 0;\n"				  /* 15 */
			       "}\n"					  /* 16 */
			       "char LICENSE[] SEC(\"license\") = \"GPL\";\n";
static const char err_hdr[] = "static inline int helper(void)\n" /* 1 */
			      "{\n"				 /* 2 */
			      "\treturn not_declared_here;\n"	 /* 3 */
			      "}\n";

/* Errors, a warning, a fix-it and a note come back with relative files, lines and columns. */
static void test_diagnostics(void **state)
{
	struct fixture *fx = *state;
	const struct compile_diag *d;
	struct compile_result res;
	char workdir[PATH_MAX], *text = NULL;
	size_t len = 0;
	FILE *mem;
	cJSON *body;

	body = body_new("prog.bpf.c", "prog.bpf.c", err_prog, "inc/util.h", err_hdr, NULL);
	add_cflags(body, "-Wunused-variable", NULL);
	compile_body(fx, body, NULL, &res, workdir, sizeof(workdir));
	print_diags(&res);
	assert_false(res.ok);
	assert_null(res.object);
	assert_string_equal(res.failure, "");

	d = find_diag(&res, "error", "use of undeclared identifier 'not_declared_here'");
	assert_non_null(d);
	assert_string_equal(d->file, "inc/util.h");
	assert_int_equal(d->line, 3);
	assert_int_equal(d->column, 9);

	d = find_diag(&res, "warning", "unused variable 'unused_var'");
	assert_non_null(d);
	assert_string_equal(d->file, "prog.bpf.c");
	assert_int_equal(d->line, 14);
	assert_int_equal(d->column, 6);
	assert_non_null(strstr(d->message, "[-Wunused-variable]"));

	d = find_diag(&res, "error", "use of undeclared identifier 'conut'; did you mean 'count'?");
	assert_non_null(d);
	assert_string_equal(d->file, "prog.bpf.c");
	assert_int_equal(d->line, 9);
	assert_int_equal(d->column, 9);
	assert_string_equal(d->fixits, "replace 9:9-9:14 with 'count'");
	assert_string_equal(d[1].severity, "note"); /* its note follows it */
	assert_non_null(strstr(d[1].message, "'count' declared here"));
	assert_int_equal(d[1].line, 8);

	mem = open_memstream(&text, &len);
	compile_diag_print(mem, d);
	fclose(mem);
	assert_string_equal(text, "prog.bpf.c:9:9: error: use of undeclared identifier 'conut'; "
				  "did you mean 'count'?\n"
				  "  fix-it: replace 9:9-9:14 with 'count'\n");
	free(text);
	compile_result_free(&res);

	/* a message of the user's that reads like a limit is just a diagnostic */
	compile_body(
	    fx,
	    body_new("p.bpf.c", "p.bpf.c",
		     "#error LLVM ERROR: out of memory\n#warning killed at the 1 s limit\n", NULL),
	    NULL, &res, workdir, sizeof(workdir));
	assert_false(res.ok);
	assert_string_equal(res.failure, "");
	assert_non_null(find_diag(&res, "error", "LLVM ERROR: out of memory"));
	compile_result_free(&res);
}

static void assert_clean_text(const char *s, const char *workdir, const char *secret)
{
	assert_null(strstr(s, "/job"));
	assert_null(strstr(s, "/tmp/"));
	assert_null(strstr(s, workdir));
	assert_null(strstr(s, "/eucc/"));
	/* no line of the secret file */
	for (const char *l = secret; l && *l;) {
		size_t n = strcspn(l, "\n");
		char line[512];

		snprintf(line, sizeof(line), "%.*s", (int)n, l);
		if (n >= 4)
			assert_null(strstr(s, line));
		l += n + (l[n] == '\n');
	}
}

/* Nothing of the server shows: no paths of the job or the host, no content of host files. */
static void assert_no_leak(const struct compile_result *res, const char *workdir,
			   const char *secret)
{
	for (size_t i = 0; i < res->ndiags; i++) {
		assert_clean_text(res->diags[i].message, workdir, secret);
		assert_clean_text(res->diags[i].file, workdir, secret);
		assert_clean_text(res->diags[i].fixits, workdir, secret);
	}
	assert_clean_text(res->failure, workdir, secret);
}

/* Compile a one-file program that includes @inc: it must fail with "file not found". */
static void include_fails(struct fixture *fx, const char *inc, const char *secret)
{
	const struct compile_diag *d;
	struct compile_result res;
	char workdir[PATH_MAX], src[512], msg[512];

	snprintf(src, sizeof(src), "#include \"%s\"\nint x;\n", inc);
	compile_body(fx, body_new("leak.bpf.c", "leak.bpf.c", src, NULL), NULL, &res, workdir,
		     sizeof(workdir));
	print_diags(&res);
	assert_false(res.ok);
	snprintf(msg, sizeof(msg), "'%s' file not found", inc);
	d = find_diag(&res, "fatal", msg);
	assert_non_null(d);
	assert_string_equal(d->file, "leak.bpf.c");
	assert_int_equal(d->line, 1);
	assert_no_leak(&res, workdir, secret);
	compile_result_free(&res);
}

/* A flood of warnings: the first 1000 kept, the rest counted; the error past them kept. */
static void test_diagnostics_cap(void **state)
{
	struct fixture *fx = *state;
	struct compile_result res;
	char workdir[PATH_MAX], *src = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&src, &len);
	cJSON *body;

	assert_non_null(mem);
	for (int i = 0; i < 1500; i++)
		fprintf(mem, "#warning w%d\n", i);
	fprintf(mem, "#error the one error\nint x;\n");
	fclose(mem);
	body = body_new("flood.bpf.c", "flood.bpf.c", src, NULL);
	compile_body(fx, body, NULL, &res, workdir, sizeof(workdir));
	assert_false(res.ok);
	assert_int_equal(res.ndiags, 1001);
	assert_int_equal(res.diags_dropped, 500);
	assert_string_equal(res.diags[999].message, "w999 [-W#warnings]");
	assert_string_equal(res.diags[1000].severity, "error");
	assert_string_equal(res.diags[1000].message, "the one error");
	compile_result_free(&res);
	free(src);
}

static void test_sandbox_hides_the_host(void **state)
{
	struct fixture *fx = *state;
	char *shadow = NULL, *passwd = NULL, *secret;
	size_t len;

	assert_int_equal(fs_read_file("/etc/shadow", 1 << 20, (void **)&shadow, &len), 0);
	assert_int_equal(fs_read_file("/etc/passwd", 1 << 20, (void **)&passwd, &len), 0);
	secret = concat(shadow, passwd);
	include_fails(fx, "/etc/shadow", secret);
	include_fails(fx, "../../etc/passwd", secret);
	include_fails(fx, "../../../../../../etc/passwd", secret);
	include_fails(fx, "/etc/passwd", secret);
	include_fails(fx, "/root/.bashrc", secret);
	include_fails(fx, "/proc/self/mountinfo", secret); /* would show the job dir */
	include_fails(fx, "/proc/1/environ", secret);
	include_fails(fx, "/work/shared/DESIGN.md", secret);
	free(shadow);
	free(passwd);
	free(secret);
}

/* The sandbox cannot write its sources, and a user -I cannot reach outside the upload. */
static void test_sandbox_diag_paths(void **state)
{
	struct fixture *fx = *state;
	const struct compile_diag *d;
	struct compile_result res;
	char workdir[PATH_MAX];
	cJSON *body;

	/* an error inside a libbpf header is shown by its include name */
	body = body_new("p.bpf.c", "p.bpf.c",
			"#define bpf_map_lookup_elem 1 +\n#include <bpf/bpf_helpers.h>\n", NULL);
	compile_body(fx, body, NULL, &res, workdir, sizeof(workdir));
	print_diags(&res);
	assert_false(res.ok);
	assert_true(res.ndiags > 0);
	d = &res.diags[0];
	assert_string_equal(d->file, "bpf/bpf_helper_defs.h");
	assert_no_leak(&res, workdir, NULL);
	compile_result_free(&res);
}

/* Parse @json: must fail with bad_request and a message containing @what. */
static void refused(const char *json, const char *what)
{
	struct compile_request req;
	struct eucc_error err = {0};
	cJSON *body = cJSON_Parse(json);

	assert_non_null(body);
	assert_int_equal(compile_request_parse(body, &req, &err), -EINVAL);
	if (!strstr(err.message, what))
		fprintf(stderr, "%s\n  -> %s (expected '%s')\n", json, err.message, what);
	assert_string_equal(eucc_code_name(err.code), "bad_request");
	assert_non_null(strstr(err.message, what));
	cJSON_Delete(body);
}

#define REQ(extra)                                                                                 \
	"{\"main\":\"p.bpf.c\",\"sources\":{\"p.bpf.c\":\"int x;\"},\"kernels\":[\"6.1\"]" extra "}"
#define FLAG(f) REQ(",\"cflags\":[" f "]")

/* -mcpu and the codegen flags are kept; the toolchain is one the server has. */
static void test_request_codegen(void **state)
{
	const struct compile_toolchain *tc = compile_toolchain_at(0);
	struct compile_request req;
	struct eucc_error err = {0};
	char json[512];
	cJSON *body;

	(void)state;
	assert_non_null(tc);
	assert_true(compile_toolchain_count() >= 1);
	for (size_t i = 1; i < compile_toolchain_count(); i++) /* newest first */
		assert_true(compile_toolchain_at(i)->clang_major < tc->clang_major);
	snprintf(json, sizeof(json),
		 REQ(",\"toolchain\":\"%s\",\"cflags\":[\"-mcpu=v2\",\"-fno-stack-protector\","
		     "\"-mcpu=v3\"]"),
		 compile_toolchain_at(compile_toolchain_count() - 1)->name);
	body = cJSON_Parse(json);
	assert_int_equal(compile_request_parse(body, &req, &err), 0);
	cJSON_Delete(body);
	assert_string_equal(req.toolchain,
			    compile_toolchain_at(compile_toolchain_count() - 1)->name);
	assert_int_equal(req.ncflags, 3);
	assert_string_equal(compile_cpu(&req), "v3"); /* the last wins */
	compile_request_free(&req);
}

/* Which programs include vmlinux.h: through their uploaded headers, not in comments or #if 0. */
static bool includes_vmlinux(const char *flag, ...)
{
	cJSON *body = body_new("src/p.bpf.c", NULL), *src = cJSON_GetObjectItem(body, "sources");
	struct compile_request req;
	struct eucc_error err = {0};
	const char *path;
	va_list ap;
	bool r;

	va_start(ap, flag);
	while ((path = va_arg(ap, const char *)))
		cJSON_AddStringToObject(src, path, va_arg(ap, const char *));
	va_end(ap);
	if (flag)
		add_cflags(body, flag, NULL);
	assert_int_equal(compile_request_parse(body, &req, &err), 0);
	cJSON_Delete(body);
	r = compile_includes_vmlinux(&req);
	compile_request_free(&req);
	return r;
}

static void test_includes_vmlinux(void **state)
{
	(void)state;
	assert_true(includes_vmlinux(NULL, "src/p.bpf.c", "#include \"vmlinux.h\"\n", NULL));
	assert_true(includes_vmlinux(NULL, "src/p.bpf.c", "  #  include <vmlinux.h>\n", NULL));
	assert_true(includes_vmlinux(NULL, "src/p.bpf.c", "#include \"../vmlinux.h\"\n", NULL));
	assert_true(includes_vmlinux(NULL, "src/p.bpf.c", "#include \"a.h\"\n", "src/a.h",
				     "#include \"b/c.h\"\n", "src/b/c.h",
				     "#include \"vmlinux.h\"\n", NULL));
	assert_true(includes_vmlinux("-Iinc", "src/p.bpf.c", "#include <common.h>\n",
				     "inc/common.h", "#include \"vmlinux.h\"\n", NULL));
	assert_true(includes_vmlinux(NULL, "src/p.bpf.c",
				     "#if 0\n#else\n#include \"vmlinux.h\"\n#endif\n", NULL));
	assert_false(includes_vmlinux(NULL, "src/p.bpf.c", "#include <linux/bpf.h>\n", NULL));
	assert_false(includes_vmlinux(NULL, "src/p.bpf.c",
				      "/* #include \"vmlinux.h\" */\n"
				      "// #include \"vmlinux.h\"\n",
				      NULL));
	assert_false(includes_vmlinux(NULL, "src/p.bpf.c",
				      "#if 0\n#ifdef X\n#endif\n#include \"vmlinux.h\"\n#endif\n",
				      NULL));
	assert_false(includes_vmlinux(NULL, "src/p.bpf.c", "#include <common.h>\n", "inc/common.h",
				      "#include \"vmlinux.h\"\n", NULL)); /* inc/ is no -I dir */
	assert_false(includes_vmlinux(NULL, "src/p.bpf.c", "#include \"vmlinux_ext.h\"\n",
				      "src/vmlinux_ext.h", "int x;\n", NULL));
}

static void test_request_bad_paths(void **state)
{
	(void)state;
	refused("{\"main\":\"/a.c\",\"sources\":{\"/a.c\":\"\"},\"kernels\":[\"6.1\"]}",
		"'/a.c': absolute path");
	refused(
	    "{\"main\":\"a.c\",\"sources\":{\"a.c\":\"\",\"../b.h\":\"\"},\"kernels\":[\"6.1\"]}",
	    "'../b.h': '..' component");
	refused("{\"main\":\"a.c\",\"sources\":{\"a.c\":\"\",\"x/../../b.h\":\"\"},"
		"\"kernels\":[\"6.1\"]}",
		"'..' component");
	refused(
	    "{\"main\":\"a.c\",\"sources\":{\"a.c\":\"\",\"a//b.h\":\"\"},\"kernels\":[\"6.1\"]}",
	    "'a//b.h': empty path component");
	refused(
	    "{\"main\":\"a.c\",\"sources\":{\"a.c\":\"\",\"a\\\\b.h\":\"\"},\"kernels\":[\"1\"]}",
	    "characters other than");
	refused(
	    "{\"main\":\"a.c\",\"sources\":{\"a.c\":\"\",\"inc/CON.h\":\"\"},\"kernels\":[\"1\"]}",
	    "device name");
	refused("{\"main\":\"a.c\",\"sources\":{\"a.c\":\"\",\"-o.c\":\"\"},\"kernels\":[\"1\"]}",
		"starts with '-'");
	refused("{\"main\":\"a.c\",\"sources\":{\"a.c\":\"\",\"a.c/b\":\"\"},\"kernels\":[\"1\"]}",
		"'a.c' is both a file and a directory");
	refused("{\"main\":\"a.c\",\"sources\":{\"a.c\":\"\",\"a.c\":\"\"},\"kernels\":[\"1\"]}",
		"given twice");
}

static void test_request_bad_fields(void **state)
{
	(void)state;
	refused("{\"main\":\"a.c\",\"sources\":{\"a.c\":1},\"kernels\":[\"6.1\"]}",
		"source 'a.c' is not a string");
	refused("{\"main\":\"a.c\",\"sources\":[\"a.c\"],\"kernels\":[\"6.1\"]}", "\"sources\"");
	refused("{\"main\":\"a.c\",\"sources\":{},\"kernels\":[\"6.1\"]}", "\"sources\" is empty");
	refused("{\"sources\":{\"a.c\":\"\"},\"kernels\":[\"6.1\"]}", "\"main\" is missing");
	refused("{\"main\":\"b.c\",\"sources\":{\"a.c\":\"\"},\"kernels\":[\"6.1\"]}",
		"main 'b.c' is not among the sources");
	refused("{\"main\":\"a.h\",\"sources\":{\"a.h\":\"\"},\"kernels\":[\"6.1\"]}",
		"not a .c file");
	refused(REQ(",\"arch\":\"sparc\""), "arch sparc is not known");
	refused(REQ(",\"arch\":7"), "arch (not a string)");
	refused("{\"main\":\"p.bpf.c\",\"sources\":{\"p.bpf.c\":\"\"}}", "\"kernels\"");
	refused("{\"main\":\"p.bpf.c\",\"sources\":{\"p.bpf.c\":\"\"},\"kernels\":[]}",
		"\"kernels\" is missing, empty");
	refused("{\"main\":\"p.bpf.c\",\"sources\":{\"p.bpf.c\":\"\"},\"kernels\":\"6.1\"}",
		"\"kernels\"");
	refused("{\"main\":\"p.bpf.c\",\"sources\":{\"p.bpf.c\":\"\"},\"kernels\":[\"a b\"]}",
		"kernel spec 'a b' is not valid");
	refused("{\"main\":\"p.bpf.c\",\"sources\":{\"p.bpf.c\":\"\"},\"kernels\":[3]}",
		"not a string");
	refused(REQ(",\"name\":\"../x\""), "\"name\" '../x' is not a valid package name");
	refused(REQ(",\"headers\":\"../x\""), "\"headers\" is not a kernel release");
	refused("[1]", "not a JSON object");
	refused(REQ(",\"cflags\":\"-DX\""), "\"cflags\" is not an array");
}

static void test_request_bad_flags(void **state)
{
	(void)state;
	refused(FLAG("7"), "cflags[0] is not a string");
	refused(FLAG("\"-o\",\"x\""), "cflag '-o' is not allowed");
	refused(FLAG("\"-ox\""), "cflag '-ox' is not allowed");
	refused(FLAG("\"-Xclang\",\"-load\""), "cflag '-Xclang' is not allowed");
	refused(FLAG("\"@file\""), "cflag '@file' is not allowed");
	refused(FLAG("\"-fplugin=x.so\""), "cflag '-fplugin=x.so' is not allowed");
	refused(FLAG("\"--sysroot=/\""), "cflag '--sysroot=/' is not allowed");
	refused(FLAG("\"-include\",\"/etc/shadow\""), "cflag '-include' is not allowed");
	refused(FLAG("\"-isystem/usr\""), "cflag '-isystem/usr' is not allowed");
	refused(FLAG("\"-B/tmp\""), "cflag '-B/tmp' is not allowed");
	refused(FLAG("\"--config\",\"x\""), "cflag '--config' is not allowed");
	refused(FLAG("\"-MD\""), "cflag '-MD' is not allowed");
	refused(FLAG("\"-O0\""), "the server compiles with -O2");
	refused(FLAG("\"-g0\""), "cflag '-g0' is not allowed");
	refused(FLAG("\"-Wl,-rpath\""), "never -Wl, -Wa, -Wp");
	refused(FLAG("\"-Wp,-MD,x\""), "never -Wl, -Wa, -Wp");
	refused(FLAG("\"-I/usr\""), "cflag '-I/usr': absolute path");
	refused(FLAG("\"-I\",\"/usr\""), "cflag '-I/usr': absolute path");
	refused(FLAG("\"-I../x\""), "cflag '-I../x': '..' component");
	refused(FLAG("\"-Iinc/../..\""), "'..' component");
	refused(FLAG("\"-I./../x\""), "'..' component");
	refused(FLAG("\"-I\""), "cflag '-I' is not allowed: it needs an argument");
	refused(FLAG("\"-D1X\""), "not a macro name");
	refused(FLAG("\"-DX=a\\nb\""), "not a macro name");
	refused(FLAG("\"-UX=1\""), "not a macro name");
	refused(FLAG("\"-std=c++17\""), "not a C standard");
	refused(FLAG("\"-mcpu=probe\""), "the BPF CPU is v1, v2, v3, v4 or generic");
	refused(FLAG("\"-mcpu=v9\""), "the BPF CPU is");
	refused(FLAG("\"-mllvm\",\"-x\""), "cflag '-mllvm' is not allowed");
	refused(FLAG("\"-fno-builtin\""), "cflag '-fno-builtin' is not allowed");
	refused(FLAG("\"-fprofile-arcs\""), "cflag '-fprofile-arcs' is not allowed");
	refused(REQ(",\"toolchain\":\"clang-99\""), "toolchain 'clang-99' is not available");
	refused(REQ(",\"toolchain\":19"), "\"toolchain\" is not a string");
}

static void test_request_too_big(void **state)
{
	struct compile_request req;
	struct eucc_error err = {0};
	cJSON *body, *src;
	char *big, name[32];

	(void)state;
	body = body_new("p.bpf.c", "p.bpf.c", "int x;", NULL);
	src = cJSON_GetObjectItem(body, "sources");
	for (int i = 0; i < COMPILE_MAX_FILES; i++) {
		snprintf(name, sizeof(name), "h%d.h", i);
		cJSON_AddStringToObject(src, name, "");
	}
	assert_int_equal(compile_request_parse(body, &req, &err), -EINVAL);
	assert_string_equal(eucc_code_name(err.code), "bad_request");
	assert_non_null(strstr(err.message, "too many source files (257, at most 256)"));
	cJSON_Delete(body);

	big = malloc(COMPILE_MAX_FILE_BYTES + 2);
	memset(big, ' ', COMPILE_MAX_FILE_BYTES + 1);
	big[COMPILE_MAX_FILE_BYTES + 1] = '\0';
	body = body_new("p.bpf.c", "p.bpf.c", big, NULL);
	assert_int_equal(compile_request_parse(body, &req, &err), -EINVAL);
	assert_non_null(strstr(err.message, "source 'p.bpf.c' is 1048577 bytes, more than"));
	cJSON_Delete(body);

	big[COMPILE_MAX_FILE_BYTES] = '\0';
	body = body_new("p.bpf.c", "p.bpf.c", "int x;", NULL);
	src = cJSON_GetObjectItem(body, "sources");
	for (int i = 0; i < 9; i++) {
		snprintf(name, sizeof(name), "big%d.h", i);
		cJSON_AddStringToObject(src, name, big);
	}
	assert_int_equal(compile_request_parse(body, &req, &err), -EINVAL);
	assert_non_null(strstr(err.message, "bytes in all"));
	cJSON_Delete(body);
	free(big);
}

/* What a good request turns into: sorted sources, normalized flags, no user vmlinux.h. */
/* The language standard a PCH is made for: the last -std= wins; synonyms are one. */
static void test_request_std(void **state)
{
	static const char *const cases[][3] = {
	    {NULL, NULL, NULL},
	    {"-std=gnu11", NULL, "gnu11"},
	    {"-std=c18", NULL, "c17"},
	    {"-std=c90", NULL, "c89"},
	    {"-std=gnu90", NULL, "gnu89"},
	    {"-std=gnu17", NULL, NULL},
	    {"-std=gnu18", NULL, NULL},
	    {"-std=c11", "-std=gnu17", NULL},
	    {"-std=gnu17", "-std=c2x", "c2x"},
	};
	struct compile_request req;
	struct eucc_error err = {0};
	cJSON *body;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		body = body_new("p.c", "p.c", "int x;", NULL);
		add_cflags(body, "-Wall", cases[i][0], cases[i][1], NULL);
		assert_int_equal(compile_request_parse(body, &req, &err), 0);
		cJSON_Delete(body);
		if (cases[i][2])
			assert_string_equal(compile_std(&req), cases[i][2]);
		else
			assert_null(compile_std(&req));
		compile_request_free(&req);
	}
}

static void test_request_accepted(void **state)
{
	struct compile_request req;
	struct eucc_error err = {0};
	cJSON *body;

	(void)state;
	body = body_new("src/probe.bpf.c", "src/probe.bpf.c", "int x;", "inc/a.h", "", "vmlinux.h",
			"junk", "inc/vmlinux.h", "junk", NULL);
	cJSON_ReplaceItemInObject(body, "arch", cJSON_CreateString("amd64"));
	add_cflags(body, "-I", "./inc/", "-I.", "-D", "X=1 2", "-UY", "-Wall",
		   "-Wno-unused-variable", "-w", "-std=gnu11", "-g", "-O2", "-Werror=unused", NULL);
	assert_int_equal(compile_request_parse(body, &req, &err), 0);
	cJSON_Delete(body);
	assert_string_equal(req.name, "probe");
	assert_string_equal(req.main, "src/probe.bpf.c");
	assert_string_equal(req.arch, "x86_64");
	assert_null(req.headers);
	assert_int_equal(req.nsources, 2);
	assert_string_equal(req.sources[0].path, "inc/a.h");
	assert_string_equal(req.sources[1].path, "src/probe.bpf.c");
	assert_int_equal(req.sources[1].size, 6);
	assert_int_equal(req.nkernels, 1);
	assert_string_equal(req.kernels[0], "6.1");
	assert_int_equal(req.ncflags, 9);
	assert_string_equal(req.cflags[0], "-Iinc");
	assert_string_equal(req.cflags[1], "-I.");
	assert_string_equal(req.cflags[2], "-DX=1 2");
	assert_string_equal(req.cflags[3], "-UY");
	assert_string_equal(req.cflags[8], "-Werror=unused");
	compile_request_free(&req);
}

/* 2^40 tokens of macro expansion in an #if: runs (and grows) for ever. */
static char *runaway_source(void)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);

	fprintf(f, "#define A0 1+\n");
	for (int i = 1; i <= 40; i++)
		fprintf(f, "#define A%d A%d A%d\n", i, i - 1, i - 1);
	fprintf(f, "#if A40 1\nint x;\n#endif\n");
	fclose(f);
	return s;
}

/* Compile the runaway source under @lim; the failure must contain @why. */
static void runaway(struct fixture *fx, const struct compile_limits *lim, const char *why,
		    unsigned int max_ms)
{
	struct compile_result res;
	char workdir[PATH_MAX], main[64];
	char *src = runaway_source();

	snprintf(main, sizeof(main), "runaway_%d_%u.bpf.c", getpid(), fx->jobs);
	compile_body(fx, body_new(main, main, src, NULL), lim, &res, workdir, sizeof(workdir));
	print_diags(&res);
	fprintf(stderr, "runaway stopped after %u ms\n", res.wall_ms);
	assert_false(res.ok);
	assert_null(res.object);
	assert_non_null(strstr(res.failure, why));
	assert_true(res.wall_ms < max_ms);
	assert_int_equal(test_processes_with(main), 0); /* nothing of the job survives */
	assert_no_leak(&res, workdir, NULL);
	compile_result_free(&res);
	free(src);
}

static void compiles_again(struct fixture *fx)
{
	struct compile_result res;
	char workdir[PATH_MAX];

	compile_body(fx, body_new("p.bpf.c", "p.bpf.c", fx->core_prog, NULL), NULL, &res, workdir,
		     sizeof(workdir));
	assert_true(res.ok);
	compile_result_free(&res);
}

static void test_wall_time_limit(void **state)
{
	struct compile_limits lim = {.wall_seconds = 3};

	runaway(*state, &lim, "compile killed at the 3 s wall-time limit", 5000);
	compiles_again(*state);
}

static void test_cpu_time_limit(void **state)
{
	struct compile_limits lim = {.cpu_seconds = 2, .wall_seconds = 30};

	/* 2 s of CPU take longer on a loaded machine: the bound is the 30 s wall limit's */
	runaway(*state, &lim, "compile killed at the 2 s CPU-time limit", 25000);
	compiles_again(*state);
}

static void test_memory_limit(void **state)
{
	struct compile_limits lim = {.memory_bytes = (uint64_t)600 << 20, .wall_seconds = 30};

	runaway(*state, &lim, "compile exceeded the memory limit (600 MiB)", 30000);
	compiles_again(*state);
}

static void test_output_limit(void **state)
{
	struct fixture *fx = *state;
	struct compile_limits lim = {.output_bytes = 4096};
	struct compile_result res;
	char workdir[PATH_MAX];
	char *src = concat(fx->core_prog, "char big[1 << 20] SEC(\".data.big\") = {1};\n");

	compile_body(fx, body_new("p.bpf.c", "p.bpf.c", src, NULL), &lim, &res, workdir,
		     sizeof(workdir));
	print_diags(&res);
	assert_false(res.ok);
	assert_non_null(strstr(res.failure, "compile output exceeded the 4.0 KiB limit"));
	compile_result_free(&res);
	free(src);
}

/* The toolchain whose clang is @clang. */
static const struct compile_toolchain *toolchain_of(const char *clang)
{
	char real[PATH_MAX];

	if (!realpath(clang, real))
		return NULL;
	for (size_t i = 0; i < compile_toolchain_count(); i++)
		if (!strcmp(compile_toolchain_at(i)->clang, real))
			return compile_toolchain_at(i);
	return NULL;
}

/*
 * A precompiled vmlinux.h is used when given. It has to be built where the sandbox sees the
 * header (/eucc/include/vmlinux.h), as here.
 */
static void test_precompiled_header(void **state)
{
	struct fixture *fx = *state;
	struct compile_request req;
	struct compile_job job = {0};
	struct compile_result res;
	struct eucc_error err = {0};
	char pch[PATH_MAX], workdir[PATH_MAX], cmd[4 * PATH_MAX];
	cJSON *body = body_new("p.bpf.c", "p.bpf.c", fx->core_prog, NULL);

	snprintf(pch, sizeof(pch), "%s/pch", fx->dir);
	assert_int_equal(mkdir(pch, 0755), 0);
	snprintf(cmd, sizeof(cmd),
		 "bwrap --unshare-all --die-with-parent --ro-bind /usr /usr --symlink usr/lib /lib "
		 "--symlink usr/lib64 /lib64 --ro-bind %s /eucc/include/vmlinux.h --bind %s /out "
		 "%s -target bpf -O2 -g -D__TARGET_ARCH_x86 -x c-header /eucc/include/vmlinux.h "
		 "-o /out/vmlinux.h.pch",
		 fx->vmlinux_h, pch, EUCC_CLANG);
	assert_int_equal(system(cmd), 0);
	strcat(pch, "/vmlinux.h.pch");

	assert_int_equal(compile_request_parse(body, &req, &err), 0);
	cJSON_Delete(body);
	snprintf(workdir, sizeof(workdir), "%s/job%u", fx->dir, fx->jobs++);
	assert_int_equal(mkdir(workdir, 0700), 0);
	job.req = &req;
	job.toolchain = toolchain_of(EUCC_CLANG); /* the clang that made the PCH */
	assert_non_null(job.toolchain);
	job.arch = "x86_64";
	job.vmlinux_h = fx->vmlinux_h;
	job.vmlinux_pch = pch;
	job.workdir = workdir;
	assert_int_equal(compile_run(&job, &res, &err), 0);
	print_diags(&res);
	assert_true(res.ok);
	fprintf(stderr, "with the precompiled header: %u ms (one run)\n", res.wall_ms);
	compile_result_free(&res);
	compile_request_free(&req);
}

static void missing(const char *msg, enum compile_missing_kind kind, const char *name,
		    const char *member, bool is_union, bool is_typedef)
{
	struct compile_missing m;

	assert_true(compile_diag_missing(msg, &m));
	assert_int_equal(m.kind, kind);
	assert_string_equal(m.name, name);
	assert_string_equal(m.member, member);
	assert_int_equal(m.is_union, is_union);
	assert_int_equal(m.is_typedef, is_typedef);
}

/* What clang's errors say the headers lack; other errors say nothing of the kind. */
static void test_diag_missing(void **state)
{
	struct compile_missing m;

	(void)state;
	missing("use of undeclared identifier 'BPF_MAP_TYPE_RINGBUF'; did you mean "
		"'BPF_MAP_TYPE_UNSPEC'?",
		COMPILE_MISSING_IDENT, "BPF_MAP_TYPE_RINGBUF", "", false, false);
	missing("unknown type name 'bpf_dynptr_t'", COMPILE_MISSING_TYPE, "bpf_dynptr_t", "", false,
		false);
	missing("no member named '__state' in 'struct task_struct'", COMPILE_MISSING_MEMBER,
		"task_struct", "__state", false, false);
	missing("no member named 'x' in 'union bpf_attr'", COMPILE_MISSING_MEMBER, "bpf_attr", "x",
		true, false);
	missing("no member named 'y' in 'u64_stats_t'", COMPILE_MISSING_MEMBER, "u64_stats_t", "y",
		false, true);
	missing("incomplete definition of type 'struct bpf_iter_num'", COMPILE_MISSING_RECORD,
		"bpf_iter_num", "", false, false);
	missing("variable has incomplete type 'union foo'", COMPILE_MISSING_RECORD, "foo", "", true,
		false);
	assert_false(compile_diag_missing("expected expression", &m));
	assert_false(compile_diag_missing("use of undeclared identifier", &m));
	assert_false(compile_diag_missing("use of undeclared identifier ''", &m));
	assert_false(compile_diag_missing("incomplete definition of type 'int[]'", &m));
	assert_false(compile_diag_missing("unknown type name 'a b'", &m));
}

static void test_clang_version(void **state)
{
	const char *v = compile_clang_version();

	(void)state;
	assert_non_null(strstr(v, "clang version"));
	assert_ptr_equal(v, compile_clang_version());
	assert_null(strchr(v, '\n'));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_request_codegen),   cmocka_unit_test(test_includes_vmlinux),
	    cmocka_unit_test(test_request_bad_paths), cmocka_unit_test(test_request_bad_fields),
	    cmocka_unit_test(test_request_bad_flags), cmocka_unit_test(test_request_too_big),
	    cmocka_unit_test(test_request_accepted),  cmocka_unit_test(test_request_std),
	    cmocka_unit_test(test_clang_version),     cmocka_unit_test(test_diag_missing),
	};
	/* what runs clang: the same tests with bwrap and with warm tools */
	const struct CMUnitTest sandboxed[] = {
	    cmocka_unit_test(test_core_program_compiles),
	    cmocka_unit_test(test_diagnostics),
	    cmocka_unit_test(test_diagnostics_cap),
	    cmocka_unit_test(test_sandbox_hides_the_host),
	    cmocka_unit_test(test_sandbox_diag_paths),
	    cmocka_unit_test(test_wall_time_limit),
	    cmocka_unit_test(test_cpu_time_limit),
	    cmocka_unit_test(test_memory_limit),
	    cmocka_unit_test(test_output_limit),
	    cmocka_unit_test(test_precompiled_header),
	};

	int failed = cmocka_run_group_tests(tests, setup, teardown);

	failed += cmocka_run_group_tests_name("bwrap", sandboxed, setup, teardown);
	fx.warm = EUCC_WARM_PRELOAD;
	failed += cmocka_run_group_tests_name("warm tools", sandboxed, setup, teardown);
	sandbox_warm_stop_all();
	return failed;
}
