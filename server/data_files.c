/* SPDX-License-Identifier: Apache-2.0 */
/* Where the server's data files are (data_files.h). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "data_files.h"

#ifndef EUCC_EXE_TO_DATA
#define EUCC_EXE_TO_DATA "../share/eucc"
#endif
#ifndef EUCC_EXE_TO_LIB
#define EUCC_EXE_TO_LIB "../lib/eucc"
#endif

/* The dir of the running binary, from /proc/self/exe. */
static int exe_dir(char *out, size_t size)
{
	ssize_t n = readlink("/proc/self/exe", out, size);
	char *slash;

	if (n < 0)
		return -errno;
	if ((size_t)n >= size)
		return -ENAMETOOLONG;
	out[n] = '\0';
	slash = strrchr(out, '/');
	if (!slash || slash == out)
		return -ENOENT;
	*slash = '\0';
	return 0;
}

/* DATA: the dir of the running binary, then EUCC_EXE_TO_DATA. */
static int data_dir(char *out, size_t size)
{
	char dir[PATH_MAX];
	int ret = exe_dir(dir, sizeof(dir));

	if (ret)
		return ret;
	return snprintf(out, size, "%s/%s", dir, EUCC_EXE_TO_DATA) < (int)size ? 0 : -ENAMETOOLONG;
}

/* The place to look for eucc.h, and what chose it (for the error message). */
static int include_candidate(char *out, size_t size, const char **origin)
{
	const char *env = getenv("EUCC_INCLUDE_DIR");
	char dir[PATH_MAX];
	int ret;

	if (env && *env) {
		*origin = "EUCC_INCLUDE_DIR";
		return snprintf(out, size, "%s", env) < (int)size ? 0 : -ENAMETOOLONG;
	}
	*origin = "the install prefix";
	ret = data_dir(dir, sizeof(dir));
	if (ret)
		return ret;
	return snprintf(out, size, "%s/include/eucc", dir) < (int)size ? 0 : -ENAMETOOLONG;
}

int data_files_libbpf_include(char *out, size_t size)
{
	char dir[PATH_MAX];
	int ret = data_dir(dir, sizeof(dir));

	if (ret)
		return ret;
	return snprintf(out, size, "%s/libbpf/include", dir) < (int)size ? 0 : -ENAMETOOLONG;
}

int data_files_eucc_include(char *out, size_t size, struct eucc_error *err)
{
	char where[PATH_MAX], header[PATH_MAX + 16], real[PATH_MAX];
	const char *origin = "";
	int ret;

	ret = include_candidate(where, sizeof(where), &origin);
	if (ret)
		return eucc_error_set(err, ret, EUCC_E_INTERNAL,
				      "cannot find the binary's own dir: %s", strerror(-ret));
	snprintf(header, sizeof(header), "%s/eucc.h", where);
	if (access(header, R_OK) || !realpath(where, real)) {
		ret = -errno;
		eucc_error_set(err, ret, EUCC_E_NOT_FOUND, "cannot read %s (from %s): %s", header,
			       origin, strerror(-ret));
		eucc_error_hint(err, "install eucc completely (docs/install.md), or set "
				     "EUCC_INCLUDE_DIR to the dir that holds eucc.h");
		return ret;
	}
	if (snprintf(out, size, "%s", real) >= (int)size)
		return eucc_error_set(err, -ENAMETOOLONG, EUCC_E_INTERNAL, "path too long: %s",
				      real);
	return 0;
}

int data_files_warm_preload(char *out, size_t size)
{
	char dir[PATH_MAX], path[PATH_MAX + 64], real[PATH_MAX];
	int ret = exe_dir(dir, sizeof(dir));

	if (ret)
		return ret;
	snprintf(path, sizeof(path), "%s/%s/libeucc-warm.so", dir, EUCC_EXE_TO_LIB);
	if (access(path, R_OK) || !realpath(path, real))
		return -ENOENT;
	return snprintf(out, size, "%s", real) < (int)size ? 0 : -ENAMETOOLONG;
}
