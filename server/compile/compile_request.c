/* SPDX-License-Identifier: Apache-2.0 */
/* POST /v1/compile: parse and check the body (docs/security.md, "Request checks"). */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "btfhub.h"
#include "compile_internal.h"

#define PATH_MAX_LEN 200
#define NAME_MAX_LEN 64
#define ALLOWED_FLAGS                                                                              \
	"-DNAME, -DNAME=VALUE, -UNAME, -I<dir inside the upload>, -W<warning>, -Wno-<warning>, "   \
	"-w, -std=<c89|c99|c11|c17|c2x|gnu89|gnu99|gnu11|gnu17|gnu2x>, -g, -O2, "                  \
	"-mcpu=<v1|v2|v3|v4|generic>, " CODEGEN_FLAGS_TEXT

/* BPF codegen flags that change only the code clang emits (docs/compile.md). */
#define CODEGEN_FLAGS_TEXT                                                                         \
	"-fno-stack-protector, -fno-strict-aliasing, -fno-jump-tables, -fno-unroll-loops, "        \
	"-funroll-loops, -fno-asynchronous-unwind-tables, -fno-unwind-tables, -finline-functions"

static int bad(struct eucc_error *err, const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int bad(struct eucc_error *err, const char *hint, const char *fmt, ...)
{
	char msg[sizeof(err->message)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	eucc_error_set(err, -EINVAL, EUCC_E_BAD_REQUEST, "%s", msg);
	if (hint)
		eucc_error_hint(err, "%s", hint);
	return -EINVAL;
}

/* Names Windows reserves for devices (CON, NUL, COM1, ...), with any extension. */
static bool is_device_name(const char *comp, size_t len)
{
	static const char *const names[] = {"con", "prn", "aux", "nul"};
	size_t stem = strcspn(comp, ".");

	if (stem > len)
		stem = len;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (stem == 3 && !strncasecmp(comp, names[i], 3))
			return true;
	return stem == 4 && (!strncasecmp(comp, "com", 3) || !strncasecmp(comp, "lpt", 3)) &&
	       comp[3] >= '1' && comp[3] <= '9';
}

static int component_check(const char *c, size_t len, const char **why)
{
	if (len == 0)
		*why = "empty path component";
	else if (len == 1 && c[0] == '.')
		*why = "'.' component";
	else if (len == 2 && c[0] == '.' && c[1] == '.')
		*why = "'..' component (paths stay inside the upload)";
	else if (c[0] == '-')
		*why = "a component that starts with '-'";
	else if (is_device_name(c, len))
		*why = "a device name (CON, NUL, COM1, ...)";
	else
		return 0;
	return -EINVAL;
}

int compile_path_check(const char *path, const char **why)
{
	size_t len = strlen(path);

	*why = NULL;
	if (len == 0)
		*why = "empty path";
	else if (path[0] == '/')
		*why = "absolute path";
	else if (len > PATH_MAX_LEN)
		*why = "longer than 200 characters";
	if (*why)
		return -EINVAL;
	for (const char *p = path; *p; p++) {
		if (!isalnum((unsigned char)*p) && !strchr("._+-/", *p)) {
			*why = "characters other than A-Z a-z 0-9 . _ + - /";
			return -EINVAL;
		}
	}
	for (const char *c = path;;) {
		size_t n = strcspn(c, "/");

		if (component_check(c, n, why))
			return -EINVAL;
		if (!c[n])
			return 0;
		c += n + 1;
	}
}

static bool is_vmlinux_h(const char *path)
{
	const char *slash = strrchr(path, '/');

	return !strcmp(slash ? slash + 1 : path, "vmlinux.h");
}

static int source_cmp(const void *a, const void *b)
{
	return strcmp(((const struct compile_source *)a)->path,
		      ((const struct compile_source *)b)->path);
}

/* One "path": "text" member of "sources"; vmlinux.h is skipped. */
static int add_source(struct compile_request *req, const cJSON *item, size_t *total,
		      struct eucc_error *err)
{
	const char *why;
	struct compile_source *s;
	size_t size;

	if (compile_path_check(item->string, &why))
		return bad(err,
			   "use relative paths inside the upload, like \"probe.bpf.c\" or "
			   "\"include/probe.h\"",
			   "source path '%.200s': %s", item->string, why);
	if (!cJSON_IsString(item))
		return bad(err, "every source is a string with the file's text",
			   "source '%s' is not a string", item->string);
	size = strlen(item->valuestring);
	if (size > COMPILE_MAX_FILE_BYTES)
		return bad(err, "split the file or leave out what it does not need",
			   "source '%s' is %zu bytes, more than the limit of %zu", item->string,
			   size, COMPILE_MAX_FILE_BYTES);
	*total += size;
	if (*total > COMPILE_MAX_TOTAL_BYTES)
		return bad(err, "upload only the files the program includes",
			   "the sources are more than %zu bytes in all", COMPILE_MAX_TOTAL_BYTES);
	if (is_vmlinux_h(item->string))
		return 0; /* the server's vmlinux.h replaces it */
	s = &req->sources[req->nsources];
	s->path = strdup(item->string);
	s->data = strdup(item->valuestring);
	s->size = size;
	req->nsources++;
	return s->path && s->data ? 0 : -ENOMEM;
}

/* Duplicates, and a path that is also another's directory ("a" and "a/b"). */
static int sources_conflict(const struct compile_request *req, struct eucc_error *err)
{
	for (size_t i = 0; i < req->nsources; i++) {
		const char *a = req->sources[i].path;
		size_t la = strlen(a);

		if (i + 1 < req->nsources && !strcmp(a, req->sources[i + 1].path))
			return bad(err, NULL, "source '%s' is given twice", a);
		for (size_t j = i + 1; j < req->nsources; j++) {
			const char *b = req->sources[j].path;

			if (strncmp(a, b, la))
				break; /* sorted: no later path starts with a */
			if (b[la] == '/')
				return bad(err, NULL, "'%s' is both a file and a directory", a);
		}
	}
	return 0;
}

static int parse_sources(const cJSON *body, struct compile_request *req, struct eucc_error *err)
{
	const cJSON *src = cJSON_GetObjectItemCaseSensitive(body, "sources");
	const cJSON *item;
	size_t n = 0, total = 0;
	int r;

	if (!cJSON_IsObject(src))
		return bad(err, "send {\"sources\": {\"probe.bpf.c\": \"...\"}}",
			   "\"sources\" is missing or not an object of path: text");
	for (item = src->child; item; item = item->next)
		n++;
	if (n == 0)
		return bad(err, NULL, "\"sources\" is empty");
	if (n > COMPILE_MAX_FILES)
		return bad(err, "upload only the files the program includes",
			   "too many source files (%zu, at most %d)", n, COMPILE_MAX_FILES);
	req->sources = calloc(n, sizeof(*req->sources));
	if (!req->sources)
		return -ENOMEM;
	for (item = src->child; item; item = item->next) {
		r = add_source(req, item, &total, err);
		if (r)
			return r;
	}
	qsort(req->sources, req->nsources, sizeof(*req->sources), source_cmp);
	return sources_conflict(req, err);
}

static const struct compile_source *find_source(const struct compile_request *req, const char *p)
{
	struct compile_source key = {.path = (char *)p};

	return bsearch(&key, req->sources, req->nsources, sizeof(key), source_cmp);
}

/* "name" or main's stem, [A-Za-z0-9_.-]. */
static int parse_name(const cJSON *body, struct compile_request *req, struct eucc_error *err)
{
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(body, "name");
	const char *base = strrchr(req->main, '/');
	char buf[NAME_MAX_LEN + 1];
	size_t len;

	if (name && !cJSON_IsNull(name)) {
		if (!cJSON_IsString(name))
			return bad(err, NULL, "\"name\" is not a string");
		len = strlen(name->valuestring);
		if (len == 0 || len > NAME_MAX_LEN || name->valuestring[0] == '.' ||
		    strspn(name->valuestring, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
					      "0123456789_.-") != len)
			return bad(err, "use letters, digits, '_', '.' and '-', at most 64",
				   "\"name\" '%.64s' is not a valid package name",
				   name->valuestring);
		req->name = strdup(name->valuestring);
		return req->name ? 0 : -ENOMEM;
	}
	snprintf(buf, sizeof(buf), "%s", base ? base + 1 : req->main);
	len = strlen(buf);
	if (len > 6 && str_has_suffix(buf, ".bpf.c"))
		buf[len - 6] = '\0';
	else if (len > 2 && str_has_suffix(buf, ".c"))
		buf[len - 2] = '\0';
	for (char *p = buf; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("_.-", *p))
			*p = '_';
	if (buf[0] == '.')
		buf[0] = '_';
	req->name = strdup(buf);
	return req->name ? 0 : -ENOMEM;
}

static int parse_main(const cJSON *body, struct compile_request *req, struct eucc_error *err)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(body, "main");
	size_t len;

	if (!cJSON_IsString(m))
		return bad(err, "name the file to compile, e.g. \"main\": \"probe.bpf.c\"",
			   "\"main\" is missing or not a string");
	len = strlen(m->valuestring);
	if (len < 3 || !str_has_suffix(m->valuestring, ".c"))
		return bad(err, NULL, "main '%.200s' is not a .c file", m->valuestring);
	if (!find_source(req, m->valuestring))
		return bad(err, "\"main\" names one of the keys of \"sources\"",
			   "main '%.200s' is not among the sources", m->valuestring);
	req->main = strdup(m->valuestring);
	return req->main ? 0 : -ENOMEM;
}

static int parse_kernels(const cJSON *body, struct compile_request *req, struct eucc_error *err)
{
	const cJSON *ks = cJSON_GetObjectItemCaseSensitive(body, "kernels");
	const cJSON *k;
	int n;

	if (!cJSON_IsArray(ks) || (n = cJSON_GetArraySize(ks)) == 0)
		return bad(err, "send e.g. \"kernels\": [\"4.19\", \"debian/12\"]",
			   "\"kernels\" is missing, empty or not an array");
	if (n > COMPILE_MAX_KERNELS)
		return bad(err, "use a broader spec, like \"5.10\" or \"debian/11\"",
			   "too many kernel specs (%d, at most %d)", n, COMPILE_MAX_KERNELS);
	req->kernels = calloc((size_t)n, sizeof(*req->kernels));
	if (!req->kernels)
		return -ENOMEM;
	for (k = ks->child; k; k = k->next) {
		if (!cJSON_IsString(k))
			return bad(err, NULL, "\"kernels\" holds something that is not a string");
		if (!btf_spec_is_valid(k->valuestring))
			return bad(err,
				   "a spec is a version (4.19), a release, "
				   "distro[/version[/arch]] or \"local\"",
				   "kernel spec '%.200s' is not valid", k->valuestring);
		req->kernels[req->nkernels] = strdup(k->valuestring);
		if (!req->kernels[req->nkernels++])
			return -ENOMEM;
	}
	return 0;
}

static int parse_arch_headers(const cJSON *body, struct compile_request *req,
			      struct eucc_error *err)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(body, "arch");
	const cJSON *h = cJSON_GetObjectItemCaseSensitive(body, "headers");
	const char *norm;

	if (a && !cJSON_IsNull(a)) {
		norm = cJSON_IsString(a) ? arch_normalize(a->valuestring) : NULL;
		if (!norm)
			return bad(err, "use x86_64, arm64, s390x, ppc64le, riscv64 or loongarch64",
				   "arch %.64s is not known",
				   cJSON_IsString(a) ? a->valuestring : "(not a string)");
		req->arch = strdup(norm);
		if (!req->arch)
			return -ENOMEM;
	}
	if (h && !cJSON_IsNull(h)) {
		if (!cJSON_IsString(h) || !release_is_valid(h->valuestring))
			return bad(err, "\"headers\" is the release of a stored kernel",
				   "\"headers\" is not a kernel release");
		req->headers = strdup(h->valuestring);
		if (!req->headers)
			return -ENOMEM;
	}
	return 0;
}

