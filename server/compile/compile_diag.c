/* SPDX-License-Identifier: Apache-2.0 */
/* Diagnostics: clang's serialized diagnostics read with libclang, paths made safe to show. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <clang-c/Index.h>

#include "compile_internal.h"

#define CHILD_DEPTH_MAX 4

int diag_list_add(struct diag_list *l, const char *severity, struct compile_diag **out)
{
	bool error = !strcmp(severity, "error") || !strcmp(severity, "fatal");

	if (l->n >= COMPILE_MAX_DIAGS + (error ? COMPILE_MAX_DIAG_ERRORS : 0)) {
		l->dropped++;
		return -ENOSPC;
	}
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct compile_diag *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	*out = &l->v[l->n++];
	memset(*out, 0, sizeof(**out));
	snprintf((*out)->severity, sizeof((*out)->severity), "%s", severity);
	return 0;
}

/* Drop "./" components and doubled slashes of a relative path; false if it has "..". */
static bool normalize_rel(const char *in, char *out, size_t size)
{
	size_t o = 0;

	while (*in) {
		size_t n = strcspn(in, "/");

		if (n == 2 && in[0] == '.' && in[1] == '.')
			return false;
		if (n && !(n == 1 && in[0] == '.') && o + n + 2 < size) {
			if (o)
				out[o++] = '/';
			memcpy(out + o, in, n);
			o += n;
		}
		in += n + (in[n] == '/');
	}
	out[o] = '\0';
	return o > 0;
}

static bool is_plain_name(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("._+-/", *s))
			return false;
	return true;
}

void compile_map_path(const char *in, char *out, size_t size)
{
	static const char *const system[] = {"/usr/include/", SANDBOX_LIBBPF "/", SANDBOX_UAPI "/"};
	static const char src[] = SANDBOX_SRC "/";
	const char *base;

	if (!in || !*in) {
		snprintf(out, size, "%s", "");
		return;
	}
	if (!strncmp(in, SANDBOX_VMLINUX, strlen(SANDBOX_VMLINUX))) {
		snprintf(out, size, "vmlinux.h");
		return;
	}
	if (!strncmp(in, src, sizeof(src) - 1))
		in += sizeof(src) - 1;
	else
		for (size_t i = 0; i < sizeof(system) / sizeof(system[0]); i++)
			if (!strncmp(in, system[i], strlen(system[i])) &&
			    is_plain_name(in + strlen(system[i])) && !strstr(in, "..")) {
				in += strlen(system[i]);
				break;
			}
	if (in[0] != '/' && is_plain_name(in) && normalize_rel(in, out, size))
		return;
	base = strrchr(in, '/');
	base = base ? base + 1 : in;
	snprintf(out, size, "%s", is_plain_name(base) && strcmp(base, "..") ? base : "<system>");
}

/* A path of the sandbox that may start at @p: "/job/...", "/eucc/...", "/usr/...". */
static size_t sandbox_path_len(const char *s, const char *p)
{
	if (*p != '/' || (p > s && !strchr(" '\"(`:=", p[-1])))
		return 0;
	if (strncmp(p, "/job/", 5) && strncmp(p, "/eucc/", 6) && strncmp(p, "/usr/", 5))
		return 0;
	return strcspn(p, " '\"():,`\n\t");
}

void compile_scrub_text(char *s)
{
	char tok[PATH_MAX], mapped[256];
	char *o = s;

	for (const char *p = s; *p;) {
		size_t n = sandbox_path_len(s, p), m;

		if (!n) {
			*o++ = iscntrl((unsigned char)*p) && *p != '\n' && *p != '\t' ? '?' : *p;
			p++;
			continue;
		}
		snprintf(tok, sizeof(tok), "%.*s", (int)n, p);
		compile_map_path(tok, mapped, sizeof(mapped));
		m = strlen(mapped) < n ? strlen(mapped) : n; /* never longer: written in place */
		memmove(o, mapped, m);
		o += m;
		p += n;
	}
	*o = '\0';
}

