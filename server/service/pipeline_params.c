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

/* ---- record types of undeclared event buffers, inferred from the sources ------------------ */

/*
 * Why from the sources: a record built on the stack or in a ring buffer reservation has a type
 * that clang leaves out of the object's BTF (it keeps the types of globals, maps, function
 * arguments and CO-RE relocations), so neither the object nor its call sites can name it and
 * the loader could not decode through it. The sources name it at the call site; the compile
 * then gets an EUCC_EVENT declaration appended to the main file, which puts the type into the
 * object's BTF. Only a `struct T` that some source defines (`struct T {`) is taken, so the
 * appended line always compiles where the user's code did.
 */

#define INFER_MAX 16

struct inferred {
	char map[64];
	char type[80]; /* "struct event" */
	const char *how;
};

static bool ident_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* The identifier at @p (at most @size - 1 bytes) into @out; its length, 0 if none. */
static size_t ident_at(const char *p, const char *end, char *out, size_t size)
{
	size_t n = 0;

	while (p + n < end && ident_char(p[n]) && n + 1 < size)
		n++;
	snprintf(out, size, "%.*s", (int)n, p);
	return n;
}

static const char *skip_space(const char *p, const char *end)
{
	while (p < end && isspace((unsigned char)*p))
		p++;
	return p;
}

/* Next occurrence of @word (identifier-bounded) in [@p, @end) of a text that starts at
 * @start, or NULL. */
static const char *find_word_in(const char *start, const char *p, const char *end, const char *word)
{
	size_t n = strlen(word);

	for (; p && p + n <= end; p++) {
		p = memmem(p, (size_t)(end - p), word, n);
		if (!p)
			return NULL;
		if ((p + n == end || !ident_char(p[n])) && (p == start || !ident_char(p[-1])))
			return p;
	}
	return NULL;
}

/* Does any source define `struct @name {`? */
static bool struct_defined(const struct compile_request *req, const char *name)
{
	for (size_t i = 0; i < req->nsources; i++) {
		const char *start = req->sources[i].data, *p = start,
			   *end = p + req->sources[i].size;

		while ((p = find_word_in(start, p, end, "struct"))) {
			char id[80];
			const char *q = skip_space(p + 6, end);
			size_t n = ident_at(q, end, id, sizeof(id));

			p += 6;
			if (n && !strcmp(id, name) && *skip_space(q + n, end) == '{')
				return true;
		}
	}
	return false;
}

/* Backwards from @at: the declaration of @var, `struct T VAR` (*ptr false) or `struct T *VAR`
 * (*ptr true); T into @type. */
static bool var_struct(const char *start, const char *at, const char *var, char *type, size_t size,
		       bool *ptr)
{
	for (const char *p = at; p > start; p--) {
		const char *q, *end = at;
		char id[80];
		size_t n;

		if (strncmp(p, "struct", 6) || ident_char(p[-1]) || ident_char(p[6]))
			continue;
		q = skip_space(p + 6, end);
		n = ident_at(q, end, id, sizeof(id));
		if (!n)
			continue;
		q = skip_space(q + n, end);
		*ptr = q < end && *q == '*';
		if (*ptr)
			q = skip_space(q + 1, end);
		n = strlen(var);
		if (q + n <= end && !strncmp(q, var, n) && !ident_char(q[n])) {
			snprintf(type, size, "%s", id);
			return true;
		}
	}
	return false;
}

/* Argument @idx (0-based) of the call whose '(' is at @open: [*b, *e), trimmed. */
static bool call_arg(const char *open, const char *end, int idx, const char **b, const char **e)
{
	int depth = 0, n = 0;

	*b = open + 1;
	for (const char *p = open + 1; p < end; p++) {
		if (*p == '(')
			depth++;
		else if (*p == ')' && depth-- == 0) {
			*e = p;
			break;
		} else if (*p == ',' && depth == 0) {
			if (n == idx) {
				*e = p;
				break;
			}
			n++;
			*b = p + 1;
		}
		if (p + 1 == end)
			return false;
	}
	if (n != idx)
		return false;
	*b = skip_space(*b, *e);
	while (*e > *b && isspace((unsigned char)(*e)[-1]))
		(*e)--;
	return *e > *b;
}

