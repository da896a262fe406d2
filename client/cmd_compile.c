/* SPDX-License-Identifier: Apache-2.0 */
/* eucc-remote compile and check: upload, print diagnostics and the per-kernel table. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "remote.h"

enum out_format { FORMAT_TEXT, FORMAT_JSON, FORMAT_SARIF };

struct compile_args {
	const char *main;
	struct cli_list kernels;
	struct cli_list incdirs;
	char *defines[CLI_LIST_MAX]; /* "-DX=1", "-UX", "-Wall": owned */
	size_t ndefines;
	const char *arch;
	const char *headers;
	const char *toolchain;
	const char *out;
	const char *name;
	enum out_format format;
	bool format_given;
	bool check; /* no package */
};

/* -D NAME[=V], -U NAME, -W FLAG, -m OPT, -f OPT: passed on as "-DNAME=V", "-UNAME", "-WFLAG",
 * "-mcpu=v3", "-fno-stack-protector" (the server says which it allows). */
static int set_flag(void *target, const struct cli_opt *opt, const char *v, struct eucc_error *err)
{
	struct compile_args *a = target;
	char *flag;

	if (a->ndefines == CLI_LIST_MAX)
		return eucc_error_set(err, -E2BIG, EUCC_E_USAGE,
				      "too many -D/-U/-W/-m/-f options (at most %d)", CLI_LIST_MAX);
	if (asprintf(&flag, "-%c%s", opt->letter, v) < 0)
		return eucc_error_set(err, -ENOMEM, EUCC_E_INTERNAL, "out of memory");
	a->defines[a->ndefines++] = flag;
	return 0;
}

static void compile_args_free(struct compile_args *a)
{
	for (size_t i = 0; i < a->ndefines; i++)
		free(a->defines[i]);
}

static int set_format(void *target, const struct cli_opt *opt, const char *v,
		      struct eucc_error *err)
{
	struct compile_args *a = target;

	(void)opt;
	if (!strcmp(v, "text"))
		a->format = FORMAT_TEXT;
	else if (!strcmp(v, "json"))
		a->format = FORMAT_JSON;
	else if (!strcmp(v, "sarif"))
		a->format = FORMAT_SARIF;
	else
		return eucc_error_set(err, -EINVAL, EUCC_E_USAGE,
				      "--format is text, json or sarif, not '%s'", v);
	a->format_given = true;
	return 0;
}

static int parse_compile_args(const struct cli_call *call, struct compile_args *a,
			      struct eucc_error *err)
{
	int ret = cli_apply(call, a, err);

	if (ret)
		return ret;
	if (!a->format_given && remote_config(call)->json)
		a->format = FORMAT_JSON;
	a->main = call->args[0];
	if (a->kernels.n == 0)
		a->kernels.v[a->kernels.n++] = "local";
	return 0;
}

/* "probe" from ".../probe.bpf.c" */
static void default_name(const char *main, char *out, size_t size)
{
	const char *base = strrchr(main, '/') ? strrchr(main, '/') + 1 : main;
	size_t len = strcspn(base, ".");

	snprintf(out, size, "%.*s", (int)(len ? len : strlen(base)), base);
}

static cJSON *build_request(const struct compile_args *a, const struct source_set *src,
			    struct eucc_error *err)
{
	cJSON *req = cJSON_CreateObject(), *sources, *kernels, *flags;
	char name[128], rel[PATH_MAX + 2];
	struct utsname u;

	default_name(a->main, name, sizeof(name));
	cJSON_AddStringToObject(req, "name", a->name ? a->name : name);
	cJSON_AddStringToObject(req, "main", src->paths[0]);
	sources = cJSON_AddObjectToObject(req, "sources");
	for (size_t i = 0; i < src->count; i++)
		cJSON_AddItemToObject(sources, src->paths[i], cJSON_CreateString(src->data[i]));
	kernels = cJSON_AddArrayToObject(req, "kernels");
	uname(&u);
	for (size_t i = 0; i < a->kernels.n; i++)
		cJSON_AddItemToArray(kernels, cJSON_CreateString(strcmp(a->kernels.v[i], "local")
								     ? a->kernels.v[i]
								     : u.release));
	cJSON_AddStringToObject(req, "arch", a->arch ? arch_normalize(a->arch) : arch_host());
	flags = cJSON_AddArrayToObject(req, "cflags");
	for (size_t i = 0; i < a->incdirs.n; i++) {
		snprintf(rel, sizeof(rel), "-I");
		if (sources_relative_dir(src, a->incdirs.v[i], rel + 2, sizeof(rel) - 2)) {
			cJSON_Delete(req);
			eucc_error_set(err, -EINVAL, EUCC_E_USAGE, "-I %s: cannot be made relative",
				       a->incdirs.v[i]);
			return NULL;
		}
		cJSON_AddItemToArray(flags, cJSON_CreateString(rel));
	}
	for (size_t i = 0; i < a->ndefines; i++)
		cJSON_AddItemToArray(flags, cJSON_CreateString(a->defines[i]));
	if (a->headers)
		cJSON_AddStringToObject(req, "headers", a->headers);
	if (a->toolchain)
		cJSON_AddStringToObject(req, "toolchain", a->toolchain);
	return req;
}

