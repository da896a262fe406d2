/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Diagnostics and findings as clang prints them: "file:line:col: severity: message" with the
 * file as the user names it, then the source line (from the sources this client uploaded) and
 * a caret under the column.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "remote.h"

#define TAB_STOP       8
#define SHOWN_LINE_MAX 4096 /* longer lines are cut */
#define INCLUDED_FROM  "in file included from "

const char *diag_shown_path(const struct source_set *s, const char *file)
{
	int i = s ? sources_find(s, file) : -1;

	return i >= 0 ? s->shown[i] : file;
}

bool diag_source_line(const struct source_set *s, const char *file, int line, const char **text,
		      size_t *len)
{
	int i = s && line > 0 ? sources_find(s, file) : -1;
	const char *p, *end;

	if (i < 0)
		return false;
	p = s->data[i];
	end = p + s->sizes[i];
	for (int n = 1; n < line; n++) {
		p = memchr(p, '\n', (size_t)(end - p));
		if (!p)
			return false;
		p++;
	}
	if (p >= end)
		return false;
	*text = p;
	*len = strcspn(p, "\n");
	if (*len > (size_t)(end - p))
		*len = (size_t)(end - p);
	if (*len && p[*len - 1] == '\r')
		(*len)--;
	if (*len > SHOWN_LINE_MAX)
		*len = SHOWN_LINE_MAX;
	return true;
}

/* The screen column (from 0) of byte @col (from 1) of @text: tabs to stops of 8, UTF-8
 * sequences one column each, as clang counts them. */
static size_t screen_column(const char *text, size_t len, unsigned int col)
{
	size_t w = 0;

	for (size_t i = 0; i + 1 < col; i++) {
		unsigned char c = i < len ? (unsigned char)text[i] : ' ';

		if (c == '\t')
			w = (w / TAB_STOP + 1) * TAB_STOP;
		else if ((c & 0xc0) != 0x80)
			w++;
	}
	return w;
}

static void print_expanded(FILE *out, const char *indent, const char *text, size_t len)
{
	size_t w = 0;

	fputs(indent, out);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];

		if (c == '\t') {
			do
				fputc(' ', out);
			while (++w % TAB_STOP);
			continue;
		}
		fputc(iscntrl(c) ? '?' : c, out);
		w += (c & 0xc0) != 0x80;
	}
	fputc('\n', out);
}

/* A fix-it clang would show under the caret: one replacement or insertion on @line. */
struct fixit {
	unsigned int from, to; /* columns, to exclusive; from == to: an insertion */
	char text[256];
};

static bool parse_fixit(const char *s, unsigned int line, struct fixit *f)
{
	unsigned int l1, l2;
	int n = 0;

	if (!s || !*s || strstr(s, "; "))
		return false;
	if (sscanf(s, "replace %u:%u-%u:%u with '%n", &l1, &f->from, &l2, &f->to, &n) == 4 && n) {
		if (l1 != line || l2 != line || f->to <= f->from)
			return false;
	} else if (!strncmp(s, "insert '", 8)) {
		const char *at = strrchr(s, '\'');

		n = 8;
		if (at <= s + n || sscanf(at, "' at %u:%u", &l1, &f->from) != 2 || l1 != line)
			return false;
		f->to = f->from;
		snprintf(f->text, sizeof(f->text), "%.*s", (int)(at - (s + n)), s + n);
		return f->text[0] != '\0';
	} else {
		return false;
	}
	snprintf(f->text, sizeof(f->text), "%s", s + n);
	if (!f->text[0] || f->text[strlen(f->text) - 1] != '\'')
		return false;
	f->text[strlen(f->text) - 1] = '\0';
	return f->text[0] != '\0';
}

/* The source line, a caret under @col (a '~' under the rest of a fix-it's range) and the
 * fix-it's text under where it goes. */
