/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sandbox_enter: a spec's view built in a process that clone3 has put into new namespaces.
 *
 * The order: uid and gid maps; every mount private; a tmpfs on /tmp becomes the root for a
 * moment (pivot_root), with the host's root below it at /oldroot, so that host paths under
 * /tmp stay reachable; the sandbox's root, another tmpfs at /newroot, gets the spec's mounts
 * (read-only binds are remounted read-only, each of their submounts too, keeping the flags the
 * kernel locks: nosuid, nodev, noexec, atime); the host's root is detached; /newroot becomes
 * the root and is made read-only; then the working dir, the rlimits, the capabilities.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox.h"

#define BASE	"/tmp"
#define OLDROOT "/oldroot"
#define NEWROOT "/newroot"

/* Write @text to @path (a /proc file that takes one write). */
static int write_file(const char *path, const char *text)
{
	size_t n = strlen(text);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t w;

	if (fd < 0)
		return -errno;
	w = write(fd, text, n);
	close(fd);
	return w == (ssize_t)n ? 0 : -EIO;
}

static int map_ids(uid_t uid, gid_t gid)
{
	char line[64];
	int r;

	snprintf(line, sizeof(line), "%d %u 1\n", SANDBOX_ID, (unsigned int)uid);
	r = write_file("/proc/self/uid_map", line);
	if (!r)
		r = write_file("/proc/self/setgroups", "deny");
	if (!r) {
		snprintf(line, sizeof(line), "%d %u 1\n", SANDBOX_ID, (unsigned int)gid);
		r = write_file("/proc/self/gid_map", line);
	}
	return r;
}

