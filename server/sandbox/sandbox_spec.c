/* SPDX-License-Identifier: Apache-2.0 */
/* A sandbox spec: building it, its bwrap command line, its wire form. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "sandbox.h"

#define WIRE_MAGIC "eucc-sandbox-1"

static char *dup_or_null(const char *s, bool *oom)
{
	char *d;

	if (!s)
		return NULL;
	d = strdup(s);
	if (!d)
		*oom = true;
	return d;
}

/* The next mount of @s, the array grown if need be; NULL when out of memory. */
static struct sandbox_mount *mount_slot(struct sandbox_spec *s)
{
	if (s->nmounts == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 32;
		struct sandbox_mount *v = realloc(s->mounts, cap * sizeof(*v));

		if (!v)
			return NULL;
		s->mounts = v;
		s->cap = cap;
	}
	return &s->mounts[s->nmounts++];
}

void sandbox_spec_mount(struct sandbox_spec *s, enum sandbox_op op, const char *src,
			const char *dst)
{
	struct sandbox_mount *m = mount_slot(s);

	if (!m) {
		s->oom = true;
		return;
	}
	m->op = op;
	m->src = dup_or_null(src, &s->oom);
	m->dst = dup_or_null(dst, &s->oom);
}

void sandbox_spec_arg(struct sandbox_spec *s, const char *fmt, ...)
{
	va_list ap;
	char *a;

	if (s->argc + 2 > s->argv_cap) {
		size_t cap = s->argv_cap ? s->argv_cap * 2 : 64;
		char **v = realloc(s->argv, cap * sizeof(*v));

		if (!v) {
			s->oom = true;
			return;
		}
		s->argv = v;
		s->argv_cap = cap;
	}
	va_start(ap, fmt);
	if (vasprintf(&a, fmt, ap) < 0) {
		s->oom = true;
		a = NULL;
	}
	va_end(ap);
	if (a) {
		s->argv[s->argc++] = a;
		s->argv[s->argc] = NULL;
	}
}

void sandbox_spec_chdir(struct sandbox_spec *s, const char *dir)
{
	free(s->chdir);
	s->chdir = dup_or_null(dir, &s->oom);
}

void sandbox_spec_free(struct sandbox_spec *s)
{
	for (size_t i = 0; i < s->nmounts; i++) {
		free(s->mounts[i].src);
		free(s->mounts[i].dst);
	}
	for (size_t i = 0; i < s->argc; i++)
		free(s->argv[i]);
	free(s->mounts);
	free(s->argv);
	free(s->chdir);
	memset(s, 0, sizeof(*s));
}

void sandbox_spec_free_view(struct sandbox_spec *s)
{
	free(s->mounts);
	free(s->argv);
	memset(s, 0, sizeof(*s));
}

/* ---- bwrap ------------------------------------------------------------------------------ */

struct strv {
	char **v;
	size_t n, cap;
	bool oom;
};

static void strv_add(struct strv *a, const char *s)
{
	if (a->n + 2 > a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 128;
		char **v = realloc(a->v, cap * sizeof(*v));

		if (!v) {
			a->oom = true;
			return;
		}
		a->v = v;
		a->cap = cap;
	}
	a->v[a->n] = strdup(s);
	if (!a->v[a->n]) {
		a->oom = true;
		return;
	}
	a->v[++a->n] = NULL;
}

void sandbox_argv_free(char **argv)
{
	for (size_t i = 0; argv && argv[i]; i++)
		free(argv[i]);
	free(argv);
}

static const char *bwrap_option(enum sandbox_op op)
{
	switch (op) {
	case SANDBOX_RO_BIND:
		return "--ro-bind";
	case SANDBOX_RO_BIND_TRY:
		return "--ro-bind-try";
	case SANDBOX_BIND:
		return "--bind";
	case SANDBOX_SYMLINK:
		return "--symlink";
	case SANDBOX_DEV:
		return "--dev";
	case SANDBOX_TMPFS:
		return "--tmpfs";
	}
	return NULL;
}