/* The record argument of an output call, `&VAR` or `VAR`, as the struct it is. */
static bool record_arg(const char *start, const char *call, const char *b, const char *e,
		       char *type, size_t size)
{
	char var[80];
	bool addr = *b == '&', ptr;

	if (addr)
		b = skip_space(b + 1, e);
	if (ident_at(b, e, var, sizeof(var)) != (size_t)(e - b))
		return false;
	return var_struct(start, call, var, type, size, &ptr) && ptr != addr;
}

/* `VAR = bpf_ringbuf_reserve(` or `struct T *VAR = (struct T *)bpf_ringbuf_reserve(`:
 * the struct VAR points to. */
static bool reserve_result(const char *start, const char *call, char *type, size_t size)
{
	const char *p = call;
	char var[80];
	bool ptr;

	while (p > start &&
	       (isspace((unsigned char)p[-1]) || strchr("()*", p[-1]) || ident_char(p[-1])) &&
	       p[-1] != '=')
		p--;
	if (p <= start || p[-1] != '=')
		return false;
	p--;
	while (p > start && isspace((unsigned char)p[-1]))
		p--;
	{
		const char *e = p;

		while (p > start && ident_char(p[-1]))
			p--;
		if (ident_at(p, e, var, sizeof(var)) != (size_t)(e - p) || !var[0])
			return false;
	}
	return var_struct(start, p + strlen(var), var, type, size, &ptr) && ptr;
}

/* The record type of @map from its output and reserve calls in @src, or false. */
static bool infer_from_calls(const struct compile_source *src, const char *map, char *type,
			     size_t size, const char **how)
{
	static const struct {
		const char *fn;
		int map_arg, rec_arg; /* rec_arg -1: the result */
	} calls[] = {{"bpf_ringbuf_reserve", 0, -1},
		     {"bpf_ringbuf_output", 0, 1},
		     {"bpf_perf_event_output", 1, 3}};
	const char *start = src->data, *end = start + src->size;

	for (size_t c = 0; c < sizeof(calls) / sizeof(calls[0]); c++) {
		for (const char *p = start; (p = find_word_in(start, p, end, calls[c].fn)); p++) {
			const char *open = skip_space(p + strlen(calls[c].fn), end), *b, *e;
			char id[80];

			if (open >= end || *open != '(' ||
			    !call_arg(open, end, calls[c].map_arg, &b, &e) || *b != '&')
				continue;
			b = skip_space(b + 1, e);
			if (ident_at(b, e, id, sizeof(id)) != (size_t)(e - b) || strcmp(id, map))
				continue;
			if (calls[c].rec_arg < 0 ? reserve_result(start, p, type, size)
						 : call_arg(open, end, calls[c].rec_arg, &b, &e) &&
						       record_arg(start, p, b, e, type, size)) {
				*how = calls[c].fn;
				return true;
			}
		}
	}
	return false;
}

/* The event buffers of the sources that no EUCC_EVENT declares: `} NAME SEC(".maps")` after a
 * BPF_MAP_TYPE_RINGBUF or BPF_MAP_TYPE_PERF_EVENT_ARRAY type. */
static size_t event_maps(const struct compile_request *req, struct inferred *out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < req->nsources; i++) {
		const char *start = req->sources[i].data, *p = start,
			   *end = p + req->sources[i].size;

		while (n < max && p < end) {
			const char *r = find_word_in(start, p, end, "BPF_MAP_TYPE_RINGBUF");
			const char *f =
			    find_word_in(start, p, end, "BPF_MAP_TYPE_PERF_EVENT_ARRAY");
			const char *t = !r ? f : !f ? r : r < f ? r : f, *close, *q;

			if (!t)
				break;
			p = t + 1;
			close = memchr(t, '}', (size_t)(end - t));
			if (!close)
				break;
			q = skip_space(close + 1, end);
			if (ident_at(q, end, out[n].map, sizeof(out[n].map)) &&
			    strstr(skip_space(q + strlen(out[n].map), end), "SEC(") ==
				skip_space(q + strlen(out[n].map), end))
				n++;
		}
	}
	return n;
}

