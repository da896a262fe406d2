/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"

/* The directory @path is in, into @dir. */
static void parent_dir(const char *path, char *dir, size_t size)
{
	char *slash;

	snprintf(dir, size, "%s", path);
	slash = strrchr(dir, '/');
	if (!slash)
		snprintf(dir, size, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
}

int fs_settle(int fd, const char *path, unsigned int mode)
{
	char dir[PATH_MAX];
	struct stat st, own;

	if (fchmod(fd, mode))
		return -errno;
	if (geteuid() != 0)
		return 0;
	parent_dir(path, dir, sizeof(dir));
	if (stat(dir, &st) || fstat(fd, &own))
		return -errno;
	if (own.st_uid == st.st_uid && own.st_gid == st.st_gid)
		return 0;
	return fchown(fd, st.st_uid, st.st_gid) ? -errno : 0;
}

int fs_create_settled(const char *path, unsigned int mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	int ret;

	if (fd < 0)
		return errno == EEXIST ? 0 : -errno;
	ret = fs_settle(fd, path, mode);
	close(fd);
	if (ret)
		unlink(path);
	return ret;
}

/* mkdir that settles what it makes; 0 also if @path is there already. */
static int mkdir_settled(const char *path, unsigned int mode)
{
	int fd, ret;

	if (mkdir(path, mode))
		return errno == EEXIST ? 0 : -errno;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = fs_settle(fd, path, mode);
	close(fd);
	return ret;
}

int fs_mkdir_p(const char *path, unsigned int mode)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);
	int ret;

	if (len == 0 || len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		ret = mkdir_settled(buf, mode);
		if (ret)
			return ret;
		*p = '/';
	}
	ret = mkdir_settled(buf, mode);
	if (ret)
		return ret;
	return fs_is_dir(buf) ? 0 : -ENOTDIR;
}

int fs_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int fs_write_new_at(int dirfd, const char *name, const void *data, size_t len)
{
	int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	int ret = fd < 0 ? -errno : fs_write_all(fd, data, len);

	if (fd >= 0 && close(fd) && !ret)
		ret = -errno;
	return ret;
}

static void fsync_parent(const char *path)
{
	char dir[PATH_MAX];
	int fd;

	parent_dir(path, dir, sizeof(dir));
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

int fs_write_atomic(const char *path, const void *data, size_t len)
{
	char tmp[PATH_MAX];
	int fd, err;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = mkstemp(tmp);
	if (fd < 0)
		return -errno;
	err = fs_write_all(fd, data, len);
	if (!err)
		err = fs_settle(fd, path, 0644);
	if (!err && fsync(fd))
		err = -errno;
	if (close(fd) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err) {
		unlink(tmp);
		return err;
	}
	fsync_parent(path);
	return 0;
}

int fs_read_file(const char *path, size_t max, void **buf, size_t *len)
{
	struct stat st;
	char *data;
	size_t got = 0;
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		err = -errno;
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		err = -EISDIR;
		goto out;
	}
	/* sysfs files report size 0 or a page: read until EOF. */
	size_t cap = st.st_size > 0 ? (size_t)st.st_size + 1 : 65536;
	if (cap > max + 1)
		cap = max + 1;
	data = malloc(cap);
	if (!data) {
		err = -ENOMEM;
		goto out;
	}
	for (;;) {
		if (got + 1 >= cap) {
			if (cap > max) {
				free(data);
				err = -EFBIG;
				goto out;
			}
			size_t ncap = cap * 2 > max + 1 ? max + 1 : cap * 2;
			char *n = realloc(data, ncap);
			if (!n) {
				free(data);
				err = -ENOMEM;
				goto out;
			}
			data = n;
			cap = ncap;
		}
		ssize_t r = read(fd, data + got, cap - got - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = -errno;
			free(data);
			goto out;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	data[got] = '\0';
	*buf = data;
	*len = got;
out:
	close(fd);
	return err;
}

bool fs_is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

void fs_unlink_prune(const char *path, const char *stop)
{
	char dir[PATH_MAX];
	size_t stop_len = strlen(stop);

	unlink(path);
	snprintf(dir, sizeof(dir), "%s", path);
	for (;;) {
		char *slash = strrchr(dir, '/');

		if (!slash)
			return;
		*slash = '\0';
		if (strlen(dir) <= stop_len || strncmp(dir, stop, stop_len))
			return;
		if (rmdir(dir))
			return;
	}
}

int eucc_default_data_dir(char *buf, size_t size)
{
	const char *env = getenv("EUCC_DATA");
	int n;

	if (env && *env)
		n = snprintf(buf, size, "%s", env);
	else if ((env = getenv("XDG_DATA_HOME")) && *env)
		n = snprintf(buf, size, "%s/eucc", env);
	else if ((env = getenv("HOME")) && *env)
		n = snprintf(buf, size, "%s/.local/share/eucc", env);
	else
		return -ENOENT;
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return type == FTW_DP ? rmdir(path) : unlink(path);
}

int fs_remove_tree(const char *path)
{
	return nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS) ? -errno : 0;
}