int sandbox_spec_bwrap_argv(const struct sandbox_spec *s, const char *bwrap, int info_fd,
			    char ***argv)
{
	char id[16], fd[16];
	struct strv a = {0};
	const char *fixed[] = {
	    "--unshare-all",
	    "--unshare-user",
	    "--uid",
	    id,
	    "--gid",
	    id,
	    "--cap-drop",
	    "ALL",
	    "--die-with-parent",
	    "--new-session",
	    "--clearenv",
	    "--setenv",
	    "PATH",
	    "/usr/bin:/bin",
	    "--setenv",
	    "LC_ALL",
	    "C",
	};

	*argv = NULL;
	if (s->oom || !s->argc)
		return -ENOMEM;
	snprintf(id, sizeof(id), "%d", SANDBOX_ID);
	snprintf(fd, sizeof(fd), "%d", info_fd);
	strv_add(&a, bwrap);
	strv_add(&a, "--info-fd");
	strv_add(&a, fd);
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		strv_add(&a, fixed[i]);
	for (size_t i = 0; i < s->nmounts; i++) {
		const struct sandbox_mount *m = &s->mounts[i];

		strv_add(&a, bwrap_option(m->op));
		if (m->src)
			strv_add(&a, m->src);
		strv_add(&a, m->dst);
	}
	strv_add(&a, "--remount-ro");
	strv_add(&a, "/");
	strv_add(&a, "--chdir");
	strv_add(&a, s->chdir ? s->chdir : "/");
	strv_add(&a, "--");
	for (size_t i = 0; i < s->argc; i++)
		strv_add(&a, s->argv[i]);
	if (a.oom) {
		sandbox_argv_free(a.v);
		return -ENOMEM;
	}
	*argv = a.v;
	return 0;
}

/* ---- the wire form ---------------------------------------------------------------------- */

struct wire {
	char *buf;
	size_t len, cap;
	bool oom;
};

