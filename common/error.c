/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common.h"

int eucc_error_set(struct eucc_error *e, int err, const char *code, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return err;
	e->err = err;
	snprintf(e->code, sizeof(e->code), "%s", code ? code : "error");
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

void eucc_error_print(const struct eucc_error *e, const char *prog)
{
	fprintf(stderr, "%s: error: %s\n", prog, e->message[0] ? e->message : strerror(-e->err));
	if (e->hint[0])
		fprintf(stderr, "  hint: %s\n", e->hint);
}

int eucc_error_exit_code(const struct eucc_error *e)
{
	if (!strcmp(e->code, "usage"))
		return EUCC_EXIT_USAGE;
	if (!strcmp(e->code, "incompatible"))
		return EUCC_EXIT_INCOMPATIBLE;
	if (!strcmp(e->code, "unreachable") || !strcmp(e->code, "unauthorized") ||
	    !strcmp(e->code, "forbidden"))
		return EUCC_EXIT_UNREACHABLE;
	return EUCC_EXIT_INPUT;
}
