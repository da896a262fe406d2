/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The program's parameters for the manifest: its read-only globals (const volatile, in
 * .rodata), each with the comment written just above its declaration in the sources, so that
 * `eucc-remote run PKG --help` can explain them without the sources.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <cjson/cJSON.h>

#include <eucc/eucc.h>

#include "core.h"
#include "pipeline_internal.h"

#define LINES_MAX 20000

/* Does @line declare @name (a const volatile global)? */
static bool declares(const char *line, const char *name)
{
	size_t n = strlen(name);
	const char *p;

	if (!strstr(line, "const") || !strstr(line, "volatile"))
		return false;
	for (p = strstr(line, name); p; p = strstr(p + 1, name)) {
		char after = p[n];

		if ((p == line || !(isalnum((unsigned char)p[-1]) || p[-1] == '_')) &&
		    (after == ' ' || after == '=' || after == ';' || after == '[' || after == '\t'))
			return true;
	}
	return false;
}

/* Append comment text of one line, without the markers, to @out. */
static void add_text(char *out, size_t size, const char *line)
{
	const char *p = line, *end;
	size_t len = strlen(out);

	while (isspace((unsigned char)*p) || *p == '/' || *p == '*')
		p++;
	end = p + strlen(p);
	while (end > p && (isspace((unsigned char)end[-1]) || end[-1] == '/' || end[-1] == '*'))
		end--;
	if (end > p)
		snprintf(out + len, size - len, "%s%.*s", len ? " " : "", (int)(end - p), p);
}

static const char *trimmed(const char *l)
{
	while (isspace((unsigned char)*l))
		l++;
	return l;
}

/* Does line @l end with @suffix, trailing blanks aside? */
static bool ends_with(const char *l, const char *suffix)
{
	char buf[512];
	size_t n = strlen(l);

	while (n && isspace((unsigned char)l[n - 1]))
		n--;
	snprintf(buf, sizeof(buf), "%.*s", (int)n, l);
	return str_has_suffix(buf, suffix);
}

/*
 * The comment right above line @at (a run of // lines, or a block whose first line starts
 * with slash-star and last line ends it), else one after the declaration on the same line.
 */
static void comment_above(char **lines, size_t at, char *out, size_t size)
{
	size_t first = at;
	const char *tail;

	out[0] = '\0';
	if (at && !strncmp(trimmed(lines[at - 1]), "//", 2)) {
		while (first > 0 && !strncmp(trimmed(lines[first - 1]), "//", 2))
			first--;
	} else if (at && ends_with(lines[at - 1], "*/")) {
		for (first = at - 1; first > 0 && at - first < 40; first--)
			if (strstr(lines[first], "/*"))
				break;
		if (strncmp(trimmed(lines[first]), "/*", 2))
			first = at; /* the block starts after code: not a comment of ours */
	}
	for (size_t i = first; i < at; i++)
		add_text(out, size, lines[i]);
	if (!out[0] && (tail = strchr(lines[at], ';')) &&
	    (strstr(tail, "/*") || strstr(tail, "//")))
		add_text(out, size, strstr(tail, "/*") ? strstr(tail, "/*") : strstr(tail, "//"));
}

/* Does @line close the map definition @name: `} NAME SEC(".maps");`? */
static bool closes_map(const char *line, const char *name)
{
	const char *p = trimmed(line);
	size_t n = strlen(name);

	if (*p != '}')
		return false;
	p = trimmed(p + 1);
	return !strncmp(p, name, n) && (p[n] == ' ' || p[n] == '\t') && strstr(p + n, "SEC(");
}

/* The line that opens the map definition closed at @at (`struct {`), or @at. */
static size_t map_opening(char **lines, size_t at)
{
	for (size_t i = at; i > 0 && at - i < 40; i--)
		if (!strncmp(trimmed(lines[i - 1]), "struct", 6) && strchr(lines[i - 1], '{'))
			return i - 1;
	return at;
}