/* One line per kernel, then its findings; returns how many kernels are incompatible. */
static int print_kernel_table(const struct source_set *src, const cJSON *kernels)
{
	const cJSON *k, *f;
	int w = 6, bad = 0;
	char where[160];

	cJSON_ArrayForEach(k, kernels)
		if ((int)strlen(json_str(k, "release")) > w)
			w = (int)strlen(json_str(k, "release"));
	printf("%-*s  %-18s %-7s %-12s %s\n", w, "KERNEL", "DISTRO", "ARCH", "STATUS", "FINDINGS");
	cJSON_ArrayForEach(k, kernels) {
		const cJSON *findings = cJSON_GetObjectItem(k, "findings");

		snprintf(where, sizeof(where), "%s/%s", json_str(k, "distro"),
			 json_str(k, "version"));
		printf("%-*s  %-18s %-7s %-12s %d\n", w, STR_SAFE(json_str(k, "release")),
		       STR_SAFE(where), STR_SAFE(json_str(k, "arch")),
		       STR_SAFE(json_str(k, "status")), cJSON_GetArraySize(findings));
		bad += !strcmp(json_str(k, "status"), "incompatible");
		cJSON_ArrayForEach(f, findings)
			diag_print_finding(stdout, src, f, "    ");
	}
	return bad;
}

/* POST the request; a busy server (503) is retried a few times. */
static int post_compile(const struct remote_config *cfg, const char *body, cJSON **answer,
			long *status, struct eucc_error *err)
{
	struct http_answer ans;
	int ret;

	for (int attempt = 0;; attempt++) {
		ret = http_request(cfg, "POST", "/v1/compile", body, &ans, err);
		if (ret)
			return ret;
		if (ans.status != 503 || attempt == 5)
			break;
		http_answer_free(&ans);
		sleep(2);
	}
	*status = ans.status;
	if (ans.status != 200 && ans.status != 422) {
		http_error(&ans, err);
		http_answer_free(&ans);
		return -EPROTO;
	}
	*answer = cJSON_Parse(ans.body);
	http_answer_free(&ans);
	if (!*answer)
		return eucc_error_set(err, -EPROTO, EUCC_E_SERVER_ERROR,
				      "the server's answer is not JSON");
	return 0;
}

/* Download the package to @out and verify it (digest, then every member). */
static int fetch_package(const struct remote_config *cfg, const cJSON *answer, const char *out,
			 struct eucc_error *err)
{
	const cJSON *p = cJSON_GetObjectItem(answer, "package");
	const char *digest = json_str(p, "digest"), *url = json_str(p, "url");
	char part[PATH_MAX + 8], hex[EUCC_SHA256_HEX];
	struct pkg *pkg;
	void *data;
	size_t len;
	int ret;

	snprintf(part, sizeof(part), "%s.part", out);
	unlink(part);
	ret = http_download(cfg, url, part, false, err);
	if (!ret)
		ret = fs_read_file(part, PKG_MAX_SIZE, &data, &len);
	if (ret) {
		unlink(part);
		return err->message[0]
			   ? ret
			   : eucc_error_set(err, ret, EUCC_E_IO, "cannot read %s", part);
	}
	eucc_sha256_hex(data, len, hex);
	ret = strncmp(digest, "sha256:", 7) || strcmp(hex, digest + 7)
		  ? eucc_error_set(err, -EBADMSG, EUCC_E_BAD_PACKAGE,
				   "the downloaded package does not match its digest %s", digest)
		  : pkg_open(data, len, &pkg, err);
	free(data);
	if (!ret) {
		struct trust_verdict v;

		ret = trust_check(cfg, pkg, &v, err);
		pkg_close(pkg);
	}
	if (ret) {
		unlink(part);
		return ret;
	}
	if (rename(part, out))
		return eucc_error_set(err, -errno, EUCC_E_IO, "cannot write %s: %s", out,
				      strerror(errno));
	return 0;
}