static void wire_put(struct wire *w, const char *s)
{
	size_t n = strlen(s) + 1;

	if (w->len + n > w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 4096;
		char *b;

		while (cap < w->len + n)
			cap *= 2;
		b = realloc(w->buf, cap);
		if (!b) {
			w->oom = true;
			return;
		}
		w->buf = b;
		w->cap = cap;
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
}

int sandbox_spec_encode(const struct sandbox_spec *s, char **buf, size_t *len)
{
	const struct sandbox_limits *l = &s->limits;
	struct wire w = {0};
	char num[4][24];
	char op[2] = {0};

	*buf = NULL;
	if (s->oom || !s->argc)
		return -ENOMEM;
	snprintf(num[0], sizeof(num[0]), "%llu", (unsigned long long)l->cpu_seconds);
	snprintf(num[1], sizeof(num[1]), "%llu", (unsigned long long)l->as_bytes);
	snprintf(num[2], sizeof(num[2]), "%llu", (unsigned long long)l->fsize_bytes);
	snprintf(num[3], sizeof(num[3]), "%llu", (unsigned long long)l->nproc);
	wire_put(&w, WIRE_MAGIC);
	wire_put(&w, "L");
	for (int i = 0; i < 4; i++)
		wire_put(&w, num[i]);
	wire_put(&w, "C");
	wire_put(&w, s->chdir ? s->chdir : "/");
	for (size_t i = 0; i < s->nmounts; i++) {
		op[0] = (char)s->mounts[i].op;
		wire_put(&w, op);
		wire_put(&w, s->mounts[i].src ? s->mounts[i].src : "");
		wire_put(&w, s->mounts[i].dst);
	}
	wire_put(&w, "A");
	for (size_t i = 0; i < s->argc; i++)
		wire_put(&w, s->argv[i]);
	if (w.oom) {
		free(w.buf);
		return -ENOMEM;
	}
	if (w.len > SANDBOX_MSG_MAX) {
		free(w.buf);
		return -E2BIG;
	}
	*buf = w.buf;
	*len = w.len;
	return 0;
}

/* The next NUL-terminated field of [*p, end), or NULL. */
static char *field(char **p, char *end)
{
	char *f = *p, *nul;

	if (f >= end || !(nul = memchr(f, '\0', (size_t)(end - f))))
		return NULL;
	*p = nul + 1;
	return f;
}

static bool number(const char *f, uint64_t *v)
{
	char *e;

	if (!f || !*f || *f == '-')
		return false;
	errno = 0;
	*v = strtoull(f, &e, 10);
	return !*e && !errno;
}

static bool known_op(int c)
{
	return c == SANDBOX_RO_BIND || c == SANDBOX_RO_BIND_TRY || c == SANDBOX_BIND ||
	       c == SANDBOX_SYMLINK || c == SANDBOX_DEV || c == SANDBOX_TMPFS;
}

static int decode_mount(struct sandbox_spec *s, int op, char **p, char *end)
{
	char *src = field(p, end), *dst = field(p, end);
	struct sandbox_mount *m;

	if (!src || !dst || dst[0] != '/')
		return -EINVAL;
	if ((op == SANDBOX_DEV || op == SANDBOX_TMPFS) != !*src)
		return -EINVAL;
	m = mount_slot(s);
	if (!m)
		return -ENOMEM;
	m->op = (enum sandbox_op)op;
	m->src = *src ? src : NULL;
	m->dst = dst;
	return 0;
}

static int decode_argv(struct sandbox_spec *s, char **p, char *end)
{
	size_t n = 0;

	for (char *q = *p; q < end; q += strlen(q) + 1)
		n++;
	if (!n || end[-1] != '\0')
		return -EINVAL;
	s->argv = calloc(n + 1, sizeof(*s->argv));
	if (!s->argv)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		s->argv[i] = field(p, end);
	s->argc = n;
	return s->argv[0][0] == '/' ? 0 : -EINVAL;
}

int sandbox_spec_decode(char *buf, size_t len, struct sandbox_spec *s)
{
	char *p = buf, *end = buf + len, *f;
	uint64_t v[4];
	int r = 0;

	memset(s, 0, sizeof(*s));
	f = field(&p, end);
	if (!f || strcmp(f, WIRE_MAGIC) || !(f = field(&p, end)) || strcmp(f, "L"))
		return -EINVAL;
	for (int i = 0; i < 4; i++)
		if (!number(field(&p, end), &v[i]))
			return -EINVAL;
	s->limits = (struct sandbox_limits){v[0], v[1], v[2], v[3]};
	if (!(f = field(&p, end)) || strcmp(f, "C") || !(s->chdir = field(&p, end)) ||
	    s->chdir[0] != '/')
		return -EINVAL;
	while (!r && (f = field(&p, end)) && strcmp(f, "A"))
		r = strlen(f) == 1 && known_op(f[0]) ? decode_mount(s, f[0], &p, end) : -EINVAL;
	if (!r)
		r = f ? decode_argv(s, &p, end) : -EINVAL;
	if (r)
		sandbox_spec_free_view(s);
	return r;
}

/* ---- the rlimits ---------------------------------------------------------------------- */

int sandbox_limits_apply(const struct sandbox_limits *l)
{
	struct rlimit cpu = {l->cpu_seconds, l->cpu_seconds + 2};
	struct rlimit as = {l->as_bytes, l->as_bytes};
	struct rlimit fsize = {l->fsize_bytes, l->fsize_bytes};
	struct rlimit nproc = {l->nproc, l->nproc};
	struct rlimit core = {0, 0};

	if ((l->cpu_seconds && setrlimit(RLIMIT_CPU, &cpu)) ||
	    (l->as_bytes && setrlimit(RLIMIT_AS, &as)) ||
	    (l->fsize_bytes && setrlimit(RLIMIT_FSIZE, &fsize)) ||
	    (l->nproc && setrlimit(RLIMIT_NPROC, &nproc)) || setrlimit(RLIMIT_CORE, &core))
		return -errno;
	return 0;
}
