/* SPDX-License-Identifier: Apache-2.0 */
/* What to upload: the main file and the local headers it includes, found as the compiler will. */
#include <ctype.h>
#include <errno.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "remote.h"

#define SOURCE_MAX_BYTES ((size_t)1 << 20)
#define SOURCE_MAX_FILES 256

static bool under(const char *path, const char *root)
{
	size_t n = strlen(root);

	return !strncmp(path, root, n) && (path[n] == '/' || path[n] == '\0' || !strcmp(root, "/"));
}

/* Shorten @root to the longest dir that also holds @dir. */
static void common_root(char *root, const char *dir)
{
	while (!under(dir, root)) {
		char *slash = strrchr(root, '/');

		if (!slash || slash == root) {
			strcpy(root, "/");
			return;
		}
		*slash = '\0';
	}
}

static int note(struct source_set *s, const char *fmt, const char *a)
{
	char buf[PATH_MAX + 128], **n;

	snprintf(buf, sizeof(buf), fmt, a);
	for (size_t i = 0; i < s->nnotes; i++)
		if (!strcmp(s->notes[i], buf))
			return 0;
	n = realloc(s->notes, (s->nnotes + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	s->notes = n;
	s->notes[s->nnotes] = strdup(buf);
	return s->notes[s->nnotes++] ? 0 : -ENOMEM;
}

static bool have_path(const struct source_set *s, const char *rel)
{
	for (size_t i = 0; i < s->count; i++)
		if (!strcmp(s->paths[i], rel))
			return true;
	return false;
}

void sources_from_cwd(const struct source_set *s, const char *abs, char *out, size_t size)
{
	size_t common = 0, o = 0;
	const char *rest;

	/* the longest dir that holds both */
	for (size_t i = 0; s->cwd[i] && s->cwd[i] == abs[i]; i++)
		if (s->cwd[i + 1] == '\0' ? abs[i + 1] == '/' || abs[i + 1] == '\0'
					  : s->cwd[i + 1] == '/' && abs[i + 1] == '/')
			common = i + 1;
	if (!strcmp(s->cwd, "/")) {
		snprintf(out, size, "%s", abs[1] ? abs + 1 : ".");
		return;
	}
	rest = abs + common + (abs[common] == '/');
	for (const char *c = s->cwd + common; *c && o + 4 < size; c++)
		if (*c == '/')
			o += (size_t)snprintf(out + o, size - o, "../");
	snprintf(out + o, size - o, "%s", *rest ? rest : ".");
}

/* A file as the user names it: from the working dir, or absolute when main was typed so. */
static void shown_path(const struct source_set *s, const char *abs, char *out, size_t size)
{
	if (s->absolute)
		snprintf(out, size, "%s", abs);
	else
		sources_from_cwd(s, abs, out, size);
}

static int add_file(struct source_set *s, const char *abs, const char *typed,
		    struct eucc_error *err)
{
	const char *rel = abs + strlen(s->root) + (strcmp(s->root, "/") ? 1 : 0);
	char shown[PATH_MAX * 2];
	void *data;
	size_t len;
	int ret;

	if (have_path(s, rel))
		return 0;
	if (s->count == SOURCE_MAX_FILES)
		return eucc_error_set(err, -E2BIG, EUCC_E_BAD_INPUT, "more than %d source files",
				      SOURCE_MAX_FILES);
	ret = fs_read_file(abs, SOURCE_MAX_BYTES, &data, &len);
	if (ret)
		return eucc_error_set(err, ret, EUCC_E_BAD_INPUT, "cannot read %s: %s", abs,
				      ret == -EFBIG ? "larger than 1 MiB" : strerror(-ret));
	if (typed)
		snprintf(shown, sizeof(shown), "%s", typed);
	else
		shown_path(s, abs, shown, sizeof(shown));
	s->paths = realloc(s->paths, (s->count + 1) * sizeof(*s->paths));
	s->shown = realloc(s->shown, (s->count + 1) * sizeof(*s->shown));
	s->data = realloc(s->data, (s->count + 1) * sizeof(*s->data));
	s->sizes = realloc(s->sizes, (s->count + 1) * sizeof(*s->sizes));
	if (!s->paths || !s->shown || !s->data || !s->sizes) {
		free(data);
		return eucc_error_set(err, -ENOMEM, EUCC_E_INTERNAL, "out of memory");
	}
	s->paths[s->count] = strdup(rel);
	s->shown[s->count] = strdup(shown);
	s->data[s->count] = data;
	s->sizes[s->count] = len;
	s->count++;
	return 0;
}

/* The X of a line `#include "X"` or `#include <X>` (*angle true), or NULL. */
static const char *include_name(char *line, bool *angle)
{
	char *p = line, *end;

	while (isspace((unsigned char)*p))
		p++;
	if (*p++ != '#')
		return NULL;
	while (isspace((unsigned char)*p))
		p++;
	if (strncmp(p, "include", 7))
		return NULL;
	p += 7;
	while (isspace((unsigned char)*p))
		p++;
	*angle = *p == '<';
	if ((*p != '"' && *p != '<') || !(end = strchr(p + 1, *angle ? '>' : '"')))
		return NULL;
	*end = '\0';
	return p + 1;
}

/* Remember <@name> (found under no -I dir) for the one note that lists them. */
static int left_to_server(struct source_set *s, const char *name)
{
	char **v;

	for (size_t i = 0; i < s->nsystem; i++)
		if (!strcmp(s->system[i], name))
			return 0;
	v = realloc(s->system, (s->nsystem + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	s->system = v;
	s->system[s->nsystem] = strdup(name);
	return s->system[s->nsystem++] ? 0 : -ENOMEM;
}

/* "not sent, left to the server's headers: <bpf/bpf_helpers.h>, <linux/bpf.h>" */
static int note_system(struct source_set *s)
{
	char buf[PATH_MAX];
	size_t o = 0;

	if (!s->nsystem)
		return 0;
	for (size_t i = 0; i < s->nsystem && o < sizeof(buf); i++)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s<%s>", i ? ", " : "",
				      s->system[i]);
	return note(s, "not under the -I dirs, not sent (the server's headers have them): %s", buf);
}

/* Where the compiler finds `#include "name"` from @from_dir: that dir, then the -I dirs; an
 * `#include <name>` (@from_dir NULL) only in the -I dirs. */
static bool resolve_include(const char *from_dir, const char *name, char *const *incdirs, size_t n,
			    char *out)
{
	char cand[PATH_MAX * 2];
	struct stat st;

	for (size_t i = from_dir ? 0 : 1; i <= n; i++) {
		snprintf(cand, sizeof(cand), "%s/%s", i == 0 ? from_dir : incdirs[i - 1], name);
		if (stat(cand, &st) == 0 && S_ISREG(st.st_mode) && realpath(cand, out))
			return true;
	}
	return false;
}

static int scan_includes(struct source_set *s, size_t idx, char *const *incdirs, size_t n,
			 struct eucc_error *err)
{
	char abs[PATH_MAX * 2], dir[PATH_MAX * 2], found[PATH_MAX], shown[PATH_MAX * 2];
	char *text, *save = NULL;
	int ret = 0;

	snprintf(abs, sizeof(abs), "%s/%s", s->root, s->paths[idx]);
	snprintf(dir, sizeof(dir), "%s", dirname(abs));
	text = strndup(s->data[idx], s->sizes[idx]);
	if (!text)
		return eucc_error_set(err, -ENOMEM, EUCC_E_INTERNAL, "out of memory");
	for (char *line = strtok_r(text, "\n", &save); line && !ret;
	     line = strtok_r(NULL, "\n", &save)) {
		bool angle = false;
		const char *name = include_name(line, &angle);

		if (!name)
			continue;
		bool vmlinux =
		    !strcmp(strrchr(name, '/') ? strrchr(name, '/') + 1 : name, "vmlinux.h");

		if (!resolve_include(angle ? NULL : dir, name, incdirs, n, found)) {
			/* a system or libbpf header, or missing: the compile will say */
			if (angle && !vmlinux)
				ret = left_to_server(s, name);
			continue;
		}
		shown_path(s, found, shown, sizeof(shown));
		if (vmlinux)
			ret = note(s,
				   "%s: not sent, the server's header for the target kernel "
				   "replaces it",
				   shown);
		else if (!under(found, s->root))
			ret = note(s,
				   "%s: outside the dirs of the program and its -I dirs, not "
				   "sent (add its dir with -I)",
				   shown);
		else
			ret = add_file(s, found, NULL, err);
	}
	free(text);
	return ret;
}

static int real_dirs(const char *main, const char *const *incdirs, size_t n, char *main_abs,
		     char **dirs, struct eucc_error *err)
{
	char tmp[PATH_MAX];

	if (!realpath(main, main_abs))
		return eucc_error_set(err, -errno, EUCC_E_BAD_INPUT, "cannot read %s: %s", main,
				      strerror(errno));
	for (size_t i = 0; i < n; i++) {
		if (!realpath(incdirs[i], tmp) || !fs_is_dir(tmp))
			return eucc_error_set(err, -ENOENT, EUCC_E_BAD_INPUT,
					      "-I %s: no such directory", incdirs[i]);
		dirs[i] = strdup(tmp);
	}
	return 0;
}

int sources_collect(const char *main, const char *const *incdirs, size_t n, struct source_set *out,
		    struct eucc_error *err)
{
	char main_abs[PATH_MAX], **dirs = calloc(n + 1, sizeof(*dirs));
	int ret;

	memset(out, 0, sizeof(*out));
	if (!dirs)
		return eucc_error_set(err, -ENOMEM, EUCC_E_INTERNAL, "out of memory");
	ret = real_dirs(main, incdirs, n, main_abs, dirs, err);
	if (!ret) {
		char tmp[PATH_MAX];

		snprintf(tmp, sizeof(tmp), "%s", main_abs);
		snprintf(out->root, sizeof(out->root), "%s", dirname(tmp));
		for (size_t i = 0; i < n; i++)
			common_root(out->root, dirs[i]);
		if (!realpath(".", out->cwd))
			snprintf(out->cwd, sizeof(out->cwd), "/");
		out->absolute = main[0] == '/';
		ret = add_file(out, main_abs, main, err);
	}
	/* Breadth first over what was added: each file's includes are added behind it. */
	for (size_t i = 0; !ret && i < out->count; i++)
		ret = scan_includes(out, i, dirs, n, err);
	if (!ret && note_system(out))
		ret = eucc_error_set(err, -ENOMEM, EUCC_E_INTERNAL, "out of memory");
	for (size_t i = 0; i < n; i++)
		free(dirs[i]);
	free(dirs);
	if (ret)
		sources_free(out);
	return ret;
}

void sources_free(struct source_set *s)
{
	for (size_t i = 0; i < s->count; i++) {
		free(s->paths[i]);
		free(s->shown[i]);
		free(s->data[i]);
	}
	for (size_t i = 0; i < s->nnotes; i++)
		free(s->notes[i]);
	for (size_t i = 0; i < s->nsystem; i++)
		free(s->system[i]);
	free(s->system);
	free(s->paths);
	free(s->shown);
	free(s->data);
	free(s->sizes);
	free(s->notes);
	memset(s, 0, sizeof(*s));
}

int sources_relative_dir(const struct source_set *s, const char *dir, char *out, size_t size)
{
	char abs[PATH_MAX];

	if (!realpath(dir, abs) || !under(abs, s->root))
		return -EINVAL;
	if (!strcmp(abs, s->root))
		snprintf(out, size, ".");
	else
		snprintf(out, size, "%s", abs + strlen(s->root) + (strcmp(s->root, "/") ? 1 : 0));
	return 0;
}

/* @path without "./" components and doubled slashes. */
static void plain_path(const char *path, char *out, size_t size)
{
	size_t o = 0;

	while (*path && o + 1 < size) {
		size_t n = strcspn(path, "/");

		if (n && !(n == 1 && path[0] == '.')) {
			if (o && o + 1 < size)
				out[o++] = '/';
			for (size_t i = 0; i < n && o + 1 < size; i++)
				out[o++] = path[i];
		}
		path += n + (path[n] == '/');
	}
	out[o] = '\0';
}

int sources_find(const struct source_set *s, const char *path)
{
	char want[PATH_MAX];
	int found = -1;

	plain_path(path ? path : "", want, sizeof(want));
	if (!want[0])
		return -1;
	for (size_t i = 0; i < s->count; i++)
		if (!strcmp(s->paths[i], want))
			return (int)i;
	if (strchr(want, '/'))
		return -1;
	/* a base name (the server shows one for a path it would not name): if only one fits */
	for (size_t i = 0; i < s->count; i++) {
		const char *base = strrchr(s->paths[i], '/');

		if (strcmp(base ? base + 1 : s->paths[i], want))
			continue;
		if (found >= 0)
			return -1;
		found = (int)i;
	}
	return found;
}