static int print_notes(const struct source_set *src, bool quiet)
{
	for (size_t i = 0; i < src->nnotes && !quiet; i++)
		fprintf(stderr, "eucc-remote: note: %s\n", src->notes[i]);
	return 0;
}

static bool wants_local(const struct compile_args *a, const struct eucc_error *err)
{
	struct utsname u;

	if (err->code != EUCC_E_KERNEL_NOT_FOUND || uname(&u))
		return false;
	for (size_t i = 0; i < a->kernels.n; i++)
		if (!strcmp(a->kernels.v[i], "local") || !strcmp(a->kernels.v[i], u.release))
			return strstr(err->message, u.release) != NULL;
	return false;
}

/* The request's source key (common.h), as the server computes it from the same request. */
static void request_source_key(const cJSON *req, char out[EUCC_SHA256_HEX])
{
	const cJSON *sources = cJSON_GetObjectItem(req, "sources"), *item;
	const char *flags[EUCC_KEY_MAX_CFLAGS];
	char digest[EUCC_SHA256_HEX];
	struct eucc_source *src;
	size_t n = 0, nflags = 0;

	src = calloc((size_t)cJSON_GetArraySize(sources) + 1, sizeof(*src));
	if (!src)
		return;
	cJSON_ArrayForEach(item, sources) {
		const char *text = cJSON_GetStringValue(item);

		src[n++] = (struct eucc_source){item->string, text, text ? strlen(text) : 0};
	}
	cJSON_ArrayForEach(item, cJSON_GetObjectItem(req, "cflags"))
		if (nflags < EUCC_KEY_MAX_CFLAGS && cJSON_IsString(item))
			flags[nflags++] = item->valuestring;
	if (!eucc_sources_digest(src, n, digest))
		eucc_source_key(json_str(req, "arch"), json_str(req, "main"), digest, flags, nflags,
				out);
	free(src);
}

/* compile and check: everything up to the server's answer; @src stays for the report. */
static int compile_common(struct remote_config *cfg, struct compile_args *a, struct source_set *src,
			  cJSON **answer, long *status, struct eucc_error *err)
{
	cJSON *req;
	char *body;
	int ret;

	ret = sources_collect(a->main, a->incdirs.v, a->incdirs.n, src, err);
	if (ret)
		return ret;
	print_notes(src, cfg->quiet || a->format != FORMAT_TEXT);
	req = build_request(a, src, err);
	if (!req)
		return -EINVAL;
	request_source_key(req, cfg->source_key);
	body = cJSON_PrintUnformatted(req);
	cJSON_Delete(req);
	ret = body ? post_compile(cfg, body, answer, status, err) : -ENOMEM;
	if (ret && wants_local(a, err)) {
		struct eucc_error first = *err;

		ret = local_kernel_offer(cfg, cfg->quiet || a->format != FORMAT_TEXT, err);
		if (!ret)
			ret = post_compile(cfg, body, answer, status, err);
		else if (err->code == EUCC_E_BTF_UPLOAD_DISABLED)
			*err = first,
			eucc_error_hint(err, "this server takes no BTF from clients: "
					     "ask its operator to run `eucc-server btf "
					     "import /sys/kernel/btf/vmlinux --release R` "
					     "with this host's BTF");
	}
	cfg->source_key[0] = '\0';
	free(body);
	if (!ret && src->nnotes) { /* --json shows them too */
		cJSON *notes = cJSON_AddArrayToObject(*answer, "notes");

		for (size_t i = 0; i < src->nnotes; i++)
			cJSON_AddItemToArray(notes, cJSON_CreateString(src->notes[i]));
	}
	return ret;
}

/* The 422 answer's error, with the server's hint (a newer header kernel, ...). */
static int compile_failed(const cJSON *answer)
{
	const cJSON *e = cJSON_GetObjectItem(answer, "error");
	struct eucc_error err = {0};

	eucc_error_set(&err, -EINVAL, EUCC_E_COMPILE_ERROR, "%s",
		       *json_str(e, "message") ? json_str(e, "message")
					       : "the program does not compile");
	if (*json_str(e, "hint"))
		eucc_error_hint(&err, "%s", json_str(e, "hint"));
	return remote_fail(&err);
}

/* Text report of an answer; returns the exit code it calls for. */
static int report(const struct source_set *src, const cJSON *answer, long status,
		  enum out_format format)
{
	int bad;

