/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

bool str_has_suffix(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);

	return ls >= lx && !memcmp(s + ls - lx, suffix, lx);
}

size_t str_utf8_char(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	unsigned char c = s[0];
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	if (c == 0xe0)
		lo = 0xa0; /* overlong */
	else if (c == 0xed)
		hi = 0x9f; /* surrogates */
	else if (c == 0xf0)
		lo = 0x90; /* overlong */
	else if (c == 0xf4)
		hi = 0x8f; /* past U+10FFFF */
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

/* Shown as it is: printable ASCII, newline and tab (unless @line), non-control characters. */
static bool shown(const unsigned char *s, size_t n, bool line)
{
	if (n == 1)
		return (s[0] >= 0x20 && s[0] < 0x7f) || (!line && (s[0] == '\n' || s[0] == '\t'));
	return !(n == 2 && s[0] == 0xc2 && s[1] < 0xa0); /* C1 controls U+0080-U+009F */
}

static size_t escape_into(const char *in, char *out, size_t size, bool line)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t o = 0;

	while (*p) {
		size_t n = str_utf8_char((const char *)p);

		if (n && shown(p, n, line)) {
			if (out && o + n < size)
				memcpy(out + o, p, n);
			else if (out)
				break;
			o += n;
			p += n;
			continue;
		}
		for (size_t i = 0; i < (n ? n : 1); i++) {
			if (out && o + 4 < size)
				snprintf(out + o, 5, "\\x%02x", p[i]);
			else if (out)
				goto done;
			o += 4;
		}
		p += n ? n : 1;
	}
done:
	if (out && size)
		out[o < size ? o : size - 1] = '\0';
	return o;
}

void str_escape_to(const char *in, char *out, size_t size)
{
	if (size)
		escape_into(in ? in : "", out, size, false);
}

void str_escape_line(const char *in, char *out, size_t size)
{
	if (size)
		escape_into(in ? in : "", out, size, true);
}

char *str_escape(const char *in)
{
	size_t n = escape_into(in ? in : "", NULL, 0, false);
	char *out = malloc(n + 1);

	if (out)
		escape_into(in ? in : "", out, n + 1, false);
	return out;
}

const char *str_safe(const char *in, char *buf, size_t size)
{
	const unsigned char *p = (const unsigned char *)(in ? in : "");

	for (size_t n; *p; p += n) {
		n = str_utf8_char((const char *)p);
		if (!n || !shown(p, n, true))
			break;
	}
	if (!*p)
		return in ? in : "";
	str_escape_line(in, buf, size);
	return buf;
}

int str_append(char **buf, size_t *len, size_t max, const void *data, size_t n)
{
	char *grown;

	if (*len + n > max)
		return -EFBIG;
	grown = realloc(*buf, *len + n + 1);
	if (!grown)
		return -ENOMEM;
	memcpy(grown + *len, data, n);
	*buf = grown;
	*len += n;
	grown[*len] = '\0';
	return 0;
}
