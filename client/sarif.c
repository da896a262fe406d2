/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SARIF 2.1.0 of a compile answer: one result per compiler diagnostic (its notes as related
 * locations) and per finding, each referring to its rule in tool.driver.rules; files by URIs
 * relative to the working dir (uriBaseId %SRCROOT%).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "remote.h"

#define SRCROOT "%SRCROOT%"

/* What each kind of finding means (docs/core-checks.md). */
static const char *const finding_rules[][3] = {
    {"field", "MissingField",
     "A field the program relocates against is missing or incompatible in a kernel"},
    {"type", "MissingType", "A type the program relocates against is missing or incompatible"},
    {"enum", "MissingEnumValue", "An enum value the program relocates against is missing"},
    {"helper", "UnavailableHelper", "A BPF helper or kfunc the program calls is not available"},
    {"map", "UnavailableMap", "A map type or global data the program uses is not available"},
    {"program", "UnavailableProgramType",
     "A program type or attach type the program needs is not available"},
    {"attach", "MissingAttachTarget",
     "A kernel function or tracepoint the program attaches to does not exist"},
};

struct sarif {
	const struct source_set *src;
	cJSON *rules;
	cJSON *results;
};

/* The index of rule @id, added with @name and @desc when it is new. */
static int rule_index(struct sarif *s, const char *id, const char *name, const char *desc)
{
	int i = 0;
	const cJSON *r;
	cJSON *rule;

	cJSON_ArrayForEach(r, s->rules) {
		if (!strcmp(json_str(r, "id"), id))
			return i;
		i++;
	}
	rule = cJSON_CreateObject();
	cJSON_AddStringToObject(rule, "id", id);
	cJSON_AddStringToObject(rule, "name", name);
	cJSON_AddStringToObject(cJSON_AddObjectToObject(rule, "shortDescription"), "text", desc);
	cJSON_AddItemToArray(s->rules, rule);
	return i;
}

static int finding_rule(struct sarif *s, const char *kind)
{
	char name[96], desc[160];

	for (size_t i = 0; i < sizeof(finding_rules) / sizeof(finding_rules[0]); i++)
		if (!strcmp(kind, finding_rules[i][0]))
			return rule_index(s, kind, finding_rules[i][1], finding_rules[i][2]);
	snprintf(name, sizeof(name), "%s", *kind ? kind : "finding");
	snprintf(desc, sizeof(desc), "A finding of kind '%s' on a kernel", name);
	return rule_index(s, name, name, desc);
}

/* The warning option of "... [-Wunused-variable]" or "... [-Werror,-Wunused-variable]". */
static bool warning_option(const char *msg, char *out, size_t size)
{
	const char *open = NULL, *comma;
	size_t len = strlen(msg);

	for (const char *p = strstr(msg, " [-W"); p; p = strstr(p + 1, " [-W"))
		open = p + 2;
	if (!open || msg[len - 1] != ']')
		return false;
	comma = strrchr(open, ',');
	if (comma && !strncmp(comma, ",-W", 3))
		open = comma + 1;
	snprintf(out, size, "%.*s", (int)(msg + len - 1 - (open + 2)), open + 2);
	return out[0] != '\0';
}

/* A diagnostic with a warning option is rule clang-diagnostic-OPTION (as clang-tidy names
 * them), others clang-warning or clang-error. */
/* SARIF's level of a finding: "error", "warning" or "note" (guarded: does not fail). */
static const char *finding_level(const cJSON *f)
{
	const char *sev = json_str(f, "severity");

	return !strcmp(sev, "warning") || !strcmp(sev, "note") ? sev : "error";
}

static int diagnostic_rule(struct sarif *s, const char *severity, const char *msg)
{
	char opt[100], id[160], desc[200];

	if (warning_option(msg, opt, sizeof(opt))) {
		snprintf(id, sizeof(id), "clang-diagnostic-%s", opt);
		snprintf(desc, sizeof(desc), "clang's warning -W%s", opt);
		return rule_index(s, id, opt, desc);
	}
	if (!strcmp(severity, "warning"))
		return rule_index(s, "clang-warning", "CompilerWarning", "A warning of clang");
	return rule_index(s, "clang-error", "CompilerError",
			  "An error of clang: the program does not compile");
}