	if (format == FORMAT_JSON || format == FORMAT_SARIF) {
		cJSON *out =
		    format == FORMAT_SARIF ? diag_sarif(src, answer, status) : (cJSON *)answer;

		json_write(stdout, out);
		if (out != answer)
			cJSON_Delete(out);
		if (status == 422)
			return EUCC_EXIT_INPUT;
		bad = 0;
		const cJSON *k;
		cJSON_ArrayForEach(k, cJSON_GetObjectItem(answer, "kernels"))
			bad += !strcmp(json_str(k, "status"), "incompatible");
		return bad ? EUCC_EXIT_INCOMPATIBLE : EUCC_EXIT_OK;
	}
	diag_print_all(stderr, src, cJSON_GetObjectItem(answer, "diagnostics"));
	if (status == 422)
		return compile_failed(answer);
	bad = print_kernel_table(src, cJSON_GetObjectItem(answer, "kernels"));
	return bad ? EUCC_EXIT_INCOMPATIBLE : EUCC_EXIT_OK;
}

static int run_compile_cmd(const struct cli_call *call, bool check)
{
	struct remote_config *cfg = remote_config(call);
	struct compile_args a = {.check = check};
	struct source_set src = {0};
	struct eucc_error err = {0};
	cJSON *answer = NULL;
	char out[PATH_MAX];
	long status = 0;
	int ret, code;

	ret = parse_compile_args(call, &a, &err);
	if (!ret)
		ret = compile_common(cfg, &a, &src, &answer, &status, &err);
	if (ret) {
		sources_free(&src);
		compile_args_free(&a);
		return remote_fail(&err);
	}
	code = report(&src, answer, status, a.format);
	if (!check && status == 200) {
		if (a.out) {
			snprintf(out, sizeof(out), "%s", a.out);
		} else {
			char name[128];

			default_name(a.main, name, sizeof(name));
			snprintf(out, sizeof(out), "%s.eucc", a.name ? a.name : name);
		}
		if (fetch_package(cfg, answer, out, &err))
			code = remote_fail(&err);
		else if (a.format == FORMAT_TEXT && !cfg->quiet)
			printf("wrote %s (%s)\n", out,
			       json_str(cJSON_GetObjectItem(answer, "package"), "digest"));
	}
	cJSON_Delete(answer);
	sources_free(&src);
	compile_args_free(&a);
	return code;
}

static int do_compile(const struct cli_call *call)
{
	return run_compile_cmd(call, false);
}

static int do_check(const struct cli_call *call)
{
	return run_compile_cmd(call, true);
}

/* The options of both; check has all but -o. */
#define KERNEL_OPT                                                                                 \
	{                                                                                          \
		.name = "kernel", .letter = 'k', .arg = "SPEC", .kind = CLI_LIST,                  \
		.off = offsetof(struct compile_args, kernels),                                     \
		.help = "a kernel to compile for: 4.19 (every stored 4.19.*), an exact release, "  \
			"DISTRO[/VERSION[/ARCH]] (debian/11), or local (this host's kernel, "      \
			"whose BTF "                                                               \
			"is offered to a server that lacks it)",                                   \
		.def = "local"                                                                     \
	}