static const char *severity_name(enum CXDiagnosticSeverity s)
{
	switch (s) {
	case CXDiagnostic_Note:
		return "note";
	case CXDiagnostic_Warning:
		return "warning";
	case CXDiagnostic_Error:
		return "error";
	case CXDiagnostic_Fatal:
		return "fatal";
	default:
		return NULL;
	}
}

static void location(CXSourceLocation loc, char *file, size_t size, unsigned *line, unsigned *col)
{
	CXFile f = NULL;
	CXString name;

	clang_getFileLocation(loc, &f, line, col, NULL);
	if (!file)
		return;
	name = clang_getFileName(f);
	compile_map_path(f ? clang_getCString(name) : NULL, file, size);
	clang_disposeString(name);
}

/* "replace 3:5-3:9 with 'foo'", "insert 'foo' at 3:5", "remove 3:5-3:9"; "; " between. */
static void fixits(CXDiagnostic d, char *out, size_t size)
{
	unsigned n = clang_getDiagnosticNumFixIts(d);
	size_t o = 0;

	out[0] = '\0';
	for (unsigned i = 0; i < n && o < size; i++) {
		CXSourceRange r;
		CXString text = clang_getDiagnosticFixIt(d, i, &r);
		const char *t = clang_getCString(text);
		unsigned l1, c1, l2, c2;
		int w;

		location(clang_getRangeStart(r), NULL, 0, &l1, &c1);
		location(clang_getRangeEnd(r), NULL, 0, &l2, &c2);
		if (l1 == l2 && c1 == c2)
			w = snprintf(out + o, size - o, "%sinsert '%s' at %u:%u", o ? "; " : "", t,
				     l1, c1);
		else if (!t || !*t)
			w = snprintf(out + o, size - o, "%sremove %u:%u-%u:%u", o ? "; " : "", l1,
				     c1, l2, c2);
		else
			w = snprintf(out + o, size - o, "%sreplace %u:%u-%u:%u with '%s'",
				     o ? "; " : "", l1, c1, l2, c2, t);
		clang_disposeString(text);
		o += w > 0 ? (size_t)w : 0;
	}
	compile_scrub_text(out);
}

static int add_one(CXDiagnostic d, struct diag_list *out)
{
	const char *sev = severity_name(clang_getDiagnosticSeverity(d));
	CXString msg, opt;
	struct compile_diag *cd;
	int r;

	if (!sev)
		return 0;
	r = diag_list_add(out, sev, &cd);
	if (r)
		return r;
	location(clang_getDiagnosticLocation(d), cd->file, sizeof(cd->file), &cd->line,
		 &cd->column);
	msg = clang_getDiagnosticSpelling(d);
	opt = clang_getDiagnosticOption(d, NULL);
	if (*clang_getCString(opt))
		snprintf(cd->message, sizeof(cd->message), "%s [%s]", clang_getCString(msg),
			 clang_getCString(opt));
	else
		snprintf(cd->message, sizeof(cd->message), "%s", clang_getCString(msg));
	clang_disposeString(msg);
	clang_disposeString(opt);
	compile_scrub_text(cd->message);
	fixits(d, cd->fixits, sizeof(cd->fixits));
	return 0;
}

static int add_set(CXDiagnosticSet set, struct diag_list *out, int depth)
{
	unsigned n = clang_getNumDiagnosticsInSet(set);
	int r = 0;

	for (unsigned i = 0; i < n && !r; i++) {
		CXDiagnostic d = clang_getDiagnosticInSet(set, i);
		CXDiagnosticSet children;

		r = add_one(d, out);
		if (r == -ENOSPC) /* past the cap: counted, not kept */
			r = 0;
		children = clang_getChildDiagnostics(d);
		if (!r && children && depth < CHILD_DEPTH_MAX)
			r = add_set(children, out, depth + 1);
		clang_disposeDiagnostic(d);
	}
	return r;
}

