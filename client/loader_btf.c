/* SPDX-License-Identifier: Apache-2.0 */
/* Which BTF CO-RE relocates against: --btf PATH; the kernel's own; the package's bundled
 * BTF of this release and arch; /boot/vmlinux-R; else a "no_btf" error that says what to do. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "loader_internal.h"

static const char *pkg_name(const struct loader_input *in)
{
	return in->name && in->name[0] ? in->name : "prog";
}

int btf_check_arch(const struct loader_input *in, struct eucc_error *err)
{
	const char *arch = arch_normalize(in->arch);
	const char *host = arch_host();

	if (arch && !strcmp(arch, host))
		return 0;
	eucc_error_set(err, -ENOEXEC, EUCC_E_WRONG_ARCH,
		       "the package is built for %s, this host is %s",
		       in->arch ? in->arch : "an unknown arch", host);
	eucc_error_hint(err,
			"compile it for this host: eucc-remote compile %s.bpf.c --arch %s "
			"--kernel local",
			pkg_name(in), host);
	return -ENOEXEC;
}

static const char *release_of(const struct loader_opts *opts, char *buf, size_t size)
{
	struct utsname u;

	if (opts->release_override)
		return opts->release_override;
	if (uname(&u))
		return "unknown";
	snprintf(buf, size, "%s", u.release);
	return buf;
}

static const struct loader_btf *find_bundled(const struct loader_input *in, const char *release)
{
	const char *host = arch_host();

	for (size_t i = 0; i < in->nbtfs; i++) {
		const struct loader_btf *b = &in->btfs[i];
		const char *arch = arch_normalize(b->arch ? b->arch : in->arch);

		if (b->release && !strcmp(b->release, release) && arch && !strcmp(arch, host))
			return b;
	}
	return NULL;
}

/* "R1, R2, R3 (arm64)": the bundled kernels, as much as fits. */
static void bundled_list(const struct loader_input *in, char *buf, size_t size)
{
	const char *host = arch_host();
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < in->nbtfs && len + 1 < size; i++) {
		const struct loader_btf *b = &in->btfs[i];
		const char *arch = arch_normalize(b->arch ? b->arch : in->arch);
		bool other = !arch || strcmp(arch, host);
		int n = snprintf(buf + len, size - len, "%s%s%s%s%s", i ? ", " : "",
				 b->release ? b->release : "?", other ? " (" : "",
				 other ? (b->arch ? b->arch : "?") : "", other ? ")" : "");

		if (n < 0 || (size_t)n >= size - len) {
			snprintf(buf + len, size - len, ", ...");
			break;
		}
		len += (size_t)n;
	}
	if (!in->nbtfs)
		snprintf(buf, size, "none");
}

static int no_btf(const struct loader_input *in, const char *release, bool forced,
		  struct eucc_error *err)
{
	char list[640];

	bundled_list(in, list, sizeof(list));
	if (forced)
		eucc_error_set(err, -ENOENT, EUCC_E_NO_BTF,
			       "no BTF for this kernel (%s): --btf bundled was asked for, and the "
			       "package bundles none for it",
			       release);
	else
		eucc_error_set(err, -ENOENT, EUCC_E_NO_BTF,
			       "no BTF for this kernel (%s): it has no " NATIVE_BTF_PATH
			       " and the package bundles none for it",
			       release);
	eucc_error_hint(err,
			"the package bundles BTF for: %s; build one for this kernel: "
			"eucc-remote compile %s.bpf.c --kernel %s",
			list, pkg_name(in), release);
	return -ENOENT;
}

static bool readable(const char *path)
{
	return access(path, R_OK) == 0;
}

static bool pick_native(const struct loader_opts *opts, struct btf_choice *c)
{
	const char *path = opts->native_btf_override ? opts->native_btf_override : NATIVE_BTF_PATH;

	if (!readable(path))
		return false;
	c->origin = BTF_FROM_KERNEL;
	if (opts->native_btf_override) /* tests: libbpf gets it as a custom path */
		snprintf(c->path, sizeof(c->path), "%s", path);
	snprintf(c->desc, sizeof(c->desc), "%s", path);
	return true;
}

