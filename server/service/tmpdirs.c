/* SPDX-License-Identifier: Apache-2.0 */
/*
 * DATA/tmp: the job dirs of compiles (job-XXXXXX) and the temp files of BTF uploads
 * (upload-XXXXXX). Their maker holds an flock(2) on each for as long as it uses it, so that
 * what a killed process left behind (nobody holds its lock any more) can be told from what a
 * live server, this one or another on the same data dir, is working in. Leftovers are removed
 * when a server starts and by `eucc-server cache gc`.
 *
 * A cleaner takes the lock before it removes an entry and keeps it while removing; a maker
 * takes the lock right after creating the entry and then checks that it still exists, so an
 * entry removed between the two is simply made again.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pipeline_internal.h"

#define TMP_TRIES 8

static const char *const tmp_prefixes[] = {"job-", "upload-"};

/* Create @path (a template) as a dir or a file: an fd of it, or a negative errno. */
static int tmp_create(char *path, bool dir)
{
	int fd;

	if (!dir) {
		fd = mkostemp(path, O_CLOEXEC);
		return fd < 0 ? -errno : fd;
	}
	if (!mkdtemp(path))
		return -errno;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return fd < 0 ? -EAGAIN : fd; /* removed at once by a cleaner: try another */
}

/* Ours if we hold its lock and it was not removed before we took it. */
static bool tmp_lock(int fd)
{
	struct stat st;

	return !flock(fd, LOCK_EX | LOCK_NB) && !fstat(fd, &st) && st.st_nlink > 0;
}

int tmp_make_locked(const char *data_dir, const char *prefix, bool dir, char *path, size_t size,
		    int *fd, struct eucc_error *err)
{
	int ret = -EAGAIN;

	snprintf(path, size, "%s/tmp", data_dir);
	fs_mkdir_p(path, 0700);
	for (int i = 0; i < TMP_TRIES && ret == -EAGAIN; i++) {
		snprintf(path, size, "%s/tmp/%s-XXXXXX", data_dir, prefix);
		ret = tmp_create(path, dir);
		if (ret < 0)
			continue;
		*fd = ret;
		if (tmp_lock(*fd))
			return 0;
		close(*fd);
		ret = -EAGAIN;
	}
	return eucc_error_set(err, ret, EUCC_E_INTERNAL, "cannot make a %s in %s/tmp: %s",
			      dir ? "job dir" : "temp file", data_dir, strerror(-ret));
}

static bool is_ours(const char *name)
{
	for (size_t i = 0; i < sizeof(tmp_prefixes) / sizeof(tmp_prefixes[0]); i++)
		if (!strncmp(name, tmp_prefixes[i], strlen(tmp_prefixes[i])))
			return true;
	return false;
}

/* Remove @path if nobody holds its lock; true if removed. */
static bool tmp_remove_stale(const char *path)
{
	struct stat st;
	bool removed = false;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return false;
	if (!fstat(fd, &st) && (S_ISDIR(st.st_mode) || S_ISREG(st.st_mode)) &&
	    !flock(fd, LOCK_EX | LOCK_NB)) /* held by its maker: in use */
		removed = S_ISDIR(st.st_mode) ? !fs_remove_tree(path) : !unlink(path);
	close(fd);
	return removed;
}

int service_clean_tmp(const char *data_dir, unsigned int *removed, struct eucc_error *err)
{
	char dir[PATH_MAX], path[PATH_MAX + 256];
	struct dirent *de;
	DIR *d;

	*removed = 0;
	snprintf(dir, sizeof(dir), "%s/tmp", data_dir);
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0
				       : eucc_error_set(err, -errno, EUCC_E_IO,
							"cannot read %s: %s", dir, strerror(errno));
	while ((de = readdir(d))) {
		if (!is_ours(de->d_name))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (tmp_remove_stale(path))
			(*removed)++;
	}
	closedir(d);
	return 0;
}
