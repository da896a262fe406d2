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
	char msg[4096], safe[4 * sizeof(msg)];

	if (level > log_level)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	str_escape_to(msg, safe, sizeof(safe)); /* messages quote names from outside */
	fprintf(stderr, "eucc: %s: %s\n", names[level], safe);
}
