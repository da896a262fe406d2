/* SPDX-License-Identifier: Apache-2.0 */
#include <string.h>

#include "common.h"

bool str_has_suffix(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);

	return ls >= lx && !memcmp(s + ls - lx, suffix, lx);
}