int compile_diag_load(const char *dia_path, struct diag_list *out)
{
	enum CXLoadDiag_Error lerr = CXLoadDiag_None;
	CXString lmsg = {0};
	CXDiagnosticSet set;
	int r;

	set = clang_loadDiagnostics(dia_path, &lerr, &lmsg);
	if (!set) {
		const char *m = clang_getCString(lmsg);

		eucc_debug("diagnostics %s: %s", dia_path, m ? m : "not loaded");
		clang_disposeString(lmsg);
		return lerr == CXLoadDiag_CannotLoad ? -ENOENT : -EINVAL;
	}
	r = add_set(set, out, 0);
	clang_disposeDiagnosticSet(set);
	return r; /* the first COMPILE_MAX_DIAGS kept, the rest counted */
}

/* "fatal error: x", "error: x", "warning: x", "note: x" at @s; the message after it. */
static const char *severity_prefix(const char *s, const char **sev)
{
	static const char *const names[][2] = {
	    {"fatal error: ", "fatal"}, {"error: ", "error"},	   {"warning: ", "warning"},
	    {"note: ", "note"},		{"LLVM ERROR: ", "error"},
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strncmp(s, names[i][0], strlen(names[i][0]))) {
			*sev = names[i][1];
			return s + strlen(names[i][0]);
		}
	}
	return NULL;
}

/* One stderr line: "file:line:col: sev: msg", "clang: error: msg", "sev: msg"; else false. */
static bool parse_line(char *line, struct compile_diag *d)
{
	char file[256] = "";
	const char *sev, *msg = severity_prefix(line, &sev);
	unsigned l = 0, c = 0;
	int n = 0;

	if (!msg && !strncmp(line, "clang", 5) && strstr(line, ": ")) {
		msg = severity_prefix(strstr(line, ": ") + 2, &sev);
	} else if (!msg && sscanf(line, "%255[^:]:%u:%u: %n", file, &l, &c, &n) == 3 && n > 0) {
		msg = severity_prefix(line + n, &sev);
		compile_map_path(file, d->file, sizeof(d->file));
	}
	if (!msg)
		return false;
	d->line = l;
	d->column = c;
	snprintf(d->severity, sizeof(d->severity), "%s", sev);
	snprintf(d->message, sizeof(d->message), "%s", msg);
	compile_scrub_text(d->message);
	return true;
}

size_t compile_diag_from_stderr(const char *text, struct diag_list *out)
{
	size_t added = 0;

	while (text && *text) {
		size_t n = strcspn(text, "\n");
		struct compile_diag d = {0}, *slot;
		char line[1280];

		snprintf(line, sizeof(line), "%.*s", (int)(n < sizeof(line) ? n : sizeof(line) - 1),
			 text);
		text += n + (text[n] == '\n');
		if (!parse_line(line, &d))
			continue;
		if (diag_list_add(out, d.severity, &slot))
			continue; /* counted as dropped */
		*slot = d;
		added++;
	}
	return added;
}

/*
 * "Error at line 7: Unsupport signed division for DAG: 0x...: i64 = sdiv ..., f.c:7:11Please
 * convert to unsigned div/mod." becomes "f.c:7: error: Unsupport signed division; Please
 * convert to unsigned div/mod." (the DAG dump in between says nothing to a user).
 */
#define BACKEND_ERROR "Error at line "

