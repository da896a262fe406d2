/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The program's parameters for the manifest: its read-only globals (const volatile, in
 * .rodata), each with the comment written just above its declaration in the sources, so that
 * `eucc-remote run PKG --help` can explain them without the sources.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "pipeline.h"

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

static bool is_comment_line(const char *l)
{
	while (isspace((unsigned char)*l))
		l++;
	return !strncmp(l, "//", 2) || !strncmp(l, "/*", 2) || *l == '*' ||
	       (strlen(l) >= 2 && !strcmp(l + strlen(l) - 2, "*/"));
}

/* The comment lines right above line @at of @lines. */
static void comment_above(char **lines, size_t at, char *out, size_t size)
{
	size_t first = at;

	out[0] = '\0';
	while (first > 0 && is_comment_line(lines[first - 1]))
		first--;
	for (size_t i = first; i < at; i++)
		add_text(out, size, lines[i]);
}

static bool find_comment(const struct compile_source *src, const char *name, char *out,
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
	for (char *l = strtok_r(text, "\n", &save); l && n < LINES_MAX; l = strtok_r(NULL, "\n", &save))
		lines[n++] = l;
	for (size_t i = 0; i < n && !found; i++)
		if (declares(lines[i], name)) {
			comment_above(lines, i, out, size);
			found = true;
		}
	free(lines);
	free(text);
	return found;
}

cJSON *pipeline_parameters(const struct compile_request *req, const cJSON *globals)
{
	cJSON *params = cJSON_CreateArray();
	const cJSON *g;
	char desc[1024];

	cJSON_ArrayForEach(g, globals)
	{
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
