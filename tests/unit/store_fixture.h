/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A BTF store in a fresh temporary dir holding the eight kernels of the fixtures (for the unit
 * tests that need real kernels): store_fixture_open() makes it, store_fixture_close() closes
 * and removes it. Both return 0 or -1 (the reason on stderr).
 */
#ifndef EUCC_TEST_STORE_FIXTURE_H
#define EUCC_TEST_STORE_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>

#include "btfhub.h"

#define STORE_FIXTURE_KERNELS 8

/* @dir: a buffer of @size for the dir's name, made from @prefix ("/tmp/eucc-X"). */
static inline int store_fixture_open(char *dir, size_t size, const char *prefix,
				     struct btf_store **store)
{
	struct eucc_error err = {0};

	snprintf(dir, size, "%s-XXXXXX", prefix);
	if (!mkdtemp(dir) || btf_store_open(dir, store, &err))
		return -1;
	if (btf_store_import(*store, EUCC_FIXTURES "/btf", NULL, NULL, &err) !=
	    STORE_FIXTURE_KERNELS) {
		fprintf(stderr, "import: %s\n", err.message);
		return -1;
	}
	return 0;
}

static inline int store_fixture_close(const char *dir, struct btf_store *store)
{
	char cmd[128];

	btf_store_close(store);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

#endif
