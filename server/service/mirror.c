/* SPDX-License-Identifier: Apache-2.0 */
/* serve --mirror DIR: the artifacts and the index `eucc-remote mirror` wrote, read-only. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "service.h"

static int open_file(const char *path, int *fd, uint64_t *bytes)
{
	struct stat st;

	*bytes = 0;
	*fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (*fd < 0)
		return -errno;
	if (fstat(*fd, &st) || !S_ISREG(st.st_mode)) {
		close(*fd);
		*fd = -1;
		return -EINVAL;
	}
	*bytes = (uint64_t)st.st_size;
	return 0;
}

int mirror_open(struct service *s, struct eucc_error *err)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/v1/index.json", s->opts.mirror_dir);
	if (access(path, R_OK)) {
		eucc_error_set(err, -ENOENT, EUCC_E_DATA_DIR,
			       "%s is not a mirror: no v1/index.json", s->opts.mirror_dir);
		eucc_error_hint(err, "make one with `eucc-remote mirror DIGEST... -o %s`",
				s->opts.mirror_dir);
		return -ENOENT;
	}
	return 0;
}

/* Read the file and compare its digest: a mirror dir is only files, which anyone with write
 * access to it could have changed. */
static bool file_matches(int fd, uint64_t size, const char *hex)
{
	char got[EUCC_SHA256_HEX];
	void *data = size ? malloc(size) : NULL;
	ssize_t n = data ? pread(fd, data, size, 0) : -1;

	if (n == (ssize_t)size)
		eucc_sha256_hex(data, size, got);
	free(data);
	return n == (ssize_t)size && !strcmp(got, hex);
}

int mirror_artifact(struct service *s, const char *digest, int *fd, uint64_t *bytes,
		    struct eucc_error *err)
{
	char path[PATH_MAX];

	if (!strncmp(digest, "sha256:", 7))
		digest += 7;
	if (!eucc_is_sha256_hex(digest)) {
		eucc_error_set(err, -EINVAL, EUCC_E_BAD_REQUEST,
			       "a digest is 64 lowercase hex digits");
		return -EINVAL;
	}
	snprintf(path, sizeof(path), "%s/v1/artifacts/%s", s->opts.mirror_dir, digest);
	if (open_file(path, fd, bytes) || *bytes > PKG_MAX_SIZE) {
		if (*fd >= 0)
			close(*fd);
		eucc_error_set(err, -ENOENT, EUCC_E_NOT_FOUND,
			       "this mirror has no artifact with that digest");
		eucc_error_hint(err, "its index is /v1/index.json; add packages with "
				     "`eucc-remote mirror ... -o DIR`");
		return -ENOENT;
	}
	if (!file_matches(*fd, *bytes, digest)) {
		close(*fd);
		eucc_warn("mirror: %s does not hash to its name: not served", path);
		eucc_error_set(err, -ENOENT, EUCC_E_NOT_FOUND,
			       "this mirror's copy of that artifact is damaged");
		eucc_error_hint(err, "write it again with `eucc-remote mirror`");
		return -ENOENT;
	}
	return 0;
}

int mirror_index(struct service *s, int *fd, uint64_t *bytes, struct eucc_error *err)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/v1/index.json", s->opts.mirror_dir);
	if (open_file(path, fd, bytes))
		return eucc_error_set(err, -ENOENT, EUCC_E_NOT_FOUND, "this mirror has no index");
	return 0;
}
