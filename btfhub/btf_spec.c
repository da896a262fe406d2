/* SPDX-License-Identifier: Apache-2.0 */
/* Kernel specs ("4.19", a release, "distro[/version[/arch]]", "local"), answered from the index. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "store_internal.h"

bool btf_spec_is_valid(const char *spec)
{
	size_t len = strlen(spec), parts = 1;

	if (len == 0 || len > BTF_SPEC_MAX_LEN || spec[0] == '/' || spec[len - 1] == '/' ||
	    strstr(spec, "//"))
		return false;
	for (const char *p = spec; *p; p++) {
		if (*p == '/')
			parts++;
		else if (!isalnum((unsigned char)*p) && !strchr("._+~-", *p))
			return false;
	}
	return parts <= 3 && !strstr(spec, "..");
}

static int cmp_kernels(const void *a, const void *b)
{
	const struct btf_kernel *x = a, *y = b;
	int c = strcmp(x->arch, y->arch);

	return c ? c : release_cmp(x->release, y->release);
}

/* distro[/version[/arch]] */
static int match_distro(struct btf_store *s, const char *spec, const char *arch,
			struct btf_kernel **out, size_t *count, struct eucc_error *err)
{
	char buf[256], *parts[3] = {NULL, NULL, NULL}, *save = NULL;
	const char *params[4];
	int n = 0;

	snprintf(buf, sizeof(buf), "%s", spec);
	for (char *p = strtok_r(buf, "/", &save); p; p = strtok_r(NULL, "/", &save)) {
		if (n == 3)
			return eucc_error_set(err, -EINVAL, EUCC_E_USAGE,
					      "bad kernel spec '%s': at most distro/version/arch",
					      spec);
		parts[n++] = p;
	}
	if (n == 0)
		return eucc_error_set(err, -EINVAL, EUCC_E_USAGE, "bad kernel spec '%s'", spec);
	if (parts[2]) {
		const char *a = arch_normalize(parts[2]);

		if (!a)
			return eucc_error_set(err, -EINVAL, EUCC_E_USAGE,
					      "bad kernel spec '%s': unknown architecture '%s'",
					      spec, parts[2]);
		if (arch && strcmp(arch, a)) {
			*out = NULL;
			*count = 0;
			return 0;
		}
		arch = a;
	}
	params[0] = parts[0];
	params[1] = parts[1];
	params[2] = arch;
	return store_query_kernels(s,
				   "SELECT " KERNEL_COLUMNS " FROM kernels WHERE distro = ?1 "
				   "COLLATE NOCASE AND (?2 IS NULL OR version = ?2 COLLATE NOCASE) "
				   "AND (?3 IS NULL OR arch = ?3)",
				   params, 3, out, count, err);
}

/* A release or a release prefix at a component boundary. */
static int match_release(struct btf_store *s, const char *spec, const char *arch,
			 struct btf_kernel **out, size_t *count, struct eucc_error *err)
{
	const char *params[] = {spec, arch};
	size_t n, kept = 0;
	int ret;

	/* The range query uses the UNIQUE(release, arch) index; the boundary is checked below. */
	ret = store_query_kernels(s,
				  "SELECT " KERNEL_COLUMNS " FROM kernels WHERE release >= ?1 AND "
				  "release < ?1 || char(1114111) AND (?2 IS NULL OR arch = ?2)",
				  params, 2, out, &n, err);
	if (ret)
		return ret;
	for (size_t i = 0; i < n; i++)
		if (release_has_prefix((*out)[i].release, spec))
			(*out)[kept++] = (*out)[i];
	*count = kept;
	return 0;
}

int btf_store_match(struct btf_store *store, const char *spec, const char *arch,
		    struct btf_kernel **out, size_t *count, struct eucc_error *err)
{
	struct utsname u;
	int ret;

	*out = NULL;
	*count = 0;
	if (arch && !(arch = arch_normalize(arch)))
		return eucc_error_set(err, -EINVAL, EUCC_E_USAGE, "unknown architecture");
	if (!spec || !*spec)
		spec = "";
	else if (!strcmp(spec, "local")) {
		if (uname(&u))
			return eucc_error_set(err, -errno, EUCC_E_INTERNAL, "uname failed");
		return btf_store_match(store, u.release, arch, out, count, err);
	}
	if (*spec && !btf_spec_is_valid(spec)) {
		eucc_error_set(err, -EINVAL, EUCC_E_USAGE, "bad kernel spec '%s'", spec);
		eucc_error_hint(err, "a spec is a release prefix (4.19), a release, "
				     "distro[/version[/arch]] (debian/12) or local");
		return -EINVAL;
	}
	if (strchr(spec, '/'))
		ret = match_distro(store, spec, arch, out, count, err);
	else
		ret = match_release(store, spec, arch, out, count, err);
	if (!ret && *count > 1)
		qsort(*out, *count, sizeof(**out), cmp_kernels);
	return ret;
}

static size_t common_prefix(const char *a, const char *b)
{
	size_t n = 0;

	while (a[n] && a[n] == b[n])
		n++;
	return n;
}

struct near {
	const struct btf_kernel *k;
	size_t score;
};

static int cmp_near(const void *a, const void *b)
{
	const struct near *x = a, *y = b;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return release_cmp(x->k->release, y->k->release);
}

/* "4.18.0-147.5.1.el8_1.aarch64 (centos/8/arm64), ..." : the stored kernels nearest to @spec. */
static void closest_kernels(const struct btf_kernel *all, size_t n, const char *spec, char *buf,
			    size_t size)
{
	struct near *near = calloc(n, sizeof(*near));
	size_t len = 0;

	buf[0] = '\0';
	if (!near)
		return;
	for (size_t i = 0; i < n; i++) {
		near[i].k = &all[i];
		near[i].score = strchr(spec, '/') ? common_prefix(all[i].distro, spec)
						  : common_prefix(all[i].release, spec);
	}
	qsort(near, n, sizeof(*near), cmp_near);
	for (size_t i = 0; i < n && i < 3 && len < size; i++)
		len += (size_t)snprintf(buf + len, size - len, "%s%s (%s/%s/%s)", i ? ", " : "",
					near[i].k->release, near[i].k->distro, near[i].k->version,
					near[i].k->arch);
	free(near);
}

int btf_store_explain_miss(struct btf_store *store, const char *spec, const char *arch,
			   struct eucc_error *err)
{
	struct btf_kernel *all = NULL;
	char closest[1024], arch_note[64] = "";
	size_t n = 0;

	if (arch)
		snprintf(arch_note, sizeof(arch_note), " for %s", arch);
	eucc_error_set(err, -ENOENT, EUCC_E_KERNEL_NOT_FOUND, "no stored kernel matches '%s'%s",
		       spec ? spec : "", arch_note);
	store_query_kernels(store, "SELECT " KERNEL_COLUMNS " FROM kernels", NULL, 0, &all, &n,
			    NULL);
	if (n == 0) {
		eucc_error_hint(err,
				"the BTF store is empty; import kernels with `eucc-server btf "
				"import PATH` (raw BTF, vmlinux, vmlinuz, BTFHub .btf.tar.xz or "
				"tree, kernel .deb)");
	} else {
		closest_kernels(all, n, spec ? spec : "", closest, sizeof(closest));
		eucc_error_hint(err,
				"closest stored: %s; to add a kernel: `eucc-server btf import "
				"PATH [--release R]` (raw BTF, vmlinux, vmlinuz, BTFHub "
				".btf.tar.xz or tree, kernel .deb)",
				closest);
	}
	free(all);
	return -ENOENT;
}