/* @path percent-encoded for a URI: unreserved characters and '/' stay. */
static void uri_encode(const char *path, char *out, size_t size)
{
	size_t o = 0;

	for (const unsigned char *p = (const unsigned char *)path; *p && o + 4 < size; p++) {
		if (isalnum(*p) || strchr("-._~/+", *p))
			out[o++] = (char)*p;
		else
			o += (size_t)snprintf(out + o, size - o, "%%%02X", *p);
	}
	out[o] = '\0';
}

/* An artifactLocation: an uploaded file relative to the working dir (%SRCROOT%); a file of
 * the server (vmlinux.h, <bpf/...>) by its name there. */
static cJSON *artifact(const struct sarif *s, const char *file)
{
	cJSON *a = cJSON_CreateObject();
	int i = sources_find(s->src, file);
	char abs[PATH_MAX * 2], rel[PATH_MAX * 2], uri[PATH_MAX * 3];

	if (i >= 0) {
		snprintf(abs, sizeof(abs), "%s%s%s", s->src->root,
			 strcmp(s->src->root, "/") ? "/" : "", s->src->paths[i]);
		sources_from_cwd(s->src, abs, rel, sizeof(rel));
		uri_encode(rel, uri, sizeof(uri));
		cJSON_AddStringToObject(a, "uri", uri);
		cJSON_AddStringToObject(a, "uriBaseId", SRCROOT);
	} else {
		uri_encode(file, uri, sizeof(uri));
		cJSON_AddStringToObject(a, "uri", uri);
	}
	return a;
}

static cJSON *location(const struct sarif *s, const char *file, int line, int column,
		       const char *msg)
{
	cJSON *loc = cJSON_CreateObject(), *phys, *region;

	phys = cJSON_AddObjectToObject(loc, "physicalLocation");
	cJSON_AddItemToObject(phys, "artifactLocation", artifact(s, file));
	region = cJSON_AddObjectToObject(phys, "region");
	cJSON_AddNumberToObject(region, "startLine", line > 0 ? line : 1);
	if (column > 0)
		cJSON_AddNumberToObject(region, "startColumn", column);
	if (msg)
		cJSON_AddStringToObject(cJSON_AddObjectToObject(loc, "message"), "text", msg);
	return loc;
}

static cJSON *add_result(struct sarif *s, int rule, const char *level, const char *msg,
			 const char *file, int line, int column)
{
	cJSON *r = cJSON_CreateObject();

	cJSON_AddStringToObject(r, "ruleId", json_str(cJSON_GetArrayItem(s->rules, rule), "id"));
	cJSON_AddNumberToObject(r, "ruleIndex", rule);
	cJSON_AddStringToObject(r, "level", level);
	cJSON_AddStringToObject(cJSON_AddObjectToObject(r, "message"), "text", msg);
	if (*file)
		cJSON_AddItemToArray(cJSON_AddArrayToObject(r, "locations"),
				     location(s, file, line, column, NULL));
	cJSON_AddItemToArray(s->results, r);
	return r;
}

/* A note goes with the result before it, as a related location. */
static void add_note(cJSON *result, const struct sarif *s, const cJSON *d)
{
	cJSON *rel;

	if (!result || !*json_str(d, "file"))
		return;
	rel = cJSON_GetObjectItem(result, "relatedLocations");
	if (!rel)
		rel = cJSON_AddArrayToObject(result, "relatedLocations");
	cJSON_AddItemToArray(rel, location(s, json_str(d, "file"), (int)json_num(d, "line"),
					   (int)json_num(d, "column"), json_str(d, "message")));
}