/* "toolchain": the name of one the server has (compile_toolchain_find lists them if not). */
static int parse_toolchain(const cJSON *body, struct compile_request *req, struct eucc_error *err)
{
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(body, "toolchain");
	const struct compile_toolchain *tc;

	if (!t || cJSON_IsNull(t))
		return 0;
	if (!cJSON_IsString(t))
		return bad(err, "send e.g. \"toolchain\": \"clang-19\" (GET /v1/info lists them)",
			   "\"toolchain\" is not a string");
	if (compile_toolchain_find(t->valuestring, &tc, err))
		return -EINVAL;
	req->toolchain = strdup(tc->name);
	return req->toolchain ? 0 : -ENOMEM;
}

static int refuse_flag(struct eucc_error *err, const char *flag, const char *why)
{
	return bad(err, "allowed: " ALLOWED_FLAGS, "cflag '%.200s' is not allowed%s%s", flag,
		   why ? ": " : "", why ? why : "");
}

/* NAME or NAME=VALUE (@value: '=' allowed); no control characters. */
static bool macro_is_valid(const char *s, bool value)
{
	size_t n = 0;

	if (!isalpha((unsigned char)s[0]) && s[0] != '_')
		return false;
	while (isalnum((unsigned char)s[n]) || s[n] == '_')
		n++;
	if (s[n] == '\0')
		return true;
	if (!value || s[n] != '=')
		return false;
	for (s += n + 1; *s; s++)
		if (iscntrl((unsigned char)*s))
			return false;
	return true;
}

