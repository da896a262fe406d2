/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

struct code_info {
	const char *name;
	int exit;
	unsigned int http;
};

#define CODE_INFO(e, name, exit, http) [EUCC_E_##e] = {name, exit, http},
static const struct code_info codes[EUCC_E_COUNT] = {EUCC_CODES(CODE_INFO)};
#undef CODE_INFO

static const struct code_info *code_info(enum eucc_code code)
{
	return (unsigned int)code < EUCC_E_COUNT ? &codes[code] : &codes[EUCC_E_INTERNAL];
}

const char *eucc_code_name(enum eucc_code code)
{
	return code_info(code)->name;
}

int eucc_code_exit(enum eucc_code code)
{
	return code_info(code)->exit;
}

unsigned int eucc_code_http(enum eucc_code code)
{
	return code_info(code)->http;
}

enum eucc_code eucc_code_from_name(const char *name, enum eucc_code fallback)
{
	for (unsigned int i = 0; name && i < EUCC_E_COUNT; i++)
		if (!strcmp(codes[i].name, name))
			return (enum eucc_code)i;
	return fallback;
}

int eucc_error_set(struct eucc_error *e, int err, enum eucc_code code, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return err;
	e->err = err;
	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
	e->hint[0] = '\0';
	return err;
}

void eucc_error_hint(struct eucc_error *e, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return;
	va_start(ap, fmt);
	vsnprintf(e->hint, sizeof(e->hint), fmt, ap);
	va_end(ap);
}

void eucc_error_clear(struct eucc_error *e)
{
	if (e)
		memset(e, 0, sizeof(*e));
}

/* Messages quote what came from outside (a package's names, a server's words): escaped. */
void eucc_error_print(const struct eucc_error *e, const char *prog)
{
	char *msg = str_escape(e->message[0] ? e->message : strerror(-e->err));
	char *hint = e->hint[0] ? str_escape(e->hint) : NULL;

	fprintf(stderr, "%s: error: %s\n", prog, msg ? msg : e->message);
	if (e->hint[0])
		fprintf(stderr, "  hint: %s\n", hint ? hint : e->hint);
	free(msg);
	free(hint);
}

int eucc_error_exit_code(const struct eucc_error *e)
{
	return eucc_code_exit(e->code);
}