/* Does a source declare `EUCC_EVENT(@map, ...)` (spaces allowed)? */
static bool declared(const struct compile_request *req, const char *map)
{
	for (size_t i = 0; i < req->nsources; i++) {
		const char *start = req->sources[i].data, *p = start,
			   *end = p + req->sources[i].size;

		for (; (p = find_word_in(start, p, end, "EUCC_EVENT")); p++) {
			const char *q = skip_space(p + 10, end);
			char id[80];
			size_t n;

			if (q >= end || *q != '(')
				continue;
			q = skip_space(q + 1, end);
			n = ident_at(q, end, id, sizeof(id));
			if (n && !strcmp(id, map) && *skip_space(q + n, end) == ',')
				return true;
		}
	}
	return false;
}

/* `prog.h` beside `prog.bpf.c` (eunomia-bpf's convention), if it defines `struct event`. */
static bool infer_from_header(const struct compile_request *req, char *type, size_t size)
{
	char h[PATH_MAX];
	size_t n = strlen(req->main);

	if (n < 6 || strcmp(req->main + n - 6, ".bpf.c"))
		return false;
	snprintf(h, sizeof(h), "%.*s.h", (int)(n - 6), req->main);
	for (size_t i = 0; i < req->nsources; i++) {
		const struct compile_source *s = &req->sources[i];
		const char *start = s->data, *p = start, *end = p + s->size;

		if (strcmp(s->path, h))
			continue;
		while ((p = find_word_in(start, p, end, "struct"))) {
			char id[80];
			const char *q = skip_space(p + 6, end);
			size_t len = ident_at(q, end, id, sizeof(id));

			p += 6;
			if (len && !strcmp(id, "event") && *skip_space(q + len, end) == '{') {
				snprintf(type, size, "event");
				return true;
			}
		}
	}
	return false;
}

/* What the sources say each undeclared event buffer sends; the number found. */
static size_t infer_events(const struct compile_request *req, struct inferred *out)
{
	struct inferred maps[INFER_MAX];
	size_t n = event_maps(req, maps, INFER_MAX), found = 0;

	for (size_t m = 0; m < n; m++) {
		char type[64] = "";
		const char *how = NULL;

		if (declared(req, maps[m].map))
			continue;
		for (size_t i = 0; i < req->nsources && !how; i++)
			if (!infer_from_calls(&req->sources[i], maps[m].map, type, sizeof(type),
					      &how))
				how = NULL;
		if (!how && infer_from_header(req, type, sizeof(type)))
			how = "header";
		if (!how || !struct_defined(req, type))
			continue;
		out[found] = maps[m];
		snprintf(out[found].type, sizeof(out[found].type), "struct %s", type);
		out[found++].how = how;
	}
	return found;
}

const struct compile_request *pipeline_with_events(const struct compile_request *req,
						   struct compile_request *copy, char **text)
{
	struct inferred evs[INFER_MAX];
	size_t n = infer_events(req, evs), main = req->nsources, len;
	char *buf;

	*text = NULL;
	for (size_t i = 0; i < req->nsources; i++)
		if (!strcmp(req->sources[i].path, req->main))
			main = i;
	if (!n || main == req->nsources)
		return req;
	len = req->sources[main].size + 64 + n * 256;
	buf = malloc(len);
	*copy = *req;
	copy->sources = calloc(req->nsources, sizeof(*copy->sources));
	if (!buf || !copy->sources) {
		free(buf);
		free(copy->sources);
		return req;
	}
	memcpy(copy->sources, req->sources, req->nsources * sizeof(*copy->sources));
	memcpy(buf, req->sources[main].data, req->sources[main].size);
	len = req->sources[main].size;
	len += (size_t)sprintf(buf + len, "\n#include <eucc/eucc.h>\n");
	for (size_t i = 0; i < n; i++)
		len += (size_t)sprintf(buf + len, "EUCC_EVENT(%s, %s);\n", evs[i].map, evs[i].type);
	copy->sources[main].data = buf;
	copy->sources[main].size = len;
	*text = buf;
	return copy;
}

void pipeline_events_found(const struct compile_request *req, cJSON *manifest)
{
	struct inferred evs[INFER_MAX];
	size_t n = infer_events(req, evs);
	cJSON *e;

	cJSON_ArrayForEach(e, cJSON_GetObjectItem(manifest, "events")) {
		for (size_t i = 0; i < n; i++)
			if (!strcmp(json_str(e, "map"), evs[i].map))
				cJSON_ReplaceItemInObject(e, "found",
							  cJSON_CreateString(evs[i].how));
	}
}
