/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer: the package reader (pkg_open) on any bytes: a package, its members, or a refusal. */
#include <stddef.h>
#include <stdint.h>

#include "common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct eucc_error err = {0};
	struct pkg *p = NULL;
	const void *m;
	size_t n;

	if (pkg_open(data, size, &p, &err))
		return 0;
	for (size_t i = 0; i < pkg_member_count(p); i++)
		if (pkg_member(p, pkg_member_path(p, i), &m, &n) || (n && !m))
			__builtin_trap();
	pkg_close(p);
	return 0;
}