static bool in_list(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(s, list[i]))
			return true;
	return false;
}

/* -mcpu=: the BPF instruction set versions ("probe" would ask the server's own kernel). */
static bool cpu_is_valid(const char *s)
{
	static const char *const cpus[] = {"v1", "v2", "v3", "v4", "generic"};

	return in_list(s, cpus, sizeof(cpus) / sizeof(cpus[0]));
}

static bool codegen_flag(const char *f)
{
	static const char *const flags[] = {
	    "-fno-stack-protector", "-fno-strict-aliasing", "-fno-jump-tables",
	    "-fno-unroll-loops",    "-funroll-loops",	    "-fno-asynchronous-unwind-tables",
	    "-fno-unwind-tables",   "-finline-functions",
	};

	return in_list(f, flags, sizeof(flags) / sizeof(flags[0]));
}

static bool std_is_valid(const char *s)
{
	static const char *const stds[] = {"c89",   "c90",   "c99",   "c11",   "c17",
					   "c18",   "c2x",   "gnu89", "gnu90", "gnu99",
					   "gnu11", "gnu17", "gnu18", "gnu2x"};

	for (size_t i = 0; i < sizeof(stds) / sizeof(stds[0]); i++)
		if (!strcmp(s, stds[i]))
			return true;
	return false;
}

