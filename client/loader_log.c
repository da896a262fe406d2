/* SPDX-License-Identifier: Apache-2.0 */
/* libbpf's log during a load, captured to explain a failure; the verifier log trimmed. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader_internal.h"

/*
 * libbpf's print callback takes no user data, so the capture of the load in progress is
 * reachable only through this pointer: set by log_begin, cleared by log_end, one per thread.
 * It is the loader's only static state (signals go through a signalfd, see loader_run.c).
 */
static _Thread_local struct load_log *capture;

/* libbpf's lines quote the object's names: escaped on the terminal (str_escape). */
static int print_escaped(const char *fmt, va_list ap)
{
	char line[4096], *safe;

	vsnprintf(line, sizeof(line), fmt, ap);
	safe = str_escape(line);
	fputs(safe ? safe : line, stderr);
	free(safe);
	return 0;
}

static int print_fn(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	struct load_log *log = capture;
	va_list copy;

	if (eucc_log_level() >= EUCC_LOG_DEBUG) {
		va_copy(copy, ap);
		print_escaped(fmt, copy);
		va_end(copy);
	}
	if (level != LIBBPF_WARN)
		return 0;
	if (!log || !log->f)
		return eucc_log_level() >= EUCC_LOG_DEBUG ? 0 : print_escaped(fmt, ap);
	return vfprintf(log->f, fmt, ap);
}

int log_begin(struct load_log *log)
{
	memset(log, 0, sizeof(*log));
	log->f = open_memstream(&log->text, &log->len);
	if (!log->f)
		return -ENOMEM;
	capture = log;
	log->prev = libbpf_set_print(print_fn);
	return 0;
}

void log_end(struct load_log *log)
{
	if (!log->f)
		return;
	libbpf_set_print(log->prev);
	capture = NULL;
	fclose(log->f); /* text and len are final */
	log->f = NULL;
}

void log_free(struct load_log *log)
{
	log_end(log);
	free(log->text);
	log->text = NULL;
	log->len = 0;
}

#define BEGIN_MARK "': -- BEGIN PROG LOAD LOG --\n"
#define END_MARK   "-- END PROG LOAD LOG --"

static const char *last_occurrence(const char *hay, const char *needle)
{
	const char *last = NULL;

	for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
		last = p;
	return last;
}

const char *log_prog_failure(const struct load_log *log, char *prog, size_t size, size_t *len)
{
	const char *mark, *name, *body, *end;

	if (!log->text)
		return NULL;
	mark = last_occurrence(log->text, BEGIN_MARK);
	if (!mark)
		return NULL;
	for (name = mark; name > log->text && name[-1] != '\''; name--)
		;
	snprintf(prog, size, "%.*s", (int)(mark - name), name);
	body = mark + strlen(BEGIN_MARK);
	end = strstr(body, END_MARK);
	*len = end ? (size_t)(end - body) : strlen(body);
	return body;
}

struct line {
	const char *p;
	size_t n;
};

/* The last lines of [s, s + len), at most @max, in order. Returns how many. */
static size_t split_lines(const char *s, size_t len, struct line *lines, size_t max)
{
	size_t n = 0, end = len;

	if (end && s[end - 1] == '\n') /* it ends the last line, it starts none */
		end--;
	while (n < max) {
		size_t start = end;

		while (start > 0 && s[start - 1] != '\n')
			start--;
		lines[n++] = (struct line){s + start, end - start};
		if (start == 0)
			break;
		end = start - 1;
	}
	for (size_t i = 0; i < n / 2; i++) {
		struct line t = lines[i];

		lines[i] = lines[n - 1 - i];
		lines[n - 1 - i] = t;
	}
	return n;
}

/* The verifier's statistics after its verdict, and blank lines. */
static bool is_summary(const struct line *l)
{
	static const char *const prefixes[] = {"processed ", "verification time", "stack depth",
					       "max_states_per_insn"};

	if (l->n == 0)
		return true;
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (!strncmp(l->p, prefixes[i], strlen(prefixes[i])))
			return true;
	return false;
}

#define MAX_LINE  200 /* longer lines are cut */
#define MAX_LINES 64

static size_t line_cost(const struct line *l)
{
	return (l->n > MAX_LINE ? MAX_LINE + 3 : l->n) + 1;
}

/* Lines [first, last] to @out, each cut at MAX_LINE, one per line. */
static void put_lines(const struct line *lines, size_t first, size_t last, char *out, size_t size)
{
	size_t len = 0;

	out[0] = '\0';
	for (size_t i = first; i <= last && len < size; i++) {
		const struct line *l = &lines[i];
		int n = snprintf(out + len, size - len, "%.*s%s%s",
				 (int)(l->n > MAX_LINE ? MAX_LINE : l->n), l->p,
				 l->n > MAX_LINE ? "..." : "", i < last ? "\n" : "");

		if (n < 0)
			break;
		len += (size_t)n;
	}
}

static bool line_starts(const struct line *l, const char *prefix)
{
	size_t k = strlen(prefix);

	return l->n >= k && !strncmp(l->p, prefix, k);
}

void log_trim_verifier(const char *vlog, size_t len, int ctx, char *out, size_t size)
{
	struct line lines[MAX_LINES];
	size_t n = split_lines(vlog, len, lines, MAX_LINES), used, first;

	while (n && is_summary(&lines[n - 1]))
		n--;
	if (!n || !size) {
		if (size)
			snprintf(out, size, "(the verifier gave no log)");
		return;
	}
	used = line_cost(&lines[n - 1]);
	first = n - 1;
	while (first > 0 && (int)(n - first) <= ctx && used + line_cost(&lines[first - 1]) < size)
		used += line_cost(&lines[--first]);
	/* what the verifier says about the program's BTF arguments first is noise here */
	while (first < n - 1 && (line_starts(&lines[first], "arg#") ||
				 line_starts(&lines[first], "Unrecognized arg#")))
		first++;
	put_lines(lines, first, n - 1, out, size);
}

void log_tail(const struct load_log *log, int n, char *out, size_t size)
{
	struct line lines[MAX_LINES];
	size_t len = log->text ? log->len : 0, cnt, first;

	cnt = split_lines(log->text ? log->text : "", len, lines, MAX_LINES);
	while (cnt && lines[cnt - 1].n == 0)
		cnt--;
	if (!cnt) {
		snprintf(out, size, "(libbpf said nothing)");
		return;
	}
	first = cnt > (size_t)n ? cnt - (size_t)n : 0;
	put_lines(lines, first, cnt - 1, out, size);
}