#define SOURCE_OPTS                                                                                \
	{.name = "arch",                                                                           \
	 .arg = "A",                                                                               \
	 .kind = CLI_CALL,                                                                         \
	 .set = cli_set_arch,                                                                      \
	 .off = offsetof(struct compile_args, arch),                                               \
	 .help = "the target architecture (x86_64, arm64, ...; amd64 and aarch64 are taken)",      \
	 .def = "this host's"},                                                                    \
	    {.letter = 'I',                                                                        \
	     .arg = "DIR",                                                                         \
	     .kind = CLI_LIST,                                                                     \
	     .off = offsetof(struct compile_args, incdirs),                                        \
	     .help = "look for #include files in DIR too (quoted and <angle-bracket> ones); "      \
		     "those found are sent along and searched first"},                             \
	    {.letter = 'D',                                                                        \
	     .arg = "NAME[=V]",                                                                    \
	     .kind = CLI_CALL,                                                                     \
	     .set = set_flag,                                                                      \
	     .flags = CLI_REPEAT,                                                                  \
	     .help = "define the macro NAME (as V, or 1)"},                                        \
	    {.letter = 'U',                                                                        \
	     .arg = "NAME",                                                                        \
	     .kind = CLI_CALL,                                                                     \
	     .set = set_flag,                                                                      \
	     .flags = CLI_REPEAT,                                                                  \
	     .help = "undefine the macro NAME"},                                                   \
	    {.letter = 'W',                                                                        \
	     .arg = "WARNING",                                                                     \
	     .kind = CLI_CALL,                                                                     \
	     .set = set_flag,                                                                      \
	     .flags = CLI_REPEAT,                                                                  \
	     .help = "a clang warning option: -Wall, -Wextra, -Wno-unused-value, -Werror"},        \
	    {.letter = 'm',                                                                        \
	     .arg = "OPT",                                                                         \
	     .kind = CLI_CALL,                                                                     \
	     .set = set_flag,                                                                      \
	     .flags = CLI_REPEAT,                                                                  \
	     .help = "a BPF target option: -mcpu=v1|v2|v3|v4 (the instruction set version)"},      \
	    {.letter = 'f',                                                                        \
	     .arg = "OPT",                                                                         \
	     .kind = CLI_CALL,                                                                     \
	     .set = set_flag,                                                                      \
	     .flags = CLI_REPEAT,                                                                  \
	     .help = "a BPF codegen option the server allows: -fno-stack-protector, "              \
		     "-funroll-loops, ... (docs/compile.md)"},                                     \
	    {.name = "toolchain",                                                                  \
	     .arg = "NAME",                                                                        \
	     .kind = CLI_STR,                                                                      \
	     .off = offsetof(struct compile_args, toolchain),                                      \
	     .help = "compile with this toolchain of the server (clang-14, clang-16, clang-19; "   \
		     "GET /v1/info lists them)",                                                   \
	     .def = "the server's newest"},                                                        \
	    {.name = "headers",                                                                    \
	     .arg = "RELEASE",                                                                     \
	     .kind = CLI_STR,                                                                      \
	     .off = offsetof(struct compile_args, headers),                                        \
	     .help = "compile against the vmlinux.h of this stored kernel",                        \
	     .def = "the newest requested kernel of the arch"},                                    \
	    {.name = "name",                                                                       \
	     .arg = "NAME",                                                                        \
	     .kind = CLI_STR,                                                                      \
	     .off = offsetof(struct compile_args, name),                                           \
	     .help = "the program's name in the package",                                          \
	     .def = "FILE up to its first '.'"},                                                   \
	{                                                                                          \
		.name = "format", .arg = "text|json|sarif", .kind = CLI_CALL, .set = set_format,   \
		.help =                                                                            \
		    "what to print: diagnostics and the per-kernel table, the server's answer "    \
		    "as JSON, or SARIF 2.1.0 (a result per finding and per diagnostic)",           \
		.def = "text"                                                                      \
	}

static const struct cli_opt compile_opts[] = {
    KERNEL_OPT,
    SOURCE_OPTS,
    {.name = "output",
     .letter = 'o',
     .arg = "OUT",
     .kind = CLI_STR,
     .off = offsetof(struct compile_args, out),
     .help = "where to write the package",
     .def = "NAME.eucc"},
    {0},
};

static const struct cli_opt check_opts[] = {
    KERNEL_OPT,
    SOURCE_OPTS,
    {0},
};

const struct cli_cmd remote_cmd_compile = {
    .name = "compile",
    .run = do_compile,
    .args = "FILE.bpf.c",
    .summary = "compile for kernels, check each, write one package",
    .help =
	"Send FILE.bpf.c and the local headers it includes with quotes to the server, which "
	"compiles it against the headers of the requested kernels and checks every CO-RE "
	"relocation on each of them. Prints clang's diagnostics as clang does, one line per "
	"kernel (release, distro/version, arch, status, findings) with its findings, and writes "
	"the verified package: the object and a minimized BTF per kernel.\nvmlinux.h is never "
	"sent (the server's replaces it), nor a file outside FILE's dir and the -I dirs.\nExit "
	"1 if the program is incompatible with some kernel (the package is still written), 2 "
	"if it does not compile.",
    .opts = compile_opts,
    .json = "print the server's answer as JSON (as --format json)",
    .min_args = 1,
    .max_args = 1,
};

const struct cli_cmd remote_cmd_check = {
    .name = "check",
    .run = do_check,
    .args = "FILE.bpf.c",
    .summary = "compile and check for kernels, without a package (for CI)",
    .help = "The same as compile, without a package: a gate for CI that the program compiles "
	    "and relocates on every requested kernel.\nExit 0 if it does on each, 1 if it is "
	    "incompatible with some kernel, 2 if it does not compile.",
    .opts = check_opts,
    .json = "print the server's answer as JSON (as --format json)",
    .min_args = 1,
    .max_args = 1,
};