/* -I<dir>: "." or a checked relative path; stored without leading "./" or trailing '/'. */
static int include_dir(const char *flag, char **out, struct eucc_error *err)
{
	const char *d = flag + 2, *why;
	char dir[PATH_MAX_LEN + 2];
	size_t len;

	while (d[0] == '.' && d[1] == '/' && d[2])
		for (d += 2; *d == '/'; d++)
			;
	snprintf(dir, sizeof(dir), "%s", d);
	len = strlen(dir);
	while (len > 1 && dir[len - 1] == '/')
		dir[--len] = '\0';
	if (strcmp(dir, ".") && compile_path_check(dir, &why))
		return bad(err, "-I takes a directory inside the upload, like -Iinclude",
			   "cflag '%.200s': %s", flag, why);
	if (asprintf(out, "-I%s", dir) < 0)
		return -ENOMEM;
	return 0;
}

/* One flag with its argument joined ("-DX", "-Iinc"); *out NULL for one the server sets. */
static int cflag_joined(const char *f, char **out, struct eucc_error *err)
{
	size_t len = strlen(f);

	*out = NULL;
	if (len > 1024)
		return refuse_flag(err, "(a flag)", "longer than 1024 characters");
	if (!strncmp(f, "-D", 2) || !strncmp(f, "-U", 2)) {
		if (!macro_is_valid(f + 2, f[1] == 'D'))
			return refuse_flag(err, f, "not a macro name (and =value)");
	} else if (!strncmp(f, "-I", 2)) {
		return include_dir(f, out, err);
	} else if (!strncmp(f, "-W", 2)) {
		if (strspn(f + 2, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				  "0123456789_=+-") != len - 2)
			return refuse_flag(err, f, "-W takes a warning name (never -Wl, -Wa, -Wp)");
	} else if (!strncmp(f, "-std=", 5)) {
		if (!std_is_valid(f + 5))
			return refuse_flag(err, f, "not a C standard");
	} else if (!strncmp(f, "-mcpu=", 6)) {
		if (!cpu_is_valid(f + 6))
			return refuse_flag(err, f, "the BPF CPU is v1, v2, v3, v4 or generic");
	} else if (!strcmp(f, "-g") || !strcmp(f, "-O2")) {
		return 0; /* the server always passes them */
	} else if (strcmp(f, "-w") && !codegen_flag(f)) {
		return refuse_flag(err, f,
				   strncmp(f, "-O", 2) ? NULL : "the server compiles with -O2");
	}
	*out = strdup(f);
	return *out ? 0 : -ENOMEM;
}