/* mkdir -p of @path's parents (and of @path itself when @self). */
static int make_parents(const char *path, bool self)
{
	char p[PATH_MAX];
	size_t n = strlen(path);

	if (n >= sizeof(p))
		return -ENAMETOOLONG;
	memcpy(p, path, n + 1);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	if (self && mkdir(p, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

/* The mount flags the kernel keeps locked on a bind made in a user namespace, as they are. */
static unsigned long locked_flags(const char *path)
{
	struct statvfs v;
	unsigned long f = 0;

	if (statvfs(path, &v))
		return 0;
	if (v.f_flag & ST_NOSUID)
		f |= MS_NOSUID;
	if (v.f_flag & ST_NODEV)
		f |= MS_NODEV;
	if (v.f_flag & ST_NOEXEC)
		f |= MS_NOEXEC;
	if (v.f_flag & ST_NOATIME)
		f |= MS_NOATIME;
	if (v.f_flag & ST_NODIRATIME)
		f |= MS_NODIRATIME;
	if (v.f_flag & ST_RELATIME)
		f |= MS_RELATIME;
#ifdef ST_NOSYMFOLLOW
	if (v.f_flag & ST_NOSYMFOLLOW)
		f |= MS_NOSYMFOLLOW;
#endif
	return f;
}

static int remount_ro(const char *path)
{
	unsigned long f = MS_REMOUNT | MS_BIND | MS_RDONLY | locked_flags(path);

	return mount(NULL, path, NULL, f, NULL) ? -errno : 0;
}

/* Undo the octal escapes of a mountinfo path (\040 for a space) in place. */
static void unescape(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

/* Remount read-only every mount below @path (the bind's submounts), from mountinfo. */
static int remount_submounts_ro(const char *path)
{
	size_t n = strlen(path);
	char *line = NULL;
	size_t cap = 0;
	FILE *f = fopen(OLDROOT "/proc/self/mountinfo", "re");
	int r = 0;

	if (!f)
		return -errno;
	while (!r && getline(&line, &cap, f) > 0) {
		char *mp = line;

		/* id parent major:minor root mount-point ... */
		for (int i = 0; i < 4 && mp; i++)
			mp = strchr(mp + 1, ' ');
		if (!mp)
			continue;
		mp++;
		mp[strcspn(mp, " ")] = '\0';
		unescape(mp);
		if (!strncmp(mp, path, n) && mp[n] == '/')
			r = remount_ro(mp);
	}
	free(line);
	fclose(f);
	return r;
}

/* A bind of host @src at @dst (below NEWROOT): a dir or a file, read-only or not. */
static int bind_mount(const char *src, const char *dst, bool ro, bool try)
{
	char from[PATH_MAX], to[PATH_MAX];
	struct stat st;
	int r;

	snprintf(from, sizeof(from), OLDROOT "%s", src);
	snprintf(to, sizeof(to), NEWROOT "%s", dst);
	if (stat(from, &st))
		return try && errno == ENOENT ? 0 : -errno;
	r = make_parents(to, S_ISDIR(st.st_mode));
	if (!r && !S_ISDIR(st.st_mode)) {
		int fd = open(to, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

		if (fd < 0)
			r = -errno;
		else
			close(fd);
	}
	if (!r && mount(from, to, NULL, MS_BIND | MS_REC, NULL))
		r = -errno;
	if (!r && ro)
		r = remount_ro(to);
	if (!r && ro && S_ISDIR(st.st_mode))
		r = remount_submounts_ro(to);
	return r;
}

static int make_symlink(const char *target, const char *dst)
{
	char to[PATH_MAX];
	int r;

	snprintf(to, sizeof(to), NEWROOT "%s", dst);
	r = make_parents(to, false);
	if (!r && symlink(target, to))
		r = -errno;
	return r;
}

static int make_tmpfs(const char *dst)
{
	char to[PATH_MAX];
	int r;

	snprintf(to, sizeof(to), NEWROOT "%s", dst);
	r = make_parents(to, true);
	if (!r && mount("tmpfs", to, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755"))
		r = -errno;
	return r;
}

/* A tmpfs with the harmless device nodes bound from the host's /dev, and the fd links. */
static int make_dev(const char *dst)
{
	static const char *const nodes[] = {"null", "zero", "full", "random", "urandom"};
	static const char *const links[][2] = {{"/proc/self/fd", "fd"},
					       {"/proc/self/fd/0", "stdin"},
					       {"/proc/self/fd/1", "stdout"},
					       {"/proc/self/fd/2", "stderr"}};
	char src[64], path[PATH_MAX];
	int r = make_tmpfs(dst);

	for (size_t i = 0; !r && i < sizeof(nodes) / sizeof(nodes[0]); i++) {
		snprintf(src, sizeof(src), "/dev/%s", nodes[i]);
		snprintf(path, sizeof(path), "%s/%s", dst, nodes[i]);
		r = bind_mount(src, path, false, false);
	}
	for (size_t i = 0; !r && i < sizeof(links) / sizeof(links[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dst, links[i][1]);
		r = make_symlink(links[i][0], path);
	}
	return r;
}

static int apply(const struct sandbox_mount *m)
{
	switch (m->op) {
	case SANDBOX_RO_BIND:
		return bind_mount(m->src, m->dst, true, false);
	case SANDBOX_RO_BIND_TRY:
		return bind_mount(m->src, m->dst, true, true);
	case SANDBOX_BIND:
		return bind_mount(m->src, m->dst, false, false);
	case SANDBOX_SYMLINK:
		return make_symlink(m->src, m->dst);
	case SANDBOX_DEV:
		return make_dev(m->dst);
	case SANDBOX_TMPFS:
		return make_tmpfs(m->dst);
	}
	return -EINVAL;
}

/* The base tmpfs as a passing root, the host's below it at /oldroot, /newroot made. */
static int enter_base(const char **step)
{
	*step = "mount propagation";
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return -errno;
	*step = "tmpfs on " BASE;
	if (mount("tmpfs", BASE, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") || chdir(BASE))
		return -errno;
	*step = "the new root";
	if (mkdir("newroot", 0755) || mkdir("oldroot", 0755) ||
	    mount("tmpfs", "newroot", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755"))
		return -errno;
	*step = "pivot_root";
	if (syscall(SYS_pivot_root, ".", "oldroot") || chdir("/"))
		return -errno;
	return 0;
}

/* Detach the host, make /newroot the root, read-only. */
static int enter_root(const char **step)
{
	*step = "detaching the host";
	if (umount2(OLDROOT, MNT_DETACH))
		return -errno;
	*step = "pivot_root";
	if (chdir(NEWROOT) || syscall(SYS_pivot_root, ".", ".") || umount2(".", MNT_DETACH) ||
	    chdir("/"))
		return -errno;
	*step = "read-only root";
	if (mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL))
		return -errno;
	return 0;
}

/* No capability left in any set, none to regain, no new privileges through exec. */
static int drop_caps(void)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[2] = {{0}};

	for (int c = 0; c <= 63; c++)
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) && errno != EINVAL)
			return -errno;
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) && errno != EINVAL)
		return -errno;
	if (syscall(SYS_capset, &h, d))
		return -errno;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -errno;
	return 0;
}

int sandbox_enter(const struct sandbox_spec *s, uid_t outer_uid, gid_t outer_gid, const char **step)
{
	int r;

	*step = "uid and gid maps";
	r = map_ids(outer_uid, outer_gid);
	if (!r)
		r = enter_base(step);
	for (size_t i = 0; !r && i < s->nmounts; i++) {
		*step = s->mounts[i].dst;
		r = apply(&s->mounts[i]);
	}
	if (!r)
		r = enter_root(step);
	if (!r) {
		*step = "working dir";
		r = chdir(s->chdir ? s->chdir : "/") ? -errno : 0;
	}
	if (!r) {
		*step = "rlimits";
		r = sandbox_limits_apply(&s->limits);
	}
	if (!r) {
		*step = "capabilities";
		r = drop_caps();
	}
	return r;
}