static bool find_comment_of(const struct compile_source *src, const char *name, bool map, char *out,
			    size_t size)
{
	char *text = strndup(src->data, src->size), *save = NULL, **lines;
	size_t n = 0;
	bool found = false;

	lines = calloc(LINES_MAX, sizeof(*lines));
	if (!text || !lines) {
		free(text);
		free(lines);
		return false;
	}
	for (char *l = strtok_r(text, "\n", &save); l && n < LINES_MAX;
	     l = strtok_r(NULL, "\n", &save))
		lines[n++] = l;
	for (size_t i = 0; i < n && !found; i++)
		if (map ? closes_map(lines[i], name) : declares(lines[i], name)) {
			comment_above(lines, map ? map_opening(lines, i) : i, out, size);
			found = true;
		}
	free(lines);
	free(text);
	return found;
}

static bool find_comment(const struct compile_source *src, const char *name, char *out, size_t size)
{
	return find_comment_of(src, name, false, out, size);
}

/* The time unit a comment names ("usecs" for us, usec, usecs, microseconds...), else NULL. */
static const char *unit_in(const char *text)
{
	static const struct {
		const char *word, *unit;
	} words[] = {
	    {"us", "usecs"}, {"usec", "usecs"}, {"usecs", "usecs"}, {"microseconds", "usecs"},
	    {"ns", "nsecs"}, {"nsec", "nsecs"}, {"nsecs", "nsecs"}, {"nanoseconds", "nsecs"},
	    {"ms", "msecs"}, {"msec", "msecs"}, {"msecs", "msecs"}, {"milliseconds", "msecs"}};

	for (const char *w = text; *w;) {
		size_t len = 0;

		while (w[len] && isalnum((unsigned char)w[len]))
			len++;
		for (size_t i = 0; len && i < sizeof(words) / sizeof(words[0]); i++)
			if (strlen(words[i].word) == len && !strncasecmp(words[i].word, w, len))
				return words[i].unit;
		w += len ? len : 1;
	}
	return NULL;
}

void pipeline_map_units(const struct compile_request *req, cJSON *manifest)
{
	cJSON *m;
	char desc[1024];

	cJSON_ArrayForEach(m, cJSON_GetObjectItem(manifest, "maps")) {
		const char *name = json_str(m, "name"), *unit = NULL;

		for (size_t i = 0; *name && !unit && i < req->nsources; i++) {
			desc[0] = '\0';
			if (find_comment_of(&req->sources[i], name, true, desc, sizeof(desc)))
				unit = unit_in(desc);
		}
		if (unit)
			cJSON_AddStringToObject(m, "unit", unit);
	}
}

cJSON *pipeline_parameters(const struct compile_request *req, const cJSON *globals)
{
	cJSON *params = cJSON_CreateArray();
	const cJSON *g;
	char desc[1024];

	cJSON_ArrayForEach(g, globals) {
		const char *sec = cJSON_GetStringValue(cJSON_GetObjectItem(g, "section"));
		const char *name = cJSON_GetStringValue(cJSON_GetObjectItem(g, "name"));
		const char *type = cJSON_GetStringValue(cJSON_GetObjectItem(g, "type"));
		cJSON *p;

		if (!sec || !name || !type || strncmp(sec, ".rodata", 7))
			continue;
		if (!strncmp(type, "const volatile ", 15))
			type += 15;
		desc[0] = '\0';
		for (size_t i = 0; i < req->nsources; i++)
			if (find_comment(&req->sources[i], name, desc, sizeof(desc)))
				break;
		p = cJSON_CreateObject();
		cJSON_AddStringToObject(p, "name", name);
		cJSON_AddStringToObject(p, "type", type);
		cJSON_AddStringToObject(p, "description", desc);
		cJSON_AddItemToArray(params, p);
	}
	return params;
}

/* ---- defaults and event types, read from the object itself ------------------------------- */

