/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>

#include "common.h"

/* Configuration, set once at start-up from -v/--quiet or EUCC_LOG. */
static enum eucc_log_level log_level = EUCC_LOG_WARN;

void eucc_log_set_level(enum eucc_log_level level)
{
	log_level = level;
}

enum eucc_log_level eucc_log_level(void)
{
	return log_level;
}

void eucc_log(enum eucc_log_level level, const char *fmt, ...)
{
	static const char *const names[] = {"error", "warning", "info", "debug"};
	va_list ap;

	if (level > log_level)
		return;
	fprintf(stderr, "eucc: %s: ", names[level]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