/* Returns 1 if the flag took @next as its argument ("-I", "dir"), 0, or an error. */
static int cflag_check(const char *f, const char *next, char **out, struct eucc_error *err)
{
	char *joined;
	int r;

	if (strcmp(f, "-D") && strcmp(f, "-U") && strcmp(f, "-I"))
		return cflag_joined(f, out, err);
	if (!next)
		return refuse_flag(err, f, "it needs an argument");
	if (asprintf(&joined, "%s%s", f, next) < 0)
		return -ENOMEM;
	r = cflag_joined(joined, out, err);
	free(joined);
	return r ? r : 1;
}

static int parse_cflags(const cJSON *body, struct compile_request *req, struct eucc_error *err)
{
	const cJSON *fl = cJSON_GetObjectItemCaseSensitive(body, "cflags");
	int n, r;

	if (!fl || cJSON_IsNull(fl))
		return 0;
	if (!cJSON_IsArray(fl))
		return bad(err, "send e.g. \"cflags\": [\"-DDEBUG\", \"-Iinclude\"]",
			   "\"cflags\" is not an array of strings");
	n = cJSON_GetArraySize(fl);
	if (n > COMPILE_MAX_CFLAGS)
		return bad(err, NULL, "too many cflags (%d, at most %d)", n, COMPILE_MAX_CFLAGS);
	req->cflags = calloc((size_t)n + 1, sizeof(*req->cflags));
	if (!req->cflags)
		return -ENOMEM;
	for (int i = 0; i < n; i++) {
		const cJSON *f = cJSON_GetArrayItem(fl, i);
		const cJSON *next = cJSON_GetArrayItem(fl, i + 1);
		const char *arg = cJSON_IsString(next) ? next->valuestring : NULL;

		if (!cJSON_IsString(f))
			return bad(err, NULL, "cflags[%d] is not a string", i);
		r = cflag_check(f->valuestring, arg, &req->cflags[req->ncflags], err);
		if (r < 0)
			return r;
		if (req->cflags[req->ncflags])
			req->ncflags++;
		i += r; /* 1 when the flag took the next element as its argument */
	}
	return 0;
}

int compile_request_parse(const cJSON *body, struct compile_request *req, struct eucc_error *err)
{
	int r;

	memset(req, 0, sizeof(*req));
	if (!cJSON_IsObject(body))
		return bad(err, "send a JSON object (docs/api.md)",
			   "the body is not a JSON object");
	r = parse_sources(body, req, err);
	if (!r)
		r = parse_main(body, req, err);
	if (!r)
		r = parse_name(body, req, err);
	if (!r)
		r = parse_kernels(body, req, err);
	if (!r)
		r = parse_arch_headers(body, req, err);
	if (!r)
		r = parse_cflags(body, req, err);
	if (!r)
		r = parse_toolchain(body, req, err);
	if (r == -ENOMEM)
		eucc_error_set(err, r, EUCC_E_INTERNAL, "out of memory");
	if (r)
		compile_request_free(req);
	return r;
}

void compile_request_free(struct compile_request *req)
{
	for (size_t i = 0; i < req->nsources; i++) {
		free(req->sources[i].path);
		free(req->sources[i].data);
	}
	for (size_t i = 0; i < req->ncflags; i++)
		free(req->cflags[i]);
	for (size_t i = 0; i < req->nkernels; i++)
		free(req->kernels[i]);
	free(req->sources);
	free(req->cflags);
	free(req->kernels);
	free(req->name);
	free(req->main);
	free(req->arch);
	free(req->headers);
	free(req->toolchain);
	memset(req, 0, sizeof(*req));
}