size_t compile_diag_backend(const char *text, const char *main, struct diag_list *out)
{
	const char *p = text;
	size_t added = 0;

	while (p && (p = strstr(p, BACKEND_ERROR))) {
		struct compile_diag d = {0}, *slot;
		const char *msg, *end, *dag, *please;
		unsigned int line = (unsigned int)strtoul(p + strlen(BACKEND_ERROR), NULL, 10);

		msg = strstr(p, ": ");
		end = msg ? strchr(msg, '\n') : NULL;
		if (!msg || !end)
			break;
		msg += 2;
		dag = strstr(msg, " for DAG");
		please = strstr(msg, "Please ");
		if (!dag || dag > end)
			dag = end;
		snprintf(d.message, sizeof(d.message), "%.*s%s%.*s", (int)(dag - msg), msg,
			 please && please < end ? "; " : "",
			 please && please < end ? (int)(end - please) : 0, please ? please : "");
		snprintf(d.severity, sizeof(d.severity), "error");
		compile_map_path(main, d.file, sizeof(d.file));
		d.line = line;
		compile_scrub_text(d.message);
		p = end;
		if (diag_list_add(out, d.severity, &slot))
			continue; /* counted as dropped */
		*slot = d;
		added++;
	}
	return added;
}

void compile_diag_print(FILE *out, const struct compile_diag *d)
{
	const char *sev = strcmp(d->severity, "fatal") ? d->severity : "fatal error";

	if (d->file[0] && d->line && d->column)
		fprintf(out, "%s:%u:%u: ", d->file, d->line, d->column);
	else if (d->file[0] && d->line)
		fprintf(out, "%s:%u: ", d->file, d->line);
	else if (d->file[0])
		fprintf(out, "%s: ", d->file);
	fprintf(out, "%s: %s\n", sev, d->message);
	if (d->fixits[0])
		fprintf(out, "  fix-it: %s\n", d->fixits);
}

/* The text between the quotes that start at @p: "'NAME'" gives NAME. */
static bool quoted(const char *p, char *out, size_t size)
{
	const char *end;

	if (!p || *p != '\'' || !(end = strchr(p + 1, '\'')) || end == p + 1 ||
	    (size_t)(end - p) > size)
		return false;
	snprintf(out, size, "%.*s", (int)(end - p - 1), p + 1);
	for (const char *c = out; *c; c++)
		if (!isalnum((unsigned char)*c) && *c != '_')
			return false;
	return true;
}

/* "'struct NAME'", "'union NAME'" or, with @plain, "'NAME'". */
static bool record_name(const char *p, bool plain, struct compile_missing *m)
{
	char buf[160];

	if (!p || *p != '\'')
		return false;
	if (!strncmp(p + 1, "struct ", 7) || !strncmp(p + 1, "union ", 6)) {
		m->is_union = p[1] == 'u';
		buf[0] = '\'';
		snprintf(buf + 1, sizeof(buf) - 1, "%s", p + (m->is_union ? 7 : 8));
		return quoted(buf, m->name, sizeof(m->name));
	}
	m->is_typedef = true;
	return plain && quoted(p, m->name, sizeof(m->name));
}

bool compile_diag_missing(const char *message, struct compile_missing *m)
{
	static const char *const incomplete[] = {
	    "incomplete definition of type ",
	    "variable has incomplete type ",
	    "field has incomplete type ",
	};
	const char *p;

	memset(m, 0, sizeof(*m));
	if (!strncmp(message, "use of undeclared identifier ", 29)) {
		m->kind = COMPILE_MISSING_IDENT;
		return quoted(message + 29, m->name, sizeof(m->name));
	}
	if (!strncmp(message, "unknown type name ", 18)) {
		m->kind = COMPILE_MISSING_TYPE;
		return quoted(message + 18, m->name, sizeof(m->name));
	}
	if (!strncmp(message, "no member named ", 16) && (p = strstr(message, "' in '"))) {
		m->kind = COMPILE_MISSING_MEMBER;
		return quoted(message + 16, m->member, sizeof(m->member)) &&
		       record_name(p + 5, true, m);
	}
	for (size_t i = 0; i < sizeof(incomplete) / sizeof(incomplete[0]); i++) {
		if (strncmp(message, incomplete[i], strlen(incomplete[i])))
			continue;
		m->kind = COMPILE_MISSING_RECORD;
		return record_name(message + strlen(incomplete[i]), false, m);
	}
	return false;
}