static bool pick_bundled(const struct loader_input *in, const char *release, struct btf_choice *c)
{
	c->bundled = find_bundled(in, release);
	if (!c->bundled)
		return false;
	c->origin = BTF_FROM_BUNDLE;
	snprintf(c->desc, sizeof(c->desc), "bundled %s", release);
	return true;
}

static bool pick_file(const char *path, struct btf_choice *c)
{
	if (!readable(path))
		return false;
	c->origin = BTF_FROM_FILE;
	snprintf(c->path, sizeof(c->path), "%s", path);
	snprintf(c->desc, sizeof(c->desc), "%s", path);
	return true;
}

static int choose_auto(const struct loader_input *in, const struct loader_opts *opts,
		       const char *release, struct btf_choice *c, struct eucc_error *err)
{
	char boot[PATH_MAX];

	if (pick_native(opts, c) || pick_bundled(in, release, c))
		return 0;
	snprintf(boot, sizeof(boot), "/boot/vmlinux-%s", release);
	if (pick_file(boot, c))
		return 0;
	return no_btf(in, release, false, err);
}

int btf_choose(const struct loader_input *in, const struct loader_opts *opts, struct btf_choice *c,
	       struct eucc_error *err)
{
	char buf[256];
	const char *release = release_of(opts, buf, sizeof(buf));

	memset(c, 0, sizeof(*c));
	switch (opts->btf_mode) {
	case LOADER_BTF_PATH:
		if (opts->btf_path && pick_file(opts->btf_path, c))
			return 0;
		return eucc_error_set(
		    err, -ENOENT, EUCC_E_NO_BTF, "cannot read the BTF file %s: %s",
		    opts->btf_path ? opts->btf_path : "(none given)", strerror(errno));
	case LOADER_BTF_NATIVE:
		if (pick_native(opts, c))
			return 0;
		eucc_error_set(err, -ENOENT, EUCC_E_NO_BTF, "this kernel (%s) has no %s", release,
			       opts->native_btf_override ?: NATIVE_BTF_PATH);
		eucc_error_hint(err,
				"use --btf auto, or --btf bundled with a package built "
				"for it: eucc-remote compile %s.bpf.c --kernel %s",
				pkg_name(in), release);
		return -ENOENT;
	case LOADER_BTF_BUNDLED:
		return pick_bundled(in, release, c) ? 0 : no_btf(in, release, true, err);
	case LOADER_BTF_AUTO:
		return choose_auto(in, opts, release, c, err);
	}
	return eucc_error_set(err, -EINVAL, EUCC_E_USAGE, "unknown BTF mode %d",
			      (int)opts->btf_mode);
}

int btf_write_temp(const struct loader_btf *b, char *path, size_t size, struct eucc_error *err)
{
	const char *dir = getenv("TMPDIR");
	int fd, ret;

	snprintf(path, size, "%s/eucc-btf-XXXXXX", dir && dir[0] ? dir : "/tmp");
	fd = mkstemp(path); /* 0600: private */
	if (fd < 0) {
		ret = -errno;
	} else {
		ret = fs_write_all(fd, b->data, b->size);
		if (close(fd) && !ret)
			ret = -errno;
		if (ret)
			unlink(path);
	}
	if (!ret)
		return 0;
	eucc_error_set(err, ret, EUCC_E_IO, "cannot write the bundled BTF of %s to %s: %s",
		       b->release, path, strerror(-ret));
	path[0] = '\0';
	return ret;
}

int loader_pick_btf(const struct loader_input *in, const struct loader_opts *opts, char *desc,
		    size_t size, struct eucc_error *err)
{
	struct loader_opts o;
	struct btf_choice c;
	int ret;

	opts_normalize(opts, &o);
	ret = btf_check_arch(in, err);
	if (!ret)
		ret = btf_choose(in, &o, &c, err);
	if (ret)
		return ret;
	snprintf(desc, size, "%s", c.desc);
	return 0;
}
