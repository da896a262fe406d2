/* SPDX-License-Identifier: Apache-2.0 */
/* Does a program include vmlinux.h? Its uploaded files' #include lines, followed from main. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "compile_internal.h"

/* Index of upload path @path, or -1. */
static int source_index(const struct compile_request *req, const char *path)
{
	for (size_t i = 0; i < req->nsources; i++)
		if (!strcmp(req->sources[i].path, path))
			return (int)i;
	return -1;
}

static bool is_vmlinux(const char *name, size_t len)
{
	size_t b = len;

	while (b > 0 && name[b - 1] != '/')
		b--;
	return len - b == 9 && !strncmp(name + b, "vmlinux.h", 9);
}

/* Join @dir ("" for the upload's root) and @name, "a/./b" and "a/../b" folded; false if it
 * leaves the upload. */
static bool join_path(const char *dir, const char *name, size_t len, char *out, size_t size)
{
	char tmp[512];
	size_t o = 0;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s%s%.*s", dir, *dir ? "/" : "", (int)len, name) >=
	    sizeof(tmp))
		return false;
	out[0] = '\0';
	for (char *c = tmp, *next; c; c = next) {
		next = strchr(c, '/');
		if (next)
			*next++ = '\0';
		if (!*c || !strcmp(c, "."))
			continue;
		if (!strcmp(c, "..")) {
			if (!o)
				return false;
			while (o > 0 && out[o - 1] != '/')
				o--;
			o -= o > 0;
			out[o] = '\0';
			continue;
		}
		if (o + strlen(c) + 2 > size)
			return false;
		o += (size_t)snprintf(out + o, size - o, "%s%s", o ? "/" : "", c);
	}
	return o > 0;
}

/* The uploaded file that `#include <name>` or "name" from @from names, or -1. */
static int resolve(const struct compile_request *req, const char *from, const char *name,
		   size_t len, bool quoted)
{
	char dir[512], path[512];
	const char *slash = strrchr(from, '/');

	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - from) : 0, from);
	if (quoted && join_path(dir, name, len, path, sizeof(path)) && source_index(req, path) >= 0)
		return source_index(req, path);
	for (size_t i = 0; i < req->ncflags; i++) {
		const char *f = req->cflags[i];

		if (strncmp(f, "-I", 2))
			continue;
		if (join_path(strcmp(f + 2, ".") ? f + 2 : "", name, len, path, sizeof(path)) &&
		    source_index(req, path) >= 0)
			return source_index(req, path);
	}
	return -1;
}

/* @text without comments (replaced by a space; newlines kept), malloc'd. */
static char *strip_comments(const char *text, size_t size)
{
	char *out = malloc(size + 1), *o = out;

	for (size_t i = 0; out && i < size; i++) {
		if (text[i] == '/' && i + 1 < size && text[i + 1] == '*') {
			for (i += 2; i + 1 < size && !(text[i] == '*' && text[i + 1] == '/'); i++)
				if (text[i] == '\n')
					*o++ = '\n';
			i++;
			*o++ = ' ';
		} else if (text[i] == '/' && i + 1 < size && text[i + 1] == '/') {
			while (i + 1 < size && text[i + 1] != '\n')
				i++;
		} else {
			*o++ = text[i];
		}
	}
	if (out)
		*o = '\0';
	return out;
}

/* A directive's word after '#' ("include", "if" ...) and the rest, or NULL for other lines. */
static const char *directive(const char *line, const char **rest)
{
	const char *p = line, *w;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p++ != '#')
		return NULL;
	while (*p == ' ' || *p == '\t')
		p++;
	w = p;
	while (isalpha((unsigned char)*p))
		p++;
	while (*p == ' ' || *p == '\t')
		p++;
	*rest = p;
	return w;
}

/* Scan file @idx: true if it names vmlinux.h; the uploaded files it includes go in @todo. */
static bool scan_file(const struct compile_request *req, size_t idx, bool *seen, size_t *todo,
		      size_t *ntodo)
{
	char *text = strip_comments(req->sources[idx].data, req->sources[idx].size);
	int dead = 0; /* depth inside an `#if 0` */
	bool found = false;

	for (char *line = text, *next; line && !found; line = next) {
		const char *rest, *w;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (!(w = directive(line, &rest)))
			continue;
		if (!strncmp(w, "if", 2)) { /* #if, #ifdef, #ifndef */
			dead += dead || (!strncmp(w, "if ", 3) && rest[0] == '0' &&
					 !isalnum((unsigned char)rest[1]));
		} else if (dead &&
			   (!strncmp(w, "endif", 5) ||
			    (dead == 1 && (!strncmp(w, "else", 4) || !strncmp(w, "elif", 4))))) {
			dead--;
		} else if (!dead && !strncmp(w, "include", 7) && (*rest == '"' || *rest == '<')) {
			const char *end = strchr(rest + 1, *rest == '"' ? '"' : '>');
			size_t len = end ? (size_t)(end - rest - 1) : 0;
			int inc;

			if (!len)
				continue;
			if (is_vmlinux(rest + 1, len)) {
				found = true;
				continue;
			}
			inc = resolve(req, req->sources[idx].path, rest + 1, len, *rest == '"');
			if (inc >= 0 && !seen[inc]) {
				seen[inc] = true;
				todo[(*ntodo)++] = (size_t)inc;
			}
		}
	}
	free(text);
	return found;
}

bool compile_includes_vmlinux(const struct compile_request *req)
{
	bool *seen = calloc(req->nsources + 1, sizeof(*seen)), found = false;
	size_t *todo = calloc(req->nsources + 1, sizeof(*todo)), ntodo = 0;
	int first = source_index(req, req->main);

	if (!seen || !todo || first < 0) {
		free(seen);
		free(todo);
		return true; /* cannot tell: as before, the kernel header */
	}
	seen[first] = true;
	todo[ntodo++] = (size_t)first;
	for (size_t i = 0; i < ntodo && !found; i++)
		found = scan_file(req, todo[i], seen, todo, &ntodo);
	free(seen);
	free(todo);
	return found;
}