static void add_diagnostics(struct sarif *s, const cJSON *diags)
{
	cJSON *last = NULL;
	const cJSON *d;

	cJSON_ArrayForEach(d, diags) {
		const char *sev = json_str(d, "severity"), *msg = json_str(d, "message");

		if (!strcmp(sev, "note")) {
			add_note(last, s, d);
			continue;
		}
		last = add_result(
		    s, diagnostic_rule(s, sev, msg), strcmp(sev, "warning") ? "error" : "warning",
		    msg, json_str(d, "file"), (int)json_num(d, "line"), (int)json_num(d, "column"));
	}
}

/* A finding names its kernel in its message; the kernel is added where it does not. */
static void add_findings(struct sarif *s, const cJSON *kernels)
{
	const cJSON *k, *f;
	char msg[1400];

	cJSON_ArrayForEach(k, kernels) {
		const char *release = json_str(k, "release");

		cJSON_ArrayForEach(f, cJSON_GetObjectItem(k, "findings")) {
			const char *m = json_str(f, "message");
			cJSON *r;

			if (*release && !strstr(m, release))
				snprintf(msg, sizeof(msg), "%s (in %s)", m, release);
			else
				snprintf(msg, sizeof(msg), "%s", m);
			r = add_result(s, finding_rule(s, json_str(f, "kind")), finding_level(f),
				       msg, json_str(f, "file"), (int)json_num(f, "line"),
				       (int)diag_finding_column(s->src, f));
			cJSON_AddStringToObject(cJSON_AddObjectToObject(r, "properties"), "kernel",
						release);
		}
	}
}

/* file:///CWD/ for %SRCROOT%. */
static void add_base(cJSON *run, const struct source_set *src)
{
	char uri[PATH_MAX * 3 + 16], enc[PATH_MAX * 3];

	uri_encode(src->cwd, enc, sizeof(enc));
	snprintf(uri, sizeof(uri), "file://%s%s", enc, strcmp(src->cwd, "/") ? "/" : "");
	cJSON_AddStringToObject(
	    cJSON_AddObjectToObject(cJSON_AddObjectToObject(run, "originalUriBaseIds"), SRCROOT),
	    "uri", uri);
}

/* A compile that failed says so, with the server's hint. */
static void add_invocation(cJSON *run, const cJSON *answer, long status)
{
	const cJSON *e = cJSON_GetObjectItem(answer, "error");
	cJSON *inv = cJSON_CreateObject(), *notes;

	cJSON_AddBoolToObject(inv, "executionSuccessful", status == 200);
	if (status != 200 && *json_str(e, "hint")) {
		cJSON *n = cJSON_CreateObject();

		notes = cJSON_AddArrayToObject(inv, "toolExecutionNotifications");
		cJSON_AddStringToObject(n, "level", "note");
		cJSON_AddStringToObject(cJSON_AddObjectToObject(n, "message"), "text",
					json_str(e, "hint"));
		cJSON_AddItemToArray(notes, n);
	}
	cJSON_AddItemToArray(cJSON_AddArrayToObject(run, "invocations"), inv);
}

cJSON *diag_sarif(const struct source_set *src, const cJSON *answer, long status)
{
	cJSON *doc = cJSON_CreateObject(), *run = cJSON_CreateObject(), *driver;
	struct sarif s = {.src = src};

	cJSON_AddStringToObject(doc, "$schema", "https://json.schemastore.org/sarif-2.1.0.json");
	cJSON_AddStringToObject(doc, "version", "2.1.0");
	cJSON_AddItemToArray(cJSON_AddArrayToObject(doc, "runs"), run);
	driver = cJSON_AddObjectToObject(cJSON_AddObjectToObject(run, "tool"), "driver");
	cJSON_AddStringToObject(driver, "name", "eucc");
	cJSON_AddStringToObject(driver, "version", EUCC_VERSION);
	s.rules = cJSON_AddArrayToObject(driver, "rules");
	add_base(run, src);
	add_invocation(run, answer, status);
	s.results = cJSON_AddArrayToObject(run, "results");
	add_diagnostics(&s, cJSON_GetObjectItem(answer, "diagnostics"));
	add_findings(&s, cJSON_GetObjectItem(answer, "kernels"));
	return doc;
}