static void print_source(FILE *out, const char *indent, const char *text, size_t len,
			 unsigned int col, const struct fixit *fix)
{
	size_t at, from = 0, to = 0;

	print_expanded(out, indent, text, len);
	if (!col)
		return;
	at = screen_column(text, len, col);
	if (fix) {
		from = screen_column(text, len, fix->from);
		to = screen_column(text, len, fix->to);
	}
	fputs(indent, out);
	for (size_t w = 0; w <= at || w < to; w++)
		fputc(w == at ? '^' : w >= from && w < to ? '~' : ' ', out);
	fputc('\n', out);
	if (fix)
		fprintf(out, "%s%*s%s\n", indent, (int)from, "", fix->text);
}

/* "FILE:LINE:COL: " as far as they are known, FILE as the user names it. */
static void print_location(FILE *out, const struct source_set *s, const char *file,
			   unsigned int line, unsigned int col)
{
	if (!*file)
		return;
	fputs(STR_SAFE(diag_shown_path(s, file)), out);
	if (line)
		fprintf(out, ":%u", line);
	if (line && col)
		fprintf(out, ":%u", col);
	fputs(": ", out);
}

static unsigned int num(const cJSON *o, const char *key)
{
	double v = json_num(o, key);

	return v > 0 && v < 1e9 ? (unsigned int)v : 0;
}

static bool is_note(const cJSON *d)
{
	return !strcmp(json_str(d, "severity"), "note");
}

static bool is_included_from(const cJSON *d)
{
	return is_note(d) && !strncmp(json_str(d, "message"), INCLUDED_FROM, strlen(INCLUDED_FROM));
}

/* One diagnostic with its source line; notes and errors alike. */
static void print_one(FILE *out, const struct source_set *s, const cJSON *d)
{
	const char *sev = json_str(d, "severity"), *file = json_str(d, "file");
	unsigned int line = num(d, "line"), col = num(d, "column");
	const char *text;
	struct fixit fix;
	bool fixed;
	size_t len;

	print_location(out, s, file, line, col);
	fprintf(out, "%s: %s\n", strcmp(sev, "fatal") ? STR_SAFE(sev) : "fatal error",
		STR_SAFE(json_str(d, "message")));
	fixed = parse_fixit(json_str(d, "fixits"), line, &fix);
	if (diag_source_line(s, file, (int)line, &text, &len))
		print_source(out, "", text, len, col, fixed ? &fix : NULL);
	else
		fixed = false;
	if (!fixed && *json_str(d, "fixits"))
		fprintf(out, "fix-it: %s\n", STR_SAFE(json_str(d, "fixits")));
}

/*
 * A diagnostic and the notes that follow it: first its include stack ("In file included from
 * FILE:LINE:", outermost first) unless it is the one printed last, as clang does, then the
 * diagnostic and its other notes.
 */
static void print_group(FILE *out, const struct source_set *s, const cJSON *d, size_t n, char *last,
			size_t size)
{
	char stack[2048] = "";
	const cJSON *m = d;

	for (size_t i = 0; i < n; i++, m = m->next) {
		size_t o = strlen(stack);

		if (i && is_included_from(m))
			snprintf(stack + o, sizeof(stack) - o, "In file included from %s:%u:\n",
				 STR_SAFE(diag_shown_path(s, json_str(m, "file"))), num(m, "line"));
	}
	if (strcmp(stack, last))
		fputs(stack, out);
	snprintf(last, size, "%s", stack);
	print_one(out, s, d);
	m = d->next;
	for (size_t i = 1; i < n; i++, m = m->next)
		if (!is_included_from(m))
			print_one(out, s, m);
}

void diag_print_all(FILE *out, const struct source_set *s, const cJSON *diags)
{
	char last[2048] = "";
	const cJSON *d = diags ? diags->child : NULL;

	while (d) {
		const cJSON *e = d->next;
		size_t n = 1;

		for (; e && is_note(e); e = e->next)
			n++;
		print_group(out, s, d, n, last, sizeof(last));
		d = e;
	}
}