/* Set "default" of the parameter called @name. */
static void param_default(cJSON *params, const char *name, const char *def)
{
	cJSON *p;

	cJSON_ArrayForEach(p, params) {
		const char *n = cJSON_GetStringValue(cJSON_GetObjectItem(p, "name"));

		if (n && name && !strcmp(n, name))
			cJSON_AddStringToObject(p, "default", def);
	}
}

/*
 * Default values of .rodata variables, keyed by name, into the parameters array: as the loader
 * prints values (core.h's btf_value_text), strings always quoted: "0", "\"abc\"", "MODE_ALL";
 * "?" for types other than scalars and char arrays.
 */
static void add_defaults(struct bpf_object *obj, cJSON *params)
{
	const struct btf *btf = bpf_object__btf(obj);
	struct bpf_map *map;
	const unsigned char *data = NULL;
	size_t size = 0;
	int id;

	bpf_object__for_each_map(map, obj) {
		const char *n = bpf_map__name(map);

		/* libbpf names it "<obj>.rodata"; ".rodata.str1.1" and the like are other sections
		 */
		if (str_has_suffix(n, ".rodata"))
			data = bpf_map__initial_value(map, &size);
	}
	id = btf ? btf__find_by_name_kind(btf, ".rodata", BTF_KIND_DATASEC) : -1;
	if (!data || id < 0)
		return;
	const struct btf_type *sec = btf__type_by_id(btf, id);
	const struct btf_var_secinfo *vs = btf_var_secinfos(sec);
	for (int i = 0; i < btf_vlen(sec); i++, vs++) {
		const struct btf_type *var = btf__type_by_id(btf, vs->type);
		const char *name = btf__name_by_offset(btf, var->name_off);
		char def[256];

		if (vs->offset > size)
			continue;
		btf_value_text(btf, var->type, data + vs->offset, size - vs->offset, BTF_TEXT_QUOTE,
			       def, sizeof(def));
		param_default(params, name, def);
	}
}

/* [{"map","type"}] from the EUCC_EVENT declarations (DATASEC .eucc.events). */
static cJSON *events_of(struct bpf_object *obj)
{
	const struct btf *btf = bpf_object__btf(obj);
	cJSON *events = cJSON_CreateArray();
	int id = btf ? btf__find_by_name_kind(btf, EUCC_EVENT_SECTION, BTF_KIND_DATASEC) : -1;

	if (id < 0)
		return events;
	const struct btf_type *sec = btf__type_by_id(btf, id);
	const struct btf_var_secinfo *vs = btf_var_secinfos(sec);
	for (int i = 0; i < btf_vlen(sec); i++, vs++) {
		const struct btf_type *var = btf__type_by_id(btf, vs->type);
		const char *name = btf__name_by_offset(btf, var->name_off);
		const struct btf_type *t = btf__type_by_id(btf, btf_value_resolve(btf, var->type));
		char type[160];
		cJSON *e;

		if (strncmp(name, EUCC_EVENT_PREFIX, strlen(EUCC_EVENT_PREFIX)) || !t)
			continue;
		snprintf(type, sizeof(type), "%s %s", btf_is_union(t) ? "union" : "struct",
			 btf__name_by_offset(btf, t->name_off));
		e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "map", name + strlen(EUCC_EVENT_PREFIX));
		cJSON_AddStringToObject(e, "type", type);
		cJSON_AddNumberToObject(e, "size", t->size);
		cJSON_AddStringToObject(e, "found", "EUCC_EVENT");
		cJSON_AddItemToArray(events, e);
	}
	return events;
}

int pipeline_object_info(const void *object, size_t size, cJSON *params, cJSON *manifest)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = "eucc");
	struct bpf_object *obj = bpf_object__open_mem(object, size, &opts);

	if (!obj) {
		cJSON_AddItemToObject(manifest, "events", cJSON_CreateArray());
		return -errno;
	}
	add_defaults(obj, params);
	cJSON_AddItemToObject(manifest, "events", events_of(obj));
	bpf_object__close(obj);
	return 0;
}