/* Does @word stand in @text as a whole identifier? Its offset, or -1. */
static long find_word(const char *text, size_t len, const char *word)
{
	size_t n = strlen(word);

	if (!n)
		return -1;
	for (size_t i = 0; i + n <= len; i++) {
		if (memcmp(text + i, word, n))
			continue;
		bool before = i > 0 && (isalnum((unsigned char)text[i - 1]) || text[i - 1] == '_');
		bool after =
		    i + n < len && (isalnum((unsigned char)text[i + n]) || text[i + n] == '_');

		if (!before && !after)
			return (long)i;
	}
	return -1;
}

/* The last identifier in @s[0..n) that is not a number: "task_struct.comm[20]" gives "comm". */
static void last_ident(const char *s, size_t n, char *out, size_t size)
{
	size_t start = 0, end = 0;

	for (size_t i = 0; i < n;) {
		size_t j = i;

		while (j < n && (isalnum((unsigned char)s[j]) || s[j] == '_'))
			j++;
		if (j > i && !isdigit((unsigned char)s[i]))
			start = i, end = j;
		i = j > i ? j : i + 1;
	}
	snprintf(out, size, "%.*s", (int)(end - start), s + start);
}

/* The first word of @s, up to a space, ':' or '('. */
static void first_word(const char *s, char *out, size_t size)
{
	snprintf(out, size, "%.*s", (int)strcspn(s, " :("), s);
}

/* The text between the quotes that follow @after in @msg. */
static void quoted_after(const char *msg, const char *after, char *out, size_t size)
{
	const char *p = strstr(msg, after), *end;

	out[0] = '\0';
	if (!p || !(end = strchr(p + strlen(after), '\'')))
		return;
	p += strlen(after);
	snprintf(out, size, "%.*s", (int)(end - p), p);
}

/*
 * What a finding is about, as it may stand in its source line: the field of "a.b.field: ...",
 * the value of "enum E: no value V", the type of "struct S: ...", the helper or kfunc, the
 * map's name. "" when there is nothing to look for.
 */
static void finding_subject(const char *kind, const char *msg, char *out, size_t size)
{
	size_t head = strcspn(msg, ":");
	const char *v = strstr(msg, "no value ");

	out[0] = '\0';
	if (!strcmp(kind, "field") || !strcmp(kind, "type"))
		last_ident(msg, head, out, size);
	else if (!strcmp(kind, "enum") && v)
		first_word(v + strlen("no value "), out, size);
	else if (!strcmp(kind, "enum"))
		last_ident(msg, head, out, size);
	else if (!strcmp(kind, "helper") && !strncmp(msg, "kfunc ", 6))
		first_word(msg + 6, out, size);
	else if (!strcmp(kind, "helper"))
		first_word(msg, out, size);
	else if (!strcmp(kind, "map"))
		quoted_after(msg, "map '", out, size);
}

unsigned int diag_finding_column(const struct source_set *s, const cJSON *f)
{
	const char *text;
	char subject[128];
	size_t len;
	long at;

	if (!diag_source_line(s, json_str(f, "file"), (int)num(f, "line"), &text, &len))
		return 0;
	finding_subject(json_str(f, "kind"), json_str(f, "message"), subject, sizeof(subject));
	at = find_word(text, len, subject);
	return at >= 0 ? (unsigned int)at + 1 : 0;
}

void diag_print_finding(FILE *out, const struct source_set *s, const cJSON *f, const char *indent)
{
	const char *file = json_str(f, "file"), *text = NULL;
	unsigned int line = num(f, "line");
	size_t len = 0;

	if (line)
		diag_source_line(s, file, (int)line, &text, &len);
	fputs(indent, out);
	print_location(out, s, line ? file : "", line, text ? diag_finding_column(s, f) : 0);
	fprintf(out, "%s: %s\n", STR_SAFE(json_str(f, "severity")),
		STR_SAFE(json_str(f, "message")));
	if (text)
		print_source(out, indent, text, len, diag_finding_column(s, f), NULL);
}
